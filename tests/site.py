"""A real web site on loopback for the feed tests: routes set (and replaced) per test, every request recorded.

    with Site() as site:
        site.route("/feed.xml", body=FEED, content_type="application/rss+xml", etag='"v1"')
        site.route("/boom", status=500)
        fetcher.get(site.url("/feed.xml"))
        assert site.hits("/feed.xml") == 1

It listens on 127.0.0.1 with a port of its own (``site.url(path, host="localhost")`` reaches the same server
as another host), speaks HTTP/1.1 with keep-alive, answers 404 to an unknown path, and closes in well under a
second even while a slow or trickling answer is in flight.
"""

from __future__ import annotations

import email.utils
import http.server
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import NamedTuple

FILLER = b"<p>" + b"All work and no play makes a dull news page. " * 40 + b"</p>\n"
"""What a ``size=`` route repeats: HTML-ish text, never built whole in memory."""


class Request(NamedTuple):
    """One request the site received."""

    method: str
    path: str
    """The request target, query string included."""
    headers: dict[str, str]
    """Header names lowercased (``headers["if-none-match"]``)."""


@dataclass(frozen=True)
class Route:
    """How the site answers one path (see :meth:`Site.route`)."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    redirect: str | None = None
    delay: float = 0.0
    trickle: float = 0.0
    size: int | None = None
    content_length: bool = True
    gzip: bool = False
    header_trickle: float = 0.0


class Site:
    """A threaded HTTP server on 127.0.0.1 and port 0; a context manager (or call :meth:`close`)."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._requests: list[tuple[Request, float]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self  # type: ignore[attr-defined]
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name=f"test-site-{self.port}", daemon=True)
        self._thread.start()

    def __enter__(self) -> Site:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving, cut every open connection and wake every waiting answer."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=1)

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        """The absolute URL of ``path`` (``host="localhost"`` names the same server as another host)."""
        return f"http://{host}:{self.port}{path}"

    def route(
        self,
        path: str,
        *,
        body: bytes | str = b"",
        status: int | None = None,
        content_type: str | None = "text/html; charset=utf-8",
        etag: str | None = None,
        last_modified: str | None = None,
        headers: dict[str, str] | None = None,
        redirect: str | None = None,
        delay: float = 0.0,
        trickle: float = 0.0,
        size: int | None = None,
        content_length: bool = True,
        gzip: bool = False,
        header_trickle: float = 0.0,
    ) -> None:
        """Answer GET ``path`` (the query string is ignored) as described, replacing any earlier route.

        Args:
            body: the body (a str is sent as UTF-8).
            status: the status; 200 by default, 302 with ``redirect``.
            content_type: the Content-Type header, or None for none.
            etag, last_modified: sent as ETag and Last-Modified; a request whose If-None-Match matches the ETag
                (or, without If-None-Match, whose If-Modified-Since is not older) gets 304 and no body.
            headers: more headers to send.
            redirect: the Location to send (relative or absolute).
            delay: seconds to wait before answering at all.
            trickle: seconds to wait before each byte of the body.
            size: send this many bytes of :data:`FILLER` instead of ``body``, streamed.
            content_length: send Content-Length (else the body goes chunked).
            gzip: compress the body (Content-Encoding: gzip); a compressed ``size`` body always goes chunked.
            header_trickle: send the status line, then a header line every this many seconds, never ending them.
        """
        if status is None:
            status = 302 if redirect else 200
        data = body.encode() if isinstance(body, str) else body
        route = Route(status, data, content_type, etag, last_modified, tuple((headers or {}).items()),
                      redirect, delay, trickle, size, content_length, gzip, header_trickle)
        with self._lock:
            self._routes[path] = route

    @property
    def requests(self) -> list[Request]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return [request for request, _ in self._requests]

    def hits(self, path: str) -> int:
        """How many requests asked for ``path`` (with any query string)."""
        return len(self.arrivals(path))

    def arrivals(self, path: str) -> list[float]:
        """When (``time.monotonic()``) each request for ``path`` arrived, oldest first."""
        with self._lock:
            return [at for request, at in self._requests if path in (request.path, request.path.split("?")[0])]

    def _record(self, request: Request) -> Route | None:
        with self._lock:
            self._requests.append((request, time.monotonic()))
            return self._routes.get(request.path.split("?")[0])


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    """RFC 9110's order: If-None-Match decides when sent; else If-Modified-Since."""
    if "if-none-match" in headers:
        tags = {tag.strip().removeprefix("W/") for tag in headers["if-none-match"].split(",")}
        return route.etag is not None and ("*" in tags or route.etag.removeprefix("W/") in tags)
    since, modified = headers.get("if-modified-since"), route.last_modified
    if since is None or modified is None:
        return False
    try:
        return email.utils.parsedate_to_datetime(modified) <= email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return since == modified


