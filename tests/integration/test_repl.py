"""The REPL driven through a pseudo-terminal, as a person would, and through a pipe."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from qa_bot.pipeline import MAX_QUESTION_CHARS

from ..helpers import cli_env, interruptible, run_cli

PROMPT = "ask›"


def spawn_repl(tmp_path, index) -> pexpect.spawn:
    """``qa-bot repl`` on ``index`` in a 40x200 pseudo-terminal, as a person would start it."""
    return pexpect.spawn(
        sys.executable, ["-m", "qa_bot.cli", "repl", "--index", str(index)],
        cwd=str(tmp_path), env=cli_env(tmp_path), encoding="utf-8", timeout=120, dimensions=(40, 200),
    )


def test_repl_in_a_terminal(tmp_path, bundled_index):
    child = spawn_repl(tmp_path, bundled_index)
    try:
        child.expect(PROMPT)
        child.sendline("Who is David Schenker?")
        child.expect("assistant secretary of state")
        child.expect(PROMPT)
        child.sendline(":sources")
        child.expect("2 articles")
        child.expect(PROMPT)
        child.sendline(":nonsense")
        child.expect("unknown command")
        child.expect(PROMPT)
        child.send("half a question")
        child.sendintr()  # Ctrl-C drops the line and keeps the REPL running
        child.expect(PROMPT)
        child.sendline("Who won the 2018 FIFA World Cup?")
        child.expect("The articles don't say")
        child.expect(PROMPT)
        child.sendline(":help")
        child.expect(":quit")
        child.expect(PROMPT)
        child.sendline(":asof 2023-11-14")  # the day after the dated article
        child.expect("as of 2023-11-14T23:59:59")
        child.expect(PROMPT)
        child.sendline("Who is David Schenker?")
        child.expect("1 day earlier")  # each quote's age, as of that day
        child.expect(PROMPT)
        child.sendeof()  # Ctrl-D leaves
        child.expect("bye")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    history = (tmp_path / "state" / "qa-bot" / "history").read_text(encoding="utf-8")
    assert "Who is David Schenker?" in history and "half a question" not in history


def test_repl_quit_command(tmp_path, bundled_index):
    child = spawn_repl(tmp_path, bundled_index)
    child.expect(PROMPT)
    child.sendline(":quit")
    child.expect("bye")  # it says goodbye,
    child.expect(pexpect.EOF)
    after = child.before
    child.close()
    assert PROMPT not in after  # asks nothing more,
    assert "The articles don't say" not in after and "unknown command" not in after  # takes :quit as a command,
    assert child.exitstatus == 0  # and ends cleanly


def test_a_history_file_that_cannot_be_used_is_one_warning_and_the_session_goes_on(tmp_path, bundled_index):
    (tmp_path / "state" / "qa-bot" / "history").mkdir(parents=True)  # a folder where the history file goes
    child = spawn_repl(tmp_path, bundled_index)
    child.expect("cannot keep the question history in")
    child.expect(PROMPT)
    child.sendline("Who is David Schenker?")
    child.expect("assistant secretary of state")
    child.expect(PROMPT)
    child.sendline(":quit")
    child.expect(pexpect.EOF)
    shown = child.before
    child.close()
    assert "Traceback" not in shown and "Press ENTER" not in shown and child.exitstatus == 0


def test_repl_reads_lines_from_a_pipe(tmp_path, bundled_index):
    result = run_cli(tmp_path, "repl", "--index", str(bundled_index),
                     input="Who is David Schenker?\nWho won the 2018 FIFA World Cup?\n")
    assert result.returncode == 0, result.stderr
    assert "assistant secretary of state" in result.stdout
    assert "The articles don't say" in result.stdout
    assert "Traceback" not in result.stderr


def test_repl_picks_up_a_rebuilt_index_between_questions(tmp_path):
    from ..conftest import ARTICLES

    articles = tmp_path / "articles"
    shutil.copytree(ARTICLES, articles)
    index = tmp_path / "index"
    assert run_cli(tmp_path, "index", "build", "--articles", str(articles), "--index", str(index)).returncode == 0
    child = spawn_repl(tmp_path, index)
    try:
        child.expect(PROMPT)
        child.sendline("When does the Riverside library open its reading room?")
        child.expect("The articles don't say")
        child.expect(PROMPT)
        (articles / "library.txt").write_text(
            "Riverside library opens a reading room\n\nThe Riverside library will open its new reading room "
            "on 3 March, the city council said on Tuesday. The room has 80 seats.\n",
            encoding="utf-8",
        )
        rebuilt = run_cli(tmp_path, "index", "build", "--articles", str(articles), "--index", str(index))
        assert rebuilt.returncode == 0, rebuilt.stderr
        child.sendline("When does the Riverside library open its reading room?")
        child.expect("The index was rebuilt: now 3 articles")
        said = child.before
        child.expect("on 3 March")
        assert "rebuilt index" not in said + child.before  # said once, not again as a log line
        child.expect(PROMPT)
        child.sendline(":quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()


def test_a_question_leaning_on_the_one_before_is_read_with_it(tmp_path, bundled_index):
    result = run_cli(tmp_path, "repl", "--index", str(bundled_index),
                     input="Where did the defective drone crash?\nWhen did it crash?\n")
    assert result.returncode == 0, result.stderr
    first, said, follow_up = result.stdout.partition("read with the question before")
    assert said and "Q: When did it crash?" in first  # said under the follow-up, not the first question
    assert "(defective drone crash)" in follow_up.splitlines()[0] and "October 26" in follow_up


SLOW_REPL = """
import sys, time
from qa_bot.pipeline import QAPipeline
asked = QAPipeline.ask
def ask(self, question, *args, **kwargs):  # an answer still being worked out when Ctrl-C comes
    if "slowly" in question:
        print("working on it", flush=True)
        time.sleep(120)
    return asked(self, question, *args, **kwargs)
