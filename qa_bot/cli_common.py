"""What every ``qa-bot`` command shares: one-line errors, the settings, the consoles, common options."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

if TYPE_CHECKING:
    from qa_bot.config import Settings

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("qa_bot")


MAX_ERROR_CHARS = 600
"""An error line longer than this (a library's message quoting a whole path or payload) keeps its start and end."""


def _fail(message: str, code: int = 1) -> None:
    from qa_bot.redact import redact

    line = " ".join(redact(message).split())  # one line, whatever the message held
    if len(line) > MAX_ERROR_CHARS:
        line = f"{line[:MAX_ERROR_CHARS * 2 // 3]} … {line[-MAX_ERROR_CHARS // 3:]}"
    click.secho(f"error: {line}", fg="red", err=True)
    sys.exit(code)


def _stop_writing_to_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit does not raise BrokenPipeError again."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a test's): nothing to flush into the closed pipe
        pass


@contextlib.contextmanager
def answer_output() -> Iterator[None]:
    """Write answers to stdout in the block; a write that fails (a full disk, ``> /dev/full``) ends the command in one
    line ("cannot write the answer: no space left on device").

    Raises:
        QABotError: stdout could not be written (a reader that stopped, BrokenPipeError, is left as it is).
    """
    from qa_bot.errors import QABotError

    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        _stop_writing_to_stdout()  # what is still buffered would fail again, as a traceback, when Python exits
        reason = (exc.strerror or type(exc).__name__).lower()
        raise QABotError(f"cannot write the answer: {reason}") from exc


def friendly_errors(command: F) -> F:
    """Turn qa-bot's errors (and any other) into one line on stderr and a non-zero exit."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from qa_bot.errors import QABotError

        try:
            return command(*args, **kwargs)
        except QABotError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:  # the reader stopped (`| head`): no error line, exit 1, as rich's tables do
            _stop_writing_to_stdout()
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException):  # a usage error: click prints it, exit 2
            raise
        except Exception as exc:  # the last line of defence: never a traceback for a person
            log.debug("unexpected error", exc_info=True)
            _fail(f"unexpected {type(exc).__name__}: {exc} (run `qa-bot -v COMMAND ...` for details)")

    return wrapper  # type: ignore[return-value]


def _settings(**overrides: Any) -> Settings:
    from qa_bot.config import load_settings

    return load_settings(**overrides)


@functools.cache
def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:  # a file or a pipe: a line stays one line (a quote, a link), whatever COLUMNS says
        console.soft_wrap = True
    return console


class _LineHandler(logging.Handler):
    """One plain line per log event on stderr ("WARNING  message"), as rich's handler shows it but never wrapped
    or padded to a width; written to stderr as it is at the time (tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # what logging's own handlers do: a failed log line never stops the command
            self.handleError(record)


def log_handler() -> logging.Handler:
    """Where log lines go: rich's handler in a terminal, one plain line per event when stderr is a file or a pipe."""
    console = _console(stderr=True)
    if console.is_terminal:
        from rich.logging import RichHandler

        return RichHandler(console=console, show_time=False, show_path=False, markup=False)
    handler = _LineHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-8s %(message)s"))
    return handler


_SURROGATE = re.compile("[\ud800-\udfff]")


def readable(text: str) -> str:
    """``text`` with each byte that was not UTF-8 replaced by U+FFFD.

    Python reads such a byte from the command line or a pipe as a lone surrogate ("caf\\udce9"), which
    no tokenizer, terminal or JSON encoder takes; a JSON ``"\\ud800"`` gives one too.
    """
    return _SURROGATE.sub("\ufffd", text)


def replace_undecodable(stream: TextIO) -> None:
    """Read ``stream`` (stdin) from now on with bytes that are not UTF-8 replaced by U+FFFD, not failing on them."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")


class GivenPath(click.Path):
    """A path option that refuses an empty value: ``--index ""`` would mean the current folder, which a build
    replaces with its live link."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("is empty: give a path, or leave the option out for the default", param, ctx)
        return super().convert(value, param, ctx)


index_option = click.option(
    "--index", "index_dir", type=GivenPath(path_type=Path), default=None,
    help="Index folder (default: QA_BOT_INDEX_DIR or index/default).",
)
model_option = click.option(
    "--model", default=None,
    help="Sentence-transformers model folder or name (default: QA_BOT_MODEL, all-MiniLM-L6-v2).",
)
as_of_option = click.option(
    "--as-of", "as_of", default=None, metavar="DATE",
    help="Answer as of this date (YYYY-MM-DD, the end of that day) or ISO time, instead of now.",
)
k_option = click.option("-k", "max_quotes", type=click.IntRange(1, 10), default=None,
                        help="Quotes per answer at most (default: QA_BOT_MAX_QUOTES, 3).")