def _filler(size: int) -> Iterator[bytes]:
    while size > 0:
        piece = (FILLER * (64 * 1024 // len(FILLER) + 1))[: min(size, 64 * 1024)]
        size -= len(piece)
        yield piece


def _gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(wbits=31)  # 31: the gzip container
    for chunk in chunks:
        if out := compressor.compress(chunk):
            yield out
    yield compressor.flush()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (a fetcher giving up on a slow answer) is what the tests want: no traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection is dropped after this
    server: http.server.ThreadingHTTPServer

    @property
    def site(self) -> Site:
        return self.server.site  # type: ignore[attr-defined,no-any-return]

    def setup(self) -> None:
        super().setup()
        with self.site._lock:
            self.site._connections.add(self.connection)

    def finish(self) -> None:
        with self.site._lock:
            self.site._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests read ``site.requests`` instead."""

    def do_GET(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        route = self.site._record(Request(self.command, self.path, headers))
        try:
            self._answer(route, headers)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True  # the client hung up (a refused body, a timeout): nothing to tell it

    def _answer(self, route: Route | None, headers: dict[str, str]) -> None:
        stopping = self.site._stopping
        if route is None:
            self._send(404, [("Content-Type", "text/plain")], b"not found\n")
            return
        if route.delay and stopping.wait(route.delay):
            self.close_connection = True
            return
        if route.header_trickle:  # a server within each read's timeout, and never done with its headers
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for n in range(10_000):
                self.wfile.flush()
                if stopping.wait(route.header_trickle):
                    break
                self.wfile.write(f"X-Slow-{n}: {n}\r\n".encode())
            self.close_connection = True
            return
        extra = list(route.headers)
        if route.content_type:
            extra.append(("Content-Type", route.content_type))
        if route.etag:
            extra.append(("ETag", route.etag))
        if route.last_modified:
            extra.append(("Last-Modified", route.last_modified))
        if route.redirect:
            extra.append(("Location", route.redirect))
        if route.status == 200 and _not_modified(route, headers):
            self._send(304, [(k, v) for k, v in extra if k in {"ETag", "Last-Modified"}], b"")
            return
        if route.size is not None:
            chunks = _filler(route.size)
            if route.gzip:
                self._stream(route.status, [*extra, ("Content-Encoding", "gzip")], _gzipped(chunks), None)
            else:
                self._stream(route.status, extra, chunks, route.size if route.content_length else None)
            return
        body = route.body
        if route.gzip:
            body = b"".join(_gzipped(iter([body])))
            extra.append(("Content-Encoding", "gzip"))
        if route.trickle:
            self._trickle(route.status, extra, body, route.trickle)
        elif route.content_length:
            self._send(route.status, extra, body)
        else:
            self._stream(route.status, extra, iter([body]), None)

    def _start(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self._start(status, [*headers, ("Content-Length", str(len(body)))] if status != 304 else headers)
        self.wfile.write(body)

    def _stream(self, status: int, headers: list[tuple[str, str]], chunks: Iterator[bytes], length: int | None) -> None:
        """Send ``chunks`` with Content-Length ``length``, or chunked when None."""
        framing = ("Content-Length", str(length)) if length is not None else ("Transfer-Encoding", "chunked")
        self._start(status, [*headers, framing])
        for chunk in chunks:
            if self.site._stopping.is_set():
                self.close_connection = True
                return
            if chunk:
                self.wfile.write(chunk if length is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk))
        if length is None:
            self.wfile.write(b"0\r\n\r\n")

    def _trickle(self, status: int, headers: list[tuple[str, str]], body: bytes, pause: float) -> None:
        self._start(status, [*headers, ("Content-Length", str(len(body)))])
        for i in range(len(body)):
            if self.site._stopping.wait(pause):
                self.close_connection = True
                return
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()
