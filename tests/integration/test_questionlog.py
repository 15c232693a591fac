"""The question log end to end: ``qa-bot log`` as a subprocess, feedback clicks through the loopback Slack,
and a ``qa-bot slack --http`` killed with SIGKILL that loses nothing it acknowledged."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from qa_bot.questionlog import QuestionLog
from qa_bot.slack.app import build_app
from qa_bot.slack.feedback import THANKS
from qa_bot.slack.format import HELPFUL_ACTION, NOT_HELPFUL_ACTION, WRONG_SOURCE_ACTION
from qa_bot.slack.run import make_http_server

from ..helpers import assert_one_line_error, run_cli
from ..unit.questionlog.test_export import filled
from ..unit.slack.fakes import FakeAsk, buttons
from .slack_process import BotProcess
from .test_slack import (
    BOT_TOKEN,
    SECRET,
    mention,
    posts_in,
    send_event,
    settings_for,
    signed_post,
)


def click(port: int, channel: str, message_ts: str, action_id: str, value: str, trigger: str,
          user: str = "U77") -> int:
    """A signed ``block_actions`` delivery, as Slack sends a button click; the HTTP status."""
    payload = {"type": "block_actions", "user": {"id": user}, "channel": {"id": channel}, "team": {"id": "T1"},
               "container": {"type": "message", "channel_id": channel, "message_ts": message_ts},
               "message": {"ts": message_ts}, "trigger_id": trigger,
               "actions": [{"action_id": action_id, "value": value, "type": "button", "block_id": "b",
                            "action_ts": f"{time.time():.6f}"}]}
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    return signed_post(port, body, content_type="application/x-www-form-urlencoded")[0]


@contextmanager
def logged_bot(tmp_path, emulator, ask=None) -> Iterator[tuple[int, QuestionLog]]:
    """A bot answering the loopback Slack over HTTP with ``ask`` (default: a fake), logging to questions.sqlite in
    ``tmp_path``: its port and its log, both closed at the end."""
    questions = QuestionLog.open(tmp_path / "questions.sqlite")
    app = build_app(settings_for(emulator, tmp_path / "index"), ask or FakeAsk(), http=True, questions=questions)
    server = make_http_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_port, questions
    finally:
        server.shutdown()
        server.server_close()
        questions.close()


def log_cli(tmp_path, *args: str):
    """``qa-bot log ARGS``. The questions of ``filled`` were asked in 2024, long past the default retention
    (90 days): a report deletes nothing, whatever the retention, so they are all still there."""
    return run_cli(tmp_path, "log", *args, timeout=60)


def test_log_command_prints_tables_json_lines_and_csv(tmp_path):
    filled(tmp_path / "q.sqlite").close()
    text = log_cli(tmp_path, "--log", "q.sqlite")
    assert text.returncode == 0, text.stderr
    for needle in ("Unanswered questions (2)", "newest unanswered?", "Down-voted answers (1)", "disliked?",
                   "Sources most often marked wrong (2)", "doc-1"):
        assert needle in text.stdout
    assert text.stdout.index("newest unanswered?") < text.stdout.index("oldest unanswered?")
    lines = log_cli(tmp_path, "--unanswered", "--json", "--log", "q.sqlite").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["question"] for r in rows] == ["newest unanswered?", "oldest unanswered?"]
    assert all({"question", "asked_at", "channel"} <= set(r) and r["channel"] == "repl" for r in rows)
    since = log_cli(tmp_path, "--unanswered", "--json", "--since", "2024-04-29", "--log", "q.sqlite").stdout
    assert [json.loads(line)["question"] for line in since.splitlines()] == ["newest unanswered?"]
    csv_out = log_cli(tmp_path, "--wrong-sources", "--csv", "--log", "q.sqlite").stdout
    assert csv_out.splitlines()[0] == "list,doc_id,title,marked,answers,last_marked"
    assert csv_out.splitlines()[1].startswith("wrong_sources,doc-1,Article 1,2,2,")
    assert_one_line_error(log_cli(tmp_path, "--log", "missing.sqlite"), "missing.sqlite")
    assert_one_line_error(log_cli(tmp_path, "--since", "someday", "--log", "q.sqlite"), "someday")
    assert not (tmp_path / "missing.sqlite").exists()


def test_each_click_through_slack_is_recorded_once_and_shown_by_qa_bot_log(tmp_path, emulator):
    with logged_bot(tmp_path, emulator) as (port, questions):
        send_event(port, mention("Who is David Schenker?", channel="CFB", ts="1700009000.000100"))
        post = emulator.wait_for(lambda: posts_in(emulator, "CFB"))[0]
        message_ts = "1700009001.0001"  # the answer's own ts, as Slack gave it back
        found = buttons(post)
        assert set(found) == {HELPFUL_ACTION, NOT_HELPFUL_ACTION, WRONG_SOURCE_ACTION}
        for n, (action_id, values) in enumerate(sorted(found.items())):
            for _ in range(2):  # Slack delivering the same interaction twice
                began = time.monotonic()
                assert click(port, "CFB", message_ts, action_id, values[0], f"trig{n}") == 200
                assert time.monotonic() - began < 3.0
        thanks = emulator.wait_for(lambda: len(emulator.calls_to("chat.postEphemeral")) >= 3
                                   and emulator.calls_to("chat.postEphemeral"))
        time.sleep(0.3)  # a second thanks (a doubled record) would be posted by now
        assert len(emulator.calls_to("chat.postEphemeral")) == 3
        assert {t["params"]["text"] for t in thanks} == {THANKS} and {t["params"]["user"] for t in thanks} == {"U77"}
        kinds = [r[0] for r in questions.query("SELECT kind FROM feedback ORDER BY kind")]
        assert kinds == ["helpful", "not_helpful", "wrong_source"]
    shown = run_cli(tmp_path, "log", "--down-voted", "--json", "--log", "questions.sqlite", timeout=60)
    [row] = [json.loads(line) for line in shown.stdout.splitlines()]
    # U77 clicked Helpful, then Not helpful: one person, one vote, the last.
    assert (row["question"], row["channel"], row["not_helpful"], row["helpful"]) == (
        "Who is David Schenker?", "CFB", 1, 0)
    wrong = run_cli(tmp_path, "log", "--wrong-sources", "--log", "questions.sqlite", timeout=60).stdout
    assert "doc-1" in wrong and "Reuters" in wrong


def test_an_answer_slack_refuses_for_good_is_listed_unanswered_by_qa_bot_log(tmp_path, emulator):
    """Through the loopback Slack: the post is refused (msg_too_long), so the asker got nothing, and the log says so."""
    with logged_bot(tmp_path, emulator) as (port, questions):
        emulator.fail("chat.postMessage", 1, 200, {"ok": False, "error": "msg_too_long"})
        send_event(port, mention("Who is David Schenker?", channel="CND", ts="1700009500.000100"))
        emulator.wait_for(lambda: emulator.calls_to("chat.postMessage"))
        emulator.wait_for(lambda: questions.query("SELECT undelivered FROM answers")[0][0])
        send_event(port, mention("Who is David Schenker?", channel="CND", ts="1700009501.000100"))
        emulator.wait_for(lambda: posts_in(emulator, "CND"))  # the second answer is delivered
    shown = run_cli(tmp_path, "log", "--unanswered", "--json", "--log", "questions.sqlite", timeout=60)
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    assert [(r["question"], r["channel"], r["undelivered"]) for r in rows] == [
        ("Who is David Schenker?", "CND", "msg_too_long")]
    table = run_cli(tmp_path, "log", "--unanswered", "--log", "questions.sqlite", timeout=60).stdout
    assert "answer not delivered" in table and "msg_too_long" in table


class HeldAsk(FakeAsk):
    """A fake answerer that answers nothing until ``go`` is set: every question waits its turn meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()

    def __call__(self, question: str, **kwargs):
        assert self.go.wait(60)
        return super().__call__(question, **kwargs)


