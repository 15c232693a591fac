"""The as-of moment at the interfaces: `ask --as-of`, dated JSON question lines, the REPL's :asof."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rich.console import Console

from qa_bot.answer.in_time import as_of_moment
from qa_bot.cli import _read_questions, main
from qa_bot.config import Settings
from qa_bot.errors import ConfigError
from qa_bot.index import load_index
from qa_bot.pipeline import QAPipeline
from qa_bot.repl import Session, handle

from .answer.test_in_time import STORY
from .conftest import build


def test_question_lines_may_be_plain_or_json_with_their_own_date(tmp_path):
    source = tmp_path / "q.txt"
    source.write_text('Who?\n\n{"question": "How many?", "as_of": "2023-11-15"}\n'
                      '{"question": "When?", "question_date": "2023-01-02"}\n{"question": "Why?"}\n', encoding="utf-8")
    assert list(_read_questions(str(source))) == [("Who?", None), ("How many?", as_of_moment("2023-11-15")),
                                                  ("When?", as_of_moment("2023-01-02")), ("Why?", None)]
    source.write_text('Who?\n{"as_of": "2023-11-15"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"q\.txt:2: not a question"):
        list(_read_questions(str(source)))


@pytest.mark.parametrize(("field", "date"), [("as_of", "bad"), ("question_date", "13/11/2023"), ("as_of", 1)])
def test_a_date_that_cannot_be_read_is_refused_with_its_line_as_other_line_errors_are(tmp_path, field, date):
    source = tmp_path / "q.txt"
    source.write_text(f'Who?\n\n{json.dumps({"question": "How many?", field: date})}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        list(_read_questions(str(source)))
    assert str(refused.value) == (f"{source}:3: cannot read the as-of date {str(date)!r}: give YYYY-MM-DD or an "
                                  "ISO time")


def test_ask_json_gives_the_as_of_it_used_for_each_dated_question(tmp_path, fake_embedder, monkeypatch):
    build(STORY, fake_embedder, tmp_path / "i")
    monkeypatch.setattr("qa_bot.pipeline.embedder_from_settings", lambda settings: fake_embedder)
    monkeypatch.setenv("QA_BOT_MODEL", fake_embedder.model_id)  # the index's model and backend, so it is not refused
    monkeypatch.setenv("QA_BOT_EMBED_BACKEND", fake_embedder.backend)
    monkeypatch.setenv("QA_BOT_ABSTAIN_THRESHOLD", "0")
    lines = "\n".join(json.dumps({"question": "How many people did the flood kill?", "as_of": day})
                      for day in ("2023-10-05", "2023-12-31"))
    result = CliRunner().invoke(main, ["ask", "--json", "--questions", "-", "--index", str(tmp_path / "i")],
                                input=lines + "\n")
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["as_of"] == "2023-10-05T23:59:59+00:00" and second["as_of"] == "2023-12-31T23:59:59+00:00"
    assert {q["doc_id"] for q in first["quotes"]} <= {"oct", "bg"} and second["quotes"][0]["doc_id"] == "dec"
    dated = CliRunner().invoke(main, ["ask", "--json", "--as-of", "2023-11-20", "--index", str(tmp_path / "i"),
                                      "How many people did the flood kill?"])
    assert json.loads(dated.output)["as_of"] == "2023-11-20T23:59:59+00:00"


def test_a_bad_as_of_is_one_line_before_anything_loads(tmp_path):
    result = CliRunner().invoke(main, ["ask", "--as-of", "yesterday-ish", "--index", str(tmp_path), "Who?"])
    assert result.exit_code == 1 and "cannot read the as-of date 'yesterday-ish'" in result.output


def test_the_repl_asof_command_changes_the_moment_questions_are_asked_as_of(tmp_path, fake_embedder):
    build(STORY, fake_embedder, tmp_path / "i")
    settings = Settings(index_dir=tmp_path / "i", abstain_threshold=0.0)
    pipeline = QAPipeline(settings, load_index(tmp_path / "i", fake_embedder), fake_embedder)
    console = Console(record=True, width=200)
    session = Session()
    for line in (":asof 2023-10-05", "How many people did the flood kill?", ":asof", ":asof soon", ":asof now"):
        assert handle(line, pipeline, console, session)
    shown = console.export_text()
    assert "as of 2023-10-05T23:59:59+00:00: no later article is quoted" in shown
    assert "Flood toll rises" in shown and "Final flood toll" not in shown and "3 days earlier" in shown
    assert "cannot read the as-of date 'soon'" in shown and session.as_of is None


def test_the_repl_says_so_and_goes_on_when_the_search_engine_is_down(tmp_path, fake_embedder, monkeypatch):
    from qa_bot.errors import BackendUnavailableError

    build(STORY, fake_embedder, tmp_path / "i")
    pipeline = QAPipeline(Settings(index_dir=tmp_path / "i"), load_index(tmp_path / "i", fake_embedder), fake_embedder)

    def down(*args, **kwargs):
        raise BackendUnavailableError("cannot reach Milvus at http://milvus:19530: connection refused")

    monkeypatch.setattr(pipeline, "ask", down)
    console = Console(record=True, width=200)
    assert handle("How many people did the flood kill?", pipeline, console, Session())  # the session goes on
    assert "error: cannot reach Milvus at http://milvus:19530" in console.export_text()
