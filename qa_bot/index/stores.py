"""The two kinds of store an index is made of, and the factory that makes or reads each by its kind.

A store is one search engine over a fixed list of rows (row i is passage i, or sentence i):

- a :class:`VectorStore` finds the rows nearest a query vector (inner product on normalised vectors);
- a :class:`KeywordStore` scores every row against a query's keyword terms (BM25).

Each store writes its own files into a folder it is given and returns its manifest entry, a small dict
whose ``kind`` names the implementation; the index's reader hands that entry back to :func:`load_vector_store`
or :func:`load_keyword_store` to read the store again. Adding an engine is one class with ``build``,
``load``, ``search`` (or ``scores`` and ``top``), ``__len__`` and ``save``, plus one line in a table below.
Stores know nothing of documents, settings or records: rows in, row ids and scores out.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import Protocol

import numpy as np

Entry = dict[str, object]
"""A store's manifest entry: ``{"kind": ..., ...}`` with whatever the store needs to read itself again."""


class VectorStore(Protocol):
    """Nearest rows to a query vector, by inner product (cosine, for normalised vectors)."""

    kind: str
    stated_recall: float
    """The recall@10 against exact search this store promises for its queries (1.0: exact)."""

    def __len__(self) -> int:
        """The number of rows."""
        ...

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, scores) of the ``k`` best rows for one query vector, best first.

        ``allowed`` (a boolean mask over the rows) restricts the search to the rows it marks, inside the
        engine, so the ``k`` results are the best allowed ones (a date filter, for example).
        """
        ...

    def save(self, folder: Path) -> Entry:
        """Write the store into the (existing, empty) ``folder``; return its manifest entry."""
        ...


class KeywordStore(Protocol):
    """BM25 scores of rows against a query's keyword terms (see :func:`qa_bot.terms.terms`)."""

    kind: str

    def __len__(self) -> int:
        """The number of rows."""
        ...

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """The score of every row (zeros when no term is known)."""
        ...

    def top(
        self, query_terms: Sequence[str], k: int, allowed: np.ndarray | None = None, text: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, scores) of the ``k`` best rows with a positive score, best first (among ``allowed``).

        ``text`` is the query as written, for an engine that analyses text itself; others ignore it.
        """
        ...

    def save(self, folder: Path) -> Entry:
        """Write the store into the (existing, empty) ``folder``; return its manifest entry."""
        ...


class VectorStoreType(Protocol):
    """What the factory needs of a vector store class."""

    def build(self, vectors: np.ndarray, probes: np.ndarray, *, approximate_from: int) -> VectorStore:
        """A store of ``vectors``; ``probes`` are question-like vectors an approximate store calibrates on."""
        ...

    def load(self, folder: Path, entry: Entry) -> VectorStore:
        """The store written into ``folder`` with manifest entry ``entry``."""
        ...


class KeywordStoreType(Protocol):
    """What the factory needs of a keyword store class."""

    def build(self, texts: Sequence[str]) -> KeywordStore:
        """A store of ``texts`` (row i is texts[i])."""
        ...

    def load(self, folder: Path, entry: Entry) -> KeywordStore:
        """The store written into ``folder`` with manifest entry ``entry``."""
        ...


# Implementations by name, imported only when used (so loading one engine never imports the others).
# A build asks for an engine by name; a manifest entry's kind maps back to the class that reads it.
VECTOR_STORES: dict[str, str] = {
    "faiss": "qa_bot.index.faiss_store:FaissVectorStore",
    "numpy": "qa_bot.index.numpy_store:NumpyVectorStore",
}
KEYWORD_STORES: dict[str, str] = {
    "bm25s": "qa_bot.index.bm25_store:Bm25KeywordStore",
}


def _class(table: dict[str, str], name: str, what: str) -> object:
    if name not in table:
        raise ValueError(f"unknown {what} {name!r}: known are {', '.join(sorted(table))}")
    module, _, attribute = table[name].partition(":")
    return getattr(import_module(module), attribute)


def build_vector_store(
    engine: str, vectors: np.ndarray, probes: np.ndarray, *, approximate_from: int
) -> VectorStore:
    """A vector store of ``vectors`` made by ``engine`` (a key of :data:`VECTOR_STORES`)."""
    store_type: VectorStoreType = _class(VECTOR_STORES, engine, "vector store")  # type: ignore[assignment]
    return store_type.build(vectors, probes, approximate_from=approximate_from)


def load_vector_store(folder: Path, entry: object) -> VectorStore:
    """The vector store in ``folder`` described by its manifest ``entry``; ``ValueError`` if unknown."""
    if not isinstance(entry, dict):
        raise ValueError(f"not a vector store entry: {entry!r}")
    store_type: VectorStoreType = _class(VECTOR_STORES, str(entry.get("kind")), "vector store")  # type: ignore[assignment]
    return store_type.load(folder, entry)


def build_keyword_store(engine: str, texts: Sequence[str]) -> KeywordStore:
    """A keyword store of ``texts`` made by ``engine`` (a key of :data:`KEYWORD_STORES`)."""
    store_type: KeywordStoreType = _class(KEYWORD_STORES, engine, "keyword store")  # type: ignore[assignment]
    return store_type.build(texts)


def load_keyword_store(folder: Path, entry: object) -> KeywordStore:
    """The keyword store in ``folder`` described by its manifest ``entry``; ``ValueError`` if unknown."""
    if not isinstance(entry, dict):
        raise ValueError(f"not a keyword store entry: {entry!r}")
    store_type: KeywordStoreType = _class(KEYWORD_STORES, str(entry.get("kind")), "keyword store")  # type: ignore[assignment]
    return store_type.load(folder, entry)


def top_k(
    scores: np.ndarray, k: int, positive_only: bool = False, allowed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(row ids, scores) of the ``k`` highest ``scores``, best first; equal scores in row order; only ``allowed`` rows.

    Shared by the stores that score every row (brute force, BM25). Ties are broken by row id even at the
    k-th place: every row above the k-th score is taken, then the lowest ids of those equal to it.
    """
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
        k = min(k, int(np.count_nonzero(allowed)))
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    kth = np.partition(scores, len(scores) - k)[len(scores) - k]
    above = np.flatnonzero(scores > kth)
    rows = np.concatenate([above, np.flatnonzero(scores == kth)[: k - len(above)]])
    rows = rows[np.lexsort((rows, -scores[rows]))]
    if positive_only:
        rows = rows[scores[rows] > 0]
    return rows.astype(np.int64), np.asarray(scores[rows], dtype=np.float32)


def recall_at_k(found: np.ndarray, exact: np.ndarray) -> float:
    """Mean share of each row of ``exact`` that appears in the same row of ``found``."""
    if len(exact) == 0:
        return 1.0
    k = exact.shape[1]
    return float(np.mean([len(set(f.tolist()) & set(e.tolist())) / k for f, e in zip(found, exact, strict=True)]))
