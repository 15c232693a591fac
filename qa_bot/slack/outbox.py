"""Posts that Slack could not take yet: kept and tried again until Slack is back, then given up on.

The Web API client already retries a dropped connection, a 5xx and a 429 a few times within one call.
An outage lasts longer than that, and an answer computed during it is worth delivering afterwards: a
post that still fails for a reason that can pass (connection, 5xx, 429) waits here and is tried again
with growing pauses, in order, until it succeeds or is older than ``patience`` seconds. A post Slack
refuses for good (``channel_not_found``, ``not_in_channel``, ...) is logged and dropped at once, unless it
answers a slash command or a click where the bot is not a member: then it goes to their ``response_url``
(:class:`RespondTo`), on its first try or a later one.

``Outbox`` keeps its posts in this process's memory; ``qa_bot.slack.redis_outbox.RedisOutbox`` keeps them
in a Redis stream shared by bot replicas. Both are an ``OutboxProtocol``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)
FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0


def passing(exc: Exception) -> bool:
    """True when the failure may pass: a connection problem, a 5xx or a rate limit."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        return status == 429 or status >= 500
    return isinstance(exc, OSError)  # URLError, a reset or refused connection, a timeout


NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found", "user_not_in_channel"})
"""Slack's refusals of a post in a conversation the bot is not in (a channel it was not invited to, a DM of others)."""


@dataclass(frozen=True, slots=True)
class RespondTo:
    """Where a post goes when the bot may not post where it was asked (:data:`NOT_A_MEMBER`): the ``response_url``
    of the slash command or button click it answers. Slack takes a post there without the bot being a member
    (within 30 minutes), as ``response_type`` says (``ephemeral``: to the user; ``in_channel``: for everyone).

    It is data, not a callable, so a post kept for later carries it, in memory or in the shared outbox's stream:
    a refusal on a later try (a 5xx first, then ``not_in_channel``) is delivered this way too.
    """

    url: str
    response_type: str = "ephemeral"

    def deliver(self, exc: Exception, kwargs: dict[str, Any]) -> bool:
        """Send the post (``kwargs`` of its Web API call) here if ``exc`` says the bot is not a member; True if sent."""
        if describe(exc) not in NOT_A_MEMBER:
            return False
        from slack_sdk.http_retry.builtin_handlers import (
            ConnectionErrorRetryHandler,
            RateLimitErrorRetryHandler,
            ServerErrorRetryHandler,
        )
        from slack_sdk.webhook import WebhookClient

        webhook = WebhookClient(self.url, timeout=30, retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=3), RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=2)])
        reply = webhook.send(
            text=kwargs.get("text"), blocks=kwargs.get("blocks"), response_type=self.response_type,
            replace_original=False, unfurl_links=False,
        )
        if reply.status_code != 200:
            log.warning("the command's response_url refused the answer in %s: %s", kwargs.get("channel"),
                        reply.status_code)
            return False
        log.info("answered in %s through the command's response_url (%s)", kwargs.get("channel"), describe(exc))
        return True


def respond_instead(response_url: str | None, response_type: str = "ephemeral") -> RespondTo | None:
    """A :class:`RespondTo` for a command's or a click's ``response_url``; None when there is none."""
    return RespondTo(response_url, response_type) if response_url else None


def delivered_instead(respond: RespondTo | None, exc: Exception, kwargs: dict[str, Any]) -> bool:
    """True when ``respond`` delivered, another way, a post that failed with ``exc`` for good."""
    if respond is None or passing(exc):
        return False
    try:
        return respond.deliver(exc, kwargs)
    except Exception as other:  # the other way failed too: the post is given up on as before
        log.warning("could not post in %s another way either: %s", kwargs.get("channel"), describe(other))
        return False


Lost = Callable[[str], object]
"""Told, with the reason, that a post was given up on: refused for good, out of patience, or lost at a stop."""


def tell_lost(on_lost: Lost | None, reason: str) -> None:
    """Tell ``on_lost`` (if any) that its post was given up on for ``reason``; a failure there is only logged."""
    if on_lost is None:
        return
    try:
        on_lost(reason)
    except Exception as exc:
        log.warning("could not note an answer as undelivered: %s", type(exc).__name__)


