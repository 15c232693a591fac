"""Keep secrets out of everything qa-bot prints: log lines, tracebacks and one-line errors.

The tokens are registered once, when the settings that hold them are read for a command; every log
handler gets a filter that replaces them, and the CLI's error line passes through :func:`redact`.
Libraries try not to log tokens (slack-sdk masks its Authorization header); this makes it a guarantee.
"""

from __future__ import annotations

import logging
import threading

MASK = "[redacted]"
_secrets: set[str] = set()
_lock = threading.Lock()


def register_secrets(*values: str | None) -> None:
    """Treat each of ``values`` (ignoring empty ones) as a secret from now on."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= 6)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[redacted]``."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """A handler filter that redacts a record's message and traceback before any formatter sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None  # handlers that render exc_info themselves would bypass the redaction
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the redacting filter to every handler of ``logger`` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, at most 300 characters, secrets masked: safe to show and log.

    Engines and servers put whole replies in their errors; one line of it is what a person needs.
    """
    return redact((str(exc).strip().splitlines() or [type(exc).__name__])[0][:300])
