"""Answers as of a moment (fake embedder, NumPy store): no later article, windows, recency, undated articles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from qa_bot.answer.in_time import answer_as_of, as_of_moment, reading_of
from qa_bot.config import Settings
from qa_bot.errors import ConfigError
from qa_bot.index import load_index
from qa_bot.pipeline import QAPipeline
from qa_bot.records import Document

from ..conftest import build

# The same story told three times, with a changing count, and an undated background piece.
STORY = [
    Document("oct", "Officials said the flood killed 12 people in the valley.", "Flood toll rises", None, "2023-10-02"),
    Document("nov", "Officials said the flood killed 31 people in the valley.", "Flood toll rises again", None,
             "2023-11-13"),
    Document("dec", "Officials said the flood killed 40 people in the valley.", "Final flood toll", None,
             "2023-12-20"),
    Document("bg", "The valley has flooded before, officials said, and the dam is old.", "Background", None, None),
]


@pytest.fixture
def pipeline(tmp_path, fake_embedder):
    build(STORY, fake_embedder, tmp_path / "i")
    # The fake embedder's confidence is not calibrated: never abstain, so every answer shows its quotes.
    settings = Settings(index_dir=tmp_path / "i", abstain_threshold=0.0, duplicate_similarity=1.01)
    return QAPipeline(settings, load_index(tmp_path / "i", fake_embedder), fake_embedder)


def quoted(answer) -> list[str]:
    return [q.doc_id for q in answer.quotes]


def test_an_article_dated_after_the_as_of_moment_is_never_quoted(pipeline):
    for day, allowed in (("2023-10-05", {"oct", "bg"}), ("2023-11-20", {"oct", "nov", "bg"})):
        answer = pipeline.ask("How many people did the flood kill?", as_of=as_of_moment(day))
        assert answer.quotes and set(quoted(answer)) <= allowed
        assert answer.as_of == f"{day}T23:59:59+00:00"
    before_all = pipeline.ask("How many people did the flood kill?", as_of=as_of_moment("2023-09-01"))
    assert set(quoted(before_all)) <= {"bg"}  # only the undated piece may answer


def test_newer_articles_rank_first_among_comparable_ones(pipeline):
    answer = pipeline.ask("How many people did the flood kill?", as_of=as_of_moment("2023-12-31"))
    assert quoted(answer)[0] == "dec"
    latest = pipeline.ask("What is the latest flood death toll?", as_of=as_of_moment("2023-11-30"))
    assert quoted(latest)[0] == "nov" and "31" in latest.quotes[0].text


def test_a_window_is_answered_inside_it(pipeline):
    answer = pipeline.ask("How many people did the flood kill last month?", as_of=as_of_moment("2023-11-20"))
    assert quoted(answer)[0] == "oct" and answer.window == "last month"
    assert not any(q.outside_window for q in answer.quotes) and answer.notice is None or "disagree" in answer.notice


def test_an_empty_window_says_so_and_offers_the_best_answer_from_another_date_marked(pipeline):
    answer = pipeline.ask("How many people did the flood kill this week?", as_of=as_of_moment("2023-12-01"))
    assert answer.notice and answer.notice.startswith("No articles from this week answer this")
    assert answer.quotes and all(q.outside_window for q in answer.quotes)
    assert set(quoted(answer)) <= {"oct", "nov", "bg"}  # still nothing after the as-of date
    assert answer.to_json()["quotes"][0]["outside_window"] is True


def test_undated_quotes_say_so(pipeline):
    from qa_bot.render import answer_text

    answer = pipeline.ask("Is the dam in the valley old?", as_of=as_of_moment("2023-12-31"))
    top = answer.quotes[0]
    assert top.doc_id == "bg" and top.to_json()["undated"] is True and "undated" in answer_text(answer)


def test_each_quote_shows_its_age_relative_to_the_as_of_moment(pipeline):
    from qa_bot.render import answer_text

    answer = pipeline.ask("How many people did the flood kill?", as_of=as_of_moment("2023-11-16"))
    assert "2023-11-13, 3 days earlier" in answer_text(answer)


def test_without_time_awareness_every_article_may_answer(pipeline):
    options = pipeline.options.model_copy(update={"time_aware": False})
    answer = pipeline.ask("How many people did the flood kill last month?", options, as_of=as_of_moment("2023-10-05"))
    assert "dec" in quoted(answer) or "nov" in quoted(answer)


def test_as_of_values_are_read_or_refused_in_one_line():
    assert as_of_moment("2023-11-15") == datetime(2023, 11, 15, 23, 59, 59, tzinfo=UTC)
    assert as_of_moment("20231115") == as_of_moment("2023-11-15")  # the compact day is the same whole day
    assert as_of_moment("2023-11-15T08:00:00+02:00").utcoffset().total_seconds() == 7200
    assert as_of_moment("2023-11-15T08:00").tzinfo == UTC
    with pytest.raises(ConfigError, match="cannot read the as-of date '15/11/2023'"):
        as_of_moment("15/11/2023")
    for far in ("9999-12-31", "0001-01-01", "0999-06-01T10:00"):  # "tomorrow" there was an OverflowError
        with pytest.raises(ConfigError, match=f"the as-of date '{far}' is out of range"):
            as_of_moment(far)


def test_an_articles_age_is_counted_in_the_as_of_moments_time_zone():
    """An article from before the as-of moment was "after the as-of date" when its calendar day, in its own
    zone or UTC, was later than the as-of moment's."""
    from qa_bot.render import age_words

    assert age_words("2020-01-13", "2020-01-12T22:00:00-05:00") == "the same day"  # 03:00 UTC on the 13th
    assert age_words("2023-11-14T08:00:00+09:00", "2023-11-13T23:59:59+00:00") == "the same day"
    assert age_words("2023-11-10", "2023-11-13T23:59:59+00:00") == "3 days earlier"
    assert age_words("2023-11-14", "2023-11-13T23:59:59+00:00") == "after the as-of date"


