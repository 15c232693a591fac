"""The Slack bot against the loopback emulator: signed HTTP requests and a real Socket Mode websocket."""

from __future__ import annotations

import http.client
import itertools
import json
import logging
import threading
import time
import urllib.parse

import pytest
from slack_sdk.signature import SignatureVerifier

from qa_bot.config import Settings
from qa_bot.slack.app import build_app
from qa_bot.slack.format import escape, question_from_event_text
from qa_bot.slack.listeners import APOLOGY
from qa_bot.slack.run import make_http_server, socket_mode_handler

from ..helpers import assert_one_line_error, run_cli
from .slack_emulator import BOT_ID, BOT_USER, SlackEmulator

SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token-123"
_ids = itertools.count(1)


def settings_for(emulator, index, **extra) -> Settings:
    return Settings(index_dir=index, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET,
                    slack_app_token="xapp-test", slack_api_url=emulator.api_url, **extra)


def signed_post(port: int, body: str, content_type: str = "application/json", secret: str = SECRET,
                timestamp: int | None = None, headers: dict | None = None) -> tuple[int, str]:
    """POST ``body`` to the bot on ``port`` as Slack would, signed with ``secret``: (status, response body)."""
    ts = str(timestamp or int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
            **(headers or {})}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/slack/events", body=body.encode(), headers=sent)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def send_event(port: int, event: dict, event_id: str | None = None, headers: dict | None = None) -> tuple[int, str]:
    """Deliver ``event`` in a signed ``event_callback`` to the bot on ``port``."""
    body = {"type": "event_callback", "team_id": "T1", "event_id": event_id or f"Ev{next(_ids)}",
            "event_time": int(time.time()), "event": event}
    return signed_post(port, json.dumps(body), headers=headers)


class HttpBot:
    def __init__(self, emulator, index, ask, **extra):
        self.app = build_app(settings_for(emulator, index, **extra), ask, http=True)
        self.server = make_http_server(self.app, "127.0.0.1", 0)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def post(self, body: str, content_type: str = "application/json", secret: str = SECRET,
             timestamp: int | None = None, headers: dict | None = None) -> tuple[int, str]:
        return signed_post(self.port, body, content_type, secret, timestamp, headers)

    def event(self, event: dict, event_id: str | None = None, headers: dict | None = None) -> tuple[int, str]:
        return send_event(self.port, event, event_id, headers)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bot(emulator, bundled_index, bundled_pipeline):
    running = HttpBot(emulator, bundled_index, bundled_pipeline.ask)
    yield running
    running.close()


def mention(text: str, channel: str = "C1", ts: str | None = None, **extra) -> dict:
    return {"type": "app_mention", "user": "U42", "text": f"<@{BOT_USER}> {text}", "channel": channel,
            "ts": ts or f"1700000{next(_ids):03d}.000100", **extra}


def posts_in(emulator, channel: str) -> list[dict]:
    return [c["params"] for c in emulator.calls_to("chat.postMessage") if c["params"].get("channel") == channel]


def blocks_text(params: dict) -> str:
    return json.dumps(params.get("blocks") or [], ensure_ascii=False) + params.get("text", "")


def test_mention_is_answered_in_its_thread_with_quote_and_source(bot, emulator):
    event = mention("who is David Schenker?", channel="C1", ts="1700000001.000100")
    status, _ = bot.event(event)
    assert status == 200
    post = emulator.wait_for(lambda: posts_in(emulator, "C1"))[0]
    assert post["thread_ts"] == "1700000001.000100"
    assert "assistant secretary of state" in blocks_text(post)
    # One story shown once: one quote, naming both bundled articles (one is a rewrite of the other).
    assert "000_2f9257486780408a" in blocks_text(post) and "Reuters: U.S. forces under fire" in blocks_text(post)
    assert json.dumps(post["blocks"]).count("secretary of state") == 1
    call = emulator.calls_to("chat.postMessage")[0]
    assert call["auth"] == f"Bearer {BOT_TOKEN}"
    assert emulator.calls_to("reactions.add")


