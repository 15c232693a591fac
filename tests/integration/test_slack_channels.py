"""Per-channel settings through the loopback Slack: channels that behave differently in one run, a file
edited while the bot runs, and a bad file refused when the real ``qa-bot slack --http`` starts."""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from qa_bot.records import Answer
from qa_bot.render import NO_ANSWER
from qa_bot.slack.app import build_app
from qa_bot.slack.channels import ChannelSettings
from qa_bot.slack.run import make_http_server
from qa_bot.slack.status import IndexStatus

from ..helpers import assert_one_line_error, run_cli
from ..unit.slack.fakes import FakeAsk, quote
from .slack_emulator import BOT_USER, SlackEmulator
from .test_slack import (
    SECRET,
    blocks_text,
    posts_in,
    send_event,
    settings_for,
    signed_post,
)

CHANNELS = """\
[defaults]
mode = "mentions"

[channels.C1]
name = "newsroom"
mode = "questions"

[channels.C2]
private = true

[channels.C3]
sources = ["Reuters"]
"""
QUOTES = (quote("The BBC says the drone crashed.", title="BBC story", source="BBC", doc_id="bbc-1"),
          quote("Reuters says the drone crashed in Erbil.", title="Reuters story", source="Reuters", doc_id="r-1"))
_ts = itertools.count(1)


class ChannelBot:
    """The HTTP-mode bot in this process, answering with a fake, its channel settings read from ``path``."""

    def __init__(self, emulator: SlackEmulator, tmp_path: Path, path: Path, ask: Callable[..., Answer]) -> None:
        channels = ChannelSettings(path, check_every=0.05)  # looked at often, so the test need not wait a second
        status = IndexStatus(articles=2, passages=5, newest="2023-10-30", built_at="2024-05-01T10:00:00+00:00")
        settings = settings_for(emulator, tmp_path / "index", slack_channels_file=path)
        self.app = build_app(settings, ask, http=True, channels=channels, status=lambda: status)
        self.server = make_http_server(self.app, "127.0.0.1", 0)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def say(self, channel: str, text: str, mention: bool = False, ts: str | None = None) -> str:
        """A person's message in ``channel`` (delivered as Slack does: a message, and an app_mention if it
        mentions the bot); its ts (``ts``, or a time in November 2023)."""
        ts = ts or f"1700100{next(_ts):03d}.000100"
        words = f"<@{BOT_USER}> {text}" if mention else text
        event = {"type": "message", "channel_type": "channel", "user": "U42", "text": words, "channel": channel,
                 "ts": ts}
        assert send_event(self.port, event)[0] == 200
        if mention:
            assert send_event(self.port, {**event, "type": "app_mention"})[0] == 200
        return ts

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def write(path: Path, text: str, bump: int = 0) -> None:
    """Write ``path``, its modification time ``bump`` seconds on (file systems with coarse times)."""
    path.write_text(text, encoding="utf-8")
    if bump:
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000_000))


def ephemerals_in(emulator: SlackEmulator, channel: str) -> list[dict]:
    return [c["params"] for c in emulator.calls_to("chat.postEphemeral") if c["params"].get("channel") == channel]


def test_channels_with_different_settings_behave_differently_in_one_run(emulator, tmp_path):
    path = tmp_path / "channels.toml"
    write(path, CHANNELS)
    bot = ChannelBot(emulator, tmp_path, path, FakeAsk(quotes=QUOTES))
    try:
        asked_c1 = bot.say("C1", "Where did the drone crash?")  # questions mode: answered without a mention
        bot.say("C2", "Where did the drone crash?")  # mentions mode: a plain question is left alone
        bot.say("C1", "the drone crashed.")  # not a question: left alone everywhere
        mentioned_c2 = bot.say("C2", "Where did the drone crash?", mention=True)
        bot.say("C3", "Where did the drone crash?", mention=True)
        [c1] = emulator.wait_for(lambda: posts_in(emulator, "C1"))
        assert c1["thread_ts"] == asked_c1 and "BBC story" in blocks_text(c1)
        [c2] = emulator.wait_for(lambda: ephemerals_in(emulator, "C2"))  # private: the asker only
        assert c2["user"] == "U42" and c2["thread_ts"] == mentioned_c2
        [c3] = emulator.wait_for(lambda: posts_in(emulator, "C3"))
        assert "Reuters says the drone crashed" in blocks_text(c3) and "BBC" not in blocks_text(c3)
        form = urllib.parse.urlencode({"command": "/ask", "text": "status", "channel_id": "C3", "user_id": "U42",
                                       "team_id": "T1", "trigger_id": "1.2"})
        status, body = signed_post(bot.port, form, content_type="application/x-www-form-urlencoded")
        assert status == 200 and json.loads(body)["response_type"] == "ephemeral"
        assert "2 articles, 5 passages" in body and "only from Reuters" in body
        home = {"type": "app_home_opened", "user": "U42", "channel": "D1", "tab": "home"}
        assert send_event(bot.port, home)[0] == 200
        [view] = emulator.wait_for(lambda: emulator.calls_to("views.publish"))
        assert view["params"]["user_id"] == "U42" and "newsroom" in json.dumps(view["params"]["view"])
        time.sleep(0.3)  # a wrong answer to the messages left alone would be posted by now (answers take ms)
    finally:
        bot.close()
    assert len(posts_in(emulator, "C1")) == 1 and posts_in(emulator, "C2") == []
    assert len(ephemerals_in(emulator, "C2")) == 1 and len(posts_in(emulator, "C3")) == 1