def test_an_answer_kept_to_some_articles_quotes_only_them_in_and_out_of_its_window(pipeline, fake_embedder):
    index, options = pipeline.index, pipeline.options

    def ask(question: str, day: str, story: set[str]):
        moment = as_of_moment(day)
        return answer_as_of(index, question, lambda t: fake_embedder.encode_queries([t])[0], moment,
                            reading_of(question, moment, options), options, None, index.document_passages(story))

    assert set(quoted(ask("How many people did the flood kill?", "2023-12-31", {"oct", "bg"}))) <= {"oct", "bg"}
    in_window = ask("How many people did the flood kill last month?", "2023-11-20", {"oct", "nov"})
    assert quoted(in_window) == ["oct"] and not in_window.quotes[0].outside_window
    # Nothing of the story in the window (October has only "oct"): the story's best answer from another date.
    elsewhere = ask("How many people did the flood kill last month?", "2023-11-20", {"nov"})
    assert quoted(elsewhere) == ["nov"] and all(q.outside_window for q in elsewhere.quotes)
    assert not ask("How many people did the flood kill?", "2023-11-20", {"dec"}).quotes  # dated after the as-of day


def test_the_fallback_marks_only_quotes_from_other_dates_and_answers_from_the_window_when_it_finds_it(
        pipeline, fake_embedder, monkeypatch):
    """Searched without its time words the window found nothing sure enough; searched with them, the question
    found an article of the window after all: that is the window's answer, not one "from another date"."""
    from qa_bot.answer import in_time
    from qa_bot.records import Answer, Quote

    def quote(doc: str, also: tuple[str, ...] = ()) -> Quote:
        folded = tuple(quote(d) for d in also)
        return Quote(text=f"Text of {doc}.", doc_id=doc, title=doc, url=None, date=None, score=0.9, start=0, end=9,
                     confidence=0.9, also_in=folded)

    found: list[Answer] = []
    monkeypatch.setattr(in_time, "_answer", lambda *args: found.pop(0))
    index, options = pipeline.index, pipeline.options
    moment = as_of_moment("2023-11-16")
    question = "How many people did the flood kill this week?"  # the window: 13 to 16 November, "nov" in it

    def ask(*elsewhere: Quote) -> Answer:
        found[:] = [Answer(question=question), Answer(question=question, quotes=elsewhere, confidence=0.9)]
        return answer_as_of(index, question, lambda t: fake_embedder.encode_queries([t])[0], moment,
                            reading_of(question, moment, options), options)

    inside_first = ask(quote("nov"), quote("oct"), quote("bg", also=("nov",)))
    assert inside_first.notice is None and inside_first.window == "this week"
    assert [q.outside_window for q in inside_first.quotes] == [False, True, False]  # a copy dated in it counts
    outside_first = ask(quote("oct"), quote("nov"))
    assert outside_first.notice == "No articles from this week answer this; the best answer from another date:"
    assert [q.outside_window for q in outside_first.quotes] == [True, False]


def test_a_window_older_than_every_article_is_what_the_question_is_about_not_when_it_was_reported(pipeline):
    """ "Who was born in 1924?" said "No articles from 1924 answer this" above the answer, marked outside."""
    answer = pipeline.ask("How many people did the flood kill in 2020?", as_of=as_of_moment("2023-12-31"))
    assert answer.quotes and answer.window is None and not (answer.notice or "").startswith("No articles")
    assert not any(q.outside_window for q in answer.quotes)
    # A window with older articles before it still says it holds none that answer.
    empty = pipeline.ask("How many people did the flood kill this week?", as_of=as_of_moment("2023-12-01"))
    assert empty.notice and empty.notice.startswith("No articles from this week answer this")