def test_a_follow_up_in_the_bots_thread_takes_its_subject_from_the_thread(bot, emulator):
    bot.event(mention("Where did the defective drone crash?", channel="CFU", ts="1700000500.000100"))
    emulator.wait_for(lambda: posts_in(emulator, "CFU"))
    bot.event(mention("When did it crash?", channel="CFU", ts="1700000501.000100", thread_ts="1700000500.000100"))
    bot.event(mention("When did it crash?", channel="CFU", ts="1700000502.000100"))  # the same, not in the thread
    posts = emulator.wait_for(lambda: len(posts_in(emulator, "CFU")) == 3 and posts_in(emulator, "CFU"))
    by_thread = {}
    for post in posts:  # answered in the order bolt's workers took them
        by_thread.setdefault(post["thread_ts"], []).append(post)
    follow_up, [alone] = by_thread["1700000500.000100"][1], by_thread["1700000502.000100"]
    assert "read with the question before" in blocks_text(follow_up) and "October 26" in blocks_text(follow_up)
    assert "read with the question before" not in blocks_text(alone)


def test_reply_in_an_existing_thread_goes_to_that_thread(bot, emulator):
    bot.event(mention("Where did the defective drone crash?", channel="C2", thread_ts="1699999999.000001"))
    post = emulator.wait_for(lambda: posts_in(emulator, "C2"))[0]
    assert post["thread_ts"] == "1699999999.000001"
    assert "Erbil" in blocks_text(post)


def test_retries_and_repeated_events_are_answered_once(bot, emulator):
    event = mention("Who is the prime minister of Iraq?", channel="C3")
    assert bot.event(event, event_id="EvSAME")[0] == 200
    emulator.wait_for(lambda: posts_in(emulator, "C3"))
    assert bot.event(event, event_id="EvSAME", headers={"X-Slack-Retry-Num": "1",
                                                      "X-Slack-Retry-Reason": "http_timeout"})[0] == 200
    assert bot.event(event, event_id="EvSAME")[0] == 200
    # The same message also delivered as a plain channel message (another event id) is not answered again.
    as_message = {**event, "type": "message", "channel_type": "channel"}
    assert bot.event(as_message, event_id="EvOTHER")[0] == 200
    # A DM delivered twice under two event ids is answered once; so is a mention whose message came first.
    dm = {"type": "message", "channel_type": "im", "channel": "D3", "user": "U42", "text": "Who is David Schenker?",
          "ts": "1700000050.000100"}
    bot.event(dm, event_id="EvDM1")
    bot.event(dm, event_id="EvDM2")
    first = {"type": "message", "channel_type": "channel", "channel": "C3B", "user": "U42",
             "text": f"<@{BOT_USER}> Who is David Schenker?", "ts": "1700000051.000100"}
    bot.event(first, event_id="EvMSGFIRST")
    bot.event({**first, "type": "app_mention"}, event_id="EvMENTIONLATER")
    emulator.wait_for(lambda: posts_in(emulator, "C3B"))
    # A later question is answered after them: by then a second answer would have been posted.
    bot.event(mention("Which group in Lebanon could join the fray?", channel="C3"))
    emulator.wait_for(lambda: len(posts_in(emulator, "C3")) >= 2)
    assert len(posts_in(emulator, "C3")) == 2
    assert len(posts_in(emulator, "D3")) == 1 and len(posts_in(emulator, "C3B")) == 1


@pytest.mark.parametrize("how", ["wrong secret", "stale timestamp", "no headers"])
def test_bad_signatures_are_refused_without_api_calls(bot, emulator, how):
    before = len(emulator.calls)
    body = json.dumps({"type": "event_callback", "event_id": "EvBAD", "event": mention("Who is David Schenker?")})
    if how == "wrong secret":
        status, _ = bot.post(body, secret="not-the-secret")
    elif how == "stale timestamp":
        status, _ = bot.post(body, timestamp=int(time.time()) - 600)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", bot.port, timeout=10)
        conn.request("POST", "/slack/events", body=body, headers={"Content-Type": "application/json"})
        status = conn.getresponse().status
    assert status == 401
    time.sleep(0.3)  # a wrongly accepted event would be answered by now (answers take ~20 ms)
    assert len(emulator.calls) == before


def test_a_body_that_is_not_what_it_claims_is_400_in_one_log_line_and_health_answers(bot, emulator, caplog):
    def request(method: str, path: str, body: bytes = b"") -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", bot.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    before = len(emulator.calls)
    with caplog.at_level(logging.WARNING):
        assert request("POST", "/slack/events", b"not json") == (400, "bad request")
        assert request("POST", "/slack/events", b"[1]") == (400, "bad request")  # JSON, but not an object
    assert [r.getMessage() for r in caplog.records] == [
        "a request to /slack/events could not be read (JSONDecodeError); answered 400",
        "a request to /slack/events could not be read (AttributeError); answered 400"]
    assert not any(r.exc_info for r in caplog.records) and len(emulator.calls) == before
    assert request("GET", "/health") == (200, "ok") and request("GET", "/")[0] == 404


