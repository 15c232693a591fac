"""Choose the sentences that answer a question and turn them into verbatim, sourced quotes."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from qa_bot.answer_type import AnswerType, candidates, expected_type, offers_answer
from qa_bot.index import Index
from qa_bot.keyword import terms
from qa_bot.records import Answer, Hit, Quote, SourceRef
from qa_bot.rerank import Reranker
from qa_bot.retrieve import Query


@dataclass(frozen=True, slots=True)
class QuoteOptions:
    """How quotes are chosen; the defaults come from ``Settings``."""

    max_quotes: int = 3
    max_quote_chars: int = 400
    passages_for_quotes: int = 8
    abstain_threshold: float = 0.5
    confidence_cosine: float = 21.0
    confidence_coverage: float = 11.9
    confidence_bias: float = -11.2
    duplicate_similarity: float = 0.85
    sentence_weight: float = 0.5
    keyword_weight: float = 0.2
    passage_weight: float = 0.3
    relative_floor: float = 0.75
    type_weight: float = 0.1
    neighbour_ratio: float = 0.8
    read_in_context: bool = True
    rerank_top: int = 10
    rerank_weight: float = 0.5


class ScoredSentence(NamedTuple):
    """A candidate sentence and how well it answers the question (a tuple: dozens are made per question)."""

    sentence_id: int
    score: float
    cosine: float
    alone: float
    """The score with the sentence read alone: what decides whether a neighbour joins its quote."""


def score_sentences(index: Index, query: Query, hits: list[Hit], options: QuoteOptions) -> list[ScoredSentence]:
    """Every sentence of the best passages, scored: its cosine and BM25 (read alone or with the sentence
    before it), its passage's score, and whether it offers the kind of answer the question asks for."""
    best_passage: dict[int, float] = {}
    top = hits[: options.passages_for_quotes]
    if not top:
        return []
    top_score = max(h.score for h in top) or 1.0
    spans = index.passages[[hit.passage_id for hit in top]][:, 1:3].tolist()
    for hit, (first, last) in zip(top, spans, strict=True):
        for sid in range(first, last + 1):
            best_passage[sid] = max(best_passage.get(sid, 0.0), hit.score / top_score)
    sids = np.fromiter(best_passage, dtype=np.int64, count=len(best_passage))
    texts = [index.documents[d].text[start:end] for d, start, end in index.sentences[sids].tolist()]
    # A question in the text (an FAQ heading, a rhetorical question) is never an answer.
    keep = [i for i, text in enumerate(texts) if not text.endswith("?")]
    if not keep:
        return []
    ids, texts = sids[keep], [texts[i] for i in keep]
    cosines = np.asarray(index.sentence_vectors[ids], dtype=np.float32) @ query.vector
    keyword_all = index.keyword_sentences.scores(query.terms)
    top_keyword = float(keyword_all[ids].max())
    if top_keyword > 0:
        keyword_all = keyword_all / top_keyword
    dense, keyword = cosines, keyword_all[ids]
    if options.read_in_context:
        dense, keyword = read_in_context(index, ids, cosines, keyword_all, query.vector)
    passage = options.passage_weight * np.array([best_passage[int(i)] for i in ids], dtype=np.float32)
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
    columns = (ids[order].tolist(), scores[order].tolist(), cosines[order].tolist(), alone[order].tolist())
    return [ScoredSentence(*row) for row in zip(*columns, strict=True)]


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
    vectors = index.sentence_vectors
    own = np.asarray(vectors[ids], dtype=np.float32)
    doc_of = index.sentences[:, 0]
    before = np.maximum(ids - 1, 0)
    same_article = (ids > 0) & (doc_of[before] == doc_of[ids])
    theirs = np.asarray(vectors[before], dtype=np.float32)
    # |a + b| = sqrt(2 + 2 a.b) for unit vectors a and b.
    norm = np.sqrt(np.maximum(2.0 + 2.0 * np.einsum("ij,ij->i", own, theirs), 1e-6))
    dense = np.where(same_article, np.maximum(cosines, (cosines + theirs @ question) / norm), cosines)
    alone = keyword_all[ids]
    keyword = np.where(same_article, np.maximum(alone, (alone + keyword_all[before]) / 2), alone)
    return dense, keyword


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


