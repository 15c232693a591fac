"""What the bot's listeners share: the settings, the answering function, the outbox, the duplicate filter, the log."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from qa_bot.config import AnswerOptions, Settings
from qa_bot.questionlog import NO_LOG, QuestionRecorder
from qa_bot.records import Answer
from qa_bot.slack.channels import ChannelSettings
from qa_bot.slack.outbox import OutboxProtocol
from qa_bot.slack.status import StatusSource

T = TypeVar("T")


class Ask(Protocol):
    """Answers one question as of a moment (the pipeline's ``ask``, or a fake in tests)."""

    def __call__(self, question: str, *, as_of: datetime | None = None, options: AnswerOptions | None = None,
                 thread: Sequence[str] = (), sources: Sequence[str] | None = None) -> Answer:
        """The answer to ``question`` as of ``as_of`` (None: now), shaped by ``options`` (None: the settings'),
        read with the earlier questions of its ``thread``, from the articles of ``sources`` (None: all).

        The bot passes ``options`` only in a channel that sets its own abstain threshold, ``thread``
        only for a question asked in a thread the bot answered in, and ``sources`` only in a channel limited
        to some sources.
        """
        ...


class ThreadMemory(Protocol):
    """The question that set each thread's subject: ``Threads`` in memory, or ``RedisThreads`` for replicas."""

    def earlier(self, channel: str, thread_ts: str) -> list[str]:
        """The question this thread is about, if the bot answered one there."""
        ...

    def add(self, channel: str, thread_ts: str, question: str) -> None:
        """Remember ``question`` (a standalone one) as what this thread is about."""
        ...


class Threads:
    """The question that set the subject of each thread (channel, thread ts) the bot answered in, so a
    follow-up there is read with it.

    One question a thread (a follow-up does not replace it), the oldest threads forgotten first, and in
    this process's memory (replicas share theirs through ``qa_bot.slack.redis_threads.RedisThreads``).
    """

    def __init__(self, size: int = 5_000) -> None:
        self._threads: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def earlier(self, channel: str, thread_ts: str) -> list[str]:
        """The question this thread is about, if the bot answered one there."""
        with self._lock:
            found = self._threads.get((channel, thread_ts))
            return [found] if found else []

    def add(self, channel: str, thread_ts: str, question: str) -> None:
        """Remember ``question`` (a standalone one) as what this thread is about."""
        with self._lock:
            self._threads[(channel, thread_ts)] = question
            self._threads.move_to_end((channel, thread_ts))
            while len(self._threads) > self._size:
                self._threads.popitem(last=False)


def message_time(ts: str | None) -> datetime | None:
    """The moment of a Slack timestamp (``"1699999999.000100"``: seconds since 1970), in UTC; None if not one."""
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC) if ts else None
    except (ValueError, OverflowError, OSError):
        return None


class DuplicateFilter(Protocol):
    """Remembers the deliveries already taken: ``SeenEvents`` in memory, or ``RedisSeenEvents`` for replicas."""

    def first_time(self, *keys: str) -> bool:
        """True, and remember them, when none of ``keys`` was seen before; all of them in one atomic step."""
        ...


class SeenEvents:
    """A bounded, thread-safe memory of deliveries already taken (event ids, channel+ts keys)."""

    def __init__(self, size: int = 10_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first_time(self, *keys: str) -> bool:
        """True, and remember them, when none of ``keys`` was seen before."""
        with self._lock:
            if any(k in self._seen for k in keys if k):
                return False
            for key in keys:
                if key:
                    self._seen[key] = None
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True


@dataclass(frozen=True, slots=True)
class BotContext:
    """One running bot's state, handed to every listener.

    Attributes:
        settings: the channel allowlist and whether other bots are answered.
        ask: answers one question (the pipeline's ``ask``, or a fake in tests).
        outbox: every post goes through it, so one Slack cannot take yet is tried again later.
        seen: the deliveries already taken, so a retried or doubled event is answered once (by one replica).
        answer_lock: one question at a time on the CPU; Slack is acknowledged before it is taken.
        questions: the question log every answer and feedback click is recorded in (``NO_LOG``: none).
        channels: the per-channel settings (answer mode, private, sources...), re-read when their file changes.
        status: what the index in service holds, for ``/ask status`` and the App Home (None: not known).
        threads: the questions answered in each thread, which a follow-up there is read with (shared by
            replicas like ``seen``).
    """

    settings: Settings
    ask: Ask
    outbox: OutboxProtocol
    seen: DuplicateFilter = field(default_factory=SeenEvents)
    answer_lock: threading.Lock = field(default_factory=threading.Lock)
    questions: QuestionRecorder = NO_LOG
    channels: ChannelSettings = field(default_factory=ChannelSettings)
    status: StatusSource | None = None
    threads: ThreadMemory = field(default_factory=Threads)


TAKEN = "qa_bot_taken"
"""The key under which a listener's middleware leaves, in bolt's context, what it took on before Slack was
acknowledged (see ``qa_bot.slack.listeners.register``)."""


def taken_from(context: dict[str, Any] | None, take: Callable[[], T]) -> T:
    """What the listener's middleware took (``context[TAKEN]``), or, when it did not run (a listener called
    directly, as the unit tests do), what ``take()`` takes now."""
    return context[TAKEN] if context is not None and TAKEN in context else take()