def test_url_verification_returns_the_challenge(bot):
    status, body = bot.post(json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}))
    assert status == 200 and "abc123" in body


def test_direct_message_allowlist_own_and_other_bots(emulator, bundled_index, bundled_pipeline):
    bot = HttpBot(emulator, bundled_index, bundled_pipeline.ask, slack_channels="CALLOWED")
    try:
        q = "Who is David Schenker?"
        bot.event({"type": "message", "channel_type": "im", "channel": "D1", "user": "U42", "text": q,
                   "ts": "1700000100.000100"})
        bot.event(mention(q, channel="CBLOCKED"))
        bot.event({"type": "message", "channel_type": "im", "channel": "D2", "user": BOT_USER, "bot_id": BOT_ID,
                   "text": q, "ts": "1700000101.000100"})
        bot.event({"type": "message", "channel_type": "im", "channel": "D3", "user": "U9", "bot_id": "BOTHER",
                   "subtype": "bot_message", "text": q, "ts": "1700000102.000100"})
        bot.event({"type": "message", "channel_type": "im", "channel": "D4", "subtype": "message_changed",
                   "message": {"text": q}, "ts": "1700000103.000100"})
        bot.event(mention(q, channel="CALLOWED"))
        emulator.wait_for(lambda: posts_in(emulator, "CALLOWED"))
        dm = emulator.wait_for(lambda: posts_in(emulator, "D1"))[0]
        assert dm["thread_ts"] == "1700000100.000100"
        for channel in ("CBLOCKED", "D2", "D3", "D4"):
            assert posts_in(emulator, channel) == []
    finally:
        bot.close()


def test_other_bots_are_answered_when_configured(emulator, bundled_index, bundled_pipeline):
    bot = HttpBot(emulator, bundled_index, bundled_pipeline.ask, slack_allow_bots=True)
    try:
        bot.event({"type": "message", "channel_type": "im", "channel": "D5", "user": "U9", "bot_id": "BOTHER",
                   "subtype": "bot_message", "text": "Who is David Schenker?", "ts": "1700000200.000100"})
        emulator.wait_for(lambda: posts_in(emulator, "D5"))
    finally:
        bot.close()


def test_slash_command_answers_privately_with_a_share_button(bot, emulator):
    form = urllib.parse.urlencode({"command": "/ask", "text": "Who is David Schenker?", "channel_id": "C7",
                                   "user_id": "U42", "team_id": "T1", "response_url": emulator.api_url + "respond",
                                   "trigger_id": "1.2"})
    status, body = bot.post(form, content_type="application/x-www-form-urlencoded")
    assert status == 200 and "Looking for" in body
    private = emulator.wait_for(lambda: emulator.calls_to("chat.postEphemeral"))[0]["params"]
    assert private["channel"] == "C7" and private["user"] == "U42"
    assert "assistant secretary of state" in blocks_text(private)
    button = next(b for b in private["blocks"] if b["type"] == "actions")["elements"][0]
    payload = {"type": "block_actions", "user": {"id": "U42"}, "channel": {"id": "C7"}, "team": {"id": "T1"},
               "container": {"type": "message", "channel_id": "C7"}, "trigger_id": "1.3",
               "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button",
                            "block_id": "b1", "action_ts": "1"}]}
    status, _ = bot.post(urllib.parse.urlencode({"payload": json.dumps(payload)}),
                         content_type="application/x-www-form-urlencoded")
    assert status == 200
    shared = emulator.wait_for(lambda: posts_in(emulator, "C7"))[0]
    assert "assistant secretary of state" in blocks_text(shared) and "thread_ts" not in shared


