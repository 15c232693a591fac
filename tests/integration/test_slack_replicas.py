"""Two bot replicas, one Redis, one loopback Slack: every question answered exactly once, even when one dies.

Each replica is a real process serving HTTP mode through ``serve`` (the fake ``ask`` in place of the
pipeline, see ``slack_replica.py``), sharing its duplicate filter and outbox through a real redis-server.
Every Slack delivery, and its retries, is sent to both replicas at once: the worst a load balancer or a
Socket Mode reconnect can do. Then Slack fails ``chat.postMessage`` for a while, one replica is killed
with SIGKILL while answers wait in its outbox, and the other delivers them once Slack is back.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from qa_bot.config import Settings
from qa_bot.slack.redis_outbox import GROUP

from ..conftest import ROOT
from ..helpers import assert_one_line_error, cli_env, interruptible, run_cli
from ..redis_server import RedisServer, free_port, running_redis
from ..unit.slack.fakes import SENTENCE
from .slack_emulator import BOT_USER, SlackEmulator
from .test_slack import BOT_TOKEN, SECRET, signed_post

PREFIX = Settings.model_fields["state_prefix"].default
STREAM = f"{PREFIX}outbox"
CLAIM_AFTER = 1.5
"""Seconds before a dead replica's waiting answers are taken over (30 by default; short to keep the test fast)."""


class Replica:
    """``serve`` in HTTP mode in its own process; ``lines`` collects everything it prints, as it prints it."""

    def __init__(self, folder: Path, api_url: str, state_url: str) -> None:
        folder.mkdir(parents=True)
        env = {**cli_env(folder), "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": BOT_TOKEN,
               "SLACK_SIGNING_SECRET": SECRET, "QA_BOT_SLACK_API_URL": api_url, "QA_BOT_STATE_URL": state_url}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.slack_replica", "--claim-after", str(CLAIM_AFTER)],
            cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=interruptible,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.port = int(self.wait_for(r"answers Slack on http://127\.0\.0\.1:(\d+)/slack/events").group(1))
        self.consumer = self.wait_for(r"\(this one is (\S+)\)").group(1)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := re.search(pattern, line):
                    return found
            if self.process.poll() is not None and not any(re.search(pattern, line) for line in self.lines):
                break
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern!r} in:\n{self.output}")

    def stop(self, how: int) -> int:
        if self.process.poll() is None:
            self.process.send_signal(how)
        return self.process.wait(timeout=30)


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    with running_redis(tmp_path / "redis") as server:
        yield server


def deliveries_of(n: int, retried: bool) -> tuple[str, list[tuple[str, dict[str, str]]]]:
    """Question ``n``'s thread ts, and the signed bodies (with headers) Slack sends for it.

    Every fifth is a direct message that mentions the bot: Slack sends it twice, as an ``app_mention``
    and a ``message.im``, under two event ids; the rest are mentions in a channel.
    """
    ts = f"17100{n:05d}.000100"
    text = f"<@{BOT_USER}> question number {n}?"
    if n % 5 == 0:
        channel = f"D{n:05d}"
        events = [(f"EvR{n}m", {"type": "app_mention", "user": "U42", "text": text, "channel": channel, "ts": ts}),
                  (f"EvR{n}d", {"type": "message", "channel_type": "im", "user": "U42", "text": text,
                                "channel": channel, "ts": ts})]
    else:
        events = [(f"EvR{n}", {"type": "app_mention", "user": "U42", "text": text, "channel": f"C{n % 7}", "ts": ts})]
    bodies = []
    for event_id, event in events:
        body = json.dumps({"type": "event_callback", "team_id": "T1", "event_id": event_id,
                           "event_time": int(time.time()), "event": event})
        bodies.append((body, {}))
        if retried:  # Slack thought the first delivery was not acknowledged in time
            bodies.append((body, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}))
    return ts, bodies


def ask(pool: ThreadPoolExecutor, replicas: list[Replica], numbers: range, asked: dict[str, str], phase: str,
        retried_every: int = 4) -> None:
    """Send questions ``numbers``, every delivery to each of ``replicas`` at once; each must get 200."""
    futures = []
    for n in numbers:
        ts, bodies = deliveries_of(n, retried=n % retried_every == 0)
        asked[ts] = phase
        futures += [pool.submit(signed_post, r.port, body, headers=headers) for body, headers in bodies
                    for r in replicas]
    statuses = [f.result()[0] for f in futures]
    assert statuses == [200] * len(statuses)


def answers(slack: SlackEmulator, asked: dict[str, str]) -> dict[str, int]:
    """How many answers Slack took in each question's thread."""
    found = dict.fromkeys(asked, 0)
    for call in slack.delivered("chat.postMessage"):
        thread = call["params"].get("thread_ts")
        if thread in found:
            found[thread] += 1
    return found