def test_questions_and_clicks_are_logged_before_they_are_acknowledged_even_with_every_worker_waiting(
        tmp_path, emulator):
    """Bolt answers on 5 worker threads, and the bot answers one question at a time: with more questions
    waiting than workers, a question was acknowledged before it was logged (a SIGKILL then lost it) and a
    click waited for a worker past Slack's 3 s (404)."""
    ask = HeldAsk()
    with logged_bot(tmp_path, emulator, ask) as (port, questions):
        answered = questions.record(FakeAsk()("Who is David Schenker?"), channel="CQ", user="U1")
        asked = [f"Question {n}?" for n in range(12)]
        try:
            for n, question in enumerate(asked):
                assert send_event(port, mention(question, channel="CQ", ts=f"17000300{n:02d}.000100"))[0] == 200
                logged = [r[0] for r in questions.query(
                    "SELECT question FROM answers WHERE channel = 'CQ' ORDER BY id")]
                assert logged[1:] == asked[: n + 1]  # on disk before Slack heard "200"
            assert click(port, "CQ", "1.1", NOT_HELPFUL_ACTION, str(answered), "held") == 200
            assert questions.query("SELECT kind FROM feedback")[0][0] == "not_helpful"
            status, body = signed_post(port, urllib.parse.urlencode(
                {"command": "/ask", "text": "Who is Antony Blinken?", "channel_id": "CQ", "user_id": "U1",
                 "team_id": "T1", "trigger_id": "9"}), content_type="application/x-www-form-urlencoded")
            assert status == 200 and "Looking for" in body
            assert questions.query(
                "SELECT count(*) FROM answers WHERE question = 'Who is Antony Blinken?'")[0][0] == 1
            ask.go.set()
            emulator.wait_for(lambda: len(posts_in(emulator, "CQ")) == len(asked))
            assert sorted(ask.questions) == sorted([*asked, "Who is Antony Blinken?"])  # each answered once
        finally:
            ask.go.set()  # a failure above must not leave the bot's workers waiting for ever


