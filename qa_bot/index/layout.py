"""The files of one index build, and how its documents are written and read.

One build is a folder (the live one is reached through the index's link, see :mod:`qa_bot.index.builds`)::

    manifest.json          model, backend, dimension, counts, stores, versions, format, checksums
    documents.jsonl        one document a line: id, metadata, text, and the hash of its text
    sentences.npy          int64 rows (document, start, end)
    passages.npy           int64 rows (document, first sentence, last sentence, start, end)
    passage_vectors.npy    normalised passage vectors, row i = passage i (exact, kept for rebuilds)
    sentence_vectors.npy   normalised sentence vectors, row i = sentence i
    passage_store/         the passage vector store (FAISS by default; its manifest entry says which)
    passage_keywords/      the keyword store of passages (bm25s)
    sentence_keywords/     the keyword store of sentences (bm25s)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from qa_bot.records import Document

DOCUMENTS = "documents.jsonl"
SENTENCES = "sentences.npy"
PASSAGES = "passages.npy"
PASSAGE_VECTORS = "passage_vectors.npy"
SENTENCE_VECTORS = "sentence_vectors.npy"
PASSAGE_STORE = "passage_store"
PASSAGE_KEYWORDS = "passage_keywords"
SENTENCE_KEYWORDS = "sentence_keywords"
FILES = (DOCUMENTS, SENTENCES, PASSAGES, PASSAGE_VECTORS, SENTENCE_VECTORS, PASSAGE_STORE, PASSAGE_KEYWORDS,
         SENTENCE_KEYWORDS)
"""The files and folders of a build beside its manifest: a folder with one of them is an index's, not a user's."""
_HASH = "content_hash"


def content_hash(text: str) -> str:
    """The hash that identifies a document's text: an unchanged text keeps its vectors across rebuilds."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_documents(folder: Path, documents: Sequence[Document]) -> None:
    """Write ``documents`` with their content hashes into ``folder``'s documents file."""
    with (folder / DOCUMENTS).open("w", encoding="utf-8") as out:
        for document in documents:
            out.write(json.dumps({**asdict(document), _HASH: content_hash(document.text)}, ensure_ascii=False) + "\n")


def read_documents(folder: Path) -> tuple[list[Document], list[str]]:
    """(documents, their content hashes) from ``folder``'s documents file."""
    documents: list[Document] = []
    hashes: list[str] = []
    with (folder / DOCUMENTS).open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            hashes.append(str(record.pop(_HASH)))
            documents.append(Document(**record))
    return documents, hashes
