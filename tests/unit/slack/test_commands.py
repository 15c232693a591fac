"""/ask answers privately with a share button; the button posts the answer in the channel."""

from __future__ import annotations

from qa_bot.slack.format import SHARE_ACTION
from qa_bot.slack.listeners import APOLOGY, ASK_HINT, on_ask, on_share

from .fakes import SENTENCE, FakeAck, FakeAsk, FakeClient, make_bot, shown


def command(text: str = "Who is David Schenker?", channel: str = "C7") -> dict:
    return {"command": "/ask", "text": text, "channel_id": channel, "user_id": "U42", "team_id": "T1"}


def share_body(channel: str | None = "C7", question: str = "Who is David Schenker?") -> tuple[dict, dict]:
    action = {"action_id": SHARE_ACTION, "type": "button", "value": question}
    body = {"type": "block_actions", "user": {"id": "U42"}, "actions": [action],
            **({"channel": {"id": channel}} if channel else {})}
    return body, action


def test_ask_without_a_question_acks_with_the_hint():
    ack, ask, client = FakeAck(), FakeAsk(), FakeClient()
    on_ask(ack, command(text="   "), client, bot=make_bot(ask))
    assert ack.calls == [{"text": ASK_HINT}]
    assert ask.questions == [] and client.calls == []


def test_ask_acks_at_once_then_answers_privately_with_a_share_button():
    ack, ask, client = FakeAck(), FakeAsk(), FakeClient()
    # Slack escapes what a person types: "<b>" arrives as "&lt;b&gt;".
    on_ask(ack, command(text="Who is &lt;b&gt;David&lt;/b&gt; Schenker?"), client, bot=make_bot(ask))
    [acked] = ack.calls
    assert acked["response_type"] == "ephemeral" and "Looking for" in acked["text"]
    assert "“Who is &lt;b&gt;David&lt;/b&gt; Schenker?”" in acked["text"]  # shown back as text, escaped once
    [private] = client.to("chat_postEphemeral")
    assert private["channel"] == "C7" and private["user"] == "U42" and SENTENCE in shown(private)
    assert "thread_ts" not in private and client.to("chat_postMessage") == []
    [button] = next(b for b in private["blocks"] if b["type"] == "actions")["elements"]
    assert button["action_id"] == SHARE_ACTION and button["value"] == "Who is <b>David</b> Schenker?"
    assert ask.questions == ["Who is <b>David</b> Schenker?"]


def test_ask_in_a_channel_outside_the_allowlist_is_acked_but_not_answered():
    ack, ask, client = FakeAck(), FakeAsk(), FakeClient()
    bot = make_bot(ask, slack_channels="CALLOWED")
    on_ask(ack, command(channel="CBLOCKED"), client, bot=bot)
    assert len(ack.calls) == 1 and ask.questions == [] and client.calls == []
    on_ask(ack, command(channel="D9"), client, bot=bot)  # a direct message is always answered
    assert [p["channel"] for p in client.to("chat_postEphemeral")] == ["D9"]


def test_a_failing_answer_to_ask_is_an_apology():
    def broken(question: str, *, as_of=None):
        raise RuntimeError("index exploded")

    client = FakeClient()
    on_ask(FakeAck(), command(), client, bot=make_bot(broken))
    [private] = client.to("chat_postEphemeral")
    assert private["text"] == APOLOGY and private["blocks"] is None


def test_share_posts_the_answer_in_the_channel_without_a_button():
    ack, ask, client = FakeAck(), FakeAsk(), FakeClient()
    body, action = share_body()
    on_share(ack, body, action, client, bot=make_bot(ask))
    assert ack.calls == [{}]
    [post] = client.to("chat_postMessage")
    assert post["channel"] == "C7" and "thread_ts" not in post and SENTENCE in shown(post)
    assert all(b["type"] != "actions" for b in post["blocks"])
    assert ask.questions == ["Who is David Schenker?"]


def test_share_finds_the_channel_in_the_container_and_ignores_a_button_without_one():
    client = FakeClient()
    bot = make_bot()
    body, action = share_body(channel=None)
    on_share(FakeAck(), body, action, client, bot=bot)
    assert client.calls == []
    on_share(FakeAck(), {**body, "container": {"type": "message", "channel_id": "C8"}}, action, client, bot=bot)
    assert [p["channel"] for p in client.to("chat_postMessage")] == ["C8"]
