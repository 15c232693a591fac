"""Run the real ``qa-bot`` command in a subprocess, as a person or a script would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from .conftest import MODEL_CACHE


def cli_env(tmp_path: Path) -> dict[str, str]:
    """The environment for a subprocess: offline, history and settings kept inside ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_BOT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", XDG_STATE_HOME=str(tmp_path / "state"),
               QA_BOT_MODEL_CACHE_DIR=str(MODEL_CACHE),  # the int8 model exported once for the session
               COLUMNS="200", NO_COLOR="1")
    return env


def run_cli(
    tmp_path: Path, *args: str, input: str | None = None, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``qa-bot ARGS`` run from ``tmp_path`` (so no .env or index of the checkout is picked up)."""
    return subprocess.run(
        [sys.executable, "-m", "qa_bot.cli", *args],
        cwd=tmp_path,
        env={**cli_env(tmp_path), **(env or {})},
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """A failed run that said what went wrong in one line and printed no traceback."""
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def interruptible() -> None:
    """For ``Popen(preexec_fn=...)``: the child takes SIGINT as Ctrl-C. A suite started in the background (``&``,
    nohup) hands its children SIGINT ignored, and a test that stops a process with SIGINT would wait forever."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
