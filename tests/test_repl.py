"""The REPL driven through a pseudo-terminal, as a person would, and through a pipe."""

from __future__ import annotations

import sys

import pexpect

from .helpers import cli_env, run_cli

PROMPT = "ask›"


def test_repl_in_a_terminal(tmp_path, bundled_index):
    child = pexpect.spawn(
        sys.executable, ["-m", "qa_bot.cli", "repl", "--index", str(bundled_index)],
        cwd=str(tmp_path), env=cli_env(tmp_path), encoding="utf-8", timeout=120, dimensions=(40, 200),
    )
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
        child.sendeof()  # Ctrl-D leaves
        child.expect("bye")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    history = (tmp_path / "state" / "qa-bot" / "history").read_text(encoding="utf-8")
    assert "Who is David Schenker?" in history and "half a question" not in history


def test_repl_quit_command(tmp_path, bundled_index):
    child = pexpect.spawn(
        sys.executable, ["-m", "qa_bot.cli", "repl", "--index", str(bundled_index)],
        cwd=str(tmp_path), env=cli_env(tmp_path), encoding="utf-8", timeout=120,
    )
    child.expect(PROMPT)
    child.sendline(":quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_repl_reads_lines_from_a_pipe(tmp_path, bundled_index):
    result = run_cli(tmp_path, "repl", "--index", str(bundled_index),
                     input="Who is David Schenker?\nWho won the 2018 FIFA World Cup?\n")
    assert result.returncode == 0, result.stderr
    assert "assistant secretary of state" in result.stdout
    assert "The articles don't say" in result.stdout
    assert "Traceback" not in result.stderr
