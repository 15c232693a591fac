"""What the interfaces log through: a ``QuestionRecorder`` (a real log or none), opened so it never stops answering."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from qa_bot.config import beside_index
from qa_bot.questionlog.store import Click, QuestionLog, QuestionLogError, Recorded

if TYPE_CHECKING:
    from qa_bot.records import Answer

log = logging.getLogger(__name__)
DEFAULT_NAME = "questions.sqlite"


class QuestionRecorder(Protocol):
    """Logs questions and feedback: a ``QuestionLog``, or ``NO_LOG``. No method raises for a failed write."""

    def record(self, answer: Answer, *, channel: str, user: str | None = None,
               asked_at: datetime | None = None) -> int | None:
        """Log ``answer``; its id, or None when nothing was logged."""
        ...

    def begin(self, question: str, *, channel: str, user: str | None = None,
              asked_at: datetime | None = None) -> int | None:
        """Log ``question`` as it arrives, not yet answered; its id for ``finish``, or None."""
        ...

    def finish(self, answer_id: int, answer: Answer) -> bool:
        """Record ``answer`` for the question logged as ``answer_id``; whether it was recorded."""
        ...

    def undelivered(self, answer_id: int, reason: str) -> bool:
        """Mark the answer ``answer_id`` as never delivered, for ``reason``; whether it was marked."""
        ...

    def add_feedback(self, click: Click, *, at: datetime | None = None) -> Recorded | None:
        """Record ``click`` once; what became of it, or None when nothing could be recorded."""
        ...

    def quote_places(self, answer_id: int) -> list[tuple[str, int, int]] | None:
        """Where each quote of the logged answer ``answer_id`` stands (doc id, start, end); None when there is
        no such answer."""
        ...

    def close(self) -> None:
        """Let go of the log."""
        ...


class NoQuestionLog:
    """Logs nothing: logging is off, or the log could not be opened."""

    def record(self, answer: Answer, *, channel: str, user: str | None = None,
               asked_at: datetime | None = None) -> int | None:
        """Nothing is logged: None."""
        return None

    def begin(self, question: str, *, channel: str, user: str | None = None,
              asked_at: datetime | None = None) -> int | None:
        """Nothing is logged: None."""
        return None

    def finish(self, answer_id: int, answer: Answer) -> bool:
        """Nothing is logged: False."""
        return False

    def undelivered(self, answer_id: int, reason: str) -> bool:
        """Nothing is logged: False."""
        return False

    def add_feedback(self, click: Click, *, at: datetime | None = None) -> Recorded | None:
        """Nothing is logged: None."""
        return None

    def quote_places(self, answer_id: int) -> list[tuple[str, int, int]] | None:
        """Nothing is logged: None."""
        return None

    def close(self) -> None:
        """Nothing to close."""


NO_LOG = NoQuestionLog()


def default_log_path(index_dir: Path) -> Path:
    """Where the Slack bot logs when no log is set: ``questions.sqlite`` beside the index folder
    (``index/questions.sqlite`` for ``index/default``).

    Earlier versions followed the index's live link, so once an index was built their log was in its builds
    folder (``index/.default.builds/questions.sqlite``); while only that one exists, it stays the log, so no
    question logged there is left behind.
    """
    beside = beside_index(index_dir, DEFAULT_NAME)
    earlier = Path(index_dir).resolve().parent / DEFAULT_NAME
    return earlier if earlier.is_file() and not beside.exists() else beside


def open_or_warn(path: Path | None, retention_days: int, set_retention: bool = True) -> QuestionRecorder:
    """The log at ``path``, or ``NO_LOG`` when ``path`` is None or the log cannot be opened (one warning line).
    ``set_retention``: as :meth:`QuestionLog.open`'s."""
    if path is None:
        return NO_LOG
    try:
        return QuestionLog.open(path, retention_days, set_retention=set_retention)
    except QuestionLogError as exc:
        log.warning("%s; answering goes on without the question log", exc)
        return NO_LOG
