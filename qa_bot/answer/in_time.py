"""Answer a question as of its moment: never from later articles, inside the window its time words name,
newer articles preferred; and when the window holds no answer, say so and offer the best from other dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from qa_bot.answer.quotes import make_answer
from qa_bot.answer.rerank import Reranker
from qa_bot.answer.retrieve import make_query, retrieve
from qa_bot.answer.time_words import TimeReading, read_time
from qa_bot.config import AnswerOptions
from qa_bot.errors import ConfigError
from qa_bot.index import Index
from qa_bot.records import Answer

WINDOW_SLACK = timedelta(days=1)
"""A window is read as publication dates up to a day after it: a story about Tuesday is often dated Wednesday."""
_PREPOSITION = re.compile(r"^(?:in|on|during|over|since|from|for|of)\s+", re.I)


EARLIEST_YEAR, LATEST_YEAR = 1000, 9000


def as_of_moment(text: str) -> datetime:
    """The moment an as-of value names: ``YYYY-MM-DD`` (or ``YYYYMMDD``) is the end of that day in UTC (the whole
    day's articles count), a full ISO time is itself (in UTC when it has no zone).

    Raises:
        ConfigError: ``text`` is neither.
    """
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{8}", value):  # a day, with or without its dashes
            moment = datetime.combine(date.fromisoformat(value), time(23, 59, 59), tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"cannot read the as-of date {text!r}: give YYYY-MM-DD or an ISO time") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:  # time words' windows around it must stay real dates
        raise ConfigError(f"the as-of date {text!r} is out of range: give a year from {EARLIEST_YEAR} to "
                          f"{LATEST_YEAR}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reading_of(question: str, as_of: datetime, options: AnswerOptions) -> TimeReading | None:
    """What the question's time words say, when answers are time-aware; None otherwise."""
    return read_time(question, as_of, recent_days=options.recent_days) if options.time_aware else None


def answer_as_of(
    index: Index,
    question: str,
    encode: Callable[[str], np.ndarray],
    as_of: datetime,
    reading: TimeReading | None,
    options: AnswerOptions,
    reranker: Reranker | None = None,
    within: np.ndarray | None = None,
) -> Answer:
    """The answer to ``question`` as of ``as_of``, read as ``reading`` says; ``encode`` embeds a text.

    ``within`` (a mask over the passages, from :meth:`Index.document_passages` or :meth:`Index.source_passages`)
    keeps the answer to some articles: a follow-up asked inside its thread's articles, a question asked in a
    Slack channel limited to some sources. The notice that a window holds no answer then speaks of those
    articles only.

    Without a reading (time-awareness off) every article may answer and none is preferred for its date.
    Inside a window the question is searched without its time words ("last week" is no keyword); outside
    it, and when no article is dated in it at all, the whole question is (the words may be content: "born
    in 1990").
    """
    stamp = as_of.isoformat(timespec="seconds")
    if reading is None or not index.has_dates:  # no dates to go by: time words can only be content
        answer = _answer(index, question, encode(question), question, None, within, 0.0, options, reranker)
        return replace(answer, as_of=stamp)
    until = as_of + timedelta(seconds=1)
    recency = options.latest_weight if reading.latest else options.recency_weight
    published: np.ndarray | None = index.dated_passages(until=until)  # undated articles are kept
    if within is not None:
        published = published & within
    elif published is not None and published.all():
        published = None  # nothing to leave out: the stores search unfiltered, as fast as ever
    if reading.window is None:
        search_text = reading.rest or question
        answer = _answer(index, question, encode(search_text), search_text, as_of, published, recency, options,
                         reranker)
        return replace(answer, as_of=stamp)
    start, end = reading.window
    phrase = reading.phrase or "that time"
    window_end = min(end + WINDOW_SLACK, until)
    inside = index.dated_passages(until=window_end, since=start, undated=False)
    if within is not None:
        inside &= within
    if inside.any():
        search_text = reading.rest or question
        answer = _answer(index, question, encode(search_text), search_text, as_of, inside, recency, options,
                         reranker)
        if answer.answered:
            return replace(answer, as_of=stamp, window=phrase)
    elsewhere = _answer(index, question, encode(question), question, as_of, published, recency, options, reranker)
    if not index.dated_passages(until=window_end, undated=False).any():
        # No article is as old as the window: its words say what the question is about ("born in 1924", "the
        # crash in October" asked of November's news), not when it was reported. No window is claimed.
        return replace(elsewhere, as_of=stamp)
    when = _PREPOSITION.sub("", phrase)
    if not elsewhere.answered:
        notice = f"No articles from {when} answer this, nor any from another date up to {as_of.date()}."
        return replace(elsewhere, as_of=stamp, window=phrase, notice=notice)
    # Searched with its time words, the question may find an article of the window after all: only the quotes
    # from other dates are marked, and one from the window first answers as the window's answer.
    quotes = tuple(q if (index.document_passages([doc for doc, _, _ in q.spans]) & inside).any()
                   else replace(q, outside_window=True) for q in elsewhere.quotes)
    if not quotes[0].outside_window:
        return replace(elsewhere, quotes=quotes, as_of=stamp, window=phrase)
    notice = f"No articles from {when} answer this; the best answer from another date:"
    extra = f" {elsewhere.notice}" if elsewhere.notice else ""
    return replace(elsewhere, quotes=quotes, as_of=stamp, window=phrase, notice=notice + extra)


def _answer(
    index: Index,
    question: str,
    vector: np.ndarray,
    search_text: str,
    as_of: datetime | None,
    allowed: np.ndarray | None,
    recency: float,
    options: AnswerOptions,
    reranker: Reranker | None,
) -> Answer:
    query = replace(make_query(question, vector, search_text), as_of=as_of, allowed=allowed, recency=recency)
    return make_answer(index, query, retrieve(index, query, options), options, reranker)


__all__ = ["answer_as_of", "as_of_moment", "reading_of"]
