"""A polite, bounded HTTP GET for feeds and article pages: robots.txt, one request per host per interval,
size and time caps, conditional requests, and every failure as one :class:`FetchError` line.

Nothing fetched is executed or parsed here, except robots.txt (by :mod:`qa_bot.feeds.robots`).
One :class:`Fetcher` serves one thread at a time.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.client import IncompleteRead
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
import urllib3.connection
from urllib3.exceptions import (
    DecodeError,
    HTTPError,
    LocationValueError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError

import qa_bot
from qa_bot.errors import QABotError
from qa_bot.ingest.charset import page_text
from qa_bot.redact import first_line

from .robots import ROBOTS_MAX_BYTES, RobotsRules, robots_url, site_of

log = logging.getLogger(__name__)

USER_AGENT = f"qa-bot/{qa_bot.__version__} (+https://github.com/qa-bot/qa-bot; news question-answering bot)"
DEFAULT_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.8"
)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_ACCEPT_ENCODING = urllib3.util.make_headers(accept_encoding=True)["accept-encoding"]  # gzip, deflate (+br, zstd)


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How politely and how far the fetcher goes."""

    user_agent: str = USER_AGENT
    timeout: float = 15.0
    """Seconds: to connect, for each read, and in all for one HTTP exchange including its body."""
    max_bytes: int = 5 * 1024 * 1024
    """Largest body accepted, counted after decompression; a larger Content-Length is refused unread."""
    max_redirects: int = 5
    host_interval: float = 1.0
    """Least seconds between the starts of two requests to one host name (robots.txt ones included)."""
    obey_robots: bool = True
    allow_private: bool = False
    """Fetch from loopback, private and link-local addresses too (an intranet's feeds). Off, a feed cannot
    make the bot read an internal page (a router's, a cloud's metadata service) and quote it."""


DEFAULT_POLICY = FetchPolicy()


@dataclass(frozen=True, slots=True)
class Response:
    """A successful answer: 2xx with its body, or 304 (not modified) with an empty body."""

    url: str
    """The final URL, after redirects."""
    status: int
    body: bytes
    content_type: str
    """The media type, lowercased, without parameters (``text/html``); empty when the server sent none."""
    charset: str | None
    etag: str | None
    last_modified: str | None

    def text(self) -> str:
        """The body decoded as a browser would (see :func:`~qa_bot.ingest.charset.page_text`)."""
        return page_text(self.body, self.charset)


class FetchError(QABotError):
    """A URL could not be fetched; ``str()`` is the one-line reason (``HTTP 500``, ``timed out after 15 s``)."""

    def __init__(self, reason: str, *, url: str, transient: bool, status: int | None = None) -> None:
        super().__init__(reason)
        self.url = url
        """The URL that failed (a redirect target, if the failure came after a redirect)."""
        self.transient = transient
        """True when a later run should try again (timeouts, connection errors, 5xx, 408, 429)."""
        self.status = status
        """The HTTP status, when the failure was a status."""


class RobotsRefusal(FetchError):
    """The site's robots.txt disallows the URL: not a failure to retry, the site's wish."""


