"""A brute-force vector store in plain NumPy: exact, no engine, for unit tests and tiny corpora.

It is also the reference the other vector stores are checked against, and the example of what adding
a store takes: this class plus one line in :data:`qa_bot.index.stores.VECTOR_STORES`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa_bot.index.stores import Entry, top_k

FILE = "vectors.npy"


class NumpyVectorStore:
    """Every row scored against the query by one matrix-vector product."""

    kind = "numpy"
    stated_recall = 1.0

    def __init__(self, vectors: np.ndarray) -> None:
        self._vectors = vectors

    def __len__(self) -> int:
        return len(self._vectors)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, inner products) of the ``k`` nearest (``allowed``) rows to ``query``, best first, ties by id."""
        return top_k(self._vectors @ np.asarray(query, dtype=np.float32).reshape(-1), k, allowed=allowed)

    def save(self, folder: Path) -> Entry:
        """Write the vectors into ``folder``; return the manifest entry."""
        np.save(folder / FILE, self._vectors)
        return {"kind": self.kind}

    @classmethod
    def load(cls, folder: Path, entry: Entry) -> NumpyVectorStore:
        """Read the vectors memory-mapped."""
        return cls(np.asarray(np.load(folder / FILE, mmap_mode="r")))

    @classmethod
    def build(cls, vectors: np.ndarray, probes: np.ndarray, *, approximate_from: int) -> NumpyVectorStore:
        """A store of ``vectors``; it is always exact, so ``probes`` and ``approximate_from`` are unused."""
        return cls(np.ascontiguousarray(vectors, dtype=np.float32))
