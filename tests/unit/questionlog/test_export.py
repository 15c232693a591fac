"""The reports of the question log: unanswered, down-voted, wrong sources; newest or most first; since a date."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from rich.console import Console

from qa_bot.log_report import table
from qa_bot.questionlog import Click, Feedback, QuestionLog
from qa_bot.questionlog.export import down_voted, unanswered, write_csv, write_json_lines, wrong_sources

from .test_store import NOW, answer


def filled(path) -> QuestionLog:
    questions = QuestionLog.open(path, now=NOW)
    for days, text in ((3, "oldest unanswered?"), (1, "newest unanswered?")):
        questions.record(answer(text, quotes=0), channel="repl", asked_at=NOW - timedelta(days=days))
    liked = questions.record(answer("liked?"), channel="C1", user="U1", asked_at=NOW - timedelta(days=2))
    disliked = questions.record(answer("disliked?"), channel="C2", user="U1", asked_at=NOW - timedelta(days=1))
    assert liked and disliked
    questions.add_feedback(Click(liked, Feedback.HELPFUL, "U2", "a"), at=NOW)
    questions.add_feedback(Click(disliked, Feedback.NOT_HELPFUL, "U2", "b"), at=NOW)
    questions.add_feedback(Click(disliked, Feedback.NOT_HELPFUL, "U3", "c"), at=NOW)
    questions.add_feedback(Click(disliked, Feedback.HELPFUL, "U4", "d"), at=NOW)
    questions.add_feedback(Click(disliked, Feedback.WRONG_SOURCE, "U2", "e", 1), at=NOW)
    questions.add_feedback(Click(liked, Feedback.WRONG_SOURCE, "U2", "f", 1), at=NOW)
    questions.add_feedback(Click(liked, Feedback.WRONG_SOURCE, "U2", "g", 0), at=NOW)
    return questions


def test_reports_list_what_needs_work_newest_or_most_first(tmp_path):
    with filled(tmp_path / "q.sqlite") as questions:
        assert [r["question"] for r in unanswered(questions)] == ["newest unanswered?", "oldest unanswered?"]
        assert [r["channel"] for r in unanswered(questions)] == ["repl", "repl"]
        assert [r["question"] for r in unanswered(questions, since=NOW - timedelta(days=2))] == ["newest unanswered?"]
        assert [r["question"] for r in unanswered(questions, limit=1)] == ["newest unanswered?"]
        [voted] = down_voted(questions)
        assert (voted["question"], voted["not_helpful"], voted["helpful"]) == ("disliked?", 2, 1)
        assert voted["sources"] == "Article 0 | Article 1"
        marked = wrong_sources(questions)
        assert [(r["doc_id"], r["marked"], r["answers"]) for r in marked] == [("doc-1", 2, 2), ("doc-0", 1, 1)]
        assert wrong_sources(questions, since=NOW + timedelta(seconds=1)) == []


def test_each_person_votes_once_with_their_last_click(tmp_path):
    with filled(tmp_path / "q.sqlite") as questions:
        changed = questions.record(answer("changed my mind?"), channel="C3", user="U1", asked_at=NOW)
        assert changed
        for key in ("x1", "x2", "x3"):  # Not helpful clicked three times, then Helpful: one vote, the last
            questions.add_feedback(Click(changed, Feedback.NOT_HELPFUL, "U5", key), at=NOW)
        questions.add_feedback(Click(changed, Feedback.HELPFUL, "U5", "x4"), at=NOW)
        assert "changed my mind?" not in [r["question"] for r in down_voted(questions)]
        questions.add_feedback(Click(changed, Feedback.NOT_HELPFUL, "U6", "y1"), at=NOW)
        questions.add_feedback(Click(changed, Feedback.NOT_HELPFUL, "U6", "y2"), at=NOW)
        voted = next(r for r in down_voted(questions) if r["question"] == "changed my mind?")
        assert (voted["not_helpful"], voted["helpful"]) == (1, 1)
        for key in ("z1", "z2"):  # one person marking one quote twice
            questions.add_feedback(Click(changed, Feedback.WRONG_SOURCE, "U6", key, 0), at=NOW)
        assert {r["doc_id"]: r["marked"] for r in wrong_sources(questions)}["doc-0"] == 2  # 1 before, +1


def test_a_follow_up_is_listed_with_how_it_was_read_with_its_thread(tmp_path):
    with filled(tmp_path / "q.sqlite") as questions:
        read = "When did it crash? (defective drone crash)"
        questions.record(replace(answer("When did it crash?", quotes=0), read_as=read), channel="C9", asked_at=NOW)
        pending = questions.begin("Who owned it?", channel="C9", asked_at=NOW)
        assert pending and questions.finish(pending, replace(answer("Who owned it?", quotes=0),
                                                             read_as="Who owned it? (boat fire)"))
        rows = unanswered(questions)
    assert [(r["question"], r["read_as"]) for r in rows[:2]] == [
        ("Who owned it?", "Who owned it? (boat fire)"), ("When did it crash?", read)]
    assert rows[2]["read_as"] is None  # a question that stood alone
    console = Console(width=300, record=True)
    console.print(table("unanswered", rows))
    assert f"When did it crash? (read as: {read})" in console.export_text()


def test_rows_are_written_as_json_lines_and_csv(tmp_path):
    with filled(tmp_path / "q.sqlite") as questions:
        rows = unanswered(questions)
    out = io.StringIO()
    write_json_lines(rows, out)
    assert [json.loads(line)["question"] for line in out.getvalue().splitlines()] == [r["question"] for r in rows]
    out = io.StringIO()
    write_csv([{"list": "a", "x": 1}, {"list": "b", "y": "comma, and \"quote\""}], out)
    assert list(csv.DictReader(io.StringIO(out.getvalue()))) == [
        {"list": "a", "x": "1", "y": ""}, {"list": "b", "x": "", "y": 'comma, and "quote"'}]


def test_a_question_that_looks_like_a_formula_is_written_to_csv_as_text():
    import csv
    import io

    from qa_bot.questionlog.export import write_csv

    out = io.StringIO()
    write_csv([{"question": "=HYPERLINK(\"http://x\")", "votes": -1}, {"question": "-2+3?", "votes": 0},
               {"question": "Who is David Schenker?", "votes": 1}], out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["question"] for r in rows] == ["'=HYPERLINK(\"http://x\")", "'-2+3?", "Who is David Schenker?"]
    assert [r["votes"] for r in rows] == ["-1", "0", "1"]  # numbers stay numbers


def test_qa_bot_log_shows_peoples_text_without_terminal_escapes_and_csv_keeps_its_columns(tmp_path):
    from click.testing import CliRunner

    from qa_bot.cli import main

    hostile = "\x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \u202eesrever?"
    with filled(tmp_path / "q.sqlite") as questions:
        repeated = replace(answer("same article twice?"), quotes=tuple(  # titles with the separator in them
            replace(q, doc_id=doc, title=title, start=q.start + 100 * n) for n, (q, doc, title) in enumerate(zip(
                answer(quotes=3).quotes, ("doc-a", "doc-b", "doc-a"), ("A | Wire", "B | Wire", "A | Wire"),
                strict=True))))
        disliked = questions.record(repeated, channel="C9", user="U1", asked_at=NOW)
        questions.record(answer(hostile, quotes=0), channel="C9", asked_at=NOW)
        assert disliked
        questions.add_feedback(Click(disliked, Feedback.NOT_HELPFUL, "U2", "z"), at=NOW)
    shown = CliRunner().invoke(main, ["log", "--log", str(tmp_path / "q.sqlite")])
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.output and "\u202e" not in shown.output and "esrever?" in shown.output
    with QuestionLog.open(tmp_path / "q.sqlite", None) as questions:  # an article quoted twice is one source
        assert [r["sources"] for r in down_voted(questions) if r["answer_id"] == disliked] == ["A | Wire | B | Wire"]
    json_out = CliRunner().invoke(main, ["log", "--unanswered", "--json", "--log", str(tmp_path / "q.sqlite")])
    assert json.loads(json_out.output.splitlines()[0])["question"] == hostile  # the export keeps the text exactly
    with QuestionLog.open(tmp_path / "empty.sqlite"):
        pass
    for args, header in ((["--unanswered"], "list,question,asked_at,channel,as_of,confidence,read_as,answer_id,"
                                            "undelivered"),
                         ([], "list,question,asked_at,channel,as_of,confidence,read_as,answer_id,undelivered,"
                              "not_helpful,helpful,"
                              "sources,doc_id,title,marked,answers,last_marked")):
        empty = CliRunner().invoke(main, ["log", "--csv", *args, "--log", str(tmp_path / "empty.sqlite")])
        assert empty.exit_code == 0 and empty.output == header + "\n"  # the header, even with no rows


@pytest.mark.parametrize("form", [["--csv"], ["--json"], []])
def test_a_reader_that_stops_early_gets_no_error_line(tmp_path, form):
    import subprocess
    import sys

    with QuestionLog.open(tmp_path / "q.sqlite") as questions:
        for number in range(2000):
            questions.begin(f"question number {number} about the harbour?", channel="cli", asked_at=NOW)
    reader = subprocess.Popen([sys.executable, "-m", "qa_bot.cli", "log", "--limit", "0", *form, "--log",
                               str(tmp_path / "q.sqlite")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()  # as `| head -1` does
    reader.stdout.close()
    said = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 1 and "error" not in said and "Traceback" not in said, said


def test_a_list_cut_by_the_limit_says_so(tmp_path):
    from click.testing import CliRunner

    from qa_bot.cli import main

    with QuestionLog.open(tmp_path / "q.sqlite") as questions:
        for number in range(4):
            questions.begin(f"question {number}?", channel="cli", asked_at=NOW)
    log = ["--unanswered", "--log", str(tmp_path / "q.sqlite")]
    shown = CliRunner().invoke(main, ["log", "--limit", "3", *log])
    assert "Unanswered questions (the first 3 rows; --limit 0 shows all)" in shown.output
    assert "answer not delivered" not in shown.output  # a column no row fills is left out, for the others' room
    assert "Unanswered questions (4)" in CliRunner().invoke(main, ["log", "--limit", "4", *log]).output
    exported = CliRunner().invoke(main, ["log", "--limit", "3", "--csv", *log])
    assert exported.stdout.count("\n") == 4  # the header and three rows; the note is on stderr
    assert exported.stderr == "unanswered questions: the first 3 rows only (--limit 0 shows all)\n"