def test_slash_command_where_the_bot_is_not_a_member_is_answered_through_its_response_url(bot, emulator):
    # Slack refuses the bot's ephemeral post in a channel it was not invited to, or a DM between two people.
    emulator.fail("chat.postEphemeral", 1, 200, {"ok": False, "error": "not_in_channel"})
    form = urllib.parse.urlencode({"command": "/ask", "text": "Who is David Schenker?", "channel_id": "CNOTIN",
                                   "user_id": "U42", "team_id": "T1", "response_url": emulator.api_url + "respond",
                                   "trigger_id": "1.2"})
    status, _ = bot.post(form, content_type="application/x-www-form-urlencoded")
    assert status == 200
    sent = emulator.wait_for(lambda: emulator.calls_to("respond"))[0]["params"]
    assert sent["response_type"] == "ephemeral" and sent["replace_original"] is False
    assert "assistant secretary of state" in blocks_text(sent)
    assert len(emulator.calls_to("chat.postEphemeral")) == 1  # tried once where it was typed, then the other way
    # Its share button: the bot still may not post there, so the click's response_url posts it for everyone.
    emulator.fail("chat.postMessage", 1, 200, {"ok": False, "error": "not_in_channel"})
    button = next(b for b in sent["blocks"] if b["type"] == "actions")["elements"][0]
    payload = {"type": "block_actions", "user": {"id": "U42"}, "channel": {"id": "CNOTIN"}, "team": {"id": "T1"},
               "container": {"type": "ephemeral", "channel_id": "CNOTIN"}, "trigger_id": "1.3",
               "response_url": emulator.api_url + "respond-share",
               "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button",
                            "block_id": "b1", "action_ts": "1"}]}
    status, _ = bot.post(urllib.parse.urlencode({"payload": json.dumps(payload)}),
                         content_type="application/x-www-form-urlencoded")
    assert status == 200
    shared = emulator.wait_for(lambda: emulator.calls_to("respond-share"))[0]["params"]
    assert shared["response_type"] == "in_channel" and "assistant secretary of state" in blocks_text(shared)


def test_hostile_article_is_quoted_as_text(tmp_path, emulator, real_embedder):
    from qa_bot.build import build_from_paths
    from qa_bot.pipeline import QAPipeline

    articles = tmp_path / "a"
    articles.mkdir()
    (articles / "evil.txt").write_text(
        "Hostile Title <!channel>\n\nThe mayor said <!channel> and <@U123> must read <http://evil.example|this link> "
        "about the budget & taxes today.", encoding="utf-8")
    settings = settings_for(emulator, tmp_path / "i")
    build_from_paths(settings, [articles], embedder=real_embedder)
    bot = HttpBot(emulator, tmp_path / "i", QAPipeline.open(settings, real_embedder).ask)
    try:
        bot.event(mention("What did the mayor say about the budget?", channel="C8"))
        post = emulator.wait_for(lambda: posts_in(emulator, "C8"))[0]
    finally:
        bot.close()
    shown = blocks_text(post)
    assert "<!channel>" not in shown and "<@U123>" not in shown and "<http://evil" not in shown
    assert "&lt;!channel&gt;" in shown and "&lt;@U123&gt;" in shown and "budget &amp; taxes" in shown
    assert "&amp;lt;" not in shown  # escaped once, not twice
    assert "Hostile Title &lt;!channel&gt;" in shown


