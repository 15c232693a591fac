"""Turn the best-scored sentences into verbatim, sourced quotes, or an abstention."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import takewhile
from typing import NamedTuple

import numpy as np

from qa_bot.answer.answer_type import AnswerType, candidates, expected_type, wants_following
from qa_bot.answer.confidence import answer_confidence, calibrated_confidence
from qa_bot.answer.rerank import Reranker
from qa_bot.answer.retrieve import Query
from qa_bot.answer.sentences import ScoredSentence, quoted_texts, rerank, score_sentences
from qa_bot.answer.stories import Stories, disagree
from qa_bot.config import AnswerOptions
from qa_bot.index import Index
from qa_bot.records import Answer, Evidence, Hit, Quote, SourceRef, moment_of
from qa_bot.terms import terms

_BACK_REFERENCE = re.compile(r"^(?:he|she|it|they|this|these|those|his|her|its|their|the latter|the former)\b", re.I)


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


def quote_span(
    index: Index,
    sentence_id: int,
    scores: dict[int, float],
    options: AnswerOptions,
    follow: bool = False,
    taken: Callable[[int], bool] = lambda _: False,
) -> tuple[int, int]:
    """(first, last) sentence ids of the quote around ``sentence_id``: the sentence or two that answer.

    ``scores`` are the sentences' scores read alone: read in context, the sentence after the chosen
    one would borrow the chosen one's words. A neighbour joins when it scores nearly as well
    (``neighbour_ratio``), or, for the previous sentence, when the chosen one starts by referring
    back to it ("He is also ..."). With ``follow`` (a "why" or "was anyone hurt" question) the sentence
    after joins as well, since the reason or the outcome usually comes there. Every part must fit in
    ``max_quote_chars`` and stand in the same paragraph, and no sentence that ``taken`` says is already
    quoted (or repeated by a quote) may join: a quote never contains or overlaps another.
    """
    around = range(max(sentence_id - 1, 0), min(sentence_id + 1, index.sentence_count - 1) + 1)
    rows = dict(zip(around, index.sentence_spans(around).tolist(), strict=True))
    doc_index, start, end = rows[sentence_id]
    text = index.document(doc_index).text
    first, last = sentence_id, sentence_id

    def joinable(other: int) -> bool:
        if other not in rows or rows[other][0] != doc_index or taken(other):
            return False
        _, other_start, other_end = rows[other]
        lo, hi = min(rows[first][1], other_start), max(rows[last][2], other_end)
        between = text[min(end, other_end): max(start, other_start)]
        return hi - lo <= options.max_quote_chars and "\n\n" not in between  # one paragraph only

    own = scores.get(sentence_id, 0.0)
    close = [n for n in (sentence_id - 1, sentence_id + 1)
             if n in scores and scores[n] >= options.neighbour_ratio * own and joinable(n)]
    if close:
        other = max(close, key=lambda n: scores[n])
        first, last = min(sentence_id, other), max(sentence_id, other)
    elif _BACK_REFERENCE.match(text[start:end]) and joinable(sentence_id - 1):
        first = sentence_id - 1
    if follow and last == sentence_id and joinable(sentence_id + 1):
        last = sentence_id + 1
    return first, last


def _share_of_terms(asked: set[str], text: str) -> float:
    return len(asked & set(terms([text])[0])) / len(asked) if asked else 0.0


def term_coverage(index: Index, query: Query, hits: list[Hit]) -> float:
    """The share of the question's keyword terms found in the best passage (0 when it has none)."""
    if not hits:
        return 0.0
    return _share_of_terms(set(query.terms), index.texts(index.passage_spans([hits[0].passage_id]))[0])


def make_answer(
    index: Index, query: Query, hits: list[Hit], options: AnswerOptions, reranker: Reranker | None = None
) -> Answer:
    """The answer to ``query`` from retrieval ``hits``: up to ``max_quotes`` quotes, or an abstention.

    Sentences close to one already chosen (cosine >= ``duplicate_similarity``) are not repeated:
    when they come from another document, that document is listed as another source of the quote.
    The answer carries its :class:`~qa_bot.records.Evidence`, what its confidence was computed from.
    """
    scored = score_sentences(index, query, hits, options)
    if not scored:
        return Answer(question=query.text)
    follow = wants_following(query.text)
    # Whether the articles answer at all: the best-ranked sentence's cosine (before any reranking), the
    # question's terms in the best passage, and the reranker's best probability when it ran.
    cosine = scored[0].cosine
    reranked = None
    # Which sentences are close enough to the best to be quoted, and which neighbours join a quote, are
    # judged on today's scores; the reranker only orders the quotes. Its probabilities are spread wider:
    # a floor on blended scores would drop good quotes, and a neighbour ratio would split an answer from
    # the sentence it leans on.
    eligible = eligible_sentences(scored, options)
    alone = {c.sentence_id: c.alone for c in scored}
    if reranker is not None:
        scored = rerank(index, query, scored, reranker, options,
                        lambda sid: quote_span(index, sid, alone, options, follow))
        reranked = max((s.reranked for s in scored if s.reranked is not None), default=None)
    evidence = Evidence(cosine, term_coverage(index, query, hits), reranked)
    confidence = answer_confidence(evidence, options)
    if confidence < options.abstain_threshold:
        return Answer(question=query.text, confidence=confidence, evidence=evidence)
    chosen = _choose(index, scored, options, follow, eligible, alone)
    question_terms = set(query.terms)
    quotes = [_quote(index, candidate, span, also, reported, question_terms, confidence, options)
              for candidate, span, also, reported in chosen]
    # A further quote that the calibrated model doubts answers at all would only mislead.
    quotes = quotes[:1] + [q for q in quotes[1:] if q.confidence >= options.abstain_threshold]
    ordered, notice = prefer_newest(quotes, query.text)
    return Answer(question=query.text, quotes=ordered, confidence=confidence, notice=notice, evidence=evidence)


