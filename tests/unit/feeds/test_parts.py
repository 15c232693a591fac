"""The small parts of the feeds package: the feed list, feed formats, article files, durations, the
"updated" line of a quote."""

from __future__ import annotations

import json
import re

import click
import pytest

from qa_bot.cli_feeds import parse_every
from qa_bot.errors import FeedError
from qa_bot.feeds.entries import parse_feed
from qa_bot.feeds.feedlist import add_feed, feeds_path, load_feeds, remove_feed
from qa_bot.feeds.saved import ArticleVersion, article_file, store_article
from qa_bot.records import Quote
from qa_bot.render import date_line
from qa_bot.slack.format import answer_blocks

RSS_091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title><link>http://a.example/</link>
<description>d</description><item><title>One</title><link>http://a.example/1</link></item></channel></rss>"""
RSS_10 = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://a.example/"><title>RDF</title><link>http://a.example/</link><description>d</description>
</channel><item rdf:about="http://a.example/2"><title>Two</title><link>http://a.example/2</link>
<dc:date>2026-12-01T08:30:00Z</dc:date></item></rdf:RDF>"""
RELATIVE = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>R</title><link>/</link>
<description>d</description><item><title>Rel</title><link>/news/3.html</link></item><item><title>Mail</title><link>mailto:x@a.example</link></item>
<item><title>Again</title><link>/news/3.html</link></item></channel></rss>"""


def test_rss_091_and_rss_10_feeds_are_read_with_their_dates():
    title, [one] = parse_feed(RSS_091, "http://a.example/rss")
    assert (title, one.link, one.published) == ("Old", "http://a.example/1", None)
    title, [two] = parse_feed(RSS_10, "http://a.example/rdf")
    assert (title, two.link, two.published) == ("RDF", "http://a.example/2", "2026-12-01T08:30:00+00:00")


def test_relative_links_are_resolved_other_schemes_and_repeats_dropped():
    _, entries = parse_feed(RELATIVE, "http://a.example/feeds/rss.xml")
    assert [e.link for e in entries] == ["http://a.example/news/3.html"]


def test_a_page_that_is_no_feed_is_refused_in_one_line():
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body><p>Hello</p></body></html>", "http://a.example/")


def test_the_entry_fingerprint_changes_when_the_feed_edits_the_item():
    edited = RSS_091.replace(b"<title>One</title>", b"<title>One (corrected)</title>")
    assert parse_feed(RSS_091, "u")[1][0].fingerprint != parse_feed(edited, "u")[1][0].fingerprint


def test_the_feed_list_round_trips_and_names_a_bad_line(tmp_path):
    add_feed(tmp_path, "https://a.example/rss.xml", 'Quotes "and" \\ backslashes')
    add_feed(tmp_path, "https://b.example/atom.xml")
    assert [(f.url, f.name) for f in load_feeds(tmp_path)] == [
        ("https://a.example/rss.xml", 'Quotes "and" \\ backslashes'), ("https://b.example/atom.xml", None)]
    assert remove_feed(tmp_path, "1").url == "https://a.example/rss.xml"
    assert [f.url for f in load_feeds(tmp_path)] == ["https://b.example/atom.xml"]
    with pytest.raises(FeedError, match="not following"):
        remove_feed(tmp_path, "https://a.example/rss.xml")
    feeds_path(tmp_path).write_text('[[feed]]\nurl = "https://c.example/"\nname = oops\n')
    with pytest.raises(FeedError, match=r"line 3"):
        load_feeds(tmp_path)
    feeds_path(tmp_path).write_text('[[feed]]\nurl = "javascript:alert(1)"\n')
    with pytest.raises(FeedError, match="feed 1: not an http"):
        load_feeds(tmp_path)


@pytest.mark.parametrize(("text", "said"), [
    ('feeds = ["https://a.example/rss.xml"]\n', "unknown key 'feeds' (the file holds [[feed]] tables"),
    ('[[feed]]\nurl = "https://a.example/rss.xml"\ntags = ["local"]\n', "feed 1: unknown key 'tags'"),
    ('[[feed]]\nurl = "https://a.example/rss.xml"\n[[feed]]\nurl = "https://a.example/rss.xml"\n',
     "feed 2: https://a.example/rss.xml is listed twice"),
])
def test_what_the_feed_list_does_not_understand_is_refused_before_a_rewrite_could_drop_it(tmp_path, text, said):
    feeds_path(tmp_path).write_text(text)
    with pytest.raises(FeedError, match=re.escape(said)):
        load_feeds(tmp_path)
    with pytest.raises(FeedError, match=re.escape(said)):
        add_feed(tmp_path, "https://b.example/atom.xml")
    assert feeds_path(tmp_path).read_text() == text  # left as the person wrote it