_BACK_REFERENCE = re.compile(r"^(?:he|she|it|they|this|these|those|his|her|its|their|the latter|the former)\b", re.I)


def quote_span(index: Index, sentence_id: int, scores: dict[int, float], options: QuoteOptions) -> tuple[int, int]:
    """(first, last) sentence ids of the quote around ``sentence_id``: the sentence or two that answer.

    ``scores`` are the sentences' scores read alone: read in context, the sentence after the chosen
    one would borrow the chosen one's words. A neighbour joins when it scores nearly as well
    (``neighbour_ratio``), or, for the previous sentence, when the chosen one starts by referring
    back to it ("He is also ..."); the two must fit in ``max_quote_chars`` and stand in the same
    paragraph.
    """
    doc_index, start, end = (int(x) for x in index.sentences[sentence_id])

    def joinable(other: int) -> bool:
        if other < 0 or other >= len(index.sentences) or int(index.sentences[other][0]) != doc_index:
            return False
        lo = min(start, int(index.sentences[other][1]))
        hi = max(end, int(index.sentences[other][2]))
        text = index.documents[doc_index].text
        between = text[min(end, int(index.sentences[other][2])): max(start, int(index.sentences[other][1]))]
        return hi - lo <= options.max_quote_chars and "\n\n" not in between  # one paragraph only

    own = scores.get(sentence_id, 0.0)
    close = [n for n in (sentence_id - 1, sentence_id + 1)
             if n in scores and scores[n] >= options.neighbour_ratio * own and joinable(n)]
    if close:
        other = max(close, key=lambda n: scores[n])
        return min(sentence_id, other), max(sentence_id, other)
    if _BACK_REFERENCE.match(index.sentence_text(sentence_id)) and joinable(sentence_id - 1):
        return sentence_id - 1, sentence_id
    return sentence_id, sentence_id


def _share_of_terms(asked: set[str], text: str) -> float:
    return len(asked & set(terms([text])[0])) / len(asked) if asked else 0.0


def term_coverage(index: Index, query: Query, hits: list[Hit]) -> float:
    """The share of the question's keyword terms found in the best passage (0 when it has none)."""
    if not hits:
        return 0.0
    doc_index, _, _, start, end = (int(x) for x in index.passages[hits[0].passage_id])
    return _share_of_terms(set(query.terms), index.documents[doc_index].text[start:end])


def evidence(index: Index, query: Query, hits: list[Hit], scored: list[ScoredSentence]) -> tuple[float, float]:
    """What the confidence model reads: the cosine of the best-ranked sentence read alone, and the share
    of the question's keyword terms in the best passage."""
    return scored[0].cosine, term_coverage(index, query, hits)


def calibrated_confidence(cosine: float, coverage: float, options: QuoteOptions) -> float:
    """The probability, in [0, 1], that the articles answer the question.

    A logistic model of the ``evidence`` (the best-ranked sentence's cosine, and the question terms'
    coverage of the best passage), fitted by ``scripts/fit_confidence.py``.
    """
    z = options.confidence_cosine * cosine + options.confidence_coverage * coverage + options.confidence_bias
    return float(1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z)))))


def rerank(
    index: Index, query: Query, scored: list[ScoredSentence], reranker: Reranker, options: QuoteOptions
) -> list[ScoredSentence]:
    """Blend the reranker's score into the ``rerank_top`` best sentences and order them again."""
    head, tail = scored[: options.rerank_top], scored[options.rerank_top:]
    extra = reranker.score(query.text, [index.sentence_text(s.sentence_id) for s in head])
    w = options.rerank_weight
    blended = [
        ScoredSentence(s.sentence_id, (1 - w) * s.score + w * float(r), s.cosine, (1 - w) * s.alone + w * float(r))
        for s, r in zip(head, extra, strict=True)
    ]
    return sorted(blended, key=lambda s: -s.score) + tail


