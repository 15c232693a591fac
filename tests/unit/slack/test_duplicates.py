"""The duplicate filter, in memory and in Redis: a delivery is taken once, however many threads and replicas race."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest
from redis import Redis

from qa_bot.slack.context import DuplicateFilter, SeenEvents
from qa_bot.slack.redis_connect import connect, parse_state_url
from qa_bot.slack.redis_seen import RedisSeenEvents

from ...redis_server import running_redis

PREFIX = "test:"


@pytest.fixture(params=["memory", "redis"])
def two_filters(request) -> Iterator[tuple[DuplicateFilter, DuplicateFilter]]:
    """Two filters that share what they saw: one memory seen twice, or two replicas with their own connections."""
    if request.param == "memory":
        seen = SeenEvents()
        yield seen, seen
        return
    a, b = request.getfixturevalue("two_clients")
    yield RedisSeenEvents(a, PREFIX, owner="a"), RedisSeenEvents(b, PREFIX, owner="b")


def race(filters: tuple[DuplicateFilter, DuplicateFilter], keys_of: list[tuple[str, ...]]) -> list[bool]:
    """Each of ``keys_of`` claimed by its own thread, alternately through each filter, all released at once."""
    results = [False] * len(keys_of)
    start = threading.Barrier(len(keys_of))

    def claim(i: int) -> None:
        start.wait()
        results[i] = filters[i % 2].first_time(*keys_of[i])

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(keys_of))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def test_a_key_is_taken_exactly_once_by_threads_of_two_replicas(two_filters):
    for round_ in range(30):
        results = race(two_filters, [(f"id:Ev{round_}",)] * 16)
        assert results.count(True) == 1, (round_, results)
    assert not two_filters[0].first_time("id:Ev0") and not two_filters[1].first_time("id:Ev29")


def test_the_keys_of_one_delivery_are_claimed_together_or_not_at_all(two_filters):
    # Sixteen deliveries (each its own event id) of one message: one wins; the losers claimed nothing at all.
    keys = [(f"id:Ev{i}", "msg:C1:1700000000.000100") for i in range(16)]
    results = race(two_filters, keys)
    assert results.count(True) == 1
    winner = results.index(True)
    for i, (event_id, _) in enumerate(keys):
        assert two_filters[i % 2].first_time(event_id) is (i != winner)  # a loser's event id is still free


def test_empty_keys_are_ignored(two_filters):
    first, second = two_filters
    assert first.first_time("", "id:Ev1")
    assert not second.first_time("id:Ev1", "")
    assert first.first_time("") and first.first_time()


def test_a_claim_in_redis_expires_after_its_time(redis_url):
    with Redis.from_url(redis_url, decode_responses=True) as client:
        seen = RedisSeenEvents(client, PREFIX, seen_for=1, owner="replica-a")
        assert seen.first_time("id:Ev1")
        assert client.get(f"{PREFIX}seen:id:Ev1") == "replica-a"  # who took it
        assert 0 < client.ttl(f"{PREFIX}seen:id:Ev1") <= 1
        other = RedisSeenEvents(client, PREFIX, seen_for=1)
        assert not other.first_time("id:Ev1")
        deadline = time.monotonic() + 5
        while client.exists(f"{PREFIX}seen:id:Ev1") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert other.first_time("id:Ev1")  # expired: a delivery that old is taken again


def test_the_default_expiry_is_an_hour(redis_url):
    with Redis.from_url(redis_url, decode_responses=True) as client:
        RedisSeenEvents(client, PREFIX).first_time("id:Ev1", "msg:C1:1.0")
        assert 3500 < client.ttl(f"{PREFIX}seen:id:Ev1") <= 3600
        assert 3500 < client.ttl(f"{PREFIX}seen:msg:C1:1.0") <= 3600


def test_when_redis_goes_away_the_filter_falls_back_to_this_replicas_memory(tmp_path, caplog):
    with running_redis(tmp_path / "redis") as server:
        client = connect(parse_state_url(server.url))
        seen = RedisSeenEvents(client, PREFIX, server="127.0.0.1:1/0")
        assert seen.first_time("id:Ev1")
        server.stop()
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="qa_bot.slack"):
            assert not seen.first_time("id:Ev1")  # a claim won in Redis is remembered here too
            assert seen.first_time("id:Ev2")
            assert not seen.first_time("id:Ev2")  # a retry to this replica is still dropped
        assert time.monotonic() - started < 1.0  # well within Slack's 3 s to acknowledge
        client.close()
    warnings = [r.getMessage() for r in caplog.records if "does not answer" in r.getMessage()]
    assert warnings == ["Redis at 127.0.0.1:1/0 does not answer (ConnectionError): duplicates are filtered by "
                        "this replica alone until it is back"]  # once, not once per delivery
