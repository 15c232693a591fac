"""The thread memory shared by bot replicas: the question that set each thread's subject, kept in Redis.

A follow-up in a thread is read with the question the bot answered there first. With replicas, the
follow-up often reaches another replica than the one that answered; so the question is kept in Redis
(``SET key question EX``, for a week), where every replica finds it. If Redis stops answering, the memory
falls back to this replica's own (which also keeps every thread it wrote), logs it once, and asks Redis
again after a few seconds.
"""

from __future__ import annotations

import time

from redis import Redis
from redis.exceptions import RedisError

from qa_bot.slack.context import Threads
from qa_bot.slack.redis_connect import Trouble

KEEP_FOR = 7 * 86_400
"""Seconds a thread's question is kept: follow-ups come within days, not months."""
ASK_AGAIN_AFTER = 5.0
"""Seconds the memory keeps to this replica alone after Redis failed to answer."""


class RedisThreads:
    """Each thread's question (channel, thread ts), as keys in Redis shared by the replicas.

    Args:
        redis: a client of the shared server (replies decoded).
        prefix: put before every key, so several bots can share one server.
        keep_for: seconds a thread's question is remembered.
        server: the server's name for log lines (never the URL).
    """

    def __init__(self, redis: Redis, prefix: str, keep_for: int = KEEP_FOR, server: str = "the state server") -> None:
        if keep_for < 1:
            raise ValueError("keep_for must be at least one second")
        self.prefix, self.keep_for = prefix, keep_for
        self._redis = redis
        self._local = Threads()
        self._alone_until = 0.0
        self._trouble = Trouble(server, "follow-ups are read with the threads this replica answered in alone")

    def _key(self, channel: str, thread_ts: str) -> str:
        return f"{self.prefix}thread:{channel}:{thread_ts}"

    def earlier(self, channel: str, thread_ts: str) -> list[str]:
        """The question this thread is about, if any replica answered one there."""
        if time.monotonic() >= self._alone_until:
            try:
                found = self._redis.get(self._key(channel, thread_ts))
            except RedisError as exc:
                self._failed(exc)
            else:
                self._trouble.worked()
                if found:
                    return [str(found)]
        # Redis is away, or lacks it (written here while Redis was away, or lost in a restart).
        return self._local.earlier(channel, thread_ts)

    def add(self, channel: str, thread_ts: str, question: str) -> None:
        """Remember ``question`` (a standalone one) as what this thread is about, for every replica."""
        self._local.add(channel, thread_ts, question)
        if time.monotonic() < self._alone_until:
            return
        try:
            self._redis.set(self._key(channel, thread_ts), question, ex=self.keep_for)
        except RedisError as exc:
            self._failed(exc)
        else:
            self._trouble.worked()

    def _failed(self, exc: RedisError) -> None:
        self._alone_until = time.monotonic() + ASK_AGAIN_AFTER
        self._trouble.failed(exc)