def test_rate_limit_is_retried_and_failures_do_not_stop_the_bot(bot, emulator, caplog):
    emulator.fail("chat.postMessage", 1, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    bot.event(mention("Who is David Schenker?", channel="C9"))
    posts = emulator.wait_for(lambda: len(posts_in(emulator, "C9")) >= 2 and posts_in(emulator, "C9"))
    assert "assistant secretary" in blocks_text(posts[1])
    attempts = [c for c in emulator.calls_to("chat.postMessage") if c["params"].get("channel") == "C9"]
    assert len(attempts) == 2 and attempts[1]["at"] - attempts[0]["at"] >= 0.9  # waited for Retry-After
    emulator.fail("chat.postMessage", 1, 200, {"ok": False, "error": "channel_not_found"})
    with caplog.at_level("ERROR", logger="qa_bot.slack"):
        bot.event(mention("Who is David Schenker?", channel="C10"))
        emulator.wait_for(lambda: any("C10" in r.getMessage() for r in caplog.records))
    assert any("channel_not_found" in r.getMessage() for r in caplog.records)
    assert all(BOT_TOKEN not in r.getMessage() for r in caplog.records)
    bot.event(mention("Who is David Schenker?", channel="C11"))
    emulator.wait_for(lambda: posts_in(emulator, "C11"))


def test_pipeline_error_gets_an_apology(emulator, bundled_index):
    def broken(question):
        raise RuntimeError("index exploded")

    bot = HttpBot(emulator, bundled_index, broken)
    try:
        bot.event(mention("Who is David Schenker?", channel="C12"))
        post = emulator.wait_for(lambda: posts_in(emulator, "C12"))[0]
    finally:
        bot.close()
    assert post["text"] == APOLOGY and post["thread_ts"]


def test_socket_mode_acks_and_answers(emulator, bundled_index, bundled_pipeline):
    app = build_app(settings_for(emulator, bundled_index), bundled_pipeline.ask)
    handler = socket_mode_handler(app, "xapp-test")
    handler.connect()
    try:
        event = mention("Who is David Schenker?", channel="C20", ts="1700000300.000100")
        envelope = {"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                    "retry_attempt": 0, "retry_reason": "",
                    "payload": {"type": "event_callback", "event_id": "EvSOCK", "team_id": "T1", "event": event}}
        emulator.push(envelope)
        emulator.wait_for(lambda: "env-1" in emulator.acks)
        post = emulator.wait_for(lambda: posts_in(emulator, "C20"))[0]
        assert post["thread_ts"] == "1700000300.000100" and "assistant secretary" in blocks_text(post)
        emulator.push({**envelope, "envelope_id": "env-2", "retry_attempt": 1, "retry_reason": "timeout"})
        emulator.wait_for(lambda: "env-2" in emulator.acks)
        emulator.push({**envelope, "envelope_id": "env-3",
                       "payload": {**envelope["payload"], "event_id": "EvSOCK2",
                                   "event": mention("Where did the defective drone crash?", channel="C20")}})
        emulator.wait_for(lambda: len(posts_in(emulator, "C20")) >= 2)
        assert len(posts_in(emulator, "C20")) == 2
    finally:
        handler.close()


SLACK_ACK_DEADLINE = 3.0  # Slack sends an event again when it is not acknowledged within 3 s


def test_load_200_questions_acked_in_time_and_each_answered_once(emulator, bundled_index, bundled_pipeline):
    """200 mentions sent back to back: each acked within Slack's 3 s, each answered once in its own thread,
    and the answers come about as fast as the pipeline alone can make them.

    The bot answers one question at a time, so under load an answer waits for those before it; the last
    one cannot arrive before the pipeline's own time for all 200. The bound on p95 is measured against that
    time in the same run (the ``ask`` calls the bot made, timed as it made them), so a slow or busy machine
    moves both: the bot's own share (acks, queueing, posts, reactions) must stay below the answering itself.
    """
    asked: list[float] = []

    def timed_ask(question: str, *, as_of=None):
        began = time.perf_counter()
        try:
            return bundled_pipeline.ask(question, as_of=as_of)
        finally:
            asked.append(time.perf_counter() - began)

    bundled_pipeline.ask("Who is David Schenker?")  # warm: the first call of a cold model is not the load
    bot = HttpBot(emulator, bundled_index, timed_ask)
    topics = ["David Schenker", "the Erbil drone", "Prime Minister Al-Sudani", "Hezbollah", "Antony Blinken",
              "the militias", "Joe Biden", "Iran's warning", "the Gaza war", "the Pentagon data"]
    try:
        began = time.monotonic()
        sent_at, acks = {}, []
        for n in range(200):
            ts = f"1700001{n:03d}.000100"
            sent_at[ts] = time.monotonic()
            status, _ = bot.event(mention(f"What do the articles say about {topics[n % 10]}? (#{n})",
                                          channel="CLOAD", ts=ts))
            acks.append(time.monotonic() - sent_at[ts])
            assert status == 200
        emulator.wait_for(lambda: len(posts_in(emulator, "CLOAD")) >= 200, timeout=240)
        elapsed = time.monotonic() - began
        time.sleep(0.5)  # a second answer to any question would be posted by now
    finally:
        bot.close()
    posts = [c for c in emulator.calls_to("chat.postMessage") if c["params"].get("channel") == "CLOAD"]
    threads = [p["params"]["thread_ts"] for p in posts]
    assert sorted(threads) == sorted(sent_at)  # every question answered exactly once, in its own thread
    assert all(p["params"]["text"] != APOLOGY for p in posts)
    latencies = sorted(p["at"] - sent_at[p["params"]["thread_ts"]] for p in posts)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    answering = sum(asked)
    print(f"\nslack load: 200 answers in {elapsed:.1f} s = {200 / elapsed:.1f} answers/s, p95 {p95:.2f} s; "
          f"answering alone {answering:.1f} s; slowest ack {max(acks):.3f} s")
    assert len(asked) == 200
    assert max(acks) < SLACK_ACK_DEADLINE  # acked before answering, even with 199 questions waiting
    assert p95 < 1.5 * answering + 3.0, (p95, answering)


def test_question_text_from_slack_is_unescaped_once():
    assert question_from_event_text("<@UBOT> is A &amp;lt; B &amp; C &gt; D?") == "is A &lt; B & C > D?"
    assert question_from_event_text("<@UBOT> see <https://x.org|the site> now") == "see the site now"
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


NO_LOG_BESIDE = {"QA_BOT_QUESTION_LOG": "off"}
"""For a bot started on the shared bundled index: its default log would be made beside it, for every later test."""


def test_a_socket_mode_websocket_that_never_opens_is_one_line_not_a_bot_that_says_it_serves(tmp_path, bundled_index):
    import socket

    silent = socket.socket()  # takes the connection (the kernel's backlog) and never answers the handshake,
    silent.bind(("127.0.0.1", 0))  # as a proxy that blocks websockets does
    silent.listen(4)
    emu = SlackEmulator()
    emu.fail("apps.connections.open", 5, 200, {"ok": True, "url": f"ws://127.0.0.1:{silent.getsockname()[1]}/link"})
    try:
        env = {"QA_BOT_SLACK_API_URL": emu.api_url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test",
               **NO_LOG_BESIDE}
        result = run_cli(tmp_path, "slack", "--index", str(bundled_index), env=env, timeout=120)
        assert_one_line_error(result, "cannot open Slack's Socket Mode connection (the websocket handshake failed")
        assert "answers Slack" not in result.stdout + result.stderr
        assert [line for line in result.stderr.splitlines() if line.strip()] == [result.stderr.strip()]
    finally:
        emu.close()
        silent.close()


def test_start_up_errors_are_one_line(tmp_path, bundled_index):
    emu = SlackEmulator(auth_ok=False)
    try:
        env = {"QA_BOT_SLACK_API_URL": emu.api_url, "SLACK_BOT_TOKEN": "xoxb-wrong-secret-value",
               "SLACK_SIGNING_SECRET": SECRET, **NO_LOG_BESIDE}
        result = run_cli(tmp_path, "slack", "--http", "--port", "0", "--index", str(bundled_index), env=env)
        assert_one_line_error(result, "invalid_auth", "SLACK_BOT_TOKEN")
        assert "xoxb-wrong-secret-value" not in result.stderr + result.stdout
        result = run_cli(tmp_path, "slack", "--index", str(bundled_index))
        assert_one_line_error(result, "SLACK_APP_TOKEN")
        result = run_cli(tmp_path, "slack", "--http", "--index", str(bundled_index),
                         env={**env, "SLACK_SIGNING_SECRET": ""})  # an empty line in an env file
        assert_one_line_error(result, "SLACK_SIGNING_SECRET is empty or not set")
    finally:
        emu.close()
    emu = SlackEmulator()  # the bot token is taken, the app token is not: nothing said of serving before the error
    emu.fail("apps.connections.open", 1, 200, {"ok": False, "error": "invalid_auth"})
    try:
        env = {"QA_BOT_SLACK_API_URL": emu.api_url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-revoked",
               **NO_LOG_BESIDE}
        result = run_cli(tmp_path, "slack", "--index", str(bundled_index), env=env)
        assert_one_line_error(result, "Slack refused the app token (invalid_auth): check SLACK_APP_TOKEN")
        assert "answers Slack" not in result.stdout + result.stderr
        assert [line for line in result.stderr.splitlines() if line.strip()] == [result.stderr.strip()]
    finally:
        emu.close()
    # Slack down: one line in all, not also the Web API client's line per retry, nor bolt's note on the token.
    env = {"QA_BOT_SLACK_API_URL": emu.api_url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test",
           **NO_LOG_BESIDE}
    result = run_cli(tmp_path, "slack", "--index", str(bundled_index), env=env)
    assert_one_line_error(result, "cannot reach Slack")
    assert [line for line in result.stderr.splitlines() if line.strip()] == [result.stderr.strip()]