QAPipeline.ask = ask
from qa_bot.cli import main
main(["repl", "--index", sys.argv[1]])
"""


def test_ctrl_c_while_an_answer_is_worked_out_cancels_it_and_the_session_goes_on(tmp_path, bundled_index):
    child = pexpect.spawn(
        sys.executable, ["-c", SLOW_REPL, str(bundled_index)], cwd=str(tmp_path), env=cli_env(tmp_path),
        encoding="utf-8", timeout=120, dimensions=(40, 200), preexec_fn=interruptible,
    )
    try:
        child.expect(PROMPT)
        child.sendline("Tell me slowly who David Schenker is")
        child.expect("working on it")
        child.sendintr()  # Ctrl-C while the answer is worked out: that answer is dropped, the REPL stays
        child.expect(r"\(cancelled\)")
        child.expect(PROMPT)
        child.sendline("Who is David Schenker?")
        child.expect("assistant secretary of state")
        child.expect(PROMPT)
        child.sendeof()  # Ctrl-D still leaves
        child.expect("bye")
        child.expect(pexpect.EOF)
        said = child.before
    finally:
        child.close()
    assert child.exitstatus == 0 and "interrupted" not in said


@pytest.fixture(scope="module")
def odd_index(tmp_path_factory, real_embedder) -> Path:
    """The bundled articles and one titled with what rich would read as markup (a closing tag, an emoji code)."""
    from qa_bot.build import build_from_paths
    from qa_bot.config import Settings

    from ..conftest import ARTICLES

    articles = tmp_path_factory.mktemp("odd-articles")
    shutil.copytree(ARTICLES, articles, dirs_exist_ok=True)
    (articles / "mayor.json").write_text(json.dumps({
        "doc_id": "mayor", "title": "The [/red] mayor :fire:", "url": "https://ex.com/a]b[/link]",
        "date": "2023-11-01", "text": "The mayor of Riverside opened the new harbour bridge on Monday morning.",
    }), encoding="utf-8")
    folder = tmp_path_factory.mktemp("odd-index") / "index"
    build_from_paths(Settings(index_dir=folder), [articles], embedder=real_embedder)
    return folder


def test_a_piped_session_shows_brackets_as_typed_and_asks_past_a_byte_that_is_not_utf8(tmp_path, odd_index):
    lines = b"What is [/bold] this?\n:asof [/x]\n:sources\n\xff bad\nWho opened the harbour bridge?\n"
    env = {**cli_env(tmp_path), "PYTHONIOENCODING": "utf-8:strict"}  # read as most UTF-8 locales read a pipe
    result = subprocess.run([sys.executable, "-m", "qa_bot.cli", "repl", "--index", str(odd_index)], cwd=tmp_path,
                            env=env, input=lines, capture_output=True, timeout=300)
    out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert result.returncode == 0, err
    assert "unexpected" not in err and "Traceback" not in err
    assert "Q: What is [/bold] this?" in out and "cannot read the as-of date '[/x]'" in out
    assert "  • The [/red] mayor :fire: (mayor · 2023-11-01 · https://ex.com/a]b[/link])" in out  # :sources
    assert "Q: \ufffd bad" in out and "opened the new harbour bridge" in out
    assert "The [/red] mayor :fire: · 2023-11-01" in out  # the quote's source line


def test_a_follow_up_to_a_very_long_question_borrows_only_whole_words(tmp_path, bundled_index):
    asked = "What did David Schenker say about militias? "
    long_question = asked * (MAX_QUESTION_CHARS // len(asked) + 2)
    assert long_question[:MAX_QUESTION_CHARS].rsplit(" ", 1)[1] not in asked.split()  # the limit falls mid-word
    result = run_cli(tmp_path, "repl", "--index", str(bundled_index), input=f"{long_question}\nWhen did he say it?\n")
    assert result.returncode == 0, result.stderr
    [note] = [line for line in result.stdout.splitlines() if line.startswith("read with the question before")]
    assert note == "read with the question before: When did he say it? (David Schenker say about militias)"
