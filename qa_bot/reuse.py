"""Reuse the vectors of unchanged articles from the previous index, so a rebuild embeds only what changed.

A document is recognised by a hash of its text. Chunking is deterministic for a given text, model and
passage settings, so an unchanged text yields the same passages and sentences, and their old vectors
are still right.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from qa_bot.embed import Embedder
from qa_bot.errors import QABotError

Vectors = tuple[np.ndarray, np.ndarray]
"""(passage vectors, sentence vectors) of one document, in chunk order."""


def text_hash(text: str) -> str:
    """The content hash that identifies a document's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def previous_vectors(folder: Path, embedder: Embedder, sentences_per_passage: int, overlap: int) -> dict[str, Vectors]:
    """The vectors of every document of the index in ``folder``, by text hash.

    Empty when there is no index there, or when it was built with another model, backend, format or
    passage settings (its vectors or chunks would not match).
    """
    from qa_bot.index import FORMAT_VERSION, load_index

    try:
        index = load_index(folder, embedder)
    except QABotError:
        return {}
    manifest = index.manifest
    same = (
        manifest.get("format") == FORMAT_VERSION
        and manifest.get("max_tokens") == embedder.max_tokens
        and manifest.get("sentences_per_passage") == sentences_per_passage
        and manifest.get("passage_overlap") == overlap
    )
    if not same:
        return {}
    passage_vectors = np.asarray(index.passage_vector_rows)
    sentence_vectors = np.asarray(index.sentence_vectors)
    passage_docs = index.passages[:, 0]
    sentence_docs = index.sentences[:, 0]
    found: dict[str, Vectors] = {}
    for doc_index, document in enumerate(index.documents):
        found[text_hash(document.text)] = (
            passage_vectors[passage_docs == doc_index],
            sentence_vectors[sentence_docs == doc_index],
        )
    return found
