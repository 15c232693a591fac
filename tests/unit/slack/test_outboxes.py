"""Both outboxes, in memory and in a Redis stream: the same rules; and what only the shared one does across replicas."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from redis import Redis
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from qa_bot.slack.outbox import Outbox, OutboxProtocol, RespondTo
from qa_bot.slack.redis_connect import connect, parse_state_url
from qa_bot.slack.redis_outbox import GROUP, RedisOutbox

from ...redis_server import running_redis

PREFIX = "test:"
STREAM = f"{PREFIX}outbox"
OK = 200
POLL = 0.05
"""How long a test replica blocks reading the stream, so that stopping one takes no longer than this."""
PAUSE = 0.1
"""The first pause before a retry (1 s in the bot): short, so the suite does not wait for it."""


def refusal(status: int, error: str) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="chat.postMessage", req_args={},
                             data={"ok": False, "error": error}, headers={}, status_code=status)
    return SlackApiError(error, response)


class Slack:
    """A Web API client whose ``chat_postMessage`` answers as scripted: an HTTP status (503, 429: a passing
    failure), or a Slack error code (refused for good, with 200 as Slack does); ``then`` once the script is over."""

    def __init__(self, *script: int | str, then: int | str = OK) -> None:
        self.script, self.then = list(script), then
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:  # noqa: N802 - the Web API's name
        with self._lock:
            self.calls.append(kwargs)
            outcome = self.script.pop(0) if self.script else self.then
        if outcome == OK:
            return {"ok": True}
        if isinstance(outcome, str):
            raise refusal(200, outcome)
        raise refusal(outcome, "service_unavailable")


def until(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


class ResponseUrl:
    """A loopback ``response_url``: records what is posted to it and answers ``status`` (Slack's is 200)."""

    def __init__(self) -> None:
        self.posted: list[dict[str, Any]] = []
        self.status = OK
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                owner.posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(owner.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/respond"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def response_url() -> Iterator[ResponseUrl]:
    receiver = ResponseUrl()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def redis(redis_url) -> Iterator[Redis]:
    with Redis.from_url(redis_url, decode_responses=True) as client:
        yield client


@pytest.fixture
def replica(request, redis_url) -> Iterator[Callable[..., RedisOutbox]]:
    """Makes shared outboxes, each with its own connection (a replica each); all closed at the end."""
    made: list[RedisOutbox] = []

    def make(
        slack: Slack, patience: float = 60.0, claim_after: float = 30.0, first_pause: float = PAUSE
    ) -> RedisOutbox:
        box = RedisOutbox(Redis.from_url(redis_url, decode_responses=True), slack, prefix=PREFIX,  # type: ignore[arg-type]
                          patience=patience, claim_after=claim_after, poll=POLL, first_pause=first_pause)
        made.append(box)
        return box

    yield make
    for box in made:
        box.close()


@pytest.fixture(params=["memory", "redis"])
def outbox(request) -> Callable[..., OutboxProtocol]:
    """Makes an outbox of either kind: the contract below holds for both."""
    if request.param == "memory":
        return lambda slack, patience=60.0: Outbox(patience, first_pause=PAUSE)
    return request.getfixturevalue("replica")


def post(box: OutboxProtocol, slack: Slack, n: int = 1) -> bool:
    return box.post(slack.chat_postMessage, channel="C1", text=f"answer {n}", thread_ts=f"1700000000.{n:06d}",
                    blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": f">quote {n}"}}])


# -- the contract: both outboxes --

def test_a_post_slack_takes_is_delivered_at_once(outbox):
    slack = Slack()
    box = outbox(slack)
    assert post(box, slack)
    assert box.delivered == 1 and box.waiting == 0 and len(slack.calls) == 1


@pytest.mark.parametrize("status", [503, 429])
def test_a_post_refused_for_a_while_is_delivered_once_slack_is_back(outbox, status):
    slack = Slack(status)
    box = outbox(slack)
    assert not post(box, slack)
    until(lambda: box.delivered == 1)
    assert len(slack.calls) == 2 and slack.calls[0] == slack.calls[1]  # the same post, tried again as it was
    assert box.waiting == 0 and box.given_up == 0


def test_a_post_refused_for_good_is_dropped_at_once(outbox):
    slack = Slack("channel_not_found")
    box = outbox(slack)
    assert not post(box, slack)
    assert box.given_up == 1 and box.waiting == 0 and len(slack.calls) == 1


def test_a_post_refused_as_not_a_member_goes_to_its_response_url_and_a_passing_failure_does_not(
        outbox, response_url):
    slack = Slack("not_in_channel", "not_in_channel", "channel_not_found", "invalid_blocks", 503)
    box = outbox(slack)
    respond = RespondTo(response_url.url)
    assert box.post(slack.chat_postMessage, respond=respond, channel="C1", text="answer 1")
    assert response_url.posted[0]["text"] == "answer 1" and response_url.posted[0]["response_type"] == "ephemeral"
    response_url.status = 404  # the response_url has expired: the answer is given up on
    assert not box.post(slack.chat_postMessage, respond=respond, channel="C1", text="answer 2")
    assert box.delivered == 1 and box.given_up == 1
    response_url.status = OK
    assert box.post(slack.chat_postMessage, respond=RespondTo(response_url.url, "in_channel"), channel="C1",
                    text="answer 3")
    assert response_url.posted[-1]["response_type"] == "in_channel"
    # Refused for another reason than membership: the response_url would not help, and is not used.
    assert not box.post(slack.chat_postMessage, respond=respond, channel="C1", text="answer 4")
    assert len(response_url.posted) == 3 and box.given_up == 2
    assert not box.post(slack.chat_postMessage, respond=respond, channel="C1", text="answer 5")  # kept for later
    until(lambda: box.delivered == 3)
    assert len(response_url.posted) == 3 and box.given_up == 2


def test_a_post_refused_as_not_a_member_on_a_later_try_goes_to_its_response_url(outbox, response_url):
    slack = Slack(503, "not_in_channel")
    box = outbox(slack)
    assert not box.post(slack.chat_postMessage, respond=RespondTo(response_url.url), channel="C1", text="answer 1")
    until(lambda: box.delivered == 1)
    assert [p["text"] for p in response_url.posted] == ["answer 1"]
    assert len(slack.calls) == 2 and box.given_up == 0 and box.waiting == 0


def test_a_post_given_up_on_says_why_and_one_delivered_says_nothing(outbox, response_url):
    lost: list[tuple[str, str]] = []

    def noted(text: str) -> Callable[[str], None]:
        return lambda reason: lost.append((text, reason))

    slack = Slack("channel_not_found", 503, "msg_too_long", 503, "not_in_channel")
    box = outbox(slack, patience=60.0)
    assert not box.post(slack.chat_postMessage, on_lost=noted("at once"), channel="C1", text="at once")
    assert not box.post(slack.chat_postMessage, on_lost=noted("later"), channel="C1", text="later")  # 503, then…
    until(lambda: box.given_up == 2)
    assert lost == [("at once", "channel_not_found"), ("later", "gave up after 2 tries over 0 s (msg_too_long)")]
    # Delivered on a later try, or through the response_url: nothing is said.
    assert not box.post(slack.chat_postMessage, respond=RespondTo(response_url.url), on_lost=noted("answered"),
                        channel="C1", text="answered")
    until(lambda: box.delivered == 1)
    assert box.post(slack.chat_postMessage, on_lost=noted("at once too"), channel="C1", text="fine")
    assert len(lost) == 2 and box.delivered == 2


def test_a_post_being_retried_when_the_bot_stops_is_waited_for_and_said_lost_if_it_fails():
    """The retry thread had taken the post off the waiting list: drain saw nothing, and the answer vanished."""
    entered, release = threading.Event(), threading.Event()
    calls: list[str] = []

    class Slow(Slack):
        def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:  # noqa: N802 - the Web API's name
            calls.append(kwargs["text"])
            if len(calls) == 2:  # the retry: slow, and Slack still down
                entered.set()
                release.wait(5)
            return super().chat_postMessage(**kwargs)

    lost: list[str] = []
    slack = Slow(then=503)
    box = Outbox(60.0, first_pause=PAUSE)
    assert not box.post(slack.chat_postMessage, on_lost=lost.append, channel="C1", text="answer")
    assert entered.wait(5)
    assert box.waiting == 1  # being tried again: still waiting
    stopper = threading.Thread(target=box.drain, args=(5,))
    stopper.start()
    time.sleep(0.1)
    release.set()
    stopper.join(5)
    assert not stopper.is_alive() and len(calls) == 2  # not kept again for a third try
    assert box.given_up == 1 and box.waiting == 0 and lost and lost[0].startswith("gave up after 2 tries")


def test_a_post_still_refused_when_the_bot_stops_is_said_lost_or_handed_on(outbox):
    lost: list[str] = []
    slack = Slack(then=503)
    box = outbox(slack)
    box.first_pause = 30.0  # only the drain tries it again
    assert not box.post(slack.chat_postMessage, on_lost=lost.append, channel="C1", text="answer")
    until(lambda: box.waiting == 1)
    box.drain(2)
    if isinstance(box, Outbox):
        assert lost == ["lost when the bot stopped (service_unavailable)"] and box.given_up == 1
    else:  # handed back to the shared outbox for the other replicas: not lost
        assert lost == [] and box.given_up == 0


def test_a_post_refused_for_good_on_a_later_try_is_dropped(outbox):
    slack = Slack(503, "not_in_channel")
    box = outbox(slack)
    post(box, slack)
    until(lambda: box.given_up == 1)
    assert len(slack.calls) == 2 and box.waiting == 0 and box.delivered == 0


def test_a_post_is_given_up_once_older_than_the_patience(outbox):
    slack = Slack(then=503)
    box = outbox(slack, patience=PAUSE / 2)  # shorter than the first pause
    post(box, slack)
    until(lambda: box.given_up == 1)
    assert len(slack.calls) == 2 and box.waiting == 0  # the first try, and one after the first pause


# -- the shared outbox --

def test_a_waiting_post_is_kept_as_data_not_as_a_callable(replica, redis):
    slack = Slack(then=503)
    box = replica(slack)
    before = time.time()
    post(box, slack, 7)
    ((_, fields),) = until(lambda: redis.xrange(STREAM))
    assert set(fields) == {"method", "kwargs", "first_tried", "tries"}
    assert fields["method"] == "chat_postMessage"
    assert json.loads(fields["kwargs"]) == slack.calls[0]
    assert before <= float(fields["first_tried"]) <= time.time()


def test_another_replica_sends_a_waiting_post_to_its_response_url(replica, redis, response_url):
    """The response_url travels with the post in the stream: the replica that finds the bot is not a member
    (after a 5xx on the first try) may not be the one that was asked."""
    down, refusing = Slack(then=503), Slack(then="not_in_channel")
    first = replica(down, first_pause=5.0)
    first.post(down.chat_postMessage, respond=RespondTo(response_url.url, "in_channel"), channel="C1", text="shared")
    ((_, fields),) = until(lambda: redis.xrange(STREAM))
    assert fields["response_url"] == response_url.url and fields["response_type"] == "in_channel"
    first.close()
    assert first.drain(2) == 0  # handed back to the stream, with its response_url
    second = replica(refusing)
    until(lambda: second.delivered == 1, timeout=5)
    assert [(p["text"], p["response_type"]) for p in response_url.posted] == [("shared", "in_channel")]
    until(lambda: redis.xlen(STREAM) == 0, timeout=5)


def test_the_shared_outbox_takes_only_web_api_methods(replica):
    box = replica(Slack())
    with pytest.raises(TypeError, match="Web API client methods"):
        box.post(lambda **kwargs: None, channel="C1", text="hi")


def test_a_dead_replicas_waiting_post_is_delivered_by_another(replica, redis):
    down, up = Slack(then=503), Slack()
    first = replica(down, claim_after=0.5)
    post(first, down)
    until(lambda: first.waiting == 1)
    assert [p["consumer"] for p in redis.xpending_range(STREAM, GROUP, "-", "+", 10)] == [first.consumer]
    first.close()  # dies: nothing acknowledged, nothing handed back, its renewals stop
    second = replica(up, claim_after=0.5)
    until(lambda: second.delivered == 1)
    assert up.calls == [down.calls[0]]
    # The delivery is counted just before the entry is acknowledged and deleted: wait for those, then check.
    until(lambda: redis.xlen(STREAM) == 0, timeout=5)
    assert redis.xlen(STREAM) == 0 and redis.xpending(STREAM, GROUP)["pending"] == 0


def test_a_living_replica_keeps_its_waiting_posts(replica):
    mine, other = Slack(then=503), Slack()
    first = replica(mine, claim_after=0.5)
    post(first, mine)
    until(lambda: first.waiting == 1)
    second = replica(other, claim_after=0.5)
    watch_until = time.monotonic() + 1.5  # three claim times: the first replica's renewals keep it its own
    while time.monotonic() < watch_until:
        assert not other.calls and first.waiting == 1
        time.sleep(0.02)
    mine.then = OK  # Slack is back for its next try
    until(lambda: first.delivered == 1)
    assert not other.calls and second.delivered == 0


def test_replicas_share_the_waiting_posts_and_deliver_each_once(replica, redis):
    refusing = Slack(then=503)  # the first try of every post fails; the replicas' own tries then work
    slacks = [Slack(), Slack()]
    boxes = [replica(slacks[0], claim_after=0.5), replica(slacks[1], claim_after=0.5)]
    for n in range(20):
        post(boxes[n % 2], refusing, n)
    until(lambda: sum(b.delivered for b in boxes) == 20)
    texts = sorted(c["text"] for s in slacks for c in s.calls)
    assert texts == sorted(f"answer {n}" for n in range(20))  # each once, whichever replica read it
    assert redis.xlen(STREAM) == 0


def test_a_replica_forgets_what_to_tell_once_a_post_is_delivered_on_a_later_try(replica, response_url):
    lost: list[str] = []
    slack = Slack(503, "not_in_channel")
    box = replica(slack)
    box.post(slack.chat_postMessage, respond=RespondTo(response_url.url), on_lost=lost.append, channel="C1",
             text="one")
    until(lambda: box.delivered == 1)
    assert len(response_url.posted) == 1 and not lost
    until(lambda: not box._on_lost)  # noqa: SLF001 - what the replica keeps, looked at in a test only


def test_a_replica_forgets_what_to_tell_of_a_post_another_replica_took(replica, monkeypatch):
    """Only the replica that ends a post can tell; the one that added it forgets it once the other must be done."""
    from qa_bot.slack import redis_outbox

    monkeypatch.setattr(redis_outbox, "LONGEST_PAUSE", 0.1)
    lost: list[str] = []
    refusing, up = Slack(then=503), Slack()
    mine = replica(refusing, patience=0.2, claim_after=0.1, first_pause=5.0)
    mine.post(refusing.chat_postMessage, on_lost=lost.append, channel="C1", text="two")
    mine.close()  # stops serving: the other replica takes the post over
    other = replica(up, claim_after=0.1)
    until(lambda: other.delivered == 1)
    time.sleep(0.5)  # past the patience, the longest pause and two claim times
    mine._forget_old_hooks()  # noqa: SLF001 - its renewing thread does this every claim time; stopped here
    assert not mine._on_lost and not lost  # noqa: SLF001 - what the replica keeps, looked at in a test only


def test_stopping_hands_the_waiting_posts_to_the_other_replicas(replica, redis, caplog):
    down, up = Slack(then=503), Slack()
    # Claim time 30 s: only the hand-back lets another replica have it soon. A first pause of 5 s: the one
    # try more is the drain's, never the retry worker's (which a busy machine can reach within 0.1 s).
    first = replica(down, first_pause=5.0)
    post(first, down)
    until(lambda: first.waiting == 1)
    with caplog.at_level(logging.WARNING, logger="qa_bot.slack"):
        assert first.drain(2) == 0  # nothing lost
    assert "stopping: 1 waiting answers stay in the shared outbox; the other replicas deliver them" in caplog.text
    assert len(down.calls) == 2  # tried once more first
    assert redis.xlen(STREAM) == 1 and redis.xpending(STREAM, GROUP)["pending"] == 0
    assert first.consumer not in {c["name"] for c in redis.xinfo_consumers(STREAM, GROUP)}  # it left the group
    second = replica(up)
    until(lambda: second.delivered == 1, timeout=5)
    assert up.calls == [down.calls[0]] and redis.xlen(STREAM) == 0


def test_entries_left_too_long_or_malformed_are_dropped_untried(replica, redis, caplog):
    redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    redis.xadd(STREAM, {"method": "chat_postMessage", "kwargs": json.dumps({"channel": "C9", "text": "old"}),
                        "first_tried": repr(time.time() - 3600), "tries": "1"})
    redis.xadd(STREAM, {"method": "__init__", "kwargs": "{}", "first_tried": "0", "tries": "1"})
    slack = Slack()
    with caplog.at_level(logging.ERROR, logger="qa_bot.slack"):
        box = replica(slack, patience=60)
        until(lambda: redis.xlen(STREAM) == 0)
    assert box.given_up == 1 and not slack.calls
    assert "gave up posting in C9: it waited 3600 s with no replica running" in caplog.text
    assert "dropped a malformed entry" in caplog.text


def test_without_redis_a_waiting_post_waits_in_this_replicas_memory(tmp_path, caplog):
    slack = Slack(503)
    with running_redis(tmp_path / "redis") as server:
        box = RedisOutbox(connect(parse_state_url(server.url)), slack, prefix=PREFIX, poll=POLL)  # type: ignore[arg-type]
        server.stop()
        with caplog.at_level(logging.WARNING, logger="qa_bot.slack"):
            post(box, slack)
            until(lambda: box.delivered == 1)
        box.close()
    assert "Slack did not take a post in C1 (service_unavailable); it waits in this replica's memory" in caplog.text
    assert len(slack.calls) == 2 and box.waiting == 0


def test_a_first_pause_that_is_not_positive_is_refused():
    with pytest.raises(ValueError, match="first_pause"):
        Outbox(first_pause=0)
