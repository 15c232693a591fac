"""Score the sentences of the best passages by how well each answers the question."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

import numpy as np

from qa_bot.answer.answer_type import expected_type, offers_answer
from qa_bot.answer.rerank import Reranker
from qa_bot.answer.retrieve import Query
from qa_bot.config import AnswerOptions
from qa_bot.index import Index
from qa_bot.records import Hit


class ScoredSentence(NamedTuple):
    """A candidate sentence and how well it answers the question (a tuple: dozens are made per question)."""

    sentence_id: int
    score: float
    cosine: float
    alone: float
    """The score with the sentence read alone: what decides whether a neighbour joins its quote."""
    reranked: float | None = None
    """The reranker's probability that the sentence answers, when a reranker read it."""
    recency: float = 0.0
    """The part of ``score`` (and ``alone``) that is the recency prior, not a reading of the text."""


def score_sentences(index: Index, query: Query, hits: list[Hit], options: AnswerOptions) -> list[ScoredSentence]:
    """Every sentence of the best passages, scored, best first: its cosine and BM25 (read alone or with the
    sentence before it), its passage's score, and whether it offers the kind of answer the question asks for."""
    best_passage: dict[int, float] = {}
    top = hits[: options.passages_for_quotes]
    if not top:
        return []
    top_score = max(h.score for h in top) or 1.0
    spans = index.passage_sentences([hit.passage_id for hit in top]).tolist()
    for hit, (first, last) in zip(top, spans, strict=True):
        for sid in range(first, last + 1):
            best_passage[sid] = max(best_passage.get(sid, 0.0), hit.score / top_score)
    sids = np.fromiter(best_passage, dtype=np.int64, count=len(best_passage))
    texts = index.sentence_texts(sids)
    # A question in the text (an FAQ heading, a rhetorical question) is never an answer.
    keep = [i for i, text in enumerate(texts) if not text.endswith("?")]
    if not keep:
        return []
    ids, texts = sids[keep], [texts[i] for i in keep]
    cosines = index.sentence_vectors(ids) @ query.vector
    keyword_all = index.sentence_keyword_scores(query.terms)
    top_keyword = float(keyword_all[ids].max())
    if top_keyword > 0:
        keyword_all = keyword_all / top_keyword
    dense, keyword = cosines, keyword_all[ids]
    if options.read_in_context:
        dense, keyword = read_in_context(index, ids, cosines, keyword_all, query.vector)
    passage = options.passage_weight * np.array([best_passage[int(i)] for i in ids], dtype=np.float32)
    recency = np.zeros(len(ids), dtype=np.float32)
    if query.recency and query.as_of is not None:
        recency = recency_bonus(index, ids, query.as_of, query.recency, options.recency_half_life_days)
        passage = passage + recency
    scores = options.sentence_weight * dense + options.keyword_weight * keyword + passage
    alone = options.sentence_weight * cosines + options.keyword_weight * keyword_all[ids] + passage
    wanted = expected_type(query.text)
    if wanted is not None and options.type_weight:
        # Only a sentence that could still reach the quotes' floor (``relative_floor`` of the best
        # score) with the bonus is read for answer candidates; the rules are the costly part.
        reach = scores + options.type_weight >= options.relative_floor * scores.max()
        offers = [bool(r) and offers_answer(t, query.text, wanted) for r, t in zip(reach, texts, strict=True)]
        bonus = options.type_weight * np.array(offers, dtype=np.float32)
        scores, alone = scores + bonus, alone + bonus
    order = np.argsort(-scores, kind="stable")
    columns = (ids[order].tolist(), scores[order].tolist(), cosines[order].tolist(), alone[order].tolist(),
               [None] * len(order), recency[order].tolist())
    return [ScoredSentence(*row) for row in zip(*columns, strict=True)]


def recency_bonus(index: Index, ids: np.ndarray, as_of: datetime, weight: float, half_life: float) -> np.ndarray:
    """``weight`` halved for every ``half_life`` days each sentence's article is older than ``as_of``.

    An undated article counts as old as the oldest dated candidate: kept, never preferred for being new.
    Among comparable sentences, the newer article's ranks higher.
    """
    ages = index.document_ages(index.sentence_spans(ids)[:, 0], as_of)
    if np.isnan(ages).all():  # nothing to tell apart: no bonus at all, so scores and floors stay as they were
        return np.zeros(len(ids), dtype=np.float32)
    bonus = weight * np.exp2(-np.maximum(ages, 0.0) / half_life)
    return np.where(np.isnan(ages), np.nanmin(bonus), bonus).astype(np.float32)


