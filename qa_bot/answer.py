"""Choose the sentences that answer a question and turn them into verbatim, sourced quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from qa_bot.index import Index
from qa_bot.keyword import terms
from qa_bot.records import Answer, Hit, Quote, SourceRef
from qa_bot.retrieve import Query


@dataclass(frozen=True, slots=True)
class QuoteOptions:
    """How quotes are chosen; the defaults come from ``Settings``."""

    max_quotes: int = 3
    max_quote_chars: int = 400
    passages_for_quotes: int = 8
    abstain_threshold: float = 0.3
    duplicate_similarity: float = 0.85
    sentence_weight: float = 0.5
    keyword_weight: float = 0.2
    passage_weight: float = 0.3
    relative_floor: float = 0.75


@dataclass(frozen=True, slots=True)
class ScoredSentence:
    """A candidate sentence and how well it answers the question."""

    sentence_id: int
    score: float
    cosine: float


def score_sentences(index: Index, query: Query, hits: list[Hit], options: QuoteOptions) -> list[ScoredSentence]:
    """Every sentence of the best passages, scored: its own cosine and BM25, and its passage's score."""
    best_passage: dict[int, float] = {}
    top = hits[: options.passages_for_quotes]
    if not top:
        return []
    top_score = max(h.score for h in top) or 1.0
    for hit in top:
        _, first, last, _, _ = (int(x) for x in index.passages[hit.passage_id])
        for sid in range(first, last + 1):
            best_passage[sid] = max(best_passage.get(sid, 0.0), hit.score / top_score)
    # A question in the text (an FAQ heading, a rhetorical question) is never an answer.
    ids = np.fromiter((sid for sid in best_passage if not index.sentence_text(sid).endswith("?")), dtype=np.int64)
    if len(ids) == 0:
        return []
    cosines = np.asarray(index.sentence_vectors[ids], dtype=np.float32) @ query.vector
    keyword = index.keyword_sentences.scores(query.terms)[ids]
    keyword = keyword / keyword.max() if keyword.max() > 0 else keyword
    passage = np.array([best_passage[int(i)] for i in ids], dtype=np.float32)
    scores = options.sentence_weight * cosines + options.keyword_weight * keyword + options.passage_weight * passage
    order = np.argsort(-scores, kind="stable")
    return [ScoredSentence(int(ids[i]), float(scores[i]), float(cosines[i])) for i in order]


def best_window(text: str, question_terms: set[str], max_chars: int) -> tuple[int, int]:
    """(start, end) of the part of ``text`` (at most ``max_chars``, word-aligned) richest in question terms."""
    if len(text) <= max_chars:
        return 0, len(text)
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    stems = terms([text[s:e] for s, e in words])
    hits = [1 if question_terms.intersection(ws) else 0 for ws in stems]
    best = (-1, 0, 0)
    j = 0
    count = 0
    for i in range(len(words)):
        j = max(j, i)
        while j < len(words) and words[j][1] - words[i][0] <= max_chars:
            count += hits[j]
            j += 1
        if j > i and count > best[0]:
            best = (count, words[i][0], words[j - 1][1])
        if j > i:
            count -= hits[i]
    if best[0] < 0:  # a single word longer than max_chars
        return 0, max_chars
    return best[1], best[2]


def _source(index: Index, sentence_id: int, start: int, end: int) -> SourceRef:
    doc = index.documents[int(index.sentences[sentence_id][0])]
    return SourceRef(doc.doc_id, doc.title, doc.url, doc.date, start, end, doc.text[start:end])


def make_answer(index: Index, query: Query, hits: list[Hit], options: QuoteOptions) -> Answer:
    """The answer to ``query`` from retrieval ``hits``: up to ``max_quotes`` quotes, or an abstention.

    Sentences close to one already chosen (cosine >= ``duplicate_similarity``) are not repeated:
    when they come from another document, that document is listed as another source of the quote.
    """
    scored = score_sentences(index, query, hits, options)
    if not scored:
        return Answer(question=query.text)
    confidence = max(0.0, min(1.0, scored[0].cosine))
    if confidence < options.abstain_threshold:
        return Answer(question=query.text, confidence=confidence)
    question_terms = set(query.terms)
    chosen: list[tuple[ScoredSentence, list[SourceRef]]] = []
    floor = scored[0].score * options.relative_floor
    for candidate in scored:
        if candidate.score < floor:
            break
        vector = np.asarray(index.sentence_vectors[candidate.sentence_id], dtype=np.float32)
        doc_index = int(index.sentences[candidate.sentence_id][0])
        duplicate_of = None
        for kept, also in chosen:
            similarity = float(np.asarray(index.sentence_vectors[kept.sentence_id], dtype=np.float32) @ vector)
            if similarity >= options.duplicate_similarity:
                duplicate_of = (kept, also)
                break
        if duplicate_of is not None:
            kept, also = duplicate_of
            kept_doc = int(index.sentences[kept.sentence_id][0])
            seen_docs = {kept_doc} | {d.doc_id for d in also}
            if doc_index != kept_doc and index.documents[doc_index].doc_id not in seen_docs:
                _, start, end = (int(x) for x in index.sentences[candidate.sentence_id])
                also.append(_source(index, candidate.sentence_id, start, end))
            continue
        if len(chosen) < options.max_quotes:
            chosen.append((candidate, []))
    quotes = []
    for candidate, also in chosen:
        doc_index, start, end = (int(x) for x in index.sentences[candidate.sentence_id])
        doc = index.documents[doc_index]
        lo, hi = best_window(doc.text[start:end], question_terms, options.max_quote_chars)
        quotes.append(
            Quote(
                text=doc.text[start + lo: start + hi],
                doc_id=doc.doc_id,
                title=doc.title,
                url=doc.url,
                date=doc.date,
                score=max(0.0, min(1.0, candidate.score)),  # the score quotes are ordered by
                start=start + lo,
                end=start + hi,
                also_in=tuple(also),
                cut_before=lo > 0,
                cut_after=start + hi < end,
            )
        )
    return Answer(question=query.text, quotes=tuple(quotes), confidence=confidence)
