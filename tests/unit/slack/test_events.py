"""Mentions and direct messages: answered once, in their thread, only where and from whom the settings allow."""

from __future__ import annotations

from dataclasses import replace

import pytest
from slack_bolt import BoltResponse

from qa_bot.slack.listeners import (
    APOLOGY,
    NOT_HERE,
    WORKING_REACTION,
    drop_duplicates,
    from_a_person,
    on_mention,
    on_message,
)

from .fakes import BOT_ID, BOT_USER, SENTENCE, TITLE, FakeAsk, FakeClient, make_bot, shown


def mention(text: str = "Who is David Schenker?", channel: str = "C1", ts: str = "1700000001.000100", **extra):
    return {"type": "app_mention", "user": "U42", "text": f"<@{BOT_USER}> {text}", "channel": channel, "ts": ts,
            **extra}


def direct(text: str = "Who is David Schenker?", channel: str = "D1", ts: str = "1700000002.000100", **extra):
    return {"type": "message", "channel_type": "im", "user": "U42", "text": text, "channel": channel, "ts": ts,
            **extra}


def test_a_mention_is_answered_once_in_its_thread():
    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask)
    on_mention(mention(), client, bot=bot)
    on_mention(mention(), client, bot=bot)  # the same message again, under another event id
    [post] = client.to("chat_postMessage")
    assert post["channel"] == "C1" and post["thread_ts"] == "1700000001.000100"
    assert SENTENCE in shown(post) and TITLE in shown(post)
    assert post["text"] and post["unfurl_links"] is False  # a plain-text fallback beside the blocks
    assert ask.questions == ["Who is David Schenker?"]  # the mention of the bot is not part of the question
    assert [m.isoformat() for m in ask.moments] == ["2023-11-14T22:13:21.000100+00:00"]  # as of the message's time
    assert [name for name, _ in client.calls] == ["reactions_add", "chat_postMessage", "reactions_remove"]
    assert client.to("reactions_add")[0] == {"channel": "C1", "timestamp": "1700000001.000100",
                                             "name": WORKING_REACTION}


def test_a_mention_inside_a_thread_is_answered_in_that_thread():
    client = FakeClient()
    on_mention(mention(thread_ts="1699999999.000001"), client, bot=make_bot())
    assert client.to("chat_postMessage")[0]["thread_ts"] == "1699999999.000001"


def test_a_direct_message_is_answered_once():
    client = FakeClient()
    bot = make_bot()
    on_message(direct(), client, bot=bot)
    on_message(direct(), client, bot=bot)  # delivered twice under two event ids
    [post] = client.to("chat_postMessage")
    assert post["channel"] == "D1" and post["thread_ts"] == "1700000002.000100" and SENTENCE in shown(post)


def test_a_message_in_a_channel_waits_for_a_mention():
    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask)
    message = {**mention(), "type": "message", "channel_type": "channel"}
    on_message(message, client, bot=bot)
    assert ask.questions == [] and client.calls == []
    on_mention(mention(), client, bot=bot)  # the same message as a mention: answered, once
    assert len(client.to("chat_postMessage")) == 1


def test_a_repeated_event_id_is_acknowledged_and_not_passed_on():
    bot = make_bot()
    passed: list[str] = []
    body = {"type": "event_callback", "event_id": "EvSAME", "event": mention()}
    assert drop_duplicates(body, lambda: passed.append("first") or "next", bot=bot) == "next"
    again = drop_duplicates(body, lambda: passed.append("again"), bot=bot)
    assert isinstance(again, BoltResponse) and again.status == 200
    assert passed == ["first"]
    other = {**body, "event_id": "EvOTHER"}
    drop_duplicates(other, lambda: passed.append("other"), bot=bot)
    command = {"command": "/ask", "text": "Who?"}  # not an event: no event id to repeat
    drop_duplicates(command, lambda: passed.append("command"), bot=bot)
    drop_duplicates(command, lambda: passed.append("command"), bot=bot)
    assert passed == ["first", "other", "command", "command"]