def test_sigkill_of_the_slack_bot_loses_no_acknowledged_question_or_click(tmp_path, emulator, copy_index,
                                                                           bundled_index):
    index = copy_index(bundled_index)
    tokens = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET}
    bot = BotProcess(tmp_path, index, emulator.api_url, tokens)  # no QA_BOT_QUESTION_LOG: beside the index
    questions = ["Who is David Schenker?", "Where did the defective drone crash?", "Who is the prime minister?",
                 "What did Hezbollah say?", "What did the Pentagon say?", "Who is Antony Blinken?"] * 2
    try:
        for n, question in enumerate(questions):
            assert bot.mention(f"EvK{n}", "CKILL", f"17000200{n:02d}.000100", question) == 200
        posts = emulator.wait_for(lambda: len(posts_in(emulator, "CKILL")) >= len(questions)
                                  and posts_in(emulator, "CKILL"))
        clicks = []
        for n, post in enumerate(posts):
            found = buttons(post)
            if WRONG_SOURCE_ACTION not in found:  # an abstention has no quote to mark
                continue
            clicks.append((NOT_HELPFUL_ACTION if n % 2 else HELPFUL_ACTION, found[HELPFUL_ACTION][0], f"k{n}"))
            clicks.append((WRONG_SOURCE_ACTION, found[WRONG_SOURCE_ACTION][-1], f"w{n}"))
        assert clicks
        with ThreadPoolExecutor(8) as pool:  # clicks at once, each acked
            statuses = list(pool.map(lambda c: click(bot.port, "CKILL", f"ts-{c[2]}", *c), clicks))
        assert statuses == [200] * len(clicks)
        bot.process.send_signal(signal.SIGKILL)
        bot.process.wait(timeout=30)
    finally:
        if bot.process.poll() is None:
            bot.stop(signal.SIGKILL)
    path = index.parent / "questions.sqlite"
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    logged = [r[0] for r in connection.execute("SELECT question FROM answers ORDER BY id")]
    assert sorted(logged) == sorted(questions)
    assert connection.execute("SELECT count(*) FROM feedback").fetchone()[0] == len(clicks)
    assert {r[0] for r in connection.execute("SELECT channel FROM answers")} == {"CKILL"}


def test_ask_and_the_repl_log_when_the_setting_says_so_and_a_bad_log_only_warns(tmp_path, bundled_index):
    path = tmp_path / "logs" / "questions.sqlite"
    env = {"QA_BOT_QUESTION_LOG": str(path)}
    asked = run_cli(tmp_path, "ask", "--json", "--index", str(bundled_index), "Who is David Schenker?", env=env)
    assert asked.returncode == 0, asked.stderr
    piped = run_cli(tmp_path, "repl", "--index", str(bundled_index), input="Where did the drone crash?\n", env=env)
    assert piped.returncode == 0, piped.stderr
    rows = sqlite3.connect(path).execute("SELECT question, channel, user_hash FROM answers ORDER BY id").fetchall()
    assert rows == [("Who is David Schenker?", "cli", None), ("Where did the drone crash?", "repl", None)]
    assert not (tmp_path / "questions.sqlite").exists()  # ask logs only when the setting is set
    run_cli(tmp_path, "ask", "--index", str(bundled_index), "Who is David Schenker?")
    assert not (bundled_index.parent / "questions.sqlite").exists()
    (tmp_path / "not-a-file").mkdir()
    broken = run_cli(tmp_path, "ask", "--index", str(bundled_index), "Who is David Schenker?",
                     env={"QA_BOT_QUESTION_LOG": str(tmp_path / "not-a-file")})
    assert broken.returncode == 0 and "assistant secretary" in broken.stdout
    warned = [line for line in broken.stderr.splitlines() if "question log" in line]
    assert len(warned) == 1 and "Traceback" not in broken.stderr