def _size(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{round(n / scale, 1):g} {unit}"
    return f"{n} bytes"


def _seconds(s: float) -> str:
    return f"{s:g} s"


def is_http_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL with a host and a usable port."""
    try:
        parts = urlsplit(url)
        # .port raises ValueError when out of range: refused here rather than deep in a request
        return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname) and parts.port != 0
    except ValueError:
        return False


def _check_scheme(url: str, *, redirected: bool = False) -> None:
    if not is_http_url(url):
        shown = url if len(url) <= 100 else url[:99] + "…"
        prefix = "redirected to a URL that is not http(s)" if redirected else "not an http(s) URL"
        raise FetchError(f"{prefix}: {shown}", url=url, transient=False)


def _check_address(url: str) -> None:
    """Refuse ``url`` when its host resolves to an address that is not on the public internet.

    Checked before each request (each redirect hop too); a host that resolves anew between the check and
    the connection (DNS rebinding) is not caught here.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchError(f"host not found: {host}", url=url, transient=True) from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise FetchError(
                f"{host} is a private, loopback or link-local address ({address}); "
                "set QA_BOT_FEEDS_ALLOW_PRIVATE=true to fetch from it", url=url, transient=False,
            )


def _content_type(header: str | None) -> tuple[str, str | None]:
    """``("text/html", "utf-8")`` from ``text/html; charset="UTF-8"``."""
    if not header:
        return "", None
    media, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip("\"'"):
            charset = value.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _status_error(url: str, status: int) -> FetchError:
    transient = status >= 500 or status in {408, 429}
    return FetchError(f"HTTP {status}", url=url, transient=transient, status=status)


def _converted(exc: BaseException, url: str, timeout: float) -> FetchError:
    """The FetchError for an error of urllib3, the socket or TLS layer."""
    if isinstance(exc, MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, NameResolutionError):
        host = urlsplit(url).hostname
        return FetchError(f"host not found: {host}", url=url, transient=True)
    if isinstance(exc, NewConnectionError):  # before timeouts: urllib3 derives it from ConnectTimeoutError
        if isinstance(cause, ConnectionRefusedError) or "refused" in str(exc).lower():
            return FetchError("connection refused", url=url, transient=True)
        if isinstance(cause, TimeoutError):
            return FetchError(f"timed out after {_seconds(timeout)}", url=url, transient=True)
        return FetchError(f"could not connect: {first_line(cause or exc)}", url=url, transient=True)
    if isinstance(exc, Urllib3TimeoutError | TimeoutError):
        return FetchError(f"timed out after {_seconds(timeout)}", url=url, transient=True)
    if isinstance(exc, SSLError | ssl.SSLError):
        return FetchError(f"TLS error: {first_line(cause or exc)}", url=url, transient=True)
    if isinstance(exc, ProtocolError):
        if isinstance(cause, IncompleteRead) or any(isinstance(a, IncompleteRead) for a in exc.args):
            return FetchError("connection closed before the end of the body", url=url, transient=True)
        if isinstance(cause, ConnectionResetError) or any(isinstance(a, ConnectionResetError) for a in exc.args):
            return FetchError("connection reset", url=url, transient=True)
        return FetchError(f"connection broken: {first_line(exc)}", url=url, transient=True)
    if isinstance(exc, DecodeError):
        return FetchError("body could not be decompressed", url=url, transient=False)
    if isinstance(exc, LocationValueError | ValueError):
        return FetchError(f"invalid URL: {first_line(exc)}", url=url, transient=False)
    return FetchError(f"connection failed: {first_line(exc)}", url=url, transient=True)


_answer_by = threading.local()
"""``at``: the monotonic time by which the request this thread is making must have its status and headers."""


def _cut(sock: socket.socket) -> None:
    """End a connection whose server is still sending its headers at the deadline (its read returns at once)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _HeadersByDeadline:
    """A connection that reads the status line and headers by the request's deadline: a server sending them a
    line a second stays within each read's timeout, and would otherwise hold the update (and its lock) for as
    long as it likes."""

    sock: socket.socket | None

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        at, sock = getattr(_answer_by, "at", None), self.sock
        if at is None or sock is None:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        watchdog = threading.Timer(max(0.0, at - time.monotonic()), _cut, (sock,))
        watchdog.daemon = True
        watchdog.start()
        try:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        finally:
            watchdog.cancel()


class _HTTPConnection(_HeadersByDeadline, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_HeadersByDeadline, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class Fetcher:
    """GETs URLs under a :class:`FetchPolicy`; keeps its connections and each site's robots.txt for its life.

    ``clock`` and ``sleep`` pace the per-host rate limit (tests pass fakes); the time caps of one request
    always run on the real monotonic clock, as socket timeouts do.
    """

    def __init__(
        self,
        policy: FetchPolicy = DEFAULT_POLICY,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._sleep = sleep
        self._next_start: dict[str, float] = {}
        self._robots: dict[str, RobotsRules] = {}
        self._pool = urllib3.PoolManager(
            retries=False, timeout=urllib3.Timeout(connect=policy.timeout, read=policy.timeout)
        )
        self._pool.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.clear()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = DEFAULT_ACCEPT,
    ) -> Response:
        """GET ``url``, following redirects, conditionally when ``etag`` or ``last_modified`` is given.

        Args:
            url: an http or https URL.
            etag: sent as If-None-Match (the ``etag`` of an earlier :class:`Response`).
            last_modified: sent as If-Modified-Since (the ``last_modified`` of an earlier :class:`Response`).
            accept: the Accept header.

        Returns:
            The 2xx response with its body, or a 304 one with an empty body.

        Raises:
            FetchError: for a non-http(s) URL (before any request), robots.txt refusal, an HTTP status other
                than 2xx and 304, too many redirects, a body over ``max_bytes``, a timeout or a network error.
        """
        _check_scheme(url)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        final_url, response, deadline = self._open(url, headers, obey_robots=self.policy.obey_robots)
        try:
            content_type, charset = _content_type(response.headers.get("Content-Type"))
            if response.status == 304:
                body = b""
            elif 200 <= response.status < 300:
                body = self._read(response, final_url, deadline, self.policy.max_bytes, truncate=False)
            else:
                raise _status_error(final_url, response.status)
            log.debug("GET %s: %d, %d bytes", final_url, response.status, len(body))
            return Response(
                url=final_url, status=response.status, body=body, content_type=content_type, charset=charset,
                etag=response.headers.get("ETag"), last_modified=response.headers.get("Last-Modified"),
            )
        finally:
            self._release(response)

    def _open(
        self, url: str, headers: dict[str, str], *, obey_robots: bool
    ) -> tuple[str, urllib3.BaseHTTPResponse, float]:
        """Request ``url`` and follow its redirects: the final URL, its unread response and its deadline."""
        seen = {url}
        current = url
        for _ in range(self.policy.max_redirects + 1):
            if not self.policy.allow_private:
                _check_address(current)
            if obey_robots:
                self._check_robots(current)
            response, deadline = self._request(current, headers)
            location = response.headers.get("Location")
            if response.status not in REDIRECTS or not location:
                return current, response, deadline
            self._release(response)
            target = urljoin(current, location.strip())
            _check_scheme(target, redirected=True)
            if target in seen:
                raise FetchError(f"redirect loop (back to {target})", url=target, transient=False)
            seen.add(target)
            current = target
        raise FetchError(
            f"too many redirects (more than {self.policy.max_redirects})", url=current, transient=False
        )

    def _request(self, url: str, headers: dict[str, str]) -> tuple[urllib3.BaseHTTPResponse, float]:
        """One GET, after waiting its turn for the host; the response is unread and its deadline set."""
        self._wait_turn(urlsplit(url).hostname or "")
        timeout = self.policy.timeout
        deadline = time.monotonic() + timeout
        sent = {"User-Agent": self.policy.user_agent, "Accept-Encoding": _ACCEPT_ENCODING, **headers}
        _answer_by.at = deadline
        try:
            response = self._pool.request(
                "GET", url, headers=sent, redirect=False, retries=False, preload_content=False,
                decode_content=True, timeout=urllib3.Timeout(connect=timeout, read=timeout),
            )
        except (HTTPError, OSError, ValueError) as exc:
            if time.monotonic() >= deadline:  # cut at the deadline while the headers were still coming
                raise FetchError(f"timed out after {_seconds(timeout)}", url=url, transient=True) from None
            raise _converted(exc, url, timeout) from None
        finally:
            _answer_by.at = None
        return response, deadline

    def _wait_turn(self, host: str) -> None:
        """Sleep until ``host_interval`` has passed since the last request to ``host`` started."""
        now = self._clock()
        start = max(now, self._next_start.get(host.lower(), now))
        if start > now:
            self._sleep(start - now)
        self._next_start[host.lower()] = start + self.policy.host_interval

    def _read(
        self, response: urllib3.BaseHTTPResponse, url: str, deadline: float, cap: int, *, truncate: bool
    ) -> bytes:
        """The decoded body, at most ``cap`` bytes (cut there if ``truncate``, else refused), by ``deadline``."""
        too_large = FetchError(f"larger than {_size(cap)}", url=url, transient=False)
        length = response.headers.get("Content-Length", "")
        if not truncate and length.strip().isdigit() and int(length) > cap:
            raise too_large
        timeout = self.policy.timeout
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise FetchError(f"timed out after {_seconds(timeout)}", url=url, transient=True)
                self._limit_wait(response, min(timeout, left))
                chunk = response.read1(_CHUNK, decode_content=True)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
                total += len(chunk)
                if total > cap:
                    if truncate:
                        return b"".join(chunks)[:cap]
                    raise too_large
        except FetchError:
            raise
        except (HTTPError, OSError, ValueError) as exc:
            raise _converted(exc, url, timeout) from None

    @staticmethod
    def _limit_wait(response: urllib3.BaseHTTPResponse, seconds: float) -> None:
        """Make the next socket read wait at most ``seconds``, so a trickling body meets the deadline."""
        connection = getattr(response, "connection", None)
        sock = getattr(connection, "sock", None)
        if sock is not None:
            sock.settimeout(max(seconds, 0.001))

    @staticmethod
    def _release(response: urllib3.BaseHTTPResponse) -> None:
        """Give the connection back to the pool, closed first unless its body was read to the end."""
        if not response.closed:
            response.close()
        response.release_conn()

    def _check_robots(self, url: str) -> None:
        """Raise FetchError unless the site's robots.txt (fetched on first use) allows ``url``."""
        site = site_of(url)
        rules = self._robots.get(site)
        if rules is None:
            rules = self._robots[site] = self._fetch_robots(robots_url(url))
        if rules.unreachable is not None:
            raise FetchError(f"robots.txt unreachable ({rules.unreachable})", url=url, transient=True)
        if not rules.allows(url):
            raise RobotsRefusal("disallowed by robots.txt", url=url, transient=False)

    def _fetch_robots(self, url: str) -> RobotsRules:
        try:
            final_url, response, deadline = self._open(url, {"Accept": "text/plain"}, obey_robots=False)
        except FetchError as exc:
            log.debug("robots.txt %s: %s", url, exc)
            return RobotsRules.unavailable(str(exc))
        try:
            body = b""
            if 200 <= response.status < 300:
                body = self._read(response, final_url, deadline, ROBOTS_MAX_BYTES, truncate=True)
        except FetchError as exc:
            log.debug("robots.txt %s: %s", url, exc)
            return RobotsRules.unavailable(str(exc))
        finally:
            self._release(response)
        log.debug("robots.txt %s: HTTP %d", url, response.status)
        return RobotsRules.from_status(response.status, body)