def describe(exc: Exception) -> str:
    """Slack's error code, or the exception's name: safe to log (never the request or its token)."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__


class OutboxProtocol(Protocol):
    """What the listeners and ``serve`` need of an outbox, wherever it keeps its posts."""

    patience: float

    def post(self, call: Callable[..., Any], respond: RespondTo | None = None, on_lost: Lost | None = None,
             **kwargs: Any) -> bool:
        """Post with ``call(**kwargs)`` now; True when it went through. A passing failure is kept and tried again;
        a refusal for good, now or on a later try, goes to ``respond`` when the bot may not post there. When the
        post is given up on, by this bot, ``on_lost`` is told why."""
        ...

    @property
    def waiting(self) -> int:
        """Posts this bot holds and has not delivered yet."""
        ...

    @property
    def in_flight(self) -> int:
        """Posts being tried for the first time right now."""
        ...

    @property
    def delivered(self) -> int:
        """Posts delivered by this bot."""
        ...

    @property
    def given_up(self) -> int:
        """Posts this bot gave up on (refused for good, out of patience, or lost at a stop)."""
        ...

    def settle(self, seconds: float = 10.0) -> int:
        """Wait up to ``seconds`` for the posts in flight; return those waiting."""
        ...

    def drain(self, seconds: float = 10.0) -> int:
        """The bot is stopping: try the waiting posts once more; return how many were lost."""
        ...

    def close(self) -> None:
        """Stop without delivering anything more."""
        ...


@dataclass(slots=True)
class _Post:
    call: Callable[..., Any]
    kwargs: dict[str, Any]
    first_tried: float
    tries: int = 1
    due: float = field(default=0.0)
    respond: RespondTo | None = None
    on_lost: Lost | None = None


class Outbox:
    """Delivers posts, keeping those that failed for a passing reason and trying them again later."""

    def __init__(self, patience: float = 600.0, first_pause: float = FIRST_PAUSE) -> None:
        if first_pause <= 0:
            raise ValueError("first_pause must be positive")
        self.patience = patience
        self.first_pause = first_pause
        self._waiting: list[_Post] = []
        self._trying: _Post | None = None  # the waiting post the retry thread is trying right now
        self._stopping = False
        self._lock = threading.Condition()
        self._worker: threading.Thread | None = None
        self._in_flight = 0
        self._delivered = 0
        self._given_up = 0

    def post(self, call: Callable[..., Any], respond: RespondTo | None = None, on_lost: Lost | None = None,
             **kwargs: Any) -> bool:
        """Post now; True when it went through (or ``respond`` took a post Slack refused for good). A passing
        failure is kept and tried again later, with ``respond``; ``on_lost`` is told if it is given up on."""
        with self._lock:
            self._in_flight += 1
        try:
            return self._post_now(call, kwargs, respond, on_lost)
        finally:
            with self._lock:
                self._in_flight -= 1
                self._lock.notify_all()

    def _post_now(self, call: Callable[..., Any], kwargs: dict[str, Any], respond: RespondTo | None = None,
                  on_lost: Lost | None = None) -> bool:
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
                return False
            log.warning("Slack did not take a post in %s (%s); will try again", kwargs.get("channel"), describe(exc))
            self.keep(call, respond, on_lost, **kwargs)
            return False
        self._count(delivered=1)
        return True

    def keep(self, call: Callable[..., Any], respond: RespondTo | None = None, on_lost: Lost | None = None,
             **kwargs: Any) -> None:
        """Keep a post that Slack has just refused for a passing reason; it is tried again after the first pause."""
        now = time.monotonic()
        self._keep(_Post(call, kwargs, first_tried=now, due=now + self.first_pause, respond=respond, on_lost=on_lost))

    def close(self) -> None:
        """Nothing to release: the retrying thread is a daemon and ends by itself once nothing waits."""

    @property
    def delivered(self) -> int:
        """Posts delivered: at once, on a later try, or through a ``response_url``."""
        with self._lock:
            return self._delivered

    @property
    def given_up(self) -> int:
        """Posts given up on: refused for good, out of patience, or lost at a stop."""
        with self._lock:
            return self._given_up

    @property
    def waiting(self) -> int:
        """Posts not delivered yet (one being tried again right now included)."""
        with self._lock:
            return len(self._waiting) + (self._trying is not None)

    @property
    def in_flight(self) -> int:
        """Posts being tried for the first time right now (the client may be inside its own retries)."""
        with self._lock:
            return self._in_flight

    def settle(self, seconds: float = 10.0) -> int:
        """Wait up to ``seconds`` for the posts in flight to succeed or join the waiting ones; return those waiting.

        A bot stopping in the middle of the client's own retries would otherwise drain an outbox the post
        has not reached yet, and lose it without a word.
        """
        deadline = time.monotonic() + seconds
        with self._lock:
            while self._in_flight and (left := deadline - time.monotonic()) > 0:
                self._lock.wait(timeout=left)
        return self.waiting

    def drain(self, seconds: float = 10.0) -> int:
        """Try every waiting post once more now (the bot is stopping); return how many were still lost.

        A post the retry thread is trying at this moment is waited for; if that try fails for a passing reason
        it is not kept again but lost too. Each post lost is logged with its channel, and its ``on_lost`` told,
        so nobody's answer disappears silently.
        """
        deadline = time.monotonic() + seconds
        with self._lock:
            self._stopping = True
            while self._trying is not None and (left := deadline - time.monotonic()) > 0:
                self._lock.wait(timeout=left)
            waiting, self._waiting = self._waiting, []
        lost = 0
        for post in waiting:
            if time.monotonic() < deadline:
                try:
                    post.call(**post.kwargs)
                except Exception as exc:
                    if delivered_instead(post.respond, exc, post.kwargs):
                        self._count(delivered=1)
                        continue
                    log.error("stopping: could not post in %s (%s)", post.kwargs.get("channel"), describe(exc))
                    tell_lost(post.on_lost, f"lost when the bot stopped ({describe(exc)})")
                else:
                    self._count(delivered=1)
                    continue
            else:
                log.error("stopping: no time left to post in %s", post.kwargs.get("channel"))
                tell_lost(post.on_lost, "lost when the bot stopped (no time left)")
            lost += 1
        self._count(given_up=lost)
        return lost

    def _count(self, delivered: int = 0, given_up: int = 0) -> None:
        with self._lock:
            self._delivered += delivered
            self._given_up += given_up

    def _keep(self, post: _Post) -> None:
        with self._lock:
            self._waiting.append(post)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="qa-bot-outbox", daemon=True)
                self._worker.start()
            self._lock.notify()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._waiting:
                    if not self._lock.wait(timeout=60):
                        self._worker = None
                        return
                post = min(self._waiting, key=lambda p: p.due)
                delay = post.due - time.monotonic()
                if delay > 0:
                    self._lock.wait(timeout=delay)
                    continue
                self._waiting.remove(post)
                self._trying = post
            try:
                self._try_again(post)
            finally:
                with self._lock:
                    self._trying = None
                    self._lock.notify_all()

    def _try_again(self, post: _Post) -> None:
        channel = post.kwargs.get("channel")
        try:
            post.call(**post.kwargs)
        except Exception as exc:
            post.tries += 1
            age = time.monotonic() - post.first_tried
            if delivered_instead(post.respond, exc, post.kwargs):
                self._count(delivered=1)
                return
            with self._lock:
                stopping = self._stopping
            if not passing(exc) or age > self.patience or stopping:
                self._count(given_up=1)
                log.error(
                    "gave up posting in %s after %d tries over %.0f s: %s", channel, post.tries, age, describe(exc)
                )
                tell_lost(post.on_lost, f"gave up after {post.tries} tries over {age:.0f} s ({describe(exc)})")
                return
            post.due = time.monotonic() + min(LONGEST_PAUSE, self.first_pause * 2 ** (post.tries - 1))
            with self._lock:
                self._waiting.append(post)
            return
        self._count(delivered=1)
        log.info("posted in %s after %d tries", channel, post.tries)