IGNORED = {
    "the bot's own message": direct(user=BOT_USER, bot_id=BOT_ID),
    "another bot's message": direct(user="U9", bot_id="BOTHER", subtype="bot_message"),
    "an edit": {**direct(), "subtype": "message_changed", "message": {"text": "Who is David Schenker?"}},
    "a deletion": {**direct(), "subtype": "message_deleted"},
    "a join": {**direct(), "subtype": "channel_join"},
    "no text": direct(text=""),
}


@pytest.mark.parametrize("event", IGNORED.values(), ids=IGNORED.keys())
def test_bots_edits_and_empty_messages_are_ignored(event):
    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask)
    assert not from_a_person(event, bot.settings)
    on_message(event, client, bot=bot)
    on_mention({**event, "type": "app_mention"}, client, bot=bot)
    assert ask.questions == [] and client.calls == []


def test_a_bare_mention_gets_how_to_ask_once_in_its_thread_and_nothing_is_asked():
    from qa_bot.slack.listeners import MENTION_HINT

    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask)
    bare = mention("", ts="1700000005.000100")
    on_mention(bare, client, bot=bot)
    on_mention(bare, client, bot=bot)  # delivered again: said once
    on_message(direct("<@U77>", ts="1700000006.000100"), client, bot=bot)  # a DM naming someone, nothing more
    posts = client.to("chat_postMessage")
    assert [(p["channel"], p["thread_ts"], p["text"]) for p in posts] == [
        ("C1", "1700000005.000100", MENTION_HINT), ("D1", "1700000006.000100", MENTION_HINT)]
    assert ask.questions == [] and not client.to("reactions_add")


def test_other_bots_are_answered_when_the_settings_say_so_but_never_edits():
    client = FakeClient()
    bot = make_bot(slack_allow_bots=True)
    on_message(IGNORED["another bot's message"], client, bot=bot)
    on_message({**IGNORED["an edit"], "ts": "1700000003.000100"}, client, bot=bot)
    [post] = client.to("chat_postMessage")
    assert post["channel"] == "D1" and post["thread_ts"] == "1700000002.000100"


def test_the_channel_allowlist_is_honoured_and_direct_messages_always_allowed():
    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask, slack_channels="CALLOWED, CALSO")
    on_mention(mention(channel="CBLOCKED"), client, bot=bot)  # asked by name: told where to ask, privately
    assert ask.questions == [] and [(name, call["text"]) for name, call in client.calls] == [
        ("chat_postEphemeral", NOT_HERE)]
    client.calls.clear()
    on_mention(mention(channel="CALSO"), client, bot=bot)
    on_message(direct(channel="D7"), client, bot=bot)
    assert [p["channel"] for p in client.to("chat_postMessage")] == ["CALSO", "D7"]


def test_a_failing_answer_gets_an_apology_in_the_thread():
    def broken(question: str, *, as_of=None):
        raise RuntimeError("index exploded")

    client = FakeClient()
    on_mention(mention(thread_ts="1699999999.000001"), client, bot=make_bot(broken))
    [post] = client.to("chat_postMessage")
    assert post["text"] == APOLOGY and post["blocks"] is None and post["thread_ts"] == "1699999999.000001"
    assert "exploded" not in shown(post)
    assert client.to("reactions_remove")  # the "working" reaction does not stay