class Reading(NamedTuple):
    """A candidate read as its quote would read: its article, where the text stands there, and the text."""

    doc_index: int
    start: int
    end: int
    text: str


def candidate_readings(
    index: Index, query: Query, hits: list[Hit], options: AnswerOptions, top: int
) -> list[Reading]:
    """The ``top`` best candidate sentences by the features, each read as its quote would read (the text the
    reranker reads for it, see :func:`~qa_bot.answer.sentences.rerank`), once each.

    ``scripts/train_reranker.py`` trains the reranker on these readings of its training questions, so that
    it learns to tell apart the kind of candidates it is asked to order.
    """
    scored = score_sentences(index, query, hits, options)
    alone = {c.sentence_id: c.alone for c in scored}
    follow = wants_following(query.text)
    spans = list(dict.fromkeys(quote_span(index, c.sentence_id, alone, options, follow) for c in scored[:top]))
    if not spans:
        return []
    firsts = index.sentence_spans([first for first, _ in spans]).tolist()
    lasts = index.sentence_spans([last for _, last in spans]).tolist()
    texts = quoted_texts(index, spans)
    return [Reading(doc, start, end, text) for (doc, start, _), (_, _, end), text in zip(firsts, lasts, texts,
                                                                                          strict=True)]


Chosen = tuple[ScoredSentence, tuple[int, int], list[SourceRef], list[SourceRef]]
"""A sentence chosen for a quote, the (first, last) sentences its quote spans, the same passage in other
articles of its story, and the same fact in independent articles."""


def eligible_sentences(scored: list[ScoredSentence], options: AnswerOptions) -> set[int]:
    """The sentences scoring at least ``relative_floor`` of the best one (``scored`` is best first)."""
    floor = scored[0].score * options.relative_floor
    return {c.sentence_id for c in takewhile(lambda c: c.score >= floor, scored)}


def _choose(
    index: Index, scored: list[ScoredSentence], options: AnswerOptions, follow: bool, eligible: set[int],
    alone: dict[int, float],
) -> list[Chosen]:
    """The ``eligible`` sentences to quote, best first, each once: near-duplicates become other sources of a
    quote. ``alone`` holds every candidate's score read alone, so that a neighbour outside ``eligible`` can
    still join a quote.

    No quote holds a sentence of another, nor a near-duplicate of one. A near-duplicate from an article of
    the same story (a copy, a rewrite), or a sentence standing at the same place of that story, is listed
    as another source of the quote; a near-duplicate from an independent article, as a corroboration.
    """
    stories = Stories(index, options)
    chosen: list[Chosen] = []
    owner: dict[int, int] = {}
    """Each quoted sentence (chosen or joined) and the quote that holds it."""

    def matched(sentence_id: int) -> tuple[int, int] | None:
        """(the quote holding ``sentence_id`` or a near-duplicate of it, the sentence it holds), if any."""
        if sentence_id in owner or not owner:
            return (owner[sentence_id], sentence_id) if sentence_id in owner else None
        held = list(owner)
        vectors = index.sentence_vectors([sentence_id, *held])
        similarity = vectors[1:] @ vectors[0]
        best = int(np.argmax(similarity))
        return (owner[held[best]], held[best]) if similarity[best] >= options.duplicate_similarity else None

    def repeated(sentence_id: int) -> int | None:
        """The quote holding ``sentence_id`` or a near-duplicate of it, if any."""
        found = matched(sentence_id)
        return None if found is None else found[0]

    def same_place(sentence_id: int, doc_index: int) -> int | None:
        """The quote from another article of this sentence's story that stands where it stands, if any.

        Its counterpart there is a quoted sentence (then that quote), or the sentence just before or after
        a quote and in none (then that quote: a rewrite often moves a clause to the next sentence).
        """
        for number, (_, (first, last), _, _) in enumerate(chosen):
            quoted_doc = int(index.sentence_spans([first])[0][0])
            if quoted_doc != doc_index and stories.same(doc_index, quoted_doc):
                there = stories.counterpart(sentence_id, quoted_doc)
                if there is None or updated(sentence_id, there):
                    continue
                if there in owner:
                    return owner[there]
                if first - 1 <= there <= last + 1:
                    return number
        return None

    def updated(sentence_id: int, other: int) -> bool:
        """True when the two sentences give different numbers: a later version's fact, never folded away."""
        a, b = index.sentence_texts([sentence_id, other])
        return disagree(a, b)

    for candidate in (c for c in scored if c.sentence_id in eligible):
        if candidate.sentence_id in owner:
            continue
        doc_index, start, end = index.sentence_spans([candidate.sentence_id]).tolist()[0]
        found = matched(candidate.sentence_id)
        duplicate = None
        if found is not None and not updated(candidate.sentence_id, found[1]):
            duplicate = found[0]  # nearly the same words with other numbers would be an update, quoted alone
        if duplicate is None:
            duplicate = same_place(candidate.sentence_id, doc_index)
        if duplicate is not None:
            (_, (first, _), also, reported) = chosen[duplicate]
            quoted_doc = int(index.sentence_spans([first])[0][0])
            listed = {index.document(quoted_doc).doc_id, *(r.doc_id for r in (*also, *reported))}
            if index.document(doc_index).doc_id not in listed:
                source = _source(index, doc_index, start, end)
                one_outlet = bool(source.source) and source.source == index.document(quoted_doc).source
                (also if one_outlet or stories.same(doc_index, quoted_doc) else reported).append(source)
            continue
        if len(chosen) < options.max_quotes:
            def taken(n: int, doc: int = doc_index) -> bool:
                """True when sentence ``n`` already stands in a quote, itself or as a copy or rewrite."""
                return repeated(n) is not None or same_place(n, doc) is not None

            first, last = quote_span(index, candidate.sentence_id, alone, options, follow, taken)
            owner.update(dict.fromkeys(range(first, last + 1), len(chosen)))
            chosen.append((candidate, (first, last), [], []))
    return chosen


