"""`qa-bot ask` in process (fake embedder): output for a file or a pipe, questions as typed, usage errors."""

from __future__ import annotations

import json
import logging
import os
import sys

import pytest
from click.testing import CliRunner

from qa_bot.cli import main
from qa_bot.cli_common import log_handler
from qa_bot.records import Document

from .conftest import build

SENTENCE = "The harbour of the old town reopened on Tuesday after the storm that closed it for three weeks."
URL = "https://news.example.org/2024/05/01/the-harbour-of-the-old-town-reopened-after-the-storm.html"


@pytest.fixture
def index(tmp_path, fake_embedder, monkeypatch):
    build([Document("h", SENTENCE, "Harbour [/red] reopens", URL, "2024-05-01")], fake_embedder, tmp_path / "i")
    monkeypatch.setattr("qa_bot.pipeline.embedder_from_settings", lambda settings: fake_embedder)
    monkeypatch.setenv("QA_BOT_MODEL", fake_embedder.model_id)  # the index's model and backend, so it is not refused
    monkeypatch.setenv("QA_BOT_EMBED_BACKEND", fake_embedder.backend)
    monkeypatch.setenv("QA_BOT_ABSTAIN_THRESHOLD", "0")  # the fake's confidence is not calibrated
    return tmp_path / "i"


def ask(*args: str):
    return CliRunner().invoke(main, ["ask", *args])


def test_ask_into_a_file_or_a_pipe_never_wraps_a_quote_or_a_link(index):
    result = ask("--index", str(index), "When did the harbour reopen?")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"“{SENTENCE}”" in lines[0] and lines[1].rstrip() == lines[1] and f" · {URL} (confidence:" in lines[1]


def test_a_log_event_is_one_line_when_stderr_is_not_a_terminal(capsys):
    record = logging.LogRecord("qa_bot", logging.WARNING, __file__, 1, "skipped %s: %s", ("a.txt", "word " * 40), None)
    log_handler().handle(record)
    assert capsys.readouterr().err == f"WARNING  skipped a.txt: {'word ' * 40}\n"


def test_questions_with_brackets_are_asked_and_shown_as_typed_and_the_batch_goes_on(index, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text("What is [/bold] this?\nWhen did the harbour reopen?\n", encoding="utf-8")
    result = ask("--index", str(index), "--questions", str(questions))
    assert result.exit_code == 0, result.output
    assert "Q: What is [/bold] this?" in result.output and "Q: When did the harbour reopen?" in result.output
    assert "Harbour [/red] reopens · 2024-05-01" in result.output


def test_bytes_that_are_not_utf8_are_asked_as_replacement_characters(index, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_bytes(b'caf\xe9 harbour?\n{"question": "harbour \\ud800?"}\nWhen did the harbour reopen?\n')
    result = ask("--json", "--index", str(index), "--questions", str(questions))
    assert result.exit_code == 0, result.output
    asked = [json.loads(line)["question"] for line in result.output.splitlines()]
    assert asked == ["caf\ufffd harbour?", "harbour \ufffd?", "When did the harbour reopen?"]
    result = ask("--json", "--index", str(index), "caf\udce9 harbour?")  # as Python reads the byte from argv
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["question"] == "caf\ufffd harbour?"


@pytest.mark.parametrize("first", ['{"question": "When did the harbour reopen?", "as_of": "2024-05-02"}',
                                   "When did the harbour reopen?"])
def test_a_byte_order_mark_before_the_first_question_is_no_part_of_it(index, tmp_path, first):
    questions = tmp_path / "q.txt"
    text = f"\ufeff{first}\nWhere is the harbour?\n"  # as Notepad saves UTF-8
    questions.write_text(text, encoding="utf-8")
    from_file = ask("--json", "--index", str(index), "--questions", str(questions))
    from_stdin = CliRunner().invoke(main, ["ask", "--json", "--index", str(index), "--questions", "-"], input=text)
    for result in (from_file, from_stdin):
        assert result.exit_code == 0, result.output
        asked = [json.loads(line) for line in result.output.splitlines()]
        assert [answer["question"] for answer in asked] == ["When did the harbour reopen?", "Where is the harbour?"]
        if first.startswith("{"):  # read as JSON, its date too
            assert asked[0]["as_of"] == "2024-05-02T23:59:59+00:00"


@pytest.mark.parametrize("held", ["", "\n  \n\t\n", "\ufeff\n"])
def test_a_questions_file_or_stdin_without_a_question_is_an_error_before_anything_loads(tmp_path, held):
    questions = tmp_path / "q.txt"
    questions.write_text(held, encoding="utf-8")
    result = ask("--index", str(tmp_path / "none"), "--questions", str(questions))
    assert (result.exit_code, result.output) == (1, f"error: no questions in {questions}\n")
    result = CliRunner().invoke(main, ["ask", "--index", str(tmp_path / "none"), "--questions", "-"], input=held)
    assert (result.exit_code, result.output) == (1, "error: no questions on stdin\n")


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_an_empty_question_on_the_command_line_is_a_usage_error(tmp_path, question):
    result = ask("--index", str(tmp_path / "none"), question)  # refused before any index is looked for
    assert result.exit_code == 2
    assert result.output == 'error: empty question: give one in words (qa-bot ask "Who is ...?")\n'  # one line


@pytest.mark.parametrize("command", [["repl"], ["ask", "Who?"]])
@pytest.mark.parametrize("where", ["qa_bot.cli.setup_logging", "qa_bot.cli._open_pipeline"])
def test_ctrl_c_while_a_command_starts_is_interrupted_with_exit_130(tmp_path, monkeypatch, command, where):
    def pressed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(where, pressed)  # before the command itself runs (prepares logging), or as the model loads
    result = CliRunner().invoke(main, [*command, "--index", str(tmp_path)])
    assert (result.exit_code, result.output) == (130, "interrupted\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("as_json", [[], ["--json"]])
def test_an_answer_that_cannot_be_written_is_one_line(index, monkeypatch, capsys, as_json):
    with open("/dev/full", "w", encoding="utf-8") as full:  # every write: no space left on device
        monkeypatch.setattr(sys, "stdout", full)
        with pytest.raises(SystemExit) as ended:
            main(["ask", *as_json, "--index", str(index), "When did the harbour reopen?"], standalone_mode=False)
        monkeypatch.undo()
    assert ended.value.code == 1
    assert capsys.readouterr().err == "error: cannot write the answer: no space left on device\n"


def test_several_quoted_questions_are_each_answered_and_unquoted_words_are_one(index):
    both = ask("--json", "--index", str(index), "When did the harbour reopen?", "What closed the harbour?")
    assert both.exit_code == 0, both.output
    assert [json.loads(line)["question"] for line in both.output.splitlines()] == [
        "When did the harbour reopen?", "What closed the harbour?"]
    words = ask("--json", "--index", str(index), "When", "did", "the", "harbour", "reopen?")
    assert [json.loads(line)["question"] for line in words.output.splitlines()] == ["When did the harbour reopen?"]
    halves = ask("--json", "--index", str(index), "When did", "the harbour reopen?")  # not two questions: one
    assert [json.loads(line)["question"] for line in halves.output.splitlines()] == ["When did the harbour reopen?"]