def quiet(slack: SlackEmulator, seconds: float = 0.5) -> None:
    """Wait until Slack has had no call for ``seconds``: anything still to come would be a second answer."""
    def still() -> bool:
        calls = list(slack.calls)
        return time.monotonic() - (calls[-1]["at"] if calls else 0.0) > seconds

    slack.wait_for(still, timeout=30)


def test_two_replicas_answer_each_question_once_and_deliver_a_dead_ones_answers(tmp_path, redis_server):
    slack = SlackEmulator()
    redis = Redis.from_url(redis_server.url, decode_responses=True)
    pool = ThreadPoolExecutor(max_workers=16)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as starting:
        a, b = starting.map(lambda name: Replica(tmp_path / name, slack.api_url, redis_server.url), ["a", "b"])
    asked: dict[str, str] = {}
    try:
        # 1. 200 questions, every delivery and retry to both replicas: one answer each.
        up = time.monotonic()
        ask(pool, [a, b], range(200), asked, "both replicas up")
        slack.wait_for(lambda: all(n >= 1 for n in answers(slack, asked).values()), timeout=30)
        answering = time.monotonic() - up
        quiet(slack)
        first = answers(slack, asked)
        assert sorted(set(first.values())) == [1], {ts: n for ts, n in first.items() if n != 1}
        by_replica = {r.consumer: 0 for r in (a, b)}
        for key in redis.scan_iter(f"{PREFIX}seen:msg:*"):
            by_replica[redis.get(key) or ""] += 1
        assert all(by_replica.values()), by_replica  # both replicas did answer: the work was shared

        # 2. Slack refuses every post; questions keep coming; answers wait in the shared outbox.
        slack.fail("chat.postMessage", 100_000, 503, {"ok": False, "error": "service_unavailable"})
        ask(pool, [a, b], range(200, 220), asked, "outage, both up")

        def held_by(replica: Replica) -> int:
            return len(redis.xpending_range(STREAM, GROUP, "-", "+", 100, consumername=replica.consumer))

        slack.wait_for(lambda: redis.xlen(STREAM) == 20 and held_by(a) > 0, timeout=30)
        waiting_in_a = held_by(a)

        # 3. Replica a dies with answers waiting; b alone gets the next questions; then Slack is back.
        a.stop(signal.SIGKILL)
        ask(pool, [b], range(220, 225), asked, "outage, a dead")
        slack.wait_for(lambda: redis.xlen(STREAM) == 25, timeout=30)
        slack.faults.clear()
        back = time.monotonic()
        slack.wait_for(lambda: all(n >= 1 for n in answers(slack, asked).values()), timeout=45)
        catching_up = time.monotonic() - back
        quiet(slack)
        final = answers(slack, asked)
        assert redis.xlen(STREAM) == 0 and redis.xpending(STREAM, GROUP)["pending"] == 0
        b.wait_for(r"took over \d+ waiting posts from a replica that stopped answering")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        codes = [r.stop(signal.SIGTERM) for r in (a, b)]
        slack.close()
        redis.close()
    report = {"questions": len(asked), "answered once": sum(1 for n in final.values() if n == 1),
              "answered twice": sum(1 for n in final.values() if n > 1),
              "lost": sum(1 for n in final.values() if n == 0), "waiting in a when killed": waiting_in_a,
              "refused posts": sum(1 for c in slack.calls_to("chat.postMessage") if c["status"] != 200),
              "seconds to answer the first 200": round(answering, 1),
              "seconds from Slack back to every answer": round(catching_up, 1),
              "seconds in all": round(time.monotonic() - started, 1)}
    print("\nslack replicas:", json.dumps(report))
    assert sorted(set(final.values())) == [1], {ts: (n, asked[ts]) for ts, n in final.items() if n != 1}
    assert len(final) == 225
    assert codes[0] == -signal.SIGKILL and codes[1] != 0  # a was killed; b stopped on SIGTERM
    for replica in (a, b):
        assert "Traceback" not in replica.output and "ERROR" not in replica.output, replica.output
    for call in slack.delivered("chat.postMessage"):
        params: dict[str, Any] = call["params"]
        assert SENTENCE in json.dumps(params["blocks"]) and call["auth"] == f"Bearer {BOT_TOKEN}"


@pytest.mark.parametrize(("url", "said"), [
    ("redis://:pw-Secret-123@127.0.0.1:{port}/0", "cannot reach Redis at 127.0.0.1:{port}/0 (ConnectionError)"),
    ("redis://:pw-Secret-123@127.0.0.1:{port}/zero", "QA_BOT_STATE_URL's database is not a number"),
])
def test_the_command_refuses_a_bad_state_url_in_one_line_before_loading_anything(tmp_path, url, said):
    port = free_port()
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "QA_BOT_STATE_URL": url.format(port=port)}
    result = run_cli(tmp_path, "slack", "--http", "--port", "0", "--index", str(tmp_path / "no-index"), env=env)
    assert_one_line_error(result, said.format(port=port))
    assert "pw-Secret-123" not in result.stderr + result.stdout
