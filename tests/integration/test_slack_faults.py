"""The Slack bot under faults: 5xx, 429 windows, dropped connections, a long outage, websockets closed.

Questions arrive over a real Socket Mode websocket while the loopback emulator misbehaves; afterwards
every question must have exactly one answer in its own thread: none lost, none answered twice.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import threading
import time

import pytest

from qa_bot.slack.app import build_app
from qa_bot.slack.outbox import Outbox
from qa_bot.slack.run import serve, socket_mode_handler

from ..unit.slack.fakes import FakeAsk
from .slack_emulator import BOT_USER
from .test_slack import NO_LOG_BESIDE, mention, send_event, settings_for

QUESTIONS = ["Who is David Schenker?", "Where did the drone crash?", "Who is the Iraqi prime minister?",
             "What did Iran warn?", "How many attacks on US troops?", "Who is Antony Blinken?"]
_n = itertools.count(1)


def envelope(channel: str, ts: str, text: str) -> dict:
    n = next(_n)
    event = {"type": "app_mention", "user": "U42", "text": f"<@{BOT_USER}> {text}", "channel": channel, "ts": ts}
    return {"envelope_id": f"env-f{n}", "type": "events_api", "accepts_response_payload": False,
            "retry_attempt": 0, "retry_reason": "",
            "payload": {"type": "event_callback", "event_id": f"EvF{n}", "team_id": "T1", "event": event}}


def test_questions_asked_during_faults_are_answered_exactly_once(emulator, bundled_index, bundled_pipeline):
    outbox = Outbox(patience=60)
    app = build_app(settings_for(emulator, bundled_index), bundled_pipeline.ask, outbox=outbox)
    handler = socket_mode_handler(app, "xapp-test")
    handler.connect()
    asked: dict[str, str] = {}  # thread ts -> phase

    def ask(phase: str, count: int = 4) -> None:
        for _ in range(count):
            ts = f"17000{next(_n):05d}.000100"
            asked[ts] = phase
            emulator.push(envelope("CF", ts, QUESTIONS[len(asked) % len(QUESTIONS)]))

    def answers() -> dict[str, int]:
        found = {ts: 0 for ts in asked}
        for call in emulator.delivered("chat.postMessage"):
            thread = call["params"].get("thread_ts")
            if thread in found:
                found[thread] += 1
        return found

    try:
        emulator.wait_for(lambda: emulator.connections >= 1)
        emulator.fail("chat.postMessage", 6, 500, {"ok": False, "error": "internal_error"})
        ask("500 errors")
        emulator.rate_limit("chat.postMessage", 3.0)
        ask("429 for 3 s")
        emulator.wait_for(lambda: time.monotonic() > emulator.limited_until["chat.postMessage"], timeout=10)
        emulator.drop("chat.postMessage", 5)
        ask("dropped connections")
        emulator.fail("chat.postMessage", 30, 503, {"ok": False, "error": "service_unavailable"})
        ask("an outage longer than the client's retries")
        emulator.fail("apps.connections.open", 2, 500, {"ok": False, "error": "internal_error"})
        emulator.close_sockets()
        ask("websocket closed by Slack")  # delivered when the bot is back
        emulator.wait_for(lambda: emulator.connections >= 2, timeout=30)
        ask("closed again mid-delivery", 2)
        emulator.close_sockets()
        ask("after reconnecting", 2)
        emulator.wait_for(lambda: all(n >= 1 for n in answers().values()), timeout=90)
        time.sleep(2.0)  # anything still to come would be a second answer
        final = answers()
    finally:
        handler.close()
    once = sum(1 for n in final.values() if n == 1)
    twice = sum(1 for n in final.values() if n > 1)
    lost = sum(1 for n in final.values() if n == 0)
    report = {"sent": len(asked), "answered once": once, "answered twice": twice, "lost": lost,
              "websocket connections": emulator.connections,
              "failed or dropped Web API calls": sum(1 for c in emulator.calls if c["status"] != 200),
              "envelopes delivered again": emulator.redelivered}
    print("\nslack fault injection:", json.dumps(report))
    assert lost == 0 and twice == 0 and once == len(asked) == 24
    assert emulator.connections >= 3  # it reconnected after each close
    assert outbox.waiting == 0 and outbox.given_up == 0
    for call in emulator.delivered("chat.postMessage"):
        assert call["params"]["channel"] == "CF" and "Sorry" not in call["params"].get("text", "")


def test_serve_stops_on_sigterm_after_delivering_the_waiting_answer(emulator, tmp_path, caplog):
    """``serve`` in this process, with a fake ``ask``: SIGTERM stops it as Ctrl-C does, once the outbox is drained."""
    emulator.fail("chat.postMessage", 10_000, 503, {"ok": False, "error": "service_unavailable"})
    printed: list[str] = []
    returned = threading.Event()

    class Console:
        def print(self, *objects: object) -> None:
            printed.append(" ".join(str(o) for o in objects))

    def slack_then_the_service_manager() -> None:
        deadline = time.monotonic() + 30
        while not printed and time.monotonic() < deadline:
            time.sleep(0.02)
        found = re.fullmatch(r"qa-bot answers Slack on http://127\.0\.0\.1:(\d+)/slack/events \(Ctrl-C stops\)",
                             printed[0] if printed else "")
        if not found or returned.is_set():
            return  # serve failed on its own: the test reports it; no signal to a process that is not serving
        send_event(int(found.group(1)), mention("Who is David Schenker?", channel="CS", ts="1700009101.000100"))
        # The client's own retries failed too: the answer now waits in the outbox (tried again in a second).
        emulator.wait_for(lambda: any("will try again" in r.getMessage() for r in caplog.records), timeout=20)
        emulator.faults.clear()  # Slack is back just as the bot is stopped
        if not returned.is_set():
            os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    helper = threading.Thread(target=slack_then_the_service_manager, daemon=True)
    helper.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            serve(settings_for(emulator, tmp_path / "unused-index"), FakeAsk(), http=True, host="127.0.0.1", port=0,
                  console=Console())
    finally:
        returned.set()
    helper.join(timeout=30)
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is put back
    assert printed[1:] == ["Delivering 1 waiting answer before stopping…"], printed
    delivered = emulator.delivered("chat.postMessage")
    assert len(delivered) == 1 and delivered[0]["params"]["thread_ts"] == "1700009101.000100"
    assert "assistant secretary of state" in json.dumps(delivered[0]["params"]["blocks"])


def test_stopping_during_an_outage_delivers_the_waiting_answers_or_names_them(tmp_path, bundled_index):
    from .slack_emulator import SlackEmulator
    from .slack_process import BotProcess

    slack = SlackEmulator()
    slack.fail("chat.postMessage", 10_000, 503, {"ok": False, "error": "service_unavailable"})
    tokens = {"SLACK_BOT_TOKEN": "xoxb-stop-test", "SLACK_SIGNING_SECRET": "stop-test-secret", **NO_LOG_BESIDE}
    bot = BotProcess(tmp_path, bundled_index, slack.api_url, tokens)
    try:
        assert bot.mention("EvStop1", "CS", "1700009001.000100", "Who is David Schenker?") == 200
        slack.wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= 3)  # the client's own retries
        time.sleep(0.5)  # the third refusal's reply still has to reach the bot and put the post in its outbox
        slack.faults.clear()  # Slack is back just as the service manager stops the bot
        code = bot.stop(signal.SIGTERM)
    finally:
        slack.close()
    assert code == 0 and "Traceback" not in bot.output and bot.output.rstrip().endswith("stopped")  # a clean stop
    assert "Delivering 1 waiting answer before stopping" in bot.output, bot.output
    delivered = slack.delivered("chat.postMessage")
    assert len(delivered) == 1 and delivered[0]["params"]["thread_ts"] == "1700009001.000100"

    slack = SlackEmulator()  # Slack stays down: the lost answer is named in the log, not dropped silently
    slack.fail("chat.postMessage", 10_000, 503, {"ok": False, "error": "service_unavailable"})
    bot = BotProcess(tmp_path, bundled_index, slack.api_url, tokens)
    try:
        assert bot.mention("EvStop2", "CT", "1700009002.000100", "Who is David Schenker?") == 200
        slack.wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= 3)
        bot.stop(signal.SIGTERM)
    finally:
        slack.close()
    assert "stopping: could not post in CT (service_unavailable)" in bot.output, bot.output
    assert not slack.delivered("chat.postMessage")
