"""The eval's cached corpus index: one per corpus and build settings, reused while they stay the same."""

from __future__ import annotations

import io
import json
import re

import pytest
from rich.console import Console

from qa_bot.config import BuildOptions, Settings
from qa_bot.eval.run import corpus_cache_dir, open_corpus_index

from ..conftest import DOCS

CHANGED = {"sentences_per_passage": 1, "passage_overlap": 0, "approximate_from": 0, "vector_store": "faiss"}
"""A value other than the unit suite's for each build option (the suite builds with the NumPy store)."""


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"doc_id": d.doc_id, "title": d.title, "text": d.text}) + "\n" for d in DOCS),
                    encoding="utf-8")
    return path


def settings(tmp_path, **given: object) -> Settings:
    return Settings(_env_file=None, index_dir=tmp_path / "unused", **{"vector_store": "numpy", **given})


def open_index(tmp_path, corpus, fake_embedder, **given: object):
    err = Console(file=io.StringIO(), width=200)
    opened, index = open_corpus_index(settings(tmp_path, **given), corpus, tmp_path / "root", fake_embedder, err)
    return opened.index_dir, index.passage_count, err.file.getvalue()


def test_a_changed_build_setting_builds_its_own_cached_index_and_the_same_settings_reuse_theirs(
    tmp_path, corpus, fake_embedder
):
    four, four_passages, said = open_index(tmp_path, corpus, fake_embedder)
    assert "Indexing" in said
    one, one_passages, said = open_index(tmp_path, corpus, fake_embedder, sentences_per_passage=1, passage_overlap=0)
    assert "Indexing" in said and one != four
    assert one_passages > four_passages  # what QA_BOT_SENTENCES_PER_PASSAGE=1 asks for, not the earlier build
    assert "sentences_per_passage=1" in one.name and "passage_overlap=0" in one.name
    for folder, passages, given in ((four, four_passages, {}),
                                    (one, one_passages, {"sentences_per_passage": 1, "passage_overlap": 0})):
        again, count, said = open_index(tmp_path, corpus, fake_embedder, **given)
        assert (again, count) == (folder, passages) and "Indexing" not in said  # both kept, each reused


def test_every_build_option_and_the_index_backend_are_part_of_the_cache_key(tmp_path, corpus, fake_embedder):
    assert set(CHANGED) == set(BuildOptions.model_fields)  # a new build option needs a value here
    base = corpus_cache_dir(corpus, settings(tmp_path), fake_embedder, tmp_path)
    folders = {base} | {corpus_cache_dir(corpus, settings(tmp_path, **{name: value}), fake_embedder, tmp_path)
                        for name, value in CHANGED.items()}
    milvus = {"backend": "milvus", "milvus_uri": str(tmp_path / "m.db")}
    folders |= {corpus_cache_dir(corpus, settings(tmp_path, **milvus, **more), fake_embedder, tmp_path)
                for more in ({}, {"milvus_analyzer": "english"}, {"milvus_prefix": "other"})}
    assert len(folders) == len(CHANGED) + 4
    assert base == corpus_cache_dir(corpus, settings(tmp_path), fake_embedder, tmp_path)
    named = re.escape(corpus.parent.name if corpus.stem == "corpus" else corpus.stem)  # xquad_en/corpus.jsonl: xquad_en
    assert re.fullmatch(rf"eval-{named}-vector_store=numpy-[0-9a-f]{{12}}", base.name)  # what differs from defaults
    default = corpus_cache_dir(corpus, settings(tmp_path, vector_store="faiss"), fake_embedder, tmp_path)
    assert re.fullmatch(rf"eval-{named}-[0-9a-f]{{12}}", default.name)
