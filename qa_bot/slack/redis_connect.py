"""The Redis (or Valkey) server that bot replicas share: its URL checked, connected to, named without secrets.

``QA_BOT_STATE_URL`` looks like ``redis://[[user]:password@]host:6379/0``; ``rediss://`` is TLS, ``unix://``
a socket, and ``valkey://``/``valkeys://`` are read as ``redis://``/``rediss://``. Every message here names
the server as ``host:port/db``, never with its password, and the password is registered as a secret.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from redis import Redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import AuthenticationError, AuthorizationError, RedisError, ResponseError
from redis.retry import Retry

from qa_bot.errors import ConfigError
from qa_bot.redact import first_line, register_secrets

log = logging.getLogger(__name__)
SCHEMES = {"redis": "redis", "rediss": "rediss", "valkey": "redis", "valkeys": "rediss", "unix": "unix"}
LOWEST_VERSION = (6, 2)
"""XAUTOCLAIM, which hands a dead replica's waiting posts to another, came with Redis 6.2."""
CONNECT_TIMEOUT = 2.0
REPLY_TIMEOUT = 5.0
"""Longer than any blocking read of the outbox (one second), so a quiet stream is not taken for a dead link."""
_FORM = "expected redis://[:password@]host:6379/0 (or rediss://, valkey://, unix://)"


@dataclass(frozen=True, slots=True)
class StateServer:
    """A checked state URL: what to connect to, and a name for it that is safe to print.

    Attributes:
        url: the URL redis-py reads (``valkey://`` already rewritten); holds the password, never print it.
        name: ``host:port/db`` or the socket path, without user or password.
    """

    url: str
    name: str


def parse_state_url(url: str) -> StateServer:
    """Check ``url`` and name its server; registers its password as a secret.

    Raises:
        ConfigError: it is not a Redis URL (scheme, host, port or database number); the message never
            repeats the URL.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        scheme = SCHEMES.get(parts.scheme.lower())
        if scheme is None:
            raise ConfigError(f"QA_BOT_STATE_URL is not a Redis URL: {_FORM}")
        if parts.password:
            register_secrets(parts.password, unquote(parts.password))  # as written, and as sent to the server
        if scheme == "unix":
            if not parts.path:
                raise ConfigError(f"QA_BOT_STATE_URL names no socket: {_FORM}")
            name = parts.path
        else:
            port = parts.port or 6379  # ValueError when it is not a number
            if not parts.hostname:
                raise ConfigError(f"QA_BOT_STATE_URL names no host: {_FORM}")
            db = parts.path.strip("/") or "0"
            if not db.isdigit():
                raise ConfigError(f"QA_BOT_STATE_URL's database is not a number: {_FORM}")
            name = f"{parts.hostname}:{port}/{int(db)}"
    except ValueError:
        raise ConfigError(f"QA_BOT_STATE_URL's port is not a number from 0 to 65535: {_FORM}") from None
    return StateServer(scheme + url[len(parts.scheme):], name)  # valkey:// read as redis://


def client_of(server: StateServer, client_name: str = "qa-bot") -> Redis:
    """A client of ``server`` (no connection is made yet): replies decoded to ``str``, pooled, thread-safe.

    A dropped connection is retried once at once, not redis-py's default ten times over seconds: the
    duplicate filter runs before Slack is acknowledged (within 3 s), and falls back to memory instead.
    """
    return Redis.from_url(
        server.url, decode_responses=True, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=REPLY_TIMEOUT,
        health_check_interval=30, client_name=client_name,
        retry=Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.05), retries=1),
    )


def connect(server: StateServer, client_name: str = "qa-bot") -> Redis:
    """A client of ``server`` (see ``client_of``), after checking that it answers and is recent enough.

    Raises:
        ConfigError: the server cannot be reached, refuses the credentials or the database, or is older
            than Redis 6.2.
    """
    client = client_of(server, client_name)
    try:
        info = client.info("server")
    except (AuthenticationError, AuthorizationError) as exc:
        client.close()
        raise ConfigError(f"Redis at {server.name} refused the credentials of QA_BOT_STATE_URL") from exc
    except ResponseError as exc:
        client.close()
        raise ConfigError(f"Redis at {server.name} refused the connection: {first_line(exc)}") from exc
    except RedisError as exc:
        client.close()
        raise ConfigError(
            f"cannot reach Redis at {server.name} ({type(exc).__name__}): check QA_BOT_STATE_URL and that it runs"
        ) from exc
    version = str(info.get("redis_version", "0"))
    if _numbers(version) < LOWEST_VERSION:
        client.close()
        raise ConfigError(f"Redis at {server.name} is version {version}; bot replicas need 6.2 or later (or Valkey)")
    return client


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:2] if p.isdigit())


class Trouble:
    """Logs that the server went away once, and once that it is back, instead of once per failed call."""

    def __init__(self, server: str, doing: str) -> None:
        self.server, self.doing = server, doing
        self._down = False
        self._lock = threading.Lock()

    def failed(self, exc: Exception) -> None:
        """Note a failed call; the first of an outage is logged as a warning."""
        with self._lock:
            first, self._down = not self._down, True
        if first:
            log.warning("Redis at %s does not answer (%s): %s", self.server, type(exc).__name__, self.doing)

    def worked(self) -> None:
        """Note a call that worked; logged when it ends an outage."""
        if self._down:
            with self._lock:
                was, self._down = self._down, False
            if was:
                log.warning("Redis at %s answers again", self.server)
