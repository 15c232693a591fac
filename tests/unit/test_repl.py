"""The REPL's lines with the fake embedder: what is typed or read from an article is shown as it is, a byte that
is not UTF-8 is asked as U+FFFD, Ctrl-C cancels an answer, a follow-up borrows whole words."""

from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console

from qa_bot.config import Settings
from qa_bot.index import load_index
from qa_bot.pipeline import MAX_QUESTION_CHARS, QAPipeline
from qa_bot.records import Document
from qa_bot.repl import Session, converse, greeting, handle, run_repl

from ..conftest import FakeEmbedder
from .conftest import build

ARTICLES = [
    Document("mayor", "The mayor opened the bridge on Monday. David Schenker said the militias were not involved.",
             "The [/red] mayor :fire:", "https://ex.com/a]b[/link]", "2024-05-01"),
    Document("storm", "A storm hit the coast on Friday. Thousands lost power.", "Storm", None, None),
]


class SlowEmbedder(FakeEmbedder):
    """The fake embedder, but a question with "slowly" in it is still being worked out when Ctrl-C comes."""

    def encode_queries(self, texts, progress=None):
        if any("slowly" in text for text in texts):
            raise KeyboardInterrupt
        return self.encode(texts, progress)


@pytest.fixture
def pipeline(tmp_path) -> QAPipeline:
    embedder = SlowEmbedder()
    build(ARTICLES, embedder, tmp_path / "i")
    settings = Settings(index_dir=tmp_path / "i", abstain_threshold=0.0)  # the fake's confidence is not calibrated
    return QAPipeline(settings, load_index(tmp_path / "i", embedder), embedder)


def test_brackets_typed_or_in_a_title_are_shown_as_they_are(pipeline):
    console = Console(record=True, width=300)
    session = Session()
    for line in ("Who opened the [/bold] bridge?", ":asof [/x]", ":sources", ":nope [/y] :fire:"):
        assert handle(line, pipeline, console, session)
    shown = console.export_text()
    assert "The [/red] mayor :fire: · 2024-05-01" in shown  # the answer's source line
    assert "cannot read the as-of date '[/x]'" in shown
    assert "  • The [/red] mayor :fire: (mayor · 2024-05-01 · https://ex.com/a]b[/link])" in shown  # :sources
    assert "unknown command :nope [/y] :fire:; type :help" in shown and "🔥" not in shown


def test_a_byte_that_is_not_utf8_is_asked_as_a_replacement_character(pipeline, monkeypatch):
    # Read strictly, as Python reads a pipe in most UTF-8 locales: the byte must not end the session.
    piped = io.TextIOWrapper(io.BytesIO(b"caf\xe9 bridge?\nWho opened the bridge?\n"), encoding="utf-8",
                             errors="strict")
    monkeypatch.setattr(sys, "stdin", piped)
    console = Console(record=True, width=300)
    run_repl(pipeline, console)
    shown = console.export_text()
    assert "Q: caf\ufffd bridge?" in shown and "Q: Who opened the bridge?" in shown
    assert shown.count("The mayor opened the bridge on Monday.") == 2
    handle("caf\udce9 bridge?", pipeline, console)  # from a terminal or the command line: a lone surrogate
    assert "\udce9" not in console.export_text()


def test_ctrl_c_while_an_answer_is_worked_out_cancels_it_and_the_session_goes_on(pipeline):
    lines = iter(["Tell me slowly who opened the bridge", "Who opened the bridge?"])

    def read() -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None  # Ctrl-D

    console = Console(record=True, width=300)
    converse(read, pipeline, console, Session())
    shown = console.export_text()
    assert "(cancelled)" in shown and "The mayor opened the bridge on Monday." in shown
    assert shown.index("(cancelled)") < shown.index("The mayor opened")


def test_a_follow_up_to_a_question_longer_than_the_limit_borrows_only_whole_words(pipeline):
    asked = "What did David Schenker say about militias? "
    long_question = asked * (MAX_QUESTION_CHARS // len(asked) + 2)
    assert long_question[:MAX_QUESTION_CHARS].rsplit(" ", 1)[1] not in asked.split()  # the limit falls mid-word
    console = Console(record=True, width=10_000)
    session = Session()
    handle(long_question, pipeline, console, session)
    handle("When did he say it?", pipeline, console, session)
    [note] = [line for line in console.export_text().splitlines() if line.startswith("read with the question")]
    assert note == "read with the question before: When did he say it? (David Schenker say about militias)"


def test_a_one_article_index_is_one_article_at_the_start_and_in_sources(tmp_path):
    embedder = FakeEmbedder()
    build(ARTICLES[:1], embedder, tmp_path / "one")
    one = QAPipeline(Settings(index_dir=tmp_path / "one"), load_index(tmp_path / "one", embedder), embedder)
    console = Console(record=True, width=300)
    console.print(greeting(one))
    handle(":sources", one, console)
    shown = console.export_text()
    assert "qa-bot — 1 article. Type a question" in shown and f"1 article in {one.index.build_dir}:" in shown
    assert "articles" not in shown
