"""A loopback Slack: the Web API over HTTP and a Socket Mode websocket, recording every call."""

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


class SlackEmulator:
    """Plays Slack's Web API (``/api/<method>``) and Socket Mode on 127.0.0.1, bound to free ports."""

    def __init__(self, auth_ok: bool = True) -> None:
        self.calls: list[dict[str, Any]] = []
        self.faults: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = {}
        self.auth_ok = auth_ok
        self.acks: list[str] = []
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
        with self._lock:
            self.calls.append({"method": method, "params": params, "auth": auth, "at": time.monotonic()})
            queued = self.faults.get(method)
            if queued:
                return queued.pop(0)
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
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        try:
            for message in connection:
                data = json.loads(message)
                if "envelope_id" in data:
                    with self._lock:
                        self.acks.append(data["envelope_id"])
        except Exception:
            pass
        finally:
            with self._lock:
                if connection in self._sockets:
                    self._sockets.remove(connection)

    def push(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to the connected bot."""
        connection = self.wait_for(lambda: self._sockets and self._sockets[-1], timeout=30)
        connection.send(json.dumps(envelope))

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.ws.shutdown()
