"""The thread memory, in memory and in Redis: a follow-up finds its thread's question whichever replica answered."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from redis import Redis

from qa_bot.slack.context import ThreadMemory, Threads
from qa_bot.slack.redis_connect import connect, parse_state_url
from qa_bot.slack.redis_threads import KEEP_FOR, RedisThreads

from ...redis_server import running_redis

PREFIX = "test:"


@pytest.fixture(params=["memory", "redis"])
def two_replicas(request) -> Iterator[tuple[ThreadMemory, ThreadMemory]]:
    """Two memories that share threads: one memory seen twice, or two replicas with their own connections."""
    if request.param == "memory":
        threads = Threads()
        yield threads, threads
        return
    a, b = request.getfixturevalue("two_clients")
    yield RedisThreads(a, PREFIX), RedisThreads(b, PREFIX)


def test_a_thread_answered_by_one_replica_is_known_to_the_other(two_replicas):
    a, b = two_replicas
    assert b.earlier("C1", "1.0") == []
    a.add("C1", "1.0", "Where did the defective drone crash?")
    assert b.earlier("C1", "1.0") == ["Where did the defective drone crash?"]
    assert b.earlier("C1", "2.0") == [] and b.earlier("C2", "1.0") == []  # another thread, another channel


def test_a_threads_question_is_kept_a_week_in_redis(redis_url):
    with Redis.from_url(redis_url, decode_responses=True) as client:
        RedisThreads(client, PREFIX).add("C1", "1.0", "Who is David Schenker?")
        assert 0 < client.ttl(f"{PREFIX}thread:C1:1.0") <= KEEP_FOR == 7 * 86_400
        short = RedisThreads(client, PREFIX, keep_for=1)
        short.add("C1", "2.0", "Who is Antony Blinken?")
        time.sleep(1.2)
        assert RedisThreads(client, PREFIX).earlier("C1", "2.0") == []


def test_when_redis_goes_away_the_replica_keeps_to_its_own_threads(tmp_path, caplog):
    with running_redis(tmp_path / "redis") as server:
        client = connect(parse_state_url(server.url))
        threads = RedisThreads(client, PREFIX, server="127.0.0.1:1/0")
        threads.add("C1", "1.0", "Who is David Schenker?")
        server.stop()
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="qa_bot.slack"):
            assert threads.earlier("C1", "1.0") == ["Who is David Schenker?"]  # written here too
            threads.add("C1", "2.0", "Where did the drone crash?")
            assert threads.earlier("C1", "2.0") == ["Where did the drone crash?"]
        assert time.monotonic() - started < 1.0  # a follow-up never waits on a dead server
        client.close()
    warnings = [r.getMessage() for r in caplog.records if "does not answer" in r.getMessage()]
    assert len(warnings) == 1 and "follow-ups are read with the threads this replica answered in" in warnings[0]


def test_a_thread_redis_lost_is_still_known_to_the_replica_that_answered_there(redis_url):
    """Redis answers but lacks the key (restarted without persistence, evicted): this replica's own memory."""
    with Redis.from_url(redis_url, decode_responses=True) as client:
        threads = RedisThreads(client, PREFIX)
        threads.add("C1", "1.0", "Who is Antony Blinken?")
        client.flushall()
        assert threads.earlier("C1", "1.0") == ["Who is Antony Blinken?"]
        assert RedisThreads(client, PREFIX).earlier("C1", "1.0") == []  # another replica never knew it