def test_a_channels_threshold_and_as_of_change_the_real_answer(emulator, tmp_path, bundled_pipeline):
    """The real pipeline over the bundled articles: the Reuters rewrite is dated 2023, the other undated."""
    path = tmp_path / "channels.toml"
    write(path, '[channels.CMSG]\nas_of = "message"\n[channels.CNOW]\nas_of = "now"\n'
                '[channels.CLOOSE]\nabstain_threshold = 0.0\n'
                '[channels.CWIRE]\nas_of = "now"\nsources = ["Reuters"]\n')  # the article's outlet is reuters.com
    bot = ChannelBot(emulator, tmp_path, path, bundled_pipeline.ask)
    in_2020 = "1600000000.000100"  # a message from September 2020 (a search of an old thread, say)
    try:
        for channel in ("CMSG", "CNOW"):
            bot.say(channel, "Who is David Schenker?", mention=True, ts=in_2020)
        for channel in ("CLOOSE", "CDEFAULT"):
            bot.say(channel, "What is the capital of Peru?", mention=True)
        bot.say("CWIRE", "Who is David Schenker?", mention=True)
        posts = {c: emulator.wait_for(lambda c=c: posts_in(emulator, c))[0] for c in ("CMSG", "CNOW", "CLOOSE",
                                                                                       "CDEFAULT", "CWIRE")}
    finally:
        bot.close()
    # As of the message's time, the 2023 rewrite is not out yet; as of now, the one quote names it too.
    assert "secretary of state" in blocks_text(posts["CMSG"]) and "Reuters" not in blocks_text(posts["CMSG"])
    assert "secretary of state" in blocks_text(posts["CNOW"]) and "Reuters" in blocks_text(posts["CNOW"])
    # The global threshold abstains on a question the articles do not answer; a channel at 0 quotes anyway.
    assert NO_ANSWER in blocks_text(posts["CDEFAULT"]) and NO_ANSWER not in blocks_text(posts["CLOOSE"])
    assert "Iran" in blocks_text(posts["CLOOSE"])
    # A channel limited to "Reuters" quotes the article whose outlet, read from its link, is reuters.com.
    wire = blocks_text(posts["CWIRE"])
    assert "secretary of state" in wire and "Reuters: U.S. forces" in wire and "000_2f92" not in wire


def test_an_edit_is_picked_up_while_running_and_a_bad_one_keeps_the_last_good_settings(emulator, tmp_path, caplog):
    path = tmp_path / "channels.toml"
    write(path, CHANNELS.replace('mode = "questions"', 'mode = "mentions"'))
    ask = FakeAsk(quotes=QUOTES)
    bot = ChannelBot(emulator, tmp_path, path, ask)
    try:
        bot.say("C1", "Where did the drone crash?")  # mentions mode: left alone
        time.sleep(0.3)  # taken (and left alone) by now, before the edit
        write(path, CHANNELS, bump=1)  # C1 now answers every question
        first = bot.say("C1", "Who flew the drone?")
        emulator.wait_for(lambda: posts_in(emulator, "C1"))
        write(path, CHANNELS.replace('mode = "questions"', 'mode = "loud"'), bump=2)
        time.sleep(0.1)
        with caplog.at_level(logging.WARNING, logger="qa_bot.slack.channels"):
            second = bot.say("C1", "When did the drone crash?")
            emulator.wait_for(lambda: len(posts_in(emulator, "C1")) >= 2)
            bot.say("C1", "Why did the drone crash?")
            emulator.wait_for(lambda: len(posts_in(emulator, "C1")) >= 3)
    finally:
        bot.close()
    assert [p["thread_ts"] for p in posts_in(emulator, "C1")][:2] == [first, second]
    assert ask.questions == ["Who flew the drone?", "When did the drone crash?", "Why did the drone crash?"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and f"{path}, line 6: [channels.C1] mode" in warnings[0]


def test_a_bad_channels_file_is_refused_when_the_bot_starts_naming_its_line(tmp_path):
    path = tmp_path / "channels.toml"
    write(path, CHANNELS.replace("private = true", "private = 1"))
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "QA_BOT_SLACK_CHANNELS_FILE": str(path)}
    began = time.monotonic()
    # No index at all: the file is refused before the index or the model is looked at.
    result = run_cli(tmp_path, "slack", "--http", "--port", "0", "--index", str(tmp_path / "no-index"), env=env)
    assert_one_line_error(result, str(path), "line 9", "[channels.C2] private")
    assert time.monotonic() - began < 30