def version(text: str, when: str, **extra: str | None) -> ArticleVersion:
    return ArticleVersion(url="https://a.example/news/bridge.html?id=7", text=text, title="Bridge",
                          date="2026-11-01", author=None, source="A", fetched_at=when,
                          fetched_from="https://a.example/rss-item", **extra)  # type: ignore[arg-type]


def test_an_article_file_keeps_each_replaced_versions_hash(tmp_path):
    assert store_article(tmp_path, version("First text.", "2026-12-01T10:00:00+00:00"))[0] == "new"
    assert store_article(tmp_path, version("First text.", "2026-12-02T10:00:00+00:00"))[0] == "unchanged"
    change, file, _ = store_article(tmp_path, version("Second text.", "2026-12-03T10:00:00+00:00"))
    assert change == "updated" and file == article_file(tmp_path, "https://a.example/news/bridge.html?id=7")
    record = json.loads(file.read_text())
    assert record["text"] == "Second text." and record["updated"] == "2026-12-03T10:00:00+00:00"
    assert [v["fetched_at"] for v in record["versions"]] == ["2026-12-01T10:00:00+00:00"]
    assert file.parent.name == "a.example" and file.name.startswith("bridge-")
    assert not [p for p in tmp_path.rglob("*.tmp")]


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("1h", 3600), ("1h30m", 5400), ("2d", 172800),
                                               ("90s", 90), ("1.5h", 5400)])
def test_durations_of_every(text, seconds):
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "15", "soon", "10s", "15m and then", "99999999999d"])
def test_bad_or_too_short_durations_are_refused(text):
    with pytest.raises(click.BadParameter):
        parse_every(text)


def test_a_bad_every_names_the_option():
    from click.testing import CliRunner

    from qa_bot.cli import main

    result = CliRunner().invoke(main, ["update", "--every", "30s"])
    assert result.exit_code == 2
    assert "Invalid value for '--every': updates come at least a minute apart" in result.output


def test_the_update_summary_counts_in_words_and_a_feeds_text_reaches_the_terminal_without_escapes(capsys):
    from qa_bot.cli_feeds import _report
    from qa_bot.feeds.job import summary_line
    from qa_bot.feeds.update import UpdateSummary

    summary = UpdateSummary(feeds=1, new=1, problems=[("http://x.example/\x1b]0;pwned\x07RED", "bad \x1b[31mred")])
    assert summary_line(summary).startswith("1 feed (0 not modified, 0 failed); items: 1 new")
    _report(summary, None)
    said = capsys.readouterr().err
    assert "\x1b" not in said and "\x07" not in said and "http://x.example/]0;pwnedRED: bad [31mred" in said


def test_a_quote_from_an_updated_article_says_when_in_the_terminal_and_in_slack():
    quote = Quote(text="The bridge cost <!channel> 45 million.", doc_id="d", title="Bridge", url=None,
                  date="2026-11-01", score=0.9, start=0, end=10, updated="2026-12-03T10:00:00+00:00")
    assert date_line(quote, None) == "2026-11-01, updated 2026-12-03"
    assert date_line(Quote(text="x", doc_id="d", title="t", url=None, date=None, score=1, start=0, end=1,
                           updated="2026-12-03"), None) == "undated, updated 2026-12-03"
    timed = Quote(text="x", doc_id="d", title="t", url=None, date="2026-12-03T10:30:00+01:00", score=1, start=0,
                  end=1)
    assert date_line(timed, "2026-12-03T12:00:00+00:00") == "2026-12-03 10:30 +01:00, the same day"
    late = Quote(text="x", doc_id="d", title="t", url=None, date="2026-12-02T23:30:00-05:00", score=1, start=0, end=1)
    assert date_line(late, "2026-12-03T12:00:00+00:00").startswith("2026-12-02 23:30 -05:00, ")  # the article's day
    from qa_bot.records import Answer

    blocks = json.dumps(answer_blocks(Answer(question="q?", quotes=(quote,), confidence=0.9), "q?"))
    assert "updated 2026-12-03" in blocks and "<!channel>" not in blocks
