"""The bm25s keyword store: English stop words removed, words stemmed with Snowball (as :mod:`qa_bot.terms`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa_bot.index.stores import Entry, top_k
from qa_bot.terms import stemmer

NO_TERMS = "\x00no-terms"
"""The one term of a store whose texts have none; no query term can equal it."""


@lru_cache(maxsize=1)
def _bm25s() -> Any:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG and logs every build
    return bm25s


class Bm25KeywordStore:
    """A BM25 index (bm25s, Lucene scoring) over a list of texts."""

    kind = "bm25s"

    def __init__(self, retriever: Any) -> None:
        self._retriever = retriever
        self._rows = int(retriever.scores["num_docs"])

    def __len__(self) -> int:
        return self._rows

    @classmethod
    def build(cls, texts: Sequence[str]) -> Bm25KeywordStore:
        """Index ``texts`` (row i is texts[i])."""
        bm25s = _bm25s()
        retriever = bm25s.BM25()
        tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=stemmer(), show_progress=False)
        if not tokens.vocab:  # no text has a keyword (digits, emoji, stop words): bm25s needs one term
            tokens = bm25s.tokenization.Tokenized(ids=[[0] for _ in tokens.ids], vocab={NO_TERMS: 0})
        retriever.index(tokens, show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> Entry:
        """Write the index's arrays and vocabulary into ``folder``; return the manifest entry."""
        self._retriever.save(str(folder), show_progress=False)
        return {"kind": self.kind}

    @classmethod
    def load(cls, folder: Path, entry: Entry) -> Bm25KeywordStore:
        """Read a store written by :meth:`save`."""
        return cls(_bm25s().BM25.load(str(folder), show_progress=False))

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for the query (zeros when no term is known)."""
        known = [t for t in query_terms if t in self._retriever.vocab_dict]
        if not known:
            return np.zeros(self._rows, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    def top(
        self, query_terms: Sequence[str], k: int, allowed: np.ndarray | None = None, text: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, scores) of the ``k`` best rows with a positive score, best first (among ``allowed``)."""
        return top_k(self.scores(query_terms), k, positive_only=True, allowed=allowed)
