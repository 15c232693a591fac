"""Where a bot keeps what its replicas must share: the duplicate filter, the outbox and the thread memory.

Without ``QA_BOT_STATE_URL`` all three live in this process's memory, which is all one bot needs. With it,
they live in Redis or Valkey, so that replicas of the bot answer each Slack event once between them,
deliver each other's waiting answers, and read a follow-up with its thread whichever replica answered
there. Every replica still loads its own index and model.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError
from slack_sdk import WebClient

from qa_bot.config import Settings
from qa_bot.errors import ConfigError
from qa_bot.redact import first_line
from qa_bot.slack.context import DuplicateFilter, SeenEvents, ThreadMemory, Threads
from qa_bot.slack.outbox import Outbox, OutboxProtocol
from qa_bot.slack.redis_connect import connect, parse_state_url
from qa_bot.slack.redis_outbox import RedisOutbox, consumer_name
from qa_bot.slack.redis_seen import RedisSeenEvents
from qa_bot.slack.redis_threads import RedisThreads

"""Put before every key the bot writes (``qa-bot:slack:seen:id:Ev1``, the stream ``qa-bot:slack:outbox``)."""


@dataclass(frozen=True, slots=True)
class ReplicaState:
    """A bot's duplicate filter, outbox and thread memory, and where they live.

    Attributes:
        outbox: every post goes through it.
        seen: the deliveries already taken.
        threads: the question that set each thread's subject.
        shared_by: ``Redis at host:port/db`` when they are shared with other replicas; None in memory.
        consumer: this replica's name in the outbox's group (None in memory).
        redis: the shared server's client (None in memory); ``close`` closes it.
    """

    outbox: OutboxProtocol
    seen: DuplicateFilter
    threads: ThreadMemory
    shared_by: str | None = None
    consumer: str | None = None
    redis: Redis | None = None

    def close(self) -> None:
        """Stop the outbox (without delivering) and let go of the server."""
        self.outbox.close()
        if self.redis is not None:
            self.redis.close()


def check_state_url(settings: Settings) -> None:
    """Refuse a malformed state URL or a server that does not answer; quick, so call it before loading the model.

    Raises:
        ConfigError: as ``open_state``.
    """
    if settings.state_url is not None:
        connect(parse_state_url(settings.state_url.get_secret_value())).close()


def open_state(settings: Settings, client: WebClient, *, claim_after: float | None = None,
               prefix: str | None = None) -> ReplicaState:
    """The duplicate filter, outbox and thread memory of ``settings``: shared through ``state_url``, or in
    memory without it.

    Args:
        settings: ``state_url`` and ``slack_retry_for`` (the outbox's patience).
        client: the Web API client the shared outbox tries waiting posts again with.
        claim_after: seconds a dead replica's waiting post sits before this one takes it over
            (default: ``settings.state_claim_after``).
        prefix: put before every key in Redis (default: ``settings.state_prefix``).

    Raises:
        ConfigError: the URL is malformed, the server cannot be reached or refuses the credentials, is older
            than Redis 6.2, or refuses the outbox's stream (its key holds something else).
    """
    if settings.state_url is None:
        return ReplicaState(Outbox(settings.slack_retry_for), SeenEvents(), Threads())
    claim_after = settings.state_claim_after if claim_after is None else claim_after
    prefix = settings.state_prefix if prefix is None else prefix
    server = parse_state_url(settings.state_url.get_secret_value())
    consumer = consumer_name()
    redis = connect(server, client_name=f"qa-bot-{consumer}")
    try:
        outbox = RedisOutbox(redis, client, prefix=prefix, patience=settings.slack_retry_for, consumer=consumer,
                             claim_after=claim_after, server=server.name)
    except RedisError as exc:
        redis.close()
        problem = first_line(exc)
        raise ConfigError(f"Redis at {server.name} refused the outbox's stream {prefix}outbox: {problem}") from exc
    seen = RedisSeenEvents(redis, prefix, owner=consumer, server=server.name)
    threads = RedisThreads(redis, prefix, server=server.name)
    return ReplicaState(outbox, seen, threads, f"Redis at {server.name}", consumer, redis)
