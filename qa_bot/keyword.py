"""Keyword (BM25) search with bm25s: English stop words removed, words stemmed with Snowball."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("DISABLE_TQDM", "1")  # bm25s's own progress bars would clutter ours


@lru_cache(maxsize=1)
def _bm25s() -> Any:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG and logs every build
    return bm25s


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


_SPLITTER = re.compile(r"(?u)\b\w\w+\b")  # bm25s's own default splitter
NO_TERMS = "\x00no-terms"
"""The one term of an index whose texts have none; no query term can equal it."""


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def terms(texts: Sequence[str]) -> list[list[str]]:
    """Stemmed, stop-word-free terms of each text, exactly as ``bm25s.tokenize`` makes them.

    Done here directly (same splitter, stop words and stemmer) because it runs several times per
    question, and bm25s's tokenizer costs about 0.7 ms a call against 0.01 ms for this.
    """
    stopwords = _stopwords()
    stem = _stemmer().stemWords  # type: ignore[attr-defined]
    return [stem([w for w in _SPLITTER.findall(text.lower()) if w not in stopwords]) for text in texts]


class KeywordIndex:
    """A BM25 index over a list of texts, scored against whole queries."""

    def __init__(self, retriever: object) -> None:
        self._retriever = retriever

    @classmethod
    def build(cls, texts: Sequence[str]) -> KeywordIndex:
        """Index ``texts`` (row i of the index is texts[i])."""
        bm25s = _bm25s()
        retriever = bm25s.BM25()
        tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False)
        if not tokens.vocab:  # no text has a keyword (digits, emoji, stop words): bm25s needs one term
            tokens = bm25s.tokenization.Tokenized(ids=[[0] for _ in tokens.ids], vocab={NO_TERMS: 0})
        retriever.index(tokens, show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        """Write the index's arrays and vocabulary into ``folder``."""
        self._retriever.save(str(folder), show_progress=False)  # type: ignore[attr-defined]

    @classmethod
    def load(cls, folder: Path, mmap: bool = False) -> KeywordIndex:
        """Read an index written by :meth:`save`."""
        return cls(_bm25s().BM25.load(str(folder), mmap=mmap, show_progress=False))

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every indexed text for the query (zeros when no term is known)."""
        retriever = self._retriever
        known = [t for t in query_terms if t in retriever.vocab_dict]  # type: ignore[attr-defined]
        n = int(retriever.scores["num_docs"])  # type: ignore[attr-defined]
        if not known:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(retriever.get_scores(known), dtype=np.float32)  # type: ignore[attr-defined]

    def top(self, query_terms: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, scores) of the ``k`` best texts with a positive score, best first."""
        scores = self.scores(query_terms)
        k = min(k, len(scores))
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        rows = np.argpartition(-scores, k - 1)[:k]
        rows = rows[np.argsort(-scores[rows], kind="stable")]
        rows = rows[scores[rows] > 0]
        return rows.astype(np.int64), scores[rows]
