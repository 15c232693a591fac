"""Each channel setting as the listeners apply it: mode, private, sources, threshold, as-of; the status views."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from qa_bot.records import Answer
from qa_bot.slack.channels import ChannelSettings
from qa_bot.slack.listeners import APOLOGY, NOT_HERE, on_ask, on_home_opened, on_mention, on_message, on_share
from qa_bot.slack.status import IndexStatus, index_status

from .fakes import BOT_USER, SENTENCE, FakeAck, FakeAsk, FakeClient, make_bot, quote, shown
from .test_commands import command
from .test_events import mention

FILE = """\
[defaults]
mode = "mentions"

[channels.CQ]
name = "questions-here"
mode = "questions"

[channels.COFF]
mode = "off"

[channels.CPRIV]
private = true

[channels.CSRC]
sources = ["Reuters"]

[channels.CNOW]
as_of = "now"
abstain_threshold = 0.2
"""
STATUS = IndexStatus(articles=12, passages=80, newest="2023-10-30", built_at="2024-05-01T10:00:00+00:00")


@pytest.fixture
def channels(tmp_path: Path) -> ChannelSettings:
    path = tmp_path / "channels.toml"
    path.write_text(FILE, encoding="utf-8")
    return ChannelSettings(path)


def message(text: str, channel: str, ts: str = "1700000009.000100", **extra) -> dict:
    return {"type": "message", "channel_type": "channel", "user": "U42", "text": text, "channel": channel, "ts": ts,
            **extra}


def test_questions_mode_answers_a_message_ending_in_a_question_mark(channels):
    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask, channels)
    on_message(message("Who is David Schenker?", "CQ"), client, bot=bot)
    on_message(message("Who is David Schenker? just wondering", "CQ", ts="1700000010.000100"), client, bot=bot)
    [post] = client.to("chat_postMessage")
    assert post["channel"] == "CQ" and post["thread_ts"] == "1700000009.000100" and SENTENCE in shown(post)
    assert ask.questions == ["Who is David Schenker?"]


def test_mentions_mode_ignores_plain_questions_and_answers_mentions(channels):
    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask, channels)
    for channel in ("CDEFAULT", "CPRIV"):  # the defaults, and a channel that sets no mode
        on_message(message("Who is David Schenker?", channel), client, bot=bot)
    assert ask.questions == [] and client.calls == []
    on_mention(mention(channel="CDEFAULT"), client, bot=bot)
    assert [p["channel"] for p in client.to("chat_postMessage")] == ["CDEFAULT"]


def test_off_mode_answers_nothing_and_says_so_to_the_asker_of_a_mention_or_ask(channels):
    ask, client, ack = FakeAsk(), FakeClient(), FakeAck()
    bot = make_bot(ask, channels)
    on_message(message("Who is David Schenker?", "COFF"), client, bot=bot)
    assert client.calls == []  # a message that did not ask the bot gets nothing
    on_mention(mention(channel="COFF"), client, bot=bot)
    on_mention(mention(channel="COFF"), client, bot=bot)  # the same message again: told once
    on_ask(ack, command(channel="COFF"), client, bot=bot)
    assert ask.questions == []
    [told] = client.calls
    assert told[0] == "chat_postEphemeral" and told[1]["channel"] == "COFF" and told[1]["text"] == NOT_HERE
    assert told[1]["user"] == "U42"
    assert ack.calls == [{"text": NOT_HERE, "response_type": "ephemeral"}]


def test_private_mode_answers_a_mention_to_the_asker_only_in_its_thread_with_a_share_button(channels):
    client = FakeClient()
    bot = make_bot(FakeAsk(), channels)
    on_mention(mention(channel="CPRIV", ts="1700000020.000100"), client, bot=bot)
    assert client.to("chat_postMessage") == []
    [private] = client.to("chat_postEphemeral")
    assert private["channel"] == "CPRIV" and private["user"] == "U42" and private["thread_ts"] == "1700000020.000100"
    assert any(b["type"] == "actions" and b["elements"][0]["action_id"] == "share_answer" for b in private["blocks"])
    body = {"type": "block_actions", "user": {"id": "U42"}, "channel": {"id": "CPRIV"},
            "container": {"type": "message", "channel_id": "CPRIV", "thread_ts": "1700000020.000100"}}
    on_share(FakeAck(), body, {"action_id": "share_answer", "value": "Who is David Schenker?"}, client, bot=bot)
    [shared] = client.to("chat_postMessage")  # shared by the asker: in the question's thread
    assert shared["channel"] == "CPRIV" and shared["thread_ts"] == "1700000020.000100"


def test_a_direct_message_is_never_ephemeral_and_always_answered(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[defaults]\nmode = "off"\nprivate = true\n', encoding="utf-8")
    client = FakeClient()
    on_message({**message("Who?", "D1"), "channel_type": "im"}, client, bot=make_bot(FakeAsk(), ChannelSettings(path)))
    assert [p["channel"] for p in client.to("chat_postMessage")] == ["D1"] and client.to("chat_postEphemeral") == []


def test_a_sources_limited_channel_searches_its_sources_and_says_when_only_others_answer(channels):
    both = (quote("From the BBC.", source="BBC", doc_id="bbc-1"), quote("From Reuters.", source="Reuters"))
    client, ask = FakeClient(), FakeAsk(quotes=both)
    on_mention(mention(channel="CSRC"), client, bot=make_bot(ask, channels))
    [post] = client.to("chat_postMessage")
    assert "From Reuters." in shown(post) and "BBC" not in shown(post)
    assert ask.sources == [["Reuters"]]  # searched in its sources' articles, not filtered after the answer
    client, ask = FakeClient(), FakeAsk(quotes=both[:1])
    on_mention(mention(channel="CSRC"), client, bot=make_bot(ask, channels))
    [post] = client.to("chat_postMessage")
    assert "From the BBC." not in shown(post)
    assert "The sources this channel allows (Reuters) do not answer" in post["text"]
    assert ask.sources == [["Reuters"], None]  # its sources abstained: asked of all, to say whether others answer
    client = FakeClient()
    on_mention(mention(channel="CDEFAULT"), client, bot=make_bot(FakeAsk(quotes=both), channels))
    assert "From the BBC." in shown(client.to("chat_postMessage")[0])  # other channels: every source


def test_a_sources_limited_channel_keeps_its_own_abstention_when_asking_all_sources_fails(channels):
    class FailingForAll(FakeAsk):
        def __call__(self, question: str, **kwargs) -> Answer:
            answer = super().__call__(question, **kwargs)
            if not kwargs.get("sources"):
                raise RuntimeError("the search engine went away")
            return answer

    client, ask = FakeClient(), FailingForAll(quotes=(quote("From the BBC.", source="BBC", doc_id="bbc-1"),))
    on_mention(mention(channel="CSRC"), client, bot=make_bot(ask, channels))
    [post] = client.to("chat_postMessage")
    assert ask.sources == [["Reuters"], None]
    assert "From the BBC." not in shown(post) and APOLOGY not in post["text"]  # its sources' answer: none


def test_a_follow_up_its_sources_do_not_answer_keeps_its_threads_subject_however_all_sources_read_it(channels):
    class ReadByItsSources(FakeAsk):  # the channel's search reads it with the thread; the search of all does not
        def __call__(self, question: str, **kwargs) -> Answer:
            answer = super().__call__(question, **kwargs)
            return replace(answer, read_as=f"{question} (drone crash)") if kwargs.get("sources") else answer

    ask = ReadByItsSources(quotes=(quote("From the BBC.", source="BBC", doc_id="bbc-1"),))
    bot, client = make_bot(ask, channels), FakeClient()
    bot.threads.add("CSRC", "100.1", "Where did the drone crash?")
    on_mention(mention("How many people were on board?", channel="CSRC", ts="100.2", thread_ts="100.1"), client,
               bot=bot)
    assert ask.sources == [["Reuters"], None]
    [post] = client.to("chat_postMessage")
    assert "do not answer" in post["text"]
    assert bot.threads.earlier("CSRC", "100.1") == ["Where did the drone crash?"]  # still the thread's subject


def test_as_of_now_and_a_channels_own_threshold_reach_the_answering_function(channels):
    ask = FakeAsk()
    bot = make_bot(ask, channels)
    on_mention(mention(channel="CNOW", ts="1700000030.000100"), FakeClient(), bot=bot)
    on_mention(mention(channel="CDEFAULT", ts="1700000031.000100"), FakeClient(), bot=bot)
    assert ask.moments[0] is None and ask.moments[1] is not None  # now, then the message's time
    assert ask.options[0].abstain_threshold == 0.2 and ask.options[0].max_quotes == bot.settings.max_quotes
    assert ask.options[1] is None  # no threshold of its own: the pipeline's options, untouched


def test_the_allowlist_still_gates_the_channels_of_the_file(channels):
    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask, channels, slack_channels="CPRIV")
    on_message(message("Who is David Schenker?", "CQ"), client, bot=bot)
    assert ask.questions == []


def test_ask_status_answers_privately_with_the_index_how_to_ask_and_this_channels_settings(channels):
    ack, ask = FakeAck(), FakeAsk()
    bot = make_bot(ask, channels, status=lambda: STATUS)
    on_ask(ack, command(text=" Status ", channel="CQ"), FakeClient(), bot=bot)
    [acked] = ack.calls
    text = acked["text"]
    assert acked["response_type"] == "ephemeral" and acked["blocks"] and ask.questions == []
    assert "12 articles, 80 passages" in text and "2023-10-30" in text and "2024-05-01T10:00:00+00:00" in text
    assert "/ask QUESTION" in text and "direct message" in text and "mention" in text
    assert "<#CQ>" in text and "questions-here" in text and 'every message ending in "?"' in text
    assert f"[channels.CQ] of {channels.path}" in text
    ack = FakeAck()
    on_ask(ack, command(text="status", channel="CSRC"), FakeClient(), bot=make_bot(ask, channels, slack_channels="CQ"))
    assert "not in QA_BOT_SLACK_CHANNELS" in ack.calls[0]["text"]


def test_ask_status_of_a_one_article_index_says_one_article():
    ack = FakeAck()
    one = IndexStatus(articles=1, passages=1, newest=None, built_at="2024-05-01T10:00:00+00:00")
    on_ask(ack, command(text="status"), FakeClient(), bot=make_bot(FakeAsk(), status=lambda: one))
    assert "*The index:* 1 article, 1 passage; no article is dated;" in ack.calls[0]["text"]


def test_ask_status_without_a_file_names_the_built_in_defaults():
    for text in ("status", "Status.", "status?"):  # as people type it
        ack, ask = FakeAck(), FakeAsk()
        on_ask(ack, command(text=text), FakeClient(), bot=make_bot(ask))
        assert "built-in defaults" in ack.calls[0]["text"] and "abstains below confidence 0.50" in ack.calls[0]["text"]
        assert ask.questions == []


def test_the_app_home_shows_the_status_and_every_configured_channel(channels):
    client = FakeClient()
    bot = make_bot(FakeAsk(), channels, status=lambda: STATUS)
    on_home_opened({"type": "app_home_opened", "user": "U42", "tab": "messages"}, client, bot=bot)
    assert client.calls == []  # the Messages tab: nothing to publish
    on_home_opened({"type": "app_home_opened", "user": "U42", "tab": "home"}, client, bot=bot)
    [published] = client.to("views_publish")
    assert published["user_id"] == "U42" and published["view"]["type"] == "home"
    text = str(published["view"]["blocks"])
    assert "12 articles" in text and "<#CQ>" in text and "<#COFF>" in text and "only from Reuters" in text


def test_index_status_reads_the_counts_and_the_newest_dated_article():
    from types import SimpleNamespace

    from qa_bot.records import Document

    docs = [Document("a", "t", "A", date="2023-10-30"), Document("b", "t", "B", date="2023-11-02T08:00:00+00:00"),
            Document("c", "t", "C")]
    info = SimpleNamespace(documents=3, passages=9, built_at="2024-05-01T10:00:00+00:00")
    index = SimpleNamespace(documents=docs, describe=lambda: info)
    assert index_status(index) == IndexStatus(3, 9, "2023-11-02T08:00:00+00:00", "2024-05-01T10:00:00+00:00")


def test_a_rebuild_too_large_to_load_within_slacks_time_is_named_as_loading(channels):
    import threading
    from types import SimpleNamespace

    from qa_bot.slack.status import live_status

    release, loaded = threading.Event(), threading.Event()
    old = SimpleNamespace(documents=[], describe=lambda: SimpleNamespace(documents=12, passages=80, built_at="old"),
                          is_stale=lambda: True)

    def refresh() -> bool:  # a large index: loads until released
        assert release.wait(30)
        pipeline.index = SimpleNamespace(documents=[], is_stale=lambda: False,
                                         describe=lambda: SimpleNamespace(documents=13, passages=90, built_at="new"))
        loaded.set()
        return True

    pipeline = SimpleNamespace(index=old, refresh=refresh)
    status = live_status(pipeline, wait=0.05)
    ack = FakeAck()
    on_ask(ack, command(text="status", channel="CQ"), FakeClient(), bot=make_bot(FakeAsk(), channels, status=status))
    assert "12 articles" in ack.calls[0]["text"] and "is loading" in ack.calls[0]["text"]  # acked, not kept waiting
    release.set()
    assert loaded.wait(30)
    assert status() == IndexStatus(13, 90, None, "new")  # once loaded, the new one, and no longer "loading"


def test_ask_status_in_a_direct_message_says_every_message_is_answered_even_when_channels_are_off(tmp_path):
    path = tmp_path / "channels.toml"
    path.write_text('[defaults]\nmode = "off"\n\n[channels.CNEWS]\nmode = "mentions"\n', encoding="utf-8")
    ack = FakeAck()
    on_ask(ack, command(text="status", channel="D0DM"), FakeClient(), bot=make_bot(FakeAsk(), ChannelSettings(path)))
    text = ack.calls[0]["text"]
    assert "answers every message · in the thread" in text and "off:" not in text and "this conversation" in text


def test_the_app_home_lists_many_channels_whole_in_several_sections(tmp_path):
    path = tmp_path / "channels.toml"
    path.write_text("".join(f'[channels.C{n:04d}]\nname = "desk-{n} & <team>"\nsources = ["Reuters", "AP"]\n\n'
                            for n in range(40)), encoding="utf-8")
    client = FakeClient()
    on_home_opened({"type": "app_home_opened", "user": "U42", "tab": "home"}, client,
                   bot=make_bot(FakeAsk(), ChannelSettings(path), status=lambda: STATUS))
    blocks = client.to("views_publish")[0]["view"]["blocks"]
    texts = [b["text"]["text"] for b in blocks]
    lines = [line for text in texts for line in text.splitlines() if line.startswith("• ")]
    assert len(lines) == 31 and lines[-1] == "• and 10 more channels"  # 30 shown whole, then the count
    assert all(line.endswith("as of each message's time") for line in lines[:-1])
    assert all(len(text) <= 3000 for text in texts) and len(blocks) <= 100


def test_the_app_home_says_what_the_defaults_do_in_the_allowlisted_channels_without_a_table(channels):
    client = FakeClient()
    on_home_opened({"type": "app_home_opened", "user": "U42", "tab": "home"}, client,
                   bot=make_bot(FakeAsk(), channels, status=lambda: STATUS, slack_channels="CQ,CPLAIN"))
    text = str(client.to("views_publish")[0]["view"]["blocks"])
    assert "*Every other channel:* answers mentions of the bot" in text
    assert "Only the channels in QA_BOT_SLACK_CHANNELS are answered." in text


def test_small_talk_in_a_questions_channel_not_said_to_the_bot_gets_nothing(channels):
    ask, client = FakeAsk(), FakeClient()
    bot = make_bot(ask, channels)
    on_message(message("thanks?", "CQ"), client, bot=bot)  # said to colleagues
    assert client.calls == [] and ask.questions == []
    said = message(f"<@{BOT_USER}> thanks?", "CQ", ts="1700000010.000100")  # said to the bot: a message first,
    on_message(said, client, bot=bot)  # then the same message as a mention, as Slack may send them
    on_mention({**said, "type": "app_mention"}, client, bot=bot)
    assert [p["text"] for p in client.to("chat_postMessage")] == ["You're welcome."]
