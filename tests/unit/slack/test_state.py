"""The state URL: checked at start with one clear line, never its password; in memory without it."""

from __future__ import annotations

import pytest

from qa_bot.config import Settings
from qa_bot.errors import ConfigError
from qa_bot.redact import MASK, redact
from qa_bot.slack.context import SeenEvents, Threads
from qa_bot.slack.outbox import Outbox
from qa_bot.slack.redis_connect import parse_state_url
from qa_bot.slack.redis_outbox import RedisOutbox
from qa_bot.slack.redis_seen import RedisSeenEvents
from qa_bot.slack.redis_threads import RedisThreads
from qa_bot.slack.run import check_settings
from qa_bot.slack.state import open_state

from ...redis_server import free_port, running_redis
from .fakes import FakeClient

PASSWORD = "s3cret-Pa55word"
TOKENS = {"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1", "slack_signing_secret": "s3cret"}


def settings(state_url: str | None) -> Settings:
    return Settings(_env_file=None, state_url=state_url, **TOKENS)


def assert_clear(error: pytest.ExceptionInfo[ConfigError], *needles: str) -> None:
    message = str(error.value)
    assert "\n" not in message and PASSWORD not in message and "s3cret" not in message, message
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize(("url", "said"), [
    (f"localhost:{PASSWORD}@6379", "is not a Redis URL"),
    (f"http://:{PASSWORD}@example.com/", "is not a Redis URL"),
    (f"redis://:{PASSWORD}@host:port/0", "port is not a number"),
    (f"redis://:{PASSWORD}@host:99999/0", "port is not a number"),
    (f"redis://:{PASSWORD}@host:6379/zero", "database is not a number"),
    (f"redis://:{PASSWORD}@:6379/0", "names no host"),
    ("unix://", "names no socket"),
])
def test_a_malformed_url_is_one_clear_line_without_its_password(url, said):
    with pytest.raises(ConfigError) as error:
        check_settings(settings(url), http=False)
    assert_clear(error, "QA_BOT_STATE_URL", said, "expected redis://")


@pytest.mark.parametrize(("url", "name"), [
    ("redis://localhost", "localhost:6379/0"),
    (f"rediss://user:{PASSWORD}@cache.internal:6380/2", "cache.internal:6380/2"),
    ("valkey://10.0.0.5:6379/1", "10.0.0.5:6379/1"),
    ("unix:///run/redis.sock?db=1", "/run/redis.sock"),
])
def test_a_url_is_named_without_user_or_password(url, name):
    server = parse_state_url(url)
    assert server.name == name
    assert server.url.startswith(("redis://", "rediss://", "unix://"))


def test_the_password_alone_is_a_secret_once_the_url_is_read():
    parse_state_url(f"redis://:{PASSWORD}@host:6379/0")
    assert redact(f"AUTH {PASSWORD}") == f"AUTH {MASK}"


def test_a_server_that_does_not_answer_is_named_at_start():
    port = free_port()
    with pytest.raises(ConfigError) as error:
        check_settings(settings(f"redis://:{PASSWORD}@127.0.0.1:{port}/0"), http=False)
    assert_clear(error, f"cannot reach Redis at 127.0.0.1:{port}/0 (ConnectionError)", "QA_BOT_STATE_URL")


def test_a_wrong_password_is_refused_clearly_and_the_right_one_works(tmp_path):
    with running_redis(tmp_path / "redis", "--requirepass", PASSWORD) as server:
        wrong = f"redis://:not-{PASSWORD}@127.0.0.1:{server.port}/0"
        with pytest.raises(ConfigError) as error:
            check_settings(settings(wrong), http=False)
        assert_clear(error, f"Redis at 127.0.0.1:{server.port}/0 refused the credentials of QA_BOT_STATE_URL")
        with pytest.raises(ConfigError) as error:
            check_settings(settings(f"redis://127.0.0.1:{server.port}/0"), http=False)  # none given
        assert_clear(error, "refused")
        right = f"redis://:{PASSWORD}@127.0.0.1:{server.port}/0"
        check_settings(settings(right), http=False)
        state = open_state(settings(right), FakeClient())  # type: ignore[arg-type]
        try:
            assert state.shared_by == f"Redis at 127.0.0.1:{server.port}/0"
        finally:
            state.close()


def test_a_database_the_server_does_not_have_is_refused(redis_server):
    with pytest.raises(ConfigError) as error:
        check_settings(settings(f"redis://127.0.0.1:{redis_server.port}/99"), http=False)
    assert_clear(error, f"Redis at 127.0.0.1:{redis_server.port}/99 refused the connection: DB index is out of range")


def test_a_key_holding_something_else_is_refused(redis_url):
    from redis import Redis

    with Redis.from_url(redis_url) as client:
        client.set("qa-bot:slack:outbox", "not a stream")
    with pytest.raises(ConfigError) as error:
        open_state(settings(redis_url), FakeClient())  # type: ignore[arg-type]
    assert_clear(error, "refused the outbox's stream qa-bot:slack:outbox", "WRONGTYPE")


def test_without_a_url_the_state_is_this_processs_memory():
    state = open_state(settings(None), FakeClient())  # type: ignore[arg-type]
    assert isinstance(state.outbox, Outbox) and isinstance(state.seen, SeenEvents) and state.shared_by is None
    assert isinstance(state.threads, Threads)
    state.close()


def test_with_a_url_the_state_is_shared(redis_url):
    state = open_state(settings(redis_url), FakeClient())  # type: ignore[arg-type]
    try:
        assert isinstance(state.outbox, RedisOutbox) and isinstance(state.seen, RedisSeenEvents)
        assert isinstance(state.threads, RedisThreads)
        assert state.consumer and state.outbox.consumer == state.consumer
    finally:
        state.close()