def test_slack_markup_in_an_article_is_shown_as_text_escaped_once():
    text = "The mayor said <!channel> and <@U123> must read <http://evil.example|this> about the budget & taxes."
    client = FakeClient()
    ask = FakeAsk(text=text, title="Hostile Title <!channel>")
    on_mention(mention(text="What about A &amp; B &lt;now&gt;?"), client, bot=make_bot(ask))
    assert ask.questions == ["What about A & B <now>?"]  # Slack's escaping of the question undone once
    post = shown(client.to("chat_postMessage")[0])
    assert "<!channel>" not in post and "<@U123>" not in post and "<http://evil" not in post
    assert "&lt;!channel&gt;" in post and "&lt;@U123&gt;" in post and "budget &amp; taxes" in post
    assert "Hostile Title &lt;!channel&gt;" in post and "A &amp; B &lt;now&gt;" in post
    assert "&amp;lt;" not in post and "&amp;amp;" not in post  # escaped once, not twice


def test_a_follow_up_in_the_bots_thread_is_read_with_the_threads_earlier_question():
    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask)
    on_mention(mention("Where did the defective drone crash?", ts="100.1"), client, bot=bot)
    on_mention(mention("When did it crash?", ts="100.2", thread_ts="100.1"), client, bot=bot)
    on_mention(mention("When did it crash?", ts="100.3"), client, bot=bot)  # not in the thread: alone
    assert ask.threads == [(), ("Where did the defective drone crash?",), ()]
    assert [p["thread_ts"] for p in client.to("chat_postMessage")] == ["100.1", "100.1", "100.3"]


class ReadWithThread(FakeAsk):
    """Reads every question given a thread with it, as the pipeline does one that leans on it or whose words the
    thread's story holds."""

    def __call__(self, question, *, thread=(), **kwargs):
        answer = super().__call__(question, thread=thread, **kwargs)
        return replace(answer, read_as=f"{question} (drone)") if thread else answer


def test_a_question_in_a_thread_naming_someone_new_is_what_the_next_follow_up_leans_on():
    ask, client = ReadWithThread(), FakeClient()
    bot = make_bot(ask)
    on_mention(mention("Where did the defective drone crash?", ts="100.1"), client, bot=bot)
    on_mention(mention("Who is David Schenker?", ts="100.2", thread_ts="100.1"), client, bot=bot)
    on_mention(mention("What did he say?", ts="100.3", thread_ts="100.1"), client, bot=bot)
    assert ask.threads == [(), ("Where did the defective drone crash?",), ("Who is David Schenker?",)]


def test_a_thread_reply_also_sent_to_the_channel_is_a_follow_up_answered_once_in_its_thread():
    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask)
    on_mention(mention("Where did the defective drone crash?", ts="100.1"), client, bot=bot)
    broadcast = mention("When did it crash?", ts="100.2", thread_ts="100.1", subtype="thread_broadcast")
    on_mention(broadcast, client, bot=bot)
    on_message({**broadcast, "type": "message", "channel_type": "channel"}, client, bot=bot)  # the same message
    assert ask.threads == [(), ("Where did the defective drone crash?",)]
    assert [p["thread_ts"] for p in client.to("chat_postMessage")] == ["100.1", "100.1"]


def test_any_message_in_a_direct_message_is_a_follow_up_read_with_its_thread_or_the_conversation():
    ask, client = ReadWithThread(), FakeClient()
    bot = make_bot(ask)
    on_message(direct("Where did the defective drone crash?", ts="200.1"), client, bot=bot)
    on_message(direct("When did it crash?", ts="200.2", thread_ts="200.1"), client, bot=bot)  # no mention needed
    on_message(direct("When did it crash?", ts="200.3"), client, bot=bot)  # typed below it, as in the REPL
    on_message(direct("Who is David Schenker?", ts="200.4"), client, bot=bot)  # the conversation moves on
    on_message(direct("Where did it crash?", ts="200.5", thread_ts="200.1"), client, bot=bot)  # that thread's own
    on_message(direct("What did he say?", ts="200.6"), client, bot=bot)
    on_message(direct("What did he say?", ts="200.7", thread_ts="200.4"), client, bot=bot)
    drone, schenker = ("Where did the defective drone crash?",), ("Who is David Schenker?",)
    assert ask.threads == [(), drone, drone, drone, drone, schenker, schenker]
    assert [p["thread_ts"] for p in client.to("chat_postMessage")] == ["200.1", "200.1", "200.3", "200.4", "200.1",
                                                                       "200.6", "200.4"]
    on_mention(mention("When did it crash?", ts="300.1"), client, bot=bot)  # a channel's new message stands alone
    assert ask.threads[-1] == ()


