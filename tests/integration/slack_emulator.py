"""A loopback Slack: the Web API over HTTP and a Socket Mode websocket, recording every call.

Faults, as Slack and the network produce them: ``fail`` answers the next calls of a method with a
status (5xx, or 429 with Retry-After), ``drop`` closes the next connections without an answer (the
call is not processed), ``rate_limit`` answers 429 for a while, and ``close_sockets`` closes the
Socket Mode websockets from the server side. Like Slack, Socket Mode envelopes are kept until they are
acknowledged and delivered again, with ``retry_attempt`` raised, on the next connection.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER = "UBOT"
BOT_ID = "BBOT"
DROP = 0
"""A fault status: close the connection without an answer."""


class SlackEmulator:
    """Plays Slack's Web API (``/api/<method>``) and Socket Mode on 127.0.0.1, bound to free ports."""

    def __init__(self, auth_ok: bool = True) -> None:
        self.calls: list[dict[str, Any]] = []
        self.faults: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = {}
        self.auth_ok = auth_ok
        self.acks: list[str] = []
        self.pending: dict[str, dict[str, Any]] = {}
        self.limited_until: dict[str, float] = {}
        self.connections = 0
        self.redelivered = 0
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._sockets: list[Any] = []
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                method = self.path.rsplit("/", 1)[-1]
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                for key in ("blocks",):
                    if isinstance(params.get(key), str):
                        params[key] = json.loads(params[key])
                status, headers, body = emulator.respond(method, params, self.headers.get("Authorization"))
                if status == DROP:  # the connection closes before any answer: the call was not processed
                    self.close_connection = True
                    return
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        from websockets.sync.server import serve

        self.ws = serve(self._socket, "127.0.0.1", 0)
        threading.Thread(target=self.ws.serve_forever, daemon=True).start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}/api/"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws.socket.getsockname()[1]}/link"

    def respond(self, method: str, params: dict[str, Any], auth: str | None) -> tuple[int, dict[str, str], dict]:
        call = {"method": method, "params": params, "auth": auth, "at": time.monotonic(), "status": 200}
        with self._lock:
            self.calls.append(call)
            queued = self.faults.get(method)
            if queued:
                call["status"] = queued[0][0]
                return queued.pop(0)
            if time.monotonic() < self.limited_until.get(method, 0.0):
                call["status"] = 429
                return 429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}
        if method == "auth.test":
            if not self.auth_ok:
                return 200, {}, {"ok": False, "error": "invalid_auth"}
            return 200, {}, {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": "T1", "user": "qa-bot"}
        if method == "apps.connections.open":
            return 200, {}, {"ok": True, "url": self.ws_url}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            return 200, {}, {"ok": True, "channel": params.get("channel"), "ts": f"{1700000000 + next(self._ts)}.0001"}
        return 200, {}, {"ok": True}

    def fail(self, method: str, times: int, status: int, body: dict | None = None, headers: dict | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` with ``status``."""
        with self._lock:
            self.faults.setdefault(method, []).extend([(status, headers or {}, body or {"ok": False})] * times)

    def drop(self, method: str, times: int) -> None:
        """Close the next ``times`` connections calling ``method`` without answering or processing them."""
        self.fail(method, times, DROP)

    def rate_limit(self, method: str, seconds: float) -> None:
        """Answer ``method`` with 429 and Retry-After: 1 for the next ``seconds``."""
        with self._lock:
            self.limited_until[method] = time.monotonic() + seconds

    def close_sockets(self) -> None:
        """Close every Socket Mode websocket from the server side, as Slack does when it rotates them."""
        with self._lock:
            sockets = list(self._sockets)
        for connection in sockets:
            connection.close()

    def delivered(self, method: str) -> list[dict[str, Any]]:
        """The calls of ``method`` that were processed and answered ok."""
        return [c for c in self.calls_to(method) if c["status"] == 200]

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self.calls if c["method"] == method]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
        """Poll ``predicate`` until it returns something truthy, or fail at the deadline."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError("timed out waiting for the emulator")

    def _socket(self, connection: Any) -> None:
        with self._lock:
            self._sockets.append(connection)
            self.connections += 1
            again = list(self.pending.values())
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        try:
            for envelope in again:  # not acknowledged on an earlier connection: delivered again
                envelope["retry_attempt"] = envelope.get("retry_attempt", 0) + 1
                envelope["retry_reason"] = "timeout"
                with self._lock:
                    self.redelivered += 1
                connection.send(json.dumps(envelope))
            for message in connection:
                data = json.loads(message)
                if "envelope_id" in data:
                    with self._lock:
                        self.acks.append(data["envelope_id"])
                        self.pending.pop(data["envelope_id"], None)
        except Exception:
            pass
        finally:
            with self._lock:
                if connection in self._sockets:
                    self._sockets.remove(connection)

    def push(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to the bot now if it is connected, or when it connects; keep it until acked."""
        with self._lock:
            self.pending[envelope["envelope_id"]] = envelope
            connection = self._sockets[-1] if self._sockets else None
        if connection is not None:
            try:
                connection.send(json.dumps(envelope))
            except Exception:  # closed meanwhile: it is delivered on the next connection
                pass

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.ws.shutdown()