def _source(index: Index, doc_index: int, start: int, end: int) -> SourceRef:
    doc = index.document(doc_index)
    return SourceRef(
        doc.doc_id, doc.title, doc.url, doc.date, start, end, doc.text[start:end], doc.source, doc.updated
    )


def _quote(
    index: Index,
    candidate: ScoredSentence,
    span: tuple[int, int],
    also: list[SourceRef],
    reported: list[SourceRef],
    question_terms: set[str],
    confidence: float,
    options: AnswerOptions,
) -> Quote:
    (doc_index, start, _), (_, _, end) = index.sentence_spans(span).tolist()
    doc = index.document(doc_index)
    lo, hi = best_window(doc.text[start:end], question_terms, options.max_quote_chars)
    text = doc.text[start + lo: start + hi]
    return Quote(
        text=text,
        doc_id=doc.doc_id,
        title=doc.title,
        url=doc.url,
        date=doc.date,
        score=max(0.0, min(1.0, candidate.score)),  # the score quotes are ordered by
        # How likely this quote answers: the calibrated model on the quote's own cosine and the share of
        # question terms it holds, never above the answer's.
        confidence=min(confidence, calibrated_confidence(
            candidate.cosine, _share_of_terms(question_terms, text), options, candidate.reranked
        )),
        start=start + lo,
        end=start + hi,
        also_in=tuple(also),
        reported_by=tuple(reported),
        source=doc.source,
        updated=doc.updated,
        cut_before=lo > 0,
        cut_after=start + hi < end,
    )


DISAGREE = "The articles disagree;"
"""How the notice of :func:`prefer_newest` begins: it speaks of the order of the quotes."""


def without_order_notice(notice: str | None) -> str | None:
    """``notice`` without its saying that the newest of disagreeing quotes comes first (see :func:`prefer_newest`):
    it no longer holds once another quote is put first. What the notice says before that (a time window's) stays."""
    return notice.split(DISAGREE)[0].strip() or None if notice else None


def prefer_newest(quotes: list[Quote], question: str) -> tuple[tuple[Quote, ...], str | None]:
    """When the best quote and any dated runner-up from another article give different numbers or dates,
    put the newest of them first and say so; otherwise keep the order.

    Dates are compared as moments (a date alone counts from its start in UTC), never as text.
    """
    wanted = expected_type(question)
    if len(quotes) < 2 or wanted not in (AnswerType.NUMBER, AnswerType.DATE):
        return tuple(quotes), None
    first = quotes[0]
    first_moment, said = moment_of(first.date), candidates(first.text, question, wanted)
    if first_moment is None or not said:
        return tuple(quotes), None
    disagreeing = []
    for quote in quotes[1:]:
        moment = moment_of(quote.date)
        if moment is None or quote.doc_id == first.doc_id or moment == first_moment:
            continue
        other = candidates(quote.text, question, wanted)
        if other and not other & said:
            disagreeing.append((moment, quote))
    if not disagreeing:
        return tuple(quotes), None
    moment, newest = max([(first_moment, first), *disagreeing], key=lambda pair: pair[0])
    older = first if newest is not first else max(disagreeing, key=lambda pair: pair[0])[1]
    rest = [q for q in quotes if q is not newest]
    notice = f"{DISAGREE} the newest ({newest.date}) comes first, then the one of {older.date}."
    if newest is first:
        rest = [older, *(q for q in rest if q is not older)]
    return (newest, *rest), notice
