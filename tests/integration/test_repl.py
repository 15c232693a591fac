"""The REPL driven through a pseudo-terminal, as a person would, and through a pipe."""

from __future__ import annotations

import sys

import pexpect

from ..helpers import cli_env, run_cli

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


def test_repl_reads_lines_from_a_pipe(tmp_path, bundled_index):
    result = run_cli(tmp_path, "repl", "--index", str(bundled_index),
                     input="Who is David Schenker?\nWho won the 2018 FIFA World Cup?\n")
    assert result.returncode == 0, result.stderr
    assert "assistant secretary of state" in result.stdout
    assert "The articles don't say" in result.stdout
    assert "Traceback" not in result.stderr


def test_repl_picks_up_a_rebuilt_index_between_questions(tmp_path):
    import shutil

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
        child.expect("on 3 March")
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
