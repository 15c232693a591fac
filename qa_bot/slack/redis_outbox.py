"""Posts Slack could not take, kept in a Redis stream that every bot replica reads as one consumer group.

A post refused for a passing reason (the rules of ``qa_bot.slack.outbox``) is added to the stream as
data: the Web API method's name, its arguments as JSON, when it was first tried, and the ``response_url``
it may go to instead (``RespondTo``: an ``/ask`` where the bot is not a member); never a Python callable.
Each replica is a consumer of the group: it reads new entries, tries each again with the same
growing pauses as the in-memory outbox, and acknowledges and deletes it once it is delivered, refused
for good, or older than the patience. While a replica holds entries it keeps renewing them (their idle
time goes back to zero); the entries of a replica that stopped (killed, frozen, cut off) sit idle, and
after ``claim_after`` seconds another replica takes them over (XAUTOCLAIM). A replica stopping on purpose
tries what it holds once more and hands the rest back to the group, to be read at once by the others.

Delivery is at least once, not exactly once: a replica that dies after Slack took a post but before it
acknowledged it, or one frozen longer than ``claim_after`` in the middle of a call, lets another replica
post it again. Before every try a replica checks, in one atomic step, that the entry is still its own.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from redis import Redis
from redis.exceptions import RedisError, ResponseError
from slack_sdk import WebClient

from qa_bot.slack.outbox import (
    FIRST_PAUSE,
    LONGEST_PAUSE,
    Lost,
    Outbox,
    RespondTo,
    delivered_instead,
    describe,
    passing,
    tell_lost,
)
from qa_bot.slack.redis_connect import Trouble

log = logging.getLogger(__name__)
GROUP = "senders"
CLAIM_AFTER = 30.0
"""Seconds a held entry may sit without its replica renewing it before another replica takes it over."""
POLL = 1.0
"""Longest wait for new entries, so a replica notices due retries and a stop within a second."""
BATCH = 50
FORGET_AFTER = 3600
"""Seconds after which a consumer that holds nothing and did nothing (a replica gone) leaves the group."""
_DOWN_PAUSE = 1.0

# Entries among ARGV[3..] still pending for consumer ARGV[2] of group ARGV[1]; each has its idle time reset.
_RENEW = """
local mine = {}
for i = 3, #ARGV do
  if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2]) == 1 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    mine[#mine + 1] = ARGV[i]
  end
end
return mine
"""
# Entry ARGV[3], if still ARGV[2]'s, added again as new (fields ARGV[4..]) and the old one acknowledged and deleted.
_HAND_BACK = """
if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2]) == 0 then return 0 end
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[1], '*', unpack(fields))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return 1
"""
# Consumers of group ARGV[1] holding nothing and idle over ARGV[2] ms, other than ARGV[3], removed.
_FORGET_IDLE = """
local gone = 0
for _, row in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local c = {}
  for i = 1, #row, 2 do c[row[i]] = row[i + 1] end
  if c['pending'] == 0 and c['idle'] > tonumber(ARGV[2]) and c['name'] ~= ARGV[3] then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], c['name'])
    gone = gone + 1
  end
end
return gone
"""


def consumer_name() -> str:
    """A name for this process in the group: host, process id and a random tail (unique within one process too)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def web_api_method(call: Callable[..., Any]) -> str:
    """The Web API method ``call`` is (``client.chat_postMessage``: ``"chat_postMessage"``).

    Raises:
        TypeError: ``call`` is not a method of a Web API client, so no other replica could make it.
    """
    name = getattr(call, "__name__", "")
    if not _is_web_api_method(name):
        raise TypeError(f"the shared outbox posts with Web API client methods (client.chat_postMessage), not {call!r}")
    return name


def _is_web_api_method(name: object) -> bool:
    return isinstance(name, str) and name[:1].isalpha() and callable(getattr(WebClient, name, None))


@dataclass(slots=True)
class _Entry:
    id: str
    method: str
    kwargs: dict[str, Any]
    first_tried: float
    """Seconds since 1970 (replicas share no monotonic clock)."""
    tries: int
    due: float
    """This replica's ``time.monotonic()`` of the next try."""
    done: bool = False
    """Delivered or given up; only the acknowledgement is left to do."""
    respond: RespondTo | None = None
    token: str | None = None
    """Names the ``on_lost`` the replica that added the post keeps for it (in its own memory)."""

    @property
    def channel(self) -> Any:
        return self.kwargs.get("channel")

    def fields(self) -> list[str]:
        return [item for key, value in _fields(self.method, self.kwargs, self.first_tried, self.tries,
                                               self.respond, self.token).items() for item in (key, value)]


