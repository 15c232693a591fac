"""What every ``qa-bot`` command shares: one-line errors, the settings, the consoles, common options."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from qa_bot.config import Settings

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("qa_bot")


def _fail(message: str, code: int = 1) -> None:
    from qa_bot.redact import redact

    click.secho(f"error: {redact(message)}", fg="red", err=True)
    sys.exit(code)


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
        except (click.exceptions.Exit, click.ClickException):  # a usage error: click prints it, exit 2
            raise
        except Exception as exc:  # the last line of defence: never a traceback for a person
            log.debug("unexpected error", exc_info=True)
            _fail(f"unexpected {type(exc).__name__}: {exc} (run with -v for details)")

    return wrapper  # type: ignore[return-value]


def _settings(**overrides: Any) -> Settings:
    from qa_bot.config import load_settings

    return load_settings(**overrides)


@functools.cache
def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


index_option = click.option(
    "--index", "index_dir", type=click.Path(path_type=Path), default=None,
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
k_option = click.option("-k", "max_quotes", type=click.IntRange(1, 10), default=None, help="Quotes per answer at most.")
