"""A real redis-server for the shared-state tests, started once for the session and emptied before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis

from ...redis_server import RedisServer, running_redis


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server) -> Iterator[str]:
    """The server's URL, with nothing in it from an earlier test."""
    with Redis.from_url(redis_server.url) as client:
        client.flushall()
    yield redis_server.url


@pytest.fixture
def two_clients(redis_url) -> Iterator[tuple[Redis, Redis]]:
    """Two connections to the emptied server, as two replicas of the bot have (replies decoded)."""
    clients = (Redis.from_url(redis_url, decode_responses=True), Redis.from_url(redis_url, decode_responses=True))
    try:
        yield clients
    finally:
        for client in clients:
            client.close()