def _fields(method: str, kwargs: dict[str, Any], first_tried: float, tries: int,
            respond: RespondTo | None, token: str | None) -> dict[str, str]:
    """A post as a stream entry's fields. Raises TypeError or ValueError: its arguments are not JSON."""
    fields = {"method": method, "kwargs": json.dumps(kwargs), "first_tried": repr(first_tried), "tries": str(tries)}
    if respond is not None:
        fields |= {"response_url": respond.url, "response_type": respond.response_type}
    if token is not None:
        fields["token"] = token
    return fields


def _read(entry_id: str, fields: dict[str, str], due: float) -> _Entry | None:
    try:
        kwargs = json.loads(fields["kwargs"])
        if not isinstance(kwargs, dict) or not _is_web_api_method(fields["method"]):
            return None
        respond = RespondTo(fields["response_url"], fields.get("response_type") or "ephemeral") \
            if fields.get("response_url") else None
        return _Entry(entry_id, fields["method"], kwargs, float(fields["first_tried"]), int(fields.get("tries", 1)),
                      due, respond=respond, token=fields.get("token"))
    except (KeyError, TypeError, ValueError):
        return None


class RedisOutbox:
    """Delivers posts; those that failed for a passing reason wait in a Redis stream that every replica serves.

    Args:
        redis: a client of the shared server (replies decoded).
        client: the Web API client this replica tries entries again with (any replica's entries).
        prefix: put before the stream's key, so several bots can share one server.
        patience: seconds a post is kept from its first try before it is given up.
        consumer: this replica's name in the group (default: host, pid and a random tail).
        claim_after: seconds an entry sits unrenewed before another replica takes it over.
        server: the server's name for log lines (never the URL).
        poll: longest wait for new entries; a stop waits for it to end.

    Raises:
        redis.RedisError: the group could not be created (``qa_bot.slack.state`` turns it into a ConfigError).
    """

    def __init__(self, redis: Redis, client: WebClient, *, prefix: str, patience: float = 600.0,
                 consumer: str | None = None, claim_after: float = CLAIM_AFTER, server: str = "the state server",
                 poll: float = POLL, first_pause: float = FIRST_PAUSE):
        if claim_after <= 0 or poll <= 0 or first_pause <= 0:
            raise ValueError("claim_after, poll and first_pause must be positive")
        self.patience = patience
        self.first_pause = first_pause
        self.stream = f"{prefix}outbox"
        self.consumer = consumer or consumer_name()
        self.claim_after, self.poll = claim_after, poll
        self._redis, self._client = redis, client
        self._renew = redis.register_script(_RENEW)
        self._hand_back = redis.register_script(_HAND_BACK)
        self._forget_idle = redis.register_script(_FORGET_IDLE)
        self._held: dict[str, _Entry] = {}
        # The on_lost of each post this replica added (by its entry's token), and until when it is kept: this
        # replica tells it if it gives the post up; one that another replica delivers or gives up is forgotten.
        self._on_lost: dict[str, tuple[Lost, float]] = {}
        self._trying: str | None = None
        self._lock = threading.Condition()
        self._in_flight = self._delivered = self._given_up = 0
        self._local = Outbox(patience, first_pause)  # where a post waits when the stream is out of reach
        self._trouble = Trouble(server, "the outbox keeps what it can in this replica's memory until it is back")
        self._stopping = threading.Event()
        try:
            redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)  # "0": entries left by earlier replicas too
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._threads = [threading.Thread(target=self._serve, name="qa-bot-outbox", daemon=True),
                         threading.Thread(target=self._keep_renewing, name="qa-bot-outbox-renew", daemon=True)]
        for thread in self._threads:
            thread.start()

    # -- what listeners and ``serve`` use (``OutboxProtocol``) --

    def post(self, call: Callable[..., Any], respond: RespondTo | None = None, on_lost: Lost | None = None,
             **kwargs: Any) -> bool:
        """Post with ``call`` (a Web API client method) now; True when it went through.

        A passing failure is added to the shared stream, with ``respond``, for this or another replica to try
        again later; a refusal for good, now or on a later try, goes to ``respond`` when the bot may not post
        there. ``on_lost`` is told why when this replica gives the post up (a callable stays in this process:
        when another replica gives it up, that one's log line is all there is).

        Raises:
            TypeError: ``call`` is not a Web API client method.
        """
        method = web_api_method(call)
        with self._lock:
            self._in_flight += 1
        try:
            try:
                call(**kwargs)
            except Exception as exc:  # the bot keeps serving whatever one post does
                if delivered_instead(respond, exc, kwargs):
                    self._count(delivered=1)
                    return True
                if not passing(exc) or self.patience <= 0:
                    self._count(given_up=1)
                    log.error("could not post in %s: %s", kwargs.get("channel"), describe(exc))
                    tell_lost(on_lost, describe(exc))
                else:
                    self._add(call, method, kwargs, exc, respond, on_lost)
                return False
            self._count(delivered=1)
            return True
        finally:
            with self._lock:
                self._in_flight -= 1
                self._lock.notify_all()

    @property
    def waiting(self) -> int:
        """Posts this replica holds and has not delivered yet (others wait in the stream for any replica)."""
        with self._lock:
            return sum(1 for e in self._held.values() if not e.done) + self._local.waiting

    @property
    def in_flight(self) -> int:
        """Posts being tried for the first time right now (the client may be inside its own retries)."""
        with self._lock:
            return self._in_flight

    @property
    def delivered(self) -> int:
        """Posts this replica delivered: at once, or from the stream."""
        with self._lock:
            return self._delivered + self._local.delivered

    @property
    def given_up(self) -> int:
        """Posts this replica gave up on: refused for good, or older than the patience."""
        with self._lock:
            return self._given_up + self._local.given_up

    def settle(self, seconds: float = 10.0) -> int:
        """Wait up to ``seconds`` for the posts in flight to succeed or join the stream; return those held here."""
        deadline = time.monotonic() + seconds
        with self._lock:
            while self._in_flight and (left := deadline - time.monotonic()) > 0:
                self._lock.wait(timeout=left)
        return self.waiting

    def drain(self, seconds: float = 10.0) -> int:
        """The bot is stopping: try each held post once more, and hand the rest back to the other replicas.

        Nothing waiting in the stream is lost: what this replica could not deliver is added to the stream
        again, to be read at once by another replica (or by the next one to start), and the log says so.

        Returns:
            how many posts were lost: only those that waited in this replica's memory while Redis was away.
        """
        deadline = time.monotonic() + seconds
        self._stop_threads(min(seconds, 5.0))
        with self._lock:
            entries = sorted(self._held.values(), key=lambda e: e.id)
        handed = kept = 0
        for entry in entries:
            try:
                if not entry.done and entry.id != self._trying and time.monotonic() < deadline:
                    self._try(entry, last=True)
                if entry.done:
                    self._finish(entry)
                elif entry.id != self._trying and self._hand_back(keys=[self.stream],
                                                                  args=[GROUP, self.consumer, entry.id,
                                                                        *entry.fields()]):
                    handed += 1
                    with self._lock:
                        self._held.pop(entry.id, None)
                else:
                    kept += 1
            except RedisError as exc:
                self._trouble.failed(exc)
                kept += 1
        lost = self._local.drain(max(0.0, deadline - time.monotonic()))
        if handed:
            log.warning("stopping: %d waiting answers stay in the shared outbox; the other replicas deliver them",
                        handed)
        if kept:
            log.warning("stopping: %d waiting answers stay pending in the shared outbox; another replica takes them "
                        "over within %.0f s", kept, self.claim_after * 1.5)
        self._leave_group()
        return lost

    def close(self) -> None:
        """Stop serving the stream without delivering anything; what this replica holds is taken over by another."""
        self._stop_threads(5.0)

    # -- the stream --

    def _count(self, delivered: int = 0, given_up: int = 0) -> None:
        with self._lock:
            self._delivered += delivered
            self._given_up += given_up

    def _add(self, call: Callable[..., Any], method: str, kwargs: dict[str, Any], exc: Exception,
             respond: RespondTo | None, on_lost: Lost | None) -> None:
        channel = kwargs.get("channel")
        token = secrets.token_hex(8) if on_lost is not None else None
        try:
            fields: dict[Any, Any] = _fields(method, kwargs, time.time(), 1, respond, token)
        except (TypeError, ValueError):
            self._count(given_up=1)
            log.error("could not keep a post in %s (%s): its arguments are not JSON", channel, describe(exc))
            tell_lost(on_lost, describe(exc))
            return
        if token is not None and on_lost is not None:  # kept before the entry exists, so no reader is ahead of it
            until = time.monotonic() + self.patience + LONGEST_PAUSE + 2 * self.claim_after
            with self._lock:
                self._on_lost[token] = (on_lost, until)
        try:
            self._redis.xadd(self.stream, fields)
        except RedisError as down:
            self._trouble.failed(down)
            log.warning("Slack did not take a post in %s (%s); it waits in this replica's memory", channel,
                        describe(exc))
            self._hook(token)
            self._local.keep(call, respond, on_lost, **kwargs)
            return
        self._trouble.worked()
        log.warning("Slack did not take a post in %s (%s); it waits in the shared outbox", channel, describe(exc))

    def _serve(self) -> None:
        next_take_over = 0.0
        while not self._stopping.is_set():
            try:
                if time.monotonic() >= next_take_over:
                    self._take_over()
                    next_take_over = time.monotonic() + self.claim_after / 2
                # One try at a time between reads: a try can take seconds (the client's own retries) while
                # new entries arrive, and they must be read (and so owned) rather than left unread meanwhile.
                tried = self._try_next_due()
                self._read_new(0.0 if tried else min(self.poll, next_take_over - time.monotonic(), self._until_due()))
                self._trouble.worked()
            except RedisError as exc:
                self._trouble.failed(exc)
                self._stopping.wait(_DOWN_PAUSE)
            except Exception:  # the thread must outlive any one surprise, or waiting posts would stall
                log.exception("the shared outbox hit an unexpected error; it carries on")
                self._stopping.wait(_DOWN_PAUSE)

    def _until_due(self) -> float:
        with self._lock:
            dues = [e.due for e in self._held.values()]
        return min(dues) - time.monotonic() if dues else self.poll

    def _read_new(self, block: float) -> None:
        wait = int(block * 1000)
        answer = self._redis.xreadgroup(GROUP, self.consumer, {self.stream: ">"}, count=BATCH,
                                        block=wait if wait > 0 else None)  # BLOCK 0 would wait for ever
        for _, entries in cast(list[Any], answer or []):  # [[stream, [(id, fields), ...]]]
            for entry_id, fields in entries:
                self._hold(entry_id, fields, taken_over=False)

    def _take_over(self) -> None:
        start, taken = "0-0", 0
        for _ in range(20):  # at most 1,000 entries a round; the rest next round
            answer = self._redis.xautoclaim(self.stream, GROUP, self.consumer, int(self.claim_after * 1000), start,
                                            count=BATCH)
            start, entries = answer[0], answer[1]  # type: ignore[index]
            for entry_id, fields in entries:
                if entry_id is not None and self._hold(entry_id, fields, taken_over=True):
                    taken += 1
            if start == "0-0":
                break
        if taken:
            log.warning("took over %d waiting posts from a replica that stopped answering", taken)
        self._forget_idle(keys=[self.stream], args=[GROUP, FORGET_AFTER * 1000, self.consumer])

    def _hold(self, entry_id: str, fields: dict[str, str], taken_over: bool) -> bool:
        now = time.monotonic()
        entry = _read(entry_id, fields, now)
        if entry is None:
            log.error("dropped a malformed entry %s of the shared outbox", entry_id)
            self._finish(_Entry(entry_id, "", {}, 0.0, 0, now))
            return False
        age = time.time() - entry.first_tried
        if age > self.patience + LONGEST_PAUSE:  # left while no replica ran: too old to post now
            self._count(given_up=1)
            log.error("gave up posting in %s: it waited %.0f s with no replica running", entry.channel, age)
            tell_lost(self._hook(entry.token), f"gave up after it waited {age:.0f} s")
            self._finish(entry)
            return False
        if not taken_over:
            entry.due = now + max(0.0, self.first_pause - age)
        with self._lock:
            if entry_id in self._held:
                return False
            self._held[entry_id] = entry
        return True

    def _try_next_due(self) -> bool:
        """Try the held entry due first, if one is due; True if one was."""
        now = time.monotonic()
        with self._lock:
            due = [e for e in self._held.values() if e.due <= now]
            if not due:
                return False
            entry = min(due, key=lambda e: (e.due, e.id))
            self._trying = entry.id
        try:
            if not entry.done:
                self._try(entry)
            if entry.done:
                self._finish(entry)
        finally:
            with self._lock:
                self._trying = None
        return True

    def _try(self, entry: _Entry, last: bool = False) -> None:
        """One more try of ``entry``, if it is still this replica's; marks it done, or sets its next try."""
        if not self._renew(keys=[self.stream], args=[GROUP, self.consumer, entry.id]):
            with self._lock:
                self._held.pop(entry.id, None)
            self._hook(entry.token)  # that replica may still deliver it
            log.info("a waiting post in %s was taken over by another replica", entry.channel)
            return
        try:
            getattr(self._client, entry.method)(**entry.kwargs)
        except Exception as exc:
            entry.tries += 1
            age = time.time() - entry.first_tried
            if delivered_instead(entry.respond, exc, entry.kwargs):
                entry.done = True
                self._count(delivered=1)
                self._hook(entry.token)
                return
            if not passing(exc) or age > self.patience:
                entry.done = True
                self._count(given_up=1)
                log.error("gave up posting in %s after %d tries over %.0f s: %s", entry.channel, entry.tries, age,
                          describe(exc))
                tell_lost(self._hook(entry.token), f"gave up after {entry.tries} tries over {age:.0f} s "
                                                f"({describe(exc)})")
            elif last:
                log.warning("stopping: Slack still does not take a post in %s (%s)", entry.channel, describe(exc))
            else:
                entry.due = time.monotonic() + min(LONGEST_PAUSE, self.first_pause * 2 ** (entry.tries - 1))
            return
        entry.done = True
        self._count(delivered=1)
        self._hook(entry.token)
        log.info("posted in %s after %d tries", entry.channel, entry.tries)

    def _hook(self, token: str | None) -> Lost | None:
        """The ``on_lost`` of a post this replica added, forgotten here (its entry is done, or not ours)."""
        if token is None:
            return None
        with self._lock:
            kept = self._on_lost.pop(token, None)
        return kept[0] if kept else None

    def _forget_old_hooks(self) -> None:
        """Forget the ``on_lost`` of posts another replica took: by now it delivered them or gave them up."""
        now = time.monotonic()
        with self._lock:
            for token in [t for t, (_, until) in self._on_lost.items() if until < now]:
                del self._on_lost[token]

    def _finish(self, entry: _Entry) -> None:
        """Acknowledge and delete ``entry``: delivered or given up. Raises RedisError, the entry still held."""
        with self._redis.pipeline(transaction=True) as both:
            both.xack(self.stream, GROUP, entry.id)
            both.xdel(self.stream, entry.id)
            both.execute()
        with self._lock:
            self._held.pop(entry.id, None)

    def _keep_renewing(self) -> None:
        while not self._stopping.wait(self.claim_after / 3):
            self._forget_old_hooks()
            with self._lock:
                ids = list(self._held)
            if not ids:
                continue
            try:
                mine = set(self._renew(keys=[self.stream], args=[GROUP, self.consumer, *ids]))
            except RedisError as exc:
                self._trouble.failed(exc)
                continue
            with self._lock:  # an entry acknowledged meanwhile, or being tried, is not someone else's
                lost = [i for i in ids if i not in mine and i in self._held and not self._held[i].done
                        and i != self._trying]
                for entry_id in lost:
                    del self._held[entry_id]
            if lost:
                log.warning("%d waiting posts were taken over by another replica", len(lost))

    def _stop_threads(self, seconds: float) -> None:
        self._stopping.set()
        deadline = time.monotonic() + seconds
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    def _leave_group(self) -> None:
        """Remove this consumer from the group, if it holds nothing (its name is never used again)."""
        try:
            if not self._redis.xpending_range(self.stream, GROUP, "-", "+", 1, consumername=self.consumer):
                self._redis.xgroup_delconsumer(self.stream, GROUP, self.consumer)
        except RedisError as exc:
            log.debug("could not leave the outbox's group: %s", type(exc).__name__)
