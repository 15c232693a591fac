"""Feedback buttons: answers are logged and carry them; each click is recorded once and thanked privately."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from qa_bot.questionlog import QuestionLog
from qa_bot.questionlog.export import down_voted
from qa_bot.slack.feedback import FAILED, THANKS, UNKNOWN, on_feedback
from qa_bot.slack.format import HELPFUL_ACTION, NOT_HELPFUL_ACTION, SHARE_ACTION, WRONG_SOURCE_ACTION
from qa_bot.slack.listeners import on_ask, on_mention, on_share

from .fakes import BOT_USER, FakeAck, FakeAsk, FakeClient, buttons, make_bot


@pytest.fixture
def questions(tmp_path):
    with QuestionLog.open(tmp_path / "questions.sqlite") as opened:
        yield opened


def logged_bot(questions, ask=None):
    return dataclasses.replace(make_bot(ask), questions=questions)


def click(action_id: str, value: str, trigger: str = "t1", user: str = "U7", ts: str = "1700000009.000100"):
    action = {"action_id": action_id, "value": value, "type": "button", "block_id": "b", "action_ts": "1.5"}
    body = {"type": "block_actions", "user": {"id": user}, "channel": {"id": "C1"}, "trigger_id": trigger,
            "container": {"type": "message", "channel_id": "C1", "message_ts": ts, "thread_ts": "1700000001.000100"},
            "actions": [action]}
    return body, action


def mention(client, bot, user="U42", ts="1700000001.000100"):
    before = len(client.to("chat_postMessage"))
    on_mention({"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> who is David Schenker?", "channel": "C1",
                "ts": ts}, client, bot=bot)
    posts = client.to("chat_postMessage")
    assert len(posts) == before + 1
    return posts[-1]


def test_a_logged_answer_carries_the_buttons_and_its_id(questions):
    client = FakeClient()
    post = mention(client, logged_bot(questions))
    assert buttons(post) == {WRONG_SOURCE_ACTION: ["1:0"], HELPFUL_ACTION: ["1"], NOT_HELPFUL_ACTION: ["1"]}
    assert questions.quote_count(1) == 1
    [(channel, user_hash)] = questions.query("SELECT channel, user_hash FROM answers")
    assert channel == "C1" and user_hash == questions.hash_user("U42")


def test_an_abstention_carries_helpful_and_not_helpful_and_a_down_vote_lists_it(questions):
    client = FakeClient()
    post = mention(client, logged_bot(questions, FakeAsk(quotes=())))  # the articles do not answer
    assert buttons(post) == {HELPFUL_ACTION: ["1"], NOT_HELPFUL_ACTION: ["1"]}  # no quote to mark as wrong
    on_feedback(FakeAck(), *click(NOT_HELPFUL_ACTION, "1"), client, bot=logged_bot(questions))
    [voted] = down_voted(questions)
    assert (voted["question"], voted["sources"], voted["not_helpful"]) == ("who is David Schenker?", "", 1)


def test_a_question_is_logged_when_it_arrives_and_stays_logged_when_answering_fails(questions):
    seen = []

    def broken(question: str, *, as_of=None):
        seen.extend(tuple(r) for r in questions.query("SELECT question, answered FROM answers"))
        raise RuntimeError("index exploded")

    client = FakeClient()
    mention(client, logged_bot(questions, broken))
    assert seen == [("who is David Schenker?", 0)]  # in the log before answering began
    assert [tuple(r) for r in questions.query("SELECT question, answered, channel FROM answers")] == [
        ("who is David Schenker?", 0, "C1")]
    mention(client, logged_bot(questions), ts="1700000002.000100")  # answered: the entry it began is completed
    assert [tuple(r) for r in questions.query("SELECT id, answered FROM answers ORDER BY id")] == [(1, 0), (2, 1)]
    assert questions.quote_count(2) == 1


def test_without_a_log_there_are_no_feedback_buttons():
    post = mention(FakeClient(), make_bot())
    assert buttons(post) == {}


def test_the_share_button_comes_first_and_alone_in_its_block(questions):
    client = FakeClient()
    on_ask(FakeAck(), {"command": "/ask", "text": "Who is David Schenker?", "channel_id": "C7", "user_id": "U42"},
           client, bot=logged_bot(questions))
    [private] = client.to("chat_postEphemeral")
    [share] = next(b for b in private["blocks"] if b["type"] == "actions")["elements"]
    assert share["action_id"] == SHARE_ACTION and HELPFUL_ACTION in buttons(private)


def test_a_shared_answer_is_logged_once_and_its_buttons_point_at_that_answer(questions):
    client = FakeClient()
    bot = logged_bot(questions)
    on_ask(FakeAck(), {"command": "/ask", "text": "Who is David Schenker?", "channel_id": "C7", "user_id": "U42"},
           client, bot=bot)
    [private] = client.to("chat_postEphemeral")
    block = next(b for b in private["blocks"] if b["type"] == "actions")
    [share] = block["elements"]
    action = {**share, "block_id": block["block_id"]}
    body = {"type": "block_actions", "user": {"id": "U42"}, "channel": {"id": "C7"}, "actions": [action]}
    on_share(FakeAck(), body, action, client, bot=bot)
    [public] = client.to("chat_postMessage")
    assert buttons(public) == {WRONG_SOURCE_ACTION: ["1:0"], HELPFUL_ACTION: ["1"], NOT_HELPFUL_ACTION: ["1"]}
    assert buttons(private) == {**buttons(public), SHARE_ACTION: ["Who is David Schenker?"]}
    assert questions.query("SELECT count(*) FROM answers")[0][0] == 1
    # A share naming no logged answer with these quotes (one the log lacks, or whose quotes changed since)
    # is a new answer: logged, with its own buttons.
    on_share(FakeAck(), body, {**action, "block_id": "share:99"}, client, bot=bot)
    assert questions.query("SELECT count(*) FROM answers")[0][0] == 2
    assert buttons(client.to("chat_postMessage")[-1])[HELPFUL_ACTION] == ["2"]


@pytest.mark.parametrize("action_id, value, kind", [
    (HELPFUL_ACTION, "1", "helpful"), (NOT_HELPFUL_ACTION, "1", "not_helpful"),
    (WRONG_SOURCE_ACTION, "1:0", "wrong_source")])
def test_a_click_is_recorded_once_acked_and_thanked_privately(questions, action_id, value, kind):
    client = FakeClient()
    bot = logged_bot(questions)
    mention(client, bot)
    for _ in range(2):  # the same click delivered twice: Slack retrying
        ack = FakeAck()
        on_feedback(ack, *click(action_id, value), client, bot=bot)
        assert ack.calls == [{}]
    on_feedback(FakeAck(), *click(action_id, value, trigger="t2"), client, bot=bot)  # a second click
    rows = questions.query("SELECT kind, user_hash FROM feedback")
    assert [tuple(r) for r in rows] == [(kind, questions.hash_user("U7"))] * 2
    thanks = client.to("chat_postEphemeral")
    assert [(t["text"], t["user"], t["channel"], t["thread_ts"]) for t in thanks] == [
        (THANKS, "U7", "C1", "1700000001.000100")] * 2


@pytest.mark.parametrize("value", ["99", "1:5", "abc", "", "1:0", "1; DROP TABLE answers", "-1"])
def test_a_value_the_bot_did_not_make_or_that_names_nothing_is_not_recorded(questions, value):
    client = FakeClient()
    bot = logged_bot(questions)
    mention(client, bot)
    action_id = HELPFUL_ACTION if value != "1:5" else WRONG_SOURCE_ACTION
    ack = FakeAck()
    on_feedback(ack, *click(action_id, value), client, bot=bot)
    assert ack.calls == [{}]
    assert questions.query("SELECT count(*) FROM feedback")[0][0] == 0
    assert [t["text"] for t in client.to("chat_postEphemeral")] == [UNKNOWN]


def test_a_log_that_fails_still_acks_and_says_so(tmp_path):
    broken = QuestionLog.open(tmp_path / "q.sqlite")
    client = FakeClient()
    bot = logged_bot(broken)
    mention(client, bot)
    broken.close()
    ack = FakeAck()
    on_feedback(ack, *click(HELPFUL_ACTION, "1"), client, bot=bot)
    assert ack.calls == [{}] and [t["text"] for t in client.to("chat_postEphemeral")] == [FAILED]
    post = mention(client, bot, ts="1700000002.000100")  # and answering goes on, without buttons
    assert "David Schenker" in str(post["blocks"]) and buttons(post) == {}
    assert sqlite3.connect(tmp_path / "q.sqlite").execute("SELECT count(*) FROM answers").fetchone()[0] == 1


def test_feedback_never_changes_the_answer(questions):
    ask = FakeAsk()
    client = FakeClient()
    bot = logged_bot(questions, ask)
    before = mention(client, bot)
    for n in range(3):
        on_feedback(FakeAck(), *click(NOT_HELPFUL_ACTION, "1", trigger=f"t{n}", user=f"U{n}"), client, bot=bot)
        on_feedback(FakeAck(), *click(WRONG_SOURCE_ACTION, "1:0", trigger=f"w{n}", user=f"U{n}"), client, bot=bot)
    after = mention(client, bot, ts="1700000003.000100")
    assert after["text"] == before["text"]
    assert [b for b in after["blocks"] if b["type"] != "actions"] == [
        {**b, **({"accessory": {**b["accessory"], "value": "2:0"}} if "accessory" in b else {})}
        for b in before["blocks"] if b["type"] != "actions"]


def test_an_answer_slack_never_takes_is_listed_as_unanswered_with_why(questions):
    """The question was answered, but the asker got nothing: the log says so instead of counting it answered."""
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web import SlackResponse

    from qa_bot.questionlog.export import unanswered

    class Refusing(FakeClient):
        def chat_postMessage(self, **kwargs):  # noqa: N802 - the Web API's name
            self.calls.append(("chat_postMessage", kwargs))
            data = {"ok": False, "error": "msg_too_long"}
            raise SlackApiError("refused", SlackResponse(client=None, http_verb="POST", api_url="chat.postMessage",
                                                         req_args={}, data=data, headers={}, status_code=200))

    mention(Refusing(), logged_bot(questions))
    mention(FakeClient(), logged_bot(questions), ts="1700000002.000100")  # delivered: not listed
    # An /ask answer delivered privately, whose share is refused: the answer reached its asker, and stays answered.
    client = FakeClient()
    on_ask(FakeAck(), {"command": "/ask", "text": "Who is David Schenker?", "channel_id": "C7", "user_id": "U42"},
           client, bot=logged_bot(questions))
    [private] = client.to("chat_postEphemeral")
    block = next(b for b in private["blocks"] if b["type"] == "actions")
    action = {**block["elements"][0], "block_id": block["block_id"]}
    on_share(FakeAck(), {"type": "block_actions", "user": {"id": "U42"}, "channel": {"id": "C7"}, "actions": [action]},
             action, Refusing(), bot=logged_bot(questions))
    assert [(r["question"], r["undelivered"]) for r in unanswered(questions)] == [
        ("who is David Schenker?", "msg_too_long")]
    assert [tuple(r) for r in questions.query("SELECT id, answered, undelivered FROM answers ORDER BY id")] == [
        (1, 1, "msg_too_long"), (2, 1, None), (3, 1, None)]
