"""The channels file: validated with the line of each bad value named, defaults, re-read on change."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

import pytest

from qa_bot.errors import ConfigError
from qa_bot.records import Answer, SourceRef
from qa_bot.slack.channels import ChannelPolicy, ChannelSettings, limit_to_sources, read_channels_file

from .fakes import quote

GOOD = """\
# Who gets what
[defaults]
mode = "mentions"
abstain_threshold = 0.5

[channels.C1]
name = "newsroom"
mode = "questions"
sources = ["Reuters", "ap-"]

[channels.C2]
private = true
as_of = "now"
abstain_threshold = 1
"""


def write(tmp_path: Path, text: str, name: str = "channels.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_good_file_gives_each_channel_its_keys_over_the_defaults(tmp_path):
    channels = read_channels_file(write(tmp_path, GOOD))
    one = channels.policy("C1")
    assert (one.mode, one.private, one.sources, one.abstain_threshold, one.as_of) == (
        "questions", False, ["Reuters", "ap-"], 0.5, "message")
    assert one.name == "newsroom"
    two = channels.policy("C2")
    assert (two.mode, two.private, two.sources, two.abstain_threshold, two.as_of) == (
        "mentions", True, None, 1.0, "now")


def test_the_example_file_shipped_in_slack_validates_and_says_what_it_shows():
    example = Path(__file__).resolve().parents[3] / "slack" / "channels.example.toml"
    channels = read_channels_file(example)
    assert channels.policy("C0123ABCD").mode == "questions" and channels.policy("C0123ABCD").as_of == "now"
    assert channels.policy("C0456EFGH").private and channels.policy("C0000NONE") == channels.defaults


def test_an_unknown_channel_takes_the_defaults(tmp_path):
    channels = read_channels_file(write(tmp_path, GOOD))
    assert channels.policy("C999") == channels.defaults
    assert channels.policy("C999").abstain_threshold == 0.5 and channels.policy("C999").mode == "mentions"


def test_no_file_is_todays_behaviour():
    policy = ChannelSettings().for_channel("C1")
    assert policy == ChannelPolicy()
    assert (policy.mode, policy.private, policy.sources, policy.abstain_threshold, policy.as_of) == (
        "mentions", False, None, None, "message")


BAD = {
    "a bad type": (GOOD.replace("private = true", 'private = "yes"'), 12, "[channels.C2] private"),
    "an unknown key": (GOOD.replace('as_of = "now"', 'as_off = "now"'), 13, "[channels.C2] as_off: unknown key"),
    "a bad mode": (GOOD.replace('mode = "questions"', 'mode = "loud"'), 8, "[channels.C1] mode"),
    "a threshold out of range": (GOOD.replace("abstain_threshold = 0.5", "abstain_threshold = 1.5"), 4,
                                 "[defaults] abstain_threshold"),
    "a source that is not a string": (GOOD.replace('"ap-"]', "7]"), 9, "[channels.C1] sources"),
    "no sources at all": (GOOD.replace('sources = ["Reuters", "ap-"]', "sources = []"), 9, "[channels.C1] sources"),
    "a channel name instead of an id": (GOOD + '\n[channels.general]\nmode = "off"\n', 16,
                                        "[channels.general]: not a channel id"),
    "an unknown table": (GOOD + '\n[channel.C3]\nmode = "off"\n', 16, "top level channel: unknown key"),
    "not TOML": (GOOD.replace('mode = "questions"', "mode = questions"), 8, "not valid TOML"),
    "an unknown key in an inline table": (GOOD + '\n[channels]\nC4 = { mood = "off" }\n', 17,
                                          "[channels.C4] mood: unknown key"),
    "a bad value in a nested inline table": ('channels = { C1 = { mode = "loud" } }\n', 1, "[channels.C1] mode"),
    "TOML that ends too soon": (GOOD + '\n[channels.C5]\nsources = ["Reuters"\n', 17, "not valid TOML (Unclosed"),
}


@pytest.mark.parametrize(("text", "line", "named"), BAD.values(), ids=BAD.keys())
def test_a_bad_value_is_refused_naming_the_file_and_its_line(tmp_path, text, line, named):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        read_channels_file(path)
    message = str(caught.value)
    assert message.startswith(f"channels file {path}, line {line}: "), message
    assert named in message and "\n" not in message


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        ChannelSettings(tmp_path / "nowhere.toml")


def touch(path: Path, text: str, bump: int) -> None:
    """Rewrite ``path`` with a modification time ``bump`` seconds later (file systems with coarse times)."""
    stat = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000_000))


def test_a_change_is_picked_up_when_a_message_comes_looking_at_most_once_a_second(tmp_path):
    path, clock = write(tmp_path, GOOD), Clock()
    channels = ChannelSettings(path, clock=clock)
    assert channels.for_channel("C1").mode == "questions"
    touch(path, GOOD.replace('mode = "questions"', 'mode = "off"'), 1)
    clock.now += 0.5
    assert channels.for_channel("C1").mode == "questions"  # looked at less than a second ago
    clock.now += 0.6
    assert channels.for_channel("C1").mode == "off"


def test_a_bad_edit_keeps_the_last_good_settings_and_warns_once_naming_the_line(tmp_path, caplog):
    path, clock = write(tmp_path, GOOD), Clock()
    channels = ChannelSettings(path, clock=clock)
    touch(path, GOOD.replace("private = true", "private = 3"), 1)
    with caplog.at_level(logging.WARNING, logger="qa_bot.slack.channels"):
        for _ in range(3):
            clock.now += 1.5
            assert channels.for_channel("C2").private is True  # the last good settings
    [warning] = [r.getMessage() for r in caplog.records]
    assert f"{path}, line 12: [channels.C2] private" in warning and "keeping the channel settings" in warning
    touch(path, GOOD.replace("private = true", "private = false"), 2)  # fixed: taken at once
    clock.now += 1.5
    assert channels.for_channel("C2").private is False


def test_a_deleted_file_keeps_the_last_good_settings(tmp_path, caplog):
    path, clock = write(tmp_path, GOOD), Clock()
    channels = ChannelSettings(path, clock=clock)
    path.unlink()
    with caplog.at_level(logging.WARNING, logger="qa_bot.slack.channels"):
        clock.now += 2
        assert channels.for_channel("C1").mode == "questions"
        clock.now += 2
        channels.for_channel("C1")
    assert len(caplog.records) == 1 and "cannot be read" in caplog.records[0].getMessage()


def test_limit_to_sources_keeps_only_allowed_outlets_and_doc_id_prefixes():
    ref = SourceRef("bbc-9", "BBC copy", None, None, 0, 4, "text", source="BBC")
    kept_ref = SourceRef("ap-2", "AP copy", None, None, 0, 4, "text", source="AP")
    answer = Answer("q?", quotes=(quote("A.", source="BBC", doc_id="bbc-1", confidence=0.9),
                                  replace(quote("B.", source="reuters", doc_id="r-1", confidence=0.8),
                                          also_in=(ref, kept_ref), reported_by=(ref,)),
                                  quote("C.", source=None, doc_id="ap-7", confidence=0.7)), confidence=0.9)
    limited = limit_to_sources(answer, ["Reuters", "ap-"])
    assert [q.text for q in limited.quotes] == ["B.", "C."]
    assert [r.doc_id for r in limited.quotes[0].also_in] == ["ap-2"]  # the BBC copy is not named
    assert limited.quotes[0].reported_by == ()
    assert limited.confidence == 0.8  # the best quote was dropped: the best kept one's
    assert limit_to_sources(answer, None) is answer
    assert limit_to_sources(answer, ["Le Monde"]).quotes == ()


SAME_OUTLET = [
    ("reuters.com", "Reuters", True),  # a text file's outlet is its link's host
    ("Reuters", "reuters.com", True), ("Reuters", "REUTERS", True),
    ("www.theguardian.com", "The Guardian", True), ("The Guardian", "Guardian", True),
    ("edition.cnn.com", "CNN", True), ("edition.cnn.com", "cnn.com", True), ("www.bbc.co.uk", "BBC", True),
    ("apnews.com", "AP", False), ("reuters.com", "Reuter", False), ("nytimes.com", "The New York Times", False),
    ("independent.ie", "independent.co.uk", False), ("thestar.com.my", "thestar.com", False),
    ("bbc.com", "bbc.co.uk", False), ("bob.substack.com", "alice.substack.com", False),
    ("espn.go.com", "abcnews.go.com", False),
]


@pytest.mark.parametrize(("outlet", "source", "same"), SAME_OUTLET)
def test_an_outlet_is_found_by_its_name_or_its_site_and_never_by_a_neighbours(outlet, source, same):
    from qa_bot.records import from_sources

    assert from_sources(outlet, "x-1", [source]) is same


def test_a_doc_id_prefix_is_a_source_and_the_index_mask_agrees_with_each_article(tmp_path, fake_embedder):
    from qa_bot.index import load_index
    from qa_bot.records import Document, from_sources

    from ..conftest import build

    outlets = [outlet for outlet, _, _ in SAME_OUTLET] + [None, "ap"]
    documents = [Document(f"{'ap-' if n % 3 == 0 else 'd-'}{n}", f"Story number {n} about the harbour.", f"T{n}",
                          None, None, outlet) for n, outlet in enumerate(outlets)]
    build(documents, fake_embedder, tmp_path / "i")
    index = load_index(tmp_path / "i")
    for sources in (["Reuters"], ["ap-"], ["BBC", "cnn.com"], ["AP"], ["nobody"]):
        expected = {d.doc_id for d in documents if from_sources(d.source, d.doc_id, sources)}
        assert (index.source_passages(sources) == index.document_passages(expected)).all(), sources
    assert from_sources(None, "ap-2024-1", ["ap-"]) and not from_sources(None, "x-1", ["Reuters"])


def test_sources_no_article_is_from_are_named_with_their_table():
    from qa_bot.slack.channels import ChannelsFile, unmatched_sources

    file = ChannelsFile.model_validate({"defaults": {"sources": ["Reuters"]},
                                        "channels": {"C1": {"sources": ["Reutres", "BBC"]}, "C2": {}}})
    held = {"Reuters", "BBC"}
    assert unmatched_sources(file, lambda sources: sources[0] in held) == [("channels.C1", "Reutres")]


def test_qa_bot_slack_warns_of_a_source_the_index_has_no_article_from_at_start_and_after_an_edit(
        tmp_path, fake_embedder, caplog):
    from qa_bot.cli import _channel_settings
    from qa_bot.config import Settings
    from qa_bot.pipeline import QAPipeline
    from qa_bot.records import Document

    from ..conftest import build

    build([Document("r-1", "The bridge reopened on Tuesday.", "Bridge", "https://www.reuters.com/a", None,
                    "reuters.com")], fake_embedder, tmp_path / "i")
    path = tmp_path / "channels.toml"
    path.write_text('[channels.C1]\nsources = ["Reuters"]\n[channels.C2]\nsources = ["Reutres"]\n', encoding="utf-8")
    settings = Settings(_env_file=None, index_dir=tmp_path / "i", slack_channels_file=path)
    with caplog.at_level(logging.WARNING):
        channels = _channel_settings(settings, QAPipeline.open(settings, fake_embedder))
    [warned] = [r.getMessage() for r in caplog.records]
    assert f"channels file {path}: [channels.C2] source 'Reutres' is no article's source in the index" in warned
    caplog.clear()
    channels._check_every = 0  # looked at on every message, so the test need not wait a second
    touch(path, '[channels.C1]\nsources = ["Reutres"]\n', 1)  # a typo made while the bot runs
    with caplog.at_level(logging.WARNING):
        assert channels.for_channel("C1").sources == ["Reutres"]
    [warned] = [r.getMessage() for r in caplog.records]
    assert f"channels file {path}: [channels.C1] source 'Reutres' is no article's source in the index" in warned


def test_status_says_when_the_files_last_edit_was_refused(tmp_path):
    from qa_bot.slack.status import status_blocks

    path, clock = write(tmp_path, GOOD), Clock()
    channels = ChannelSettings(path, clock=clock)
    touch(path, GOOD.replace("private = true", "privte = true"), 1)
    clock.now += 1.5
    _, text = status_blocks(None, channels, "C2", 0.5, True, False)
    assert f"as read before its last edit, which was refused: channels file {path}, line 12" in text
    touch(path, GOOD, 2)  # fixed
    clock.now += 1.5
    _, text = status_blocks(None, channels, "C2", 0.5, True, False)
    assert "refused" not in text and f"[channels.C2] of {path}" in text
