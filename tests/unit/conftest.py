"""The unit suite: the fake embedder and the NumPy vector store, no model, no subprocess, no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_bot.config import BuildOptions
from qa_bot.index import BuildSummary, build_index
from qa_bot.records import Document

DOCS = [
    Document("a", "The mayor opened a new bridge on Monday. The bridge cost 40 million dollars. "
             "Traffic is expected to ease.", "Bridge opens", "https://ex.com/a", "2024-05-01"),
    Document("b", "The city council approved the budget. Schools get more money this year. "
             "Parks get less.", "Budget passed", None, "2024-05-02"),
    Document("c", "A storm hit the coast on Friday. Thousands lost power. Crews worked overnight.",
             "Storm", None, None),
]


def build(documents: list[Document], embedder: object, folder: Path, **options: object) -> BuildSummary:
    """Build an index with the brute-force NumPy vector store (and any other build ``options``)."""
    return build_index(documents, embedder, folder, BuildOptions(**{"vector_store": "numpy", **options}))  # type: ignore[arg-type]


@pytest.fixture
def built(tmp_path, fake_embedder) -> Path:
    """The folder of an index of DOCS in passages of two sentences, one shared, with the NumPy store."""
    folder = tmp_path / "idx"
    build(DOCS, fake_embedder, folder, sentences_per_passage=2, passage_overlap=1)
    return folder