def test_a_direct_message_conversation_lasts_while_it_does_not_fall_silent_for_half_an_hour():
    ask, client = ReadWithThread(), FakeClient()
    bot = make_bot(ask)
    on_message(direct("Where did the defective drone crash?", ts="1000.1"), client, bot=bot)
    on_message(direct("When did it crash?", ts=f"{1000 + 20 * 60}.1"), client, bot=bot)  # 20 minutes on
    on_message(direct("Who launched it?", ts=f"{1000 + 40 * 60}.1"), client, bot=bot)  # 20 more: it goes on
    on_message(direct("How big was it?", ts=f"{1000 + 80 * 60}.1"), client, bot=bot)  # 40 minutes' silence: anew
    drone = ("Where did the defective drone crash?",)
    assert ask.threads == [(), drone, drone, ()]


def test_a_direct_message_conversation_keeps_its_subject_through_small_talk_unanswered_questions_and_threads():
    class Abstaining(ReadWithThread):
        def __call__(self, question, **kwargs):
            answer = super().__call__(question, **kwargs)
            return replace(answer, quotes=()) if "weather" in question else answer

    ask, client = Abstaining(), FakeClient()
    bot = make_bot(ask)
    on_message(direct("Where did the defective drone crash?", ts="1000.1"), client, bot=bot)
    on_message(direct("ok thanks", ts=f"{1000 + 25 * 60}.1"), client, bot=bot)  # small talk keeps it awake
    on_message(direct("When did it crash?", ts=f"{1000 + 45 * 60}.1"), client, bot=bot)  # 45 minutes on
    on_message(direct("What was the weather like?", ts=f"{1000 + 46 * 60}.1"), client, bot=bot)  # unanswered
    on_message(direct("Who launched it?", ts=f"{1000 + 47 * 60}.1"), client, bot=bot)
    on_message(direct("How big was it?", ts="5000.1", thread_ts=f"{1000 + 45 * 60}.1"), client, bot=bot)
    drone = ("Where did the defective drone crash?",)
    # the weather went unanswered: the questions after it lean on the drone; so does a reply under a follow-up
    assert ask.threads == [(), drone, drone, drone, drone]
    assert client.to("chat_postMessage")[1]["text"] == "You're welcome."


@pytest.mark.parametrize(("said", "reply"), [("thanks!", "You're welcome."), ("Hello bot", "Hello! Ask me")])
def test_thanks_and_greetings_get_a_line_not_quotes_and_are_not_logged(said, reply):
    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask)
    on_message(direct(said, ts="400.1"), client, bot=bot)
    on_mention(mention(said, ts="400.2"), client, bot=bot)
    assert ask.questions == []
    assert [p["text"][:len(reply)] for p in client.to("chat_postMessage")] == [reply, reply]


def test_sharing_a_private_follow_up_shares_it_as_it_was_read():
    from qa_bot.slack.listeners import on_share

    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask)
    on_mention(mention("Where did the defective drone crash?", ts="100.1"), client, bot=bot)
    body = {"channel": {"id": "C1"}, "user": {"id": "U1"},
            "container": {"thread_ts": "100.1", "message_ts": "1700000100.000200", "is_ephemeral": True}}
    on_share(lambda *a, **k: None, body, {"value": "When did it crash?"}, client, bot=bot)
    assert ask.threads[-1] == ("Where did the defective drone crash?",)
    assert ask.moments[-1].isoformat() == "2023-11-14T22:15:00.000200+00:00"  # as of when it was shown, not now
