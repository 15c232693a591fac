"""Find the passages (and their sentences) most likely to answer a question: dense + keyword, fused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from qa_bot.config import AnswerOptions
from qa_bot.index import Index
from qa_bot.records import Hit
from qa_bot.terms import terms

RRF_K = 60


@dataclass(frozen=True, slots=True)
class Query:
    """A question as retrieval sees it: its text, embedding and keyword terms, and when it is asked.

    ``allowed`` marks the passages it may be answered from (dated up to its as-of moment and inside its
    window); ``as_of`` and ``recency`` (the weight of a new article's bonus) feed the recency prior.
    """

    text: str
    vector: np.ndarray
    terms: list[str]
    as_of: datetime | None = None
    allowed: np.ndarray | None = None
    recency: float = 0.0
    search_text: str = ""
    """The text the keyword terms came from (the question without its time words), for engines that analyse it."""


def dense_search(index: Index, query: Query, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(passage ids, cosine similarities) of the ``k`` nearest allowed passages, best first."""
    return index.search_passages(query.vector, k, query.allowed)


def keyword_search(index: Index, query: Query, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(passage ids, BM25 scores) of the ``k`` best allowed keyword matches with a positive score."""
    return index.keyword_passages(query.terms, k, query.allowed, query.search_text or query.text)


def fuse(
    dense: tuple[np.ndarray, np.ndarray],
    keyword: tuple[np.ndarray, np.ndarray],
    method: Literal["weighted", "rrf"],
    dense_weight: float,
    limit: int | None = None,
) -> list[Hit]:
    """Merge two ranked lists into one, best first (the ``limit`` best, when given).

    ``weighted``: ``w * cosine + (1 - w) * bm25 / max_bm25``; a passage missing from one list gets
    that list's lowest score (an upper bound on what it would have had there would overstate it).
    ``rrf``: reciprocal rank fusion, ``sum 1 / (60 + rank)``.
    """
    dense_ids, dense_scores = dense
    kw_ids, kw_scores = keyword
    dense_of = dict(zip(dense_ids.tolist(), dense_scores.tolist(), strict=True))
    kw_max = float(kw_scores[0]) if len(kw_scores) else 0.0
    kw_of = {i: s / kw_max for i, s in zip(kw_ids.tolist(), kw_scores.tolist(), strict=True)} if kw_max > 0 else {}
    dense_floor = float(dense_scores[-1]) if len(dense_scores) else 0.0
    kw_floor = min(kw_of.values()) if kw_of else 0.0
    scored: list[tuple[float, int]] = []
    if method == "rrf":
        dense_rank = {pid: r for r, pid in enumerate(dense_ids.tolist())}
        kw_rank = {pid: r for r, pid in enumerate(kw_ids.tolist())}
        for pid in dense_rank.keys() | kw_rank.keys():
            scored.append(
                (sum(1.0 / (RRF_K + 1 + ranks[pid]) for ranks in (dense_rank, kw_rank) if pid in ranks), pid)
            )
    else:
        for pid in dense_of.keys() | kw_of.keys():
            k = kw_of.get(pid, kw_floor if pid not in kw_of and kw_of else 0.0)
            scored.append((dense_weight * dense_of.get(pid, dense_floor) + (1 - dense_weight) * k, pid))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    # Hits are made only for the passages asked for: most of the candidates are never looked at again.
    return [Hit(pid, score) for score, pid in (scored if limit is None else scored[:limit])]


def retrieve(index: Index, query: Query, options: AnswerOptions) -> list[Hit]:
    """The ``passages_for_quotes`` best passages for ``query``, from dense and keyword search fused."""
    dense, keyword = dense_search(index, query, options.candidates), keyword_search(index, query, options.candidates)
    return fuse(dense, keyword, options.fusion, options.dense_weight, options.passages_for_quotes)


def make_query(text: str, vector: np.ndarray, search_text: str | None = None) -> Query:
    """A ``Query`` from the question's text and its embedding; keyword terms from ``search_text`` (default: text).

    The search text is the question without its time words ("last week" is a window, not two keywords).
    """
    searched = text if search_text is None else search_text
    return Query(text=text, vector=np.asarray(vector, dtype=np.float32), terms=terms([searched])[0],
                 search_text=searched)
