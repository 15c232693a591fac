"""The duplicate filter shared by bot replicas: each delivery key claimed once in Redis, for an hour.

A claim is ``SET key NX EX``: the first replica to set the key answers, every other one (and every later
retry) is refused until the key expires. Several keys of one delivery are claimed in one Lua script, so
two replicas can never each win half of them. If Redis stops answering, the filter falls back to this
replica's own memory (which also remembers every claim it won), logs it once, and asks Redis again after
a few seconds: a delivery must be acknowledged within 3 s, so it never waits on a dead server twice in a row.
"""

from __future__ import annotations

import logging
import time

from redis import Redis
from redis.exceptions import RedisError

from qa_bot.slack.context import SeenEvents
from qa_bot.slack.redis_connect import Trouble

log = logging.getLogger(__name__)
SEEN_FOR = 3600
"""Seconds a claim is kept: Slack retries within minutes, and Socket Mode redelivers on reconnecting."""
ASK_AGAIN_AFTER = 5.0
"""Seconds the filter keeps to memory alone after Redis failed to answer."""
_CLAIM_ALL = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[1], 'EX', ARGV[2])
end
return 1
"""


class RedisSeenEvents:
    """Deliveries already taken by any replica (event ids, channel+ts keys), as keys in Redis.

    Args:
        redis: a client of the shared server (replies decoded).
        prefix: put before every key, so several bots can share one server.
        seen_for: seconds a key is remembered.
        owner: stored as the key's value, to tell which replica took a delivery.
        server: the server's name for log lines (never the URL).
    """

    def __init__(self, redis: Redis, prefix: str, seen_for: int = SEEN_FOR, owner: str = "qa-bot",
                 server: str = "the state server") -> None:
        if seen_for < 1:
            raise ValueError("seen_for must be at least one second")
        self.prefix, self.seen_for, self.owner = prefix, seen_for, owner
        self._redis = redis
        self._claim_all = redis.register_script(_CLAIM_ALL)
        self._local = SeenEvents()
        self._alone_until = 0.0
        self._trouble = Trouble(server, "duplicates are filtered by this replica alone until it is back")

    def first_time(self, *keys: str) -> bool:
        """True, and claim them for every replica, when none of ``keys`` was claimed before (empty keys ignored)."""
        wanted = [k for k in keys if k]
        if not wanted:
            return True
        if time.monotonic() < self._alone_until:
            return self._local.first_time(*wanted)
        names = [f"{self.prefix}seen:{k}" for k in wanted]
        try:
            if len(names) == 1:
                won = bool(self._redis.set(names[0], self.owner, nx=True, ex=self.seen_for))
            else:
                won = bool(self._claim_all(keys=names, args=[self.owner, self.seen_for]))
        except RedisError as exc:
            self._alone_until = time.monotonic() + ASK_AGAIN_AFTER
            self._trouble.failed(exc)
            return self._local.first_time(*wanted)
        self._trouble.worked()
        if won:
            self._local.first_time(*wanted)  # remembered here too, for when Redis is away
        return won