def read_in_context(
    index: Index, ids: np.ndarray, cosines: np.ndarray, keyword_all: np.ndarray, question: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence's cosine and keyword score, read alone or together with the sentence before it in
    its article, whichever reading matches the question better.

    A sentence that answers often leans on the one before for its subject ("He was the oldest ...",
    "The company said ..."). Only the sentence before counts: English refers back far more than
    forward, and reading a sentence with the one after would lend it credit for what that one says.
    The pair is read as the normalised sum of the two sentence vectors (no extra embedding), and its
    keyword score is the mean of the two (the pair is twice as long). ``keyword_all`` holds every
    sentence's keyword score, so that a sentence outside ``ids`` can still be the context.
    """
    before, same_article = index.previous_in_document(ids)
    own, theirs = index.sentence_vectors(ids), index.sentence_vectors(before)
    # |a + b| = sqrt(2 + 2 a.b) for unit vectors a and b.
    norm = np.sqrt(np.maximum(2.0 + 2.0 * np.einsum("ij,ij->i", own, theirs), 1e-6))
    dense = np.where(same_article, np.maximum(cosines, (cosines + theirs @ question) / norm), cosines)
    alone = keyword_all[ids]
    keyword = np.where(same_article, np.maximum(alone, (alone + keyword_all[before]) / 2), alone)
    return dense, keyword


def rerank(
    index: Index, query: Query, scored: list[ScoredSentence], reranker: Reranker, options: AnswerOptions,
    quoted: Callable[[int], tuple[int, int]] = lambda sid: (sid, sid),
) -> list[ScoredSentence]:
    """Blend the reranker's score into the ``rerank_top`` best sentences and order them again, when the best
    leads the next by less than ``rerank_margin`` (a clearer lead stands, and the reranker is not run).

    The reranker reads each sentence as its quote would read (``quoted`` gives the first and last
    sentence of the quote around it): with the sentence before it that it leans on ("Called the Ineos
    challenge, it featured 42 pacemakers"), or, for a "why" question, with the one after that holds
    the reason. The sentences below those get the lowest probability the reranker gave, so that every
    score stays on one scale without lending them a reading they did not have. The recency prior is
    kept whole (see :func:`_blend`).
    """
    if len(scored) < 2 or scored[0].score - scored[1].score >= options.rerank_margin:
        return scored  # one candidate or none, or a lead the others do not come close to: nothing to settle
    head, tail = scored[: options.rerank_top], scored[options.rerank_top:]
    if not head:
        return scored
    spans = [quoted(s.sentence_id) for s in head]
    unique = list(dict.fromkeys(spans))  # two candidates in one quote are read once
    read = dict(zip(unique, reranker.score(query.text, quoted_texts(index, unique)).tolist(), strict=True))
    extra = np.array([read[span] for span in spans], dtype=np.float32)
    low = float(np.min(extra))
    probabilities = [float(r) for r in extra] + [low] * len(tail)
    blended = [_blend(s, r, options.rerank_weight, i < len(head))
               for i, (s, r) in enumerate(zip(scored, probabilities, strict=True))]
    return sorted(blended, key=lambda s: -s.score)


def quoted_texts(index: Index, spans: list[tuple[int, int]]) -> list[str]:
    """The text of each (first, last) sentence span, from the first sentence's start to the last one's end:
    what the reranker reads for a candidate (and what ``scripts/train_reranker.py`` trains it on)."""
    if not spans:
        return []
    firsts = index.sentence_spans([first for first, _ in spans])
    lasts = index.sentence_spans([last for _, last in spans])
    return index.texts(np.column_stack([firsts[:, 0], firsts[:, 1], lasts[:, 2]]))


def _blend(s: ScoredSentence, probability: float, w: float, read: bool) -> ScoredSentence:
    """``s`` with ``w`` of its score (alone and in context) replaced by the reranker's ``probability``;
    the recency prior stays whole, since the reranker reads text, not dates."""
    def mix(score: float) -> float:
        return (1 - w) * (score - s.recency) + w * probability + s.recency

    return ScoredSentence(s.sentence_id, mix(s.score), s.cosine, mix(s.alone), probability if read else None,
                          s.recency)