def make_answer(
    index: Index, query: Query, hits: list[Hit], options: QuoteOptions, reranker: Reranker | None = None
) -> Answer:
    """The answer to ``query`` from retrieval ``hits``: up to ``max_quotes`` quotes, or an abstention.

    Sentences close to one already chosen (cosine >= ``duplicate_similarity``) are not repeated:
    when they come from another document, that document is listed as another source of the quote.
    """
    scored = score_sentences(index, query, hits, options)
    if not scored:
        return Answer(question=query.text)
    # Whether the articles answer at all is judged before any reranking, from the best-ranked sentence.
    confidence = calibrated_confidence(*evidence(index, query, hits, scored), options)
    if reranker is not None:
        scored = rerank(index, query, scored, reranker, options)
    if confidence < options.abstain_threshold:
        return Answer(question=query.text, confidence=confidence)
    question_terms = set(query.terms)
    scores = {c.sentence_id: c.alone for c in scored}
    chosen: list[tuple[ScoredSentence, tuple[int, int], list[SourceRef]]] = []
    covered: set[int] = set()
    floor = scored[0].score * options.relative_floor
    for candidate in scored:
        if candidate.score < floor:
            break
        if candidate.sentence_id in covered:
            continue
        vector = np.asarray(index.sentence_vectors[candidate.sentence_id], dtype=np.float32)
        doc_index = int(index.sentences[candidate.sentence_id][0])
        duplicate_of = None
        for kept, _, also in chosen:
            similarity = float(np.asarray(index.sentence_vectors[kept.sentence_id], dtype=np.float32) @ vector)
            if similarity >= options.duplicate_similarity:
                duplicate_of = (kept, also)
                break
        if duplicate_of is not None:
            kept, also = duplicate_of
            doc_id = index.documents[doc_index].doc_id
            kept_doc_id = index.documents[int(index.sentences[kept.sentence_id][0])].doc_id
            if doc_id != kept_doc_id and doc_id not in {ref.doc_id for ref in also}:
                _, start, end = (int(x) for x in index.sentences[candidate.sentence_id])
                also.append(_source(index, candidate.sentence_id, start, end))
            continue
        if len(chosen) < options.max_quotes:
            first, last = quote_span(index, candidate.sentence_id, scores, options)
            covered.update(range(first, last + 1))
            chosen.append((candidate, (first, last), []))
    quotes = []
    for candidate, (first, last), also in chosen:
        doc_index, start, _ = (int(x) for x in index.sentences[first])
        end = int(index.sentences[last][2])
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
                # How likely this quote answers: the calibrated model on the quote's own cosine and the share of
                # question terms it holds, never above the answer's.
                confidence=min(confidence, calibrated_confidence(
                    candidate.cosine, _share_of_terms(question_terms, doc.text[start + lo: start + hi]), options
                )),
                start=start + lo,
                end=start + hi,
                also_in=tuple(also),
                cut_before=lo > 0,
                cut_after=start + hi < end,
            )
        )
    # A further quote that the calibrated model doubts answers at all would only mislead.
    quotes = quotes[:1] + [q for q in quotes[1:] if q.confidence >= options.abstain_threshold]
    ordered, notice = prefer_newest(quotes, query.text)
    return Answer(question=query.text, quotes=ordered, confidence=confidence, notice=notice)


def prefer_newest(quotes: list[Quote], question: str) -> tuple[tuple[Quote, ...], str | None]:
    """When the two best quotes come from dated articles and give different numbers or dates, put the
    newest first and say so; otherwise keep the order."""
    wanted = expected_type(question)
    if len(quotes) < 2 or wanted not in (AnswerType.NUMBER, AnswerType.DATE):
        return tuple(quotes), None
    first, second = quotes[0], quotes[1]
    if not (first.date and second.date) or first.doc_id == second.doc_id or first.date == second.date:
        return tuple(quotes), None
    a, b = candidates(first.text, question, wanted), candidates(second.text, question, wanted)
    if not a or not b or a & b:
        return tuple(quotes), None
    newest, older = (first, second) if first.date > second.date else (second, first)
    notice = f"The articles disagree; the newest ({newest.date}) comes first, then the one of {older.date}."
    return (newest, older, *quotes[2:]), notice
