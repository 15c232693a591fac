"""``qa-bot update`` and ``add`` end to end against a real web site on loopback (fake embedder, NumPy store).

Covers what the feeds issue names: RSS and Atom, a feed that changes between runs, a 304, a 500, a slow
host, a huge page, a redirect loop, a non-HTML item, a page without a date, an updated article, the same
article from two feeds, and a second run that embeds nothing.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from qa_bot.config import Settings
from qa_bot.errors import FeedError, UpdateLockedError
from qa_bot.feeds.feedlist import add_feed
from qa_bot.feeds.job import run_update, summary_line
from qa_bot.feeds.state import state_path
from qa_bot.feeds.update import update_lock
from qa_bot.index import load_index
from qa_bot.ingest.read import read_articles
from tests.news_site import Item, article_page, atom, rss
from tests.site import Site

NOW = datetime.now(UTC).replace(microsecond=0)
OLD = NOW - timedelta(days=30)  # outside the recheck window: fetched again only when its entry changes
BRIDGE = ["The city opened the new harbour bridge on Monday after four years of building work and delays.",
          "Officials said the bridge cost 40 million euros, which is twice the first estimate from 2021.",
          "About twelve thousand cars are expected to cross it every day once the old ferry stops running."]
STORM = ["A storm with winds of up to 140 kilometres an hour hit the northern coast on Friday night.",
         "Thousands of homes lost power and two ferries were cancelled, the regional authority said.",
         "Crews worked through the night to clear fallen trees from the main coastal road."]
CORRECTED = [BRIDGE[0], "Officials said the bridge cost 45 million euros, correcting an earlier figure.", BRIDGE[2]]
"""The bridge article corrected: a genuine update (another story at its link would be kept out, not saved)."""
MARKET = ["The weekly farmers' market moved to the old railway station square this weekend.",
          "Traders said the new place has more room and better shelter from the rain than the car park.",
          "The council will review the move after three months and ask the traders what they think."]


@pytest.fixture
def site():
    with Site() as running:
        yield running


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(articles_dir=tmp_path / "articles", index_dir=tmp_path / "index", vector_store="numpy",
                    feeds_host_interval=0.0, feeds_timeout=0.5, feeds_allow_private=True, feeds_max_page_mb=0.5,
                    _env_file=None)


def update(settings: Settings, fake_embedder, links: list[str] | None = None):
    return run_update(settings, links, embedder=fake_embedder)


def saved(settings: Settings) -> list[dict]:
    """The article files the updates wrote, as JSON."""
    files = sorted((Path(settings.articles_dir) / "web").rglob("*.json"))
    return [json.loads(f.read_text()) for f in files]


def serve_articles(site: Site) -> None:
    site.route("/news/bridge.html", body=article_page("Harbour bridge opens", BRIDGE, published=OLD.isoformat(),
                                                      canonical=site.url("/news/bridge.html")), etag='"b1"')
    site.route("/news/storm.html", body=article_page("Storm hits the coast", STORM, published=OLD.isoformat(),
                                                     canonical=site.url("/news/storm.html")))


def follow_the_bridge(site: Site, settings: Settings) -> None:
    """Serve the articles and a feed of the bridge article alone, and follow that feed."""
    serve_articles(site)
    site.route("/rss.xml", body=rss([Item(site.url("/news/bridge.html"), "Harbour bridge opens", OLD)]),
               content_type="application/rss+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))


def test_rss_and_atom_feeds_are_fetched_saved_and_indexed(site, settings, fake_embedder):
    serve_articles(site)
    site.route("/rss.xml", body=rss([Item(site.url("/news/bridge.html"), "Harbour bridge opens", OLD)]),
               content_type="application/rss+xml")
    site.route("/atom.xml", body=atom([Item(site.url("/news/storm.html"), "Storm hits the coast", OLD)]),
               content_type="application/atom+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"), "Example News")
    add_feed(settings.articles_dir, site.url("/atom.xml"))

    summary = update(settings, fake_embedder)

    assert (summary.feeds, summary.new, summary.failed, summary.feeds_failed) == (2, 2, 0, 0)
    records = {r["title"]: r for r in saved(settings)}
    assert set(records) == {"Harbour bridge opens", "Storm hits the coast"}
    bridge = records["Harbour bridge opens"]
    assert bridge["text"].split("\n\n") == BRIDGE  # the main text alone: no menu, byline, related links, comments
    assert bridge["url"] == site.url("/news/bridge.html") and bridge["author"] == "Jane Doe"
    assert bridge["date"].startswith(OLD.date().isoformat()) and bridge["source"] == "Example News"
    assert summary.build is not None and summary.build.documents == 2 and summary.embedded > 0
    index = load_index(settings.index_dir)
    assert {index.document(i).title for i in range(2)} == set(records)
    assert "2 new, 0 unchanged, 0 updated, 0 failed" in summary_line(summary)


def test_a_second_run_with_nothing_new_asks_conditionally_and_embeds_nothing(site, settings, fake_embedder):
    serve_articles(site)
    site.route("/rss.xml", body=rss([Item(site.url("/news/bridge.html"), "Harbour bridge opens", OLD)]),
               content_type="application/rss+xml", etag='"feed-1"')
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    update(settings, fake_embedder)

    again = update(settings, fake_embedder)

    assert again.feeds_not_modified == 1 and (again.new, again.updated, again.failed) == (0, 0, 0)
    assert again.embedded == 0 and again.build is None
    assert site.requests[-1].headers.get("if-none-match") == '"feed-1"'
    assert site.hits("/news/bridge.html") == 1  # an old article whose entry did not change is not fetched again
    assert "index up to date: 0 texts embedded" in summary_line(again)


def test_a_changed_build_setting_rebuilds_though_no_article_changed(site, settings, fake_embedder):
    """The index follows the settings: an update after QA_BOT_SENTENCES_PER_PASSAGE changed said 'up to date'."""
    follow_the_bridge(site, settings)
    update(settings, fake_embedder)
    passages = load_index(settings.index_dir).passage_count

    smaller = settings.model_copy(update={"sentences_per_passage": 1, "passage_overlap": 0})
    again = update(smaller, fake_embedder)
    assert again.new == 0 and again.build is not None
    assert load_index(settings.index_dir).passage_count > passages
    assert update(smaller, fake_embedder).build is None  # and then up to date again


def test_an_index_rebuilt_from_other_articles_since_is_built_again(site, settings, fake_embedder, tmp_path):
    """`qa-bot index build` of other articles into the same folder (or a restored backup) is not the index this
    folder's update made: the next update said 'index up to date' and the feed articles stayed out of it."""
    from qa_bot.index import build_index
    from qa_bot.records import Document

    follow_the_bridge(site, settings)
    update(settings, fake_embedder)
    build_index([Document("other", "Another story altogether.", "Other", None, None)], fake_embedder,
                settings.index_dir, settings.build_options())
    again = update(settings, fake_embedder)
    assert again.build is not None and load_index(settings.index_dir).document(0).title == "Harbour bridge opens"
    assert update(settings, fake_embedder).build is None  # and then up to date again


def test_a_build_that_goes_live_just_after_the_updates_own_is_not_taken_for_it(site, settings, fake_embedder,
                                                                               monkeypatch):
    import qa_bot.build
    from qa_bot.index import build_index
    from qa_bot.records import Document

    follow_the_bridge(site, settings)
    real = qa_bot.build.build_from_paths

    def then_another(*args, **kwargs):  # `qa-bot index build` of other articles goes live right after
        summary = real(*args, **kwargs)
        build_index([Document("other", "Another story altogether.", "Other", None, None)], fake_embedder,
                    settings.index_dir, settings.build_options())
        return summary

    monkeypatch.setattr(qa_bot.build, "build_from_paths", then_another)
    update(settings, fake_embedder)
    monkeypatch.setattr(qa_bot.build, "build_from_paths", real)
    again = update(settings, fake_embedder)
    assert again.build is not None and load_index(settings.index_dir).document(0).title == "Harbour bridge opens"


def test_a_feed_that_changes_between_runs_brings_only_its_new_item(site, settings, fake_embedder):
    serve_articles(site)
    site.route("/market.html", body=article_page("Market moves", MARKET, published=OLD.isoformat()))
    first = [Item(site.url("/news/bridge.html"), "Harbour bridge opens", OLD)]
    site.route("/rss.xml", body=rss(first), content_type="application/rss+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    update(settings, fake_embedder)

    site.route("/rss.xml", body=rss([Item(site.url("/market.html"), "Market moves", OLD), *first]),
               content_type="application/rss+xml")
    second = update(settings, fake_embedder)

    assert (second.new, second.unchanged, second.updated, second.failed) == (1, 1, 0, 0)
    assert second.build is not None and second.build.documents == 2
    assert second.build.reused > 0  # the bridge's passages were not embedded again


def test_one_bad_feed_never_stops_the_others(site, settings, fake_embedder):
    serve_articles(site)
    site.route("/boom.xml", status=500)
    site.route("/slow.xml", body=rss([]), delay=5.0, content_type="application/rss+xml")
    site.route("/not-a-feed.xml", body="<html><body>Hello</body></html>")
    site.route("/rss.xml", body=rss([Item(site.url("/news/storm.html"), "Storm", OLD)]),
               content_type="application/rss+xml")
    for path in ("/boom.xml", "/slow.xml", "/not-a-feed.xml", "/rss.xml"):
        add_feed(settings.articles_dir, site.url(path))

    summary = update(settings, fake_embedder)

    assert (summary.feeds, summary.feeds_failed, summary.new) == (4, 3, 1)
    reasons = dict(summary.problems)
    assert "HTTP 500" in reasons[site.url("/boom.xml")]
    assert "timed out" in reasons[site.url("/slow.xml")]
    assert "not an RSS or Atom feed: the URL gives a web page (text/html)" in reasons[site.url("/not-a-feed.xml")]


def test_failed_pages_are_counted_and_retried_next_run(site, settings, fake_embedder):
    items = [Item(site.url(p), p, OLD) for p in ("/broken.html", "/slow.html", "/huge.html", "/loop-a")]
    site.route("/broken.html", status=500)
    site.route("/slow.html", body=article_page("Slow", STORM), delay=5.0)
    site.route("/huge.html", size=2 * 1024 * 1024)
    site.route("/loop-a", redirect="/loop-b")
    site.route("/loop-b", redirect="/loop-a")
    site.route("/news/bridge.html", body=article_page("Harbour bridge opens", BRIDGE, published=OLD.isoformat()))
    site.route("/rss.xml", body=rss([*items, Item(site.url("/news/bridge.html"), "Bridge", OLD)]),
               content_type="application/rss+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))

    first = update(settings, fake_embedder)

    assert (first.new, first.failed) == (1, 4)
    reasons = dict(first.problems)
    assert "HTTP 500" in reasons[site.url("/broken.html")]
    assert "timed out" in reasons[site.url("/slow.html")]
    assert "larger than" in reasons[site.url("/huge.html")]
    assert "redirect" in reasons[site.url("/loop-a")]
    site.route("/broken.html", body=article_page("Storm hits the coast", STORM, published=OLD.isoformat()))

    second = update(settings, fake_embedder)

    assert second.new == 1 and second.failed == 3  # the repaired page is saved; the others are tried again
    assert site.hits("/broken.html") == 2


def test_a_non_html_item_is_skipped_once_and_never_fetched_again(site, settings, fake_embedder):
    serve_articles(site)
    site.route("/report.pdf", body=b"%PDF-1.4 binary", content_type="application/pdf")
    site.route("/rss.xml", body=rss([Item(site.url("/report.pdf"), "Report", OLD),
                                     Item(site.url("/news/bridge.html"), "Bridge", OLD)]),
               content_type="application/rss+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))

    first = update(settings, fake_embedder)
    second = update(settings, fake_embedder)

    assert (first.new, first.skipped, first.failed) == (1, 1, 0)
    assert "not an HTML page (application/pdf)" in dict(first.problems)[site.url("/report.pdf")]
    assert second.skipped == 0 and site.hits("/report.pdf") == 1


def test_a_page_without_a_date_takes_the_feeds_and_without_either_stays_undated(site, settings, fake_embedder):
    site.route("/a.html", body=article_page("Harbour bridge opens", BRIDGE))
    site.route("/b.html", body=article_page("Storm hits the coast", STORM))
    site.route("/rss.xml", body=rss([Item(site.url("/a.html"), "Bridge", OLD), Item(site.url("/b.html"), "Storm")]),
               content_type="application/rss+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))

    update(settings, fake_embedder)

    dates = {r["title"]: r["date"] for r in saved(settings)}
    assert dates["Harbour bridge opens"] == OLD.isoformat()
    assert dates["Storm hits the coast"] is None  # never today's date, never the copyright line's year
    documents = {d.title: d for d in read_articles([settings.articles_dir]).documents}
    assert documents["Storm hits the coast"].date is None


def test_an_updated_article_replaces_its_old_version_and_says_when(site, settings, fake_embedder):
    url = site.url("/news/bridge.html")
    site.route("/news/bridge.html", body=article_page("Harbour bridge opens", BRIDGE, published=OLD.isoformat()))
    site.route("/rss.xml", body=rss([Item(url, "Harbour bridge opens", OLD)]), content_type="application/rss+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    update(settings, fake_embedder)
    old_hash = saved(settings)[0]["sha256"]

    corrected = CORRECTED
    site.route("/news/bridge.html", body=article_page("Harbour bridge opens", corrected, published=OLD.isoformat()))
    site.route("/rss.xml", body=rss([Item(url, "Harbour bridge opens", OLD, summary="Corrected: the cost")]),
               content_type="application/rss+xml")
    second = update(settings, fake_embedder)

    assert (second.updated, second.new) == (1, 0)
    [record] = saved(settings)
    assert record["versions"][0]["sha256"] == old_hash and record["updated"]
    assert record["date"] == OLD.isoformat()  # a correction does not move the publication date
    index = load_index(settings.index_dir)
    [document] = [index.document(i) for i in range(1)]
    assert "45 million" in document.text and "40 million" not in document.text
    assert document.updated and document.updated[:10] == NOW.date().isoformat()


def test_the_same_article_from_two_feeds_is_stored_once(site, settings, fake_embedder):
    canonical = site.url("/news/bridge.html")
    page = article_page("Harbour bridge opens", BRIDGE, published=OLD.isoformat(), canonical=canonical)
    site.route("/news/bridge.html", body=page)
    site.route("/amp/bridge.html", body=page)
    site.route("/rss.xml", body=rss([Item(canonical, "Bridge", OLD)]), content_type="application/rss+xml")
    site.route("/atom.xml", body=atom([Item(site.url("/amp/bridge.html"), "Bridge", OLD)]),
               content_type="application/atom+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    add_feed(settings.articles_dir, site.url("/atom.xml"))

    summary = update(settings, fake_embedder)

    assert (summary.new, summary.unchanged) == (1, 1)
    assert len(saved(settings)) == 1


def test_add_fetches_single_pages_and_refuses_non_http(site, settings, fake_embedder):
    site.route("/news/storm.html", body=article_page("Storm hits the coast", STORM, published=OLD.isoformat()))

    summary = update(settings, fake_embedder, [site.url("/news/storm.html")])

    assert summary.new == 1 and summary.feeds == 0 and summary.build is not None
    with pytest.raises(FeedError, match="not an http"):
        update(settings, fake_embedder, ["file:///etc/passwd"])


def test_no_feeds_is_a_clear_error_and_a_second_update_at_once_is_refused(settings, fake_embedder):
    with pytest.raises(FeedError, match=r"no articles folder at .*articles \(give --articles"):
        update(settings, fake_embedder)
    assert not Path(settings.articles_dir).exists()  # a mistyped folder is not made
    Path(settings.articles_dir).mkdir()
    with pytest.raises(FeedError, match="follows no feeds yet"):
        update(settings, fake_embedder)
    held = rf"another update of .* is running \(pid {os.getpid()}\)"  # which process holds it
    with update_lock(settings.articles_dir), pytest.raises(UpdateLockedError, match=held):
        update(settings, fake_embedder, ["http://127.0.0.1:9/x"])


def test_a_damaged_state_file_is_set_aside_and_nothing_is_lost(site, settings, fake_embedder):
    serve_articles(site)
    site.route("/rss.xml", body=rss([Item(site.url("/news/bridge.html"), "Bridge", OLD)]),
               content_type="application/rss+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    update(settings, fake_embedder)
    state_path(settings.articles_dir).write_text("{ not json")

    again = update(settings, fake_embedder)

    assert (again.new, again.unchanged, again.failed) == (0, 1, 0)  # fetched again, found the same text
    assert state_path(settings.articles_dir).with_suffix(".damaged").exists()
    assert len(saved(settings)) == 1


def feed_of(site: Site, *items: Item, path: str = "/rss.xml") -> None:
    site.route(path, body=rss(list(items)), content_type="application/rss+xml")


def test_a_cms_giving_every_page_the_home_page_as_canonical_loses_no_article(site, settings, fake_embedder):
    site.route("/bridge.html", body=article_page("Bridge", BRIDGE, published=OLD.isoformat(), canonical=site.url("/")))
    site.route("/storm.html", body=article_page("Storm", STORM, published=OLD.isoformat(), canonical=site.url("/")))
    feed_of(site, Item(site.url("/bridge.html"), "Bridge", OLD), Item(site.url("/storm.html"), "Storm", OLD))
    add_feed(settings.articles_dir, site.url("/rss.xml"))

    summary = update(settings, fake_embedder)

    assert (summary.new, summary.updated) == (2, 0)
    assert {r["url"] for r in saved(settings)} == {site.url("/bridge.html"), site.url("/storm.html")}


def test_a_page_cannot_replace_another_sites_article_by_claiming_its_canonical_url(site, settings, fake_embedder):
    real = site.url("/news/real.html")
    site.route("/news/real.html", body=article_page("Bridge", BRIDGE, published=OLD.isoformat()))
    site.route("/evil.html", body=article_page("Bridge", STORM, published=OLD.isoformat(), canonical=real))
    update(settings, fake_embedder, [real])

    forged = update(settings, fake_embedder, [site.url("/evil.html", host="localhost")])

    assert forged.updated == 0
    records = {r["url"]: r for r in saved(settings)}
    assert records[real]["text"].split("\n\n") == BRIDGE  # untouched
    assert site.url("/evil.html", host="localhost") in records  # kept under its own address


def test_a_page_whose_canonical_url_changes_leaves_no_old_copy_in_the_index(site, settings, fake_embedder):
    link = site.url("/news/a.html")
    site.route("/news/a.html", body=article_page("Bridge", BRIDGE, published=OLD.isoformat(), canonical=link))
    feed_of(site, Item(link, "Bridge", OLD))
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    update(settings, fake_embedder)
    renamed = site.url("/news/bridge-opens.html")
    site.route("/news/a.html", body=article_page("Bridge", BRIDGE[:2], published=OLD.isoformat(), canonical=renamed))
    feed_of(site, Item(link, "Bridge (renamed)", OLD))

    update(settings, fake_embedder)

    assert [r["url"] for r in saved(settings)] == [renamed]
    assert load_index(settings.index_dir).describe().documents == 1


def test_recent_articles_are_rechecked_even_when_their_feed_is_not_modified(site, settings, fake_embedder):
    link = site.url("/news/a.html")
    site.route("/news/a.html", body=article_page("Bridge", BRIDGE, published=NOW.isoformat()))
    site.route("/rss.xml", body=rss([Item(link, "Bridge", NOW)]), content_type="application/rss+xml", etag='"1"')
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    update(settings, fake_embedder)
    site.route("/news/a.html", body=article_page("Bridge", CORRECTED, published=NOW.isoformat()))

    second = update(settings, fake_embedder)

    assert (second.feeds_not_modified, second.updated) == (1, 1)


def test_a_saved_article_is_never_given_up_and_a_correction_keeps_its_date(site, settings, fake_embedder):
    settings = settings.model_copy(update={"feeds_max_attempts": 2})
    link = site.url("/news/a.html")
    site.route("/news/a.html", body=article_page("Bridge", BRIDGE))  # no date of its own: the feed's is taken
    feed_of(site, Item(link, "Bridge", NOW - timedelta(hours=3)))
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    update(settings, fake_embedder)
    first_date = saved(settings)[0]["date"]
    site.route("/news/a.html", status=503)
    for _ in range(3):
        assert update(settings, fake_embedder).failed == 1
    site.route("/news/a.html", body=article_page("Bridge", CORRECTED))
    feed_of(site, Item(link, "Bridge (corrected)", NOW))  # the feed now gives the correction's time

    corrected = update(settings, fake_embedder)

    assert corrected.updated == 1
    [record] = saved(settings)
    assert record["text"].split("\n\n") == CORRECTED and record["date"] == first_date


def test_a_removed_feeds_failed_pages_are_not_fetched_again(site, settings, fake_embedder):
    site.route("/down.html", status=503)
    site.route("/news/storm.html", body=article_page("Storm", STORM, published=OLD.isoformat()))
    feed_of(site, Item(site.url("/down.html"), "Down", OLD), path="/a.xml")
    feed_of(site, Item(site.url("/news/storm.html"), "Storm", OLD), path="/b.xml")
    add_feed(settings.articles_dir, site.url("/a.xml"))
    add_feed(settings.articles_dir, site.url("/b.xml"))
    update(settings, fake_embedder)
    from qa_bot.feeds.feedlist import remove_feed

    remove_feed(settings.articles_dir, site.url("/a.xml"))
    update(settings, fake_embedder)

    assert site.hits("/down.html") == 1


def test_add_with_nothing_saved_says_why_and_builds_nothing(site, settings, fake_embedder):
    from qa_bot.cli_feeds import _all_failed

    site.route("/doc.pdf", body=b"%PDF", content_type="application/pdf")
    links = [site.url("/doc.pdf")]

    summary = update(settings, fake_embedder, links)

    assert summary.skipped == 1 and summary.build is None and _all_failed(summary, links)
    assert "no articles saved yet" in summary_line(summary)


def test_an_update_cut_short_loses_no_item_the_next_run_reads_the_feed_again(site, settings, fake_embedder,
                                                                             monkeypatch):
    serve_articles(site)
    site.route("/rss.xml", body=rss([Item(site.url("/news/bridge.html"), "Harbour bridge opens", OLD),
                                     Item(site.url("/news/storm.html"), "Storm hits the coast", OLD)]),
               content_type="application/rss+xml", etag='"feed-1"')
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    from qa_bot.feeds import update as updating

    store = updating.store_article
    calls = {"n": 0}

    def stopped_after_one(*args, **kwargs):  # Ctrl-C or SIGTERM while the second page is being saved
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return store(*args, **kwargs)

    monkeypatch.setattr(updating, "store_article", stopped_after_one)
    with pytest.raises(KeyboardInterrupt):
        update(settings, fake_embedder)
    assert len(saved(settings)) == 1
    monkeypatch.setattr(updating, "store_article", store)

    again = update(settings, fake_embedder)

    assert again.feeds_not_modified == 0 and again.new == 1  # the feed was read again, its other item fetched
    assert sorted(a["title"] for a in saved(settings)) == ["Harbour bridge opens", "Storm hits the coast"]
    assert update(settings, fake_embedder).feeds_not_modified == 1  # a run that finished: "not modified" next


def cannot_save(monkeypatch, titled: str = "") -> None:
    """Make saving an article whose title has ``titled`` fail as a full disk does (a real read-only folder
    would not stop the tests, which may run as root)."""
    from qa_bot.feeds import update as updating

    store = updating.store_article

    def full_disk(folder, version):
        if titled in (version.title or ""):
            raise OSError(28, "No space left on device")
        return store(folder, version)

    monkeypatch.setattr(updating, "store_article", full_disk)


def test_a_page_that_cannot_be_saved_is_retried_and_the_others_saved(site, settings, fake_embedder, monkeypatch):
    serve_articles(site)
    site.route("/rss.xml", body=rss([Item(site.url("/news/bridge.html"), "Harbour bridge opens", OLD),
                                     Item(site.url("/news/storm.html"), "Storm hits the coast", OLD)]),
               content_type="application/rss+xml", etag='"feed-1"')
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    with monkeypatch.context() as patched:
        cannot_save(patched, titled="Storm")
        first = update(settings, fake_embedder)
    assert (first.new, first.unsaved, first.failed) == (1, 1, 0)
    [(folder, why)] = first.problems
    assert folder == str(settings.articles_dir) and "could not save 1 page into this folder" in why
    assert "No space left on device" in why and "1 not saved" in summary_line(first)

    second = update(settings, fake_embedder)

    assert second.feeds_not_modified == 1  # the feed said nothing new: the page was remembered to fetch again
    assert second.new == 1 and len(saved(settings)) == 2


def test_a_folder_that_cannot_be_written_uses_up_no_pages_attempts(site, settings, fake_embedder, monkeypatch):
    """Each run counted the write error against the pages, and after 5 runs gave them up for good, silently,
    while exiting 0 (found by a user-level audit)."""
    settings = settings.model_copy(update={"feeds_max_attempts": 2})
    serve_articles(site)
    site.route("/rss.xml", body=rss([Item(site.url("/news/bridge.html"), "Harbour bridge opens", OLD),
                                     Item(site.url("/news/storm.html"), "Storm hits the coast", OLD)]),
               content_type="application/rss+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    from qa_bot.cli_feeds import _all_failed

    with monkeypatch.context() as patched:
        cannot_save(patched)
        runs = [update(settings, fake_embedder) for _ in range(3)]
    state = json.loads(state_path(settings.articles_dir).read_text())
    assert state["ignored"] == {}  # neither page given up
    for run in runs:
        assert (run.unsaved, run.failed, len(run.problems)) == (2, 0, 1)
        assert "could not save 2 pages into this folder" in run.problems[0][1]
        assert _all_failed(run, None)  # nothing could be saved: `qa-bot update` exits 1

    repaired = update(settings, fake_embedder)

    assert repaired.new == 2 and not _all_failed(repaired, None)


def test_qa_bot_update_exits_1_when_nothing_could_be_saved(site, settings, monkeypatch):
    from click.testing import CliRunner

    from qa_bot.cli import main

    serve_articles(site)
    feed_of(site, Item(site.url("/news/bridge.html"), "Harbour bridge opens", OLD))
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    monkeypatch.setenv("QA_BOT_FEEDS_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("QA_BOT_FEEDS_HOST_INTERVAL", "0")
    cannot_save(monkeypatch)

    ran = CliRunner().invoke(main, ["update", "--articles", str(settings.articles_dir)])

    assert ran.exit_code == 1, ran.output
    assert "error: no page could be saved" in ran.stderr and "could not save 1 page into this folder" in ran.stderr
    assert "1 not saved" in ran.stdout


def test_a_page_given_up_after_its_attempts_says_so_in_the_run(site, settings, fake_embedder):
    settings = settings.model_copy(update={"feeds_max_attempts": 2})
    site.route("/down.html", status=503)
    feed_of(site, Item(site.url("/down.html"), "Down", OLD))
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    first = update(settings, fake_embedder)
    assert "given up" not in dict(first.problems)[site.url("/down.html")]

    second = update(settings, fake_embedder)

    why = dict(second.problems)[site.url("/down.html")]
    assert "HTTP 503" in why and "given up after 2 attempts: updates no longer fetch it" in why


def test_an_articles_folder_that_cannot_be_written_is_one_error(settings, fake_embedder, monkeypatch):
    add_feed(settings.articles_dir, "https://news.example.org/rss.xml")
    from qa_bot.feeds import job

    def read_only(folder):
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(job, "load_state", read_only)
    with pytest.raises(FeedError, match=r"cannot update .*articles: Permission denied \(.*articles\)"):
        update(settings, fake_embedder)


def test_an_article_dated_after_it_was_fetched_is_dated_when_fetched_and_said_so(site, settings, fake_embedder,
                                                                              caplog):
    ahead = NOW + timedelta(hours=3)  # a feed or page in the wrong time zone
    site.route("/a.html", body=article_page("Harbour bridge opens", BRIDGE))
    site.route("/b.html", body=article_page("Storm hits the coast", STORM, published=ahead.isoformat()))
    site.route("/rss.xml", body=rss([Item(site.url("/a.html"), "Bridge", ahead), Item(site.url("/b.html"), "Storm")]),
               content_type="application/rss+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))

    with caplog.at_level("WARNING", logger="qa_bot.feeds.update"):
        update(settings, fake_embedder)

    for article in saved(settings):
        moment = datetime.fromisoformat(article["date"])
        assert NOW - timedelta(minutes=5) <= moment <= datetime.now(UTC), article  # never ahead of the fetch
    assert sum("after it was fetched" in r.getMessage() for r in caplog.records) == 2


def test_a_stub_page_skipped_once_is_fetched_again_when_its_feed_entry_changes(site, settings, fake_embedder):
    site.route("/breaking.html", body="<html><body><p>Developing story.</p></body></html>")
    site.route("/rss.xml", body=rss([Item(site.url("/breaking.html"), "Bridge closed", OLD)]),
               content_type="application/rss+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    first = update(settings, fake_embedder)
    assert first.skipped == 1 and "no article text" in dict(first.problems)[site.url("/breaking.html")]
    assert update(settings, fake_embedder).skipped == 0 and site.hits("/breaking.html") == 1  # entry unchanged

    site.route("/breaking.html", body=article_page("Harbour bridge opens", BRIDGE, published=OLD.isoformat()))
    site.route("/rss.xml", body=rss([Item(site.url("/breaking.html"), "Harbour bridge opens", OLD)]),
               content_type="application/rss+xml")  # the story is written, its entry retitled
    filled = update(settings, fake_embedder)

    assert filled.new == 1 and [a["title"] for a in saved(settings)] == ["Harbour bridge opens"]
    assert update(settings, fake_embedder).new == 0 and site.hits("/breaking.html") == 2


def test_a_page_robots_txt_disallows_is_skipped_not_counted_failed_and_retried(site, settings, fake_embedder):
    serve_articles(site)
    site.route("/robots.txt", body="User-agent: *\nDisallow: /news/storm.html\n", content_type="text/plain")
    site.route("/rss.xml", body=rss([Item(site.url("/news/bridge.html"), "Bridge", OLD),
                                     Item(site.url("/news/storm.html"), "Storm", OLD)]),
               content_type="application/rss+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))

    first = update(settings, fake_embedder)
    second = update(settings, fake_embedder)

    assert (first.new, first.failed, first.skipped) == (1, 0, 1)
    assert dict(first.problems)[site.url("/news/storm.html")] == "skipped: disallowed by robots.txt"
    assert (second.failed, second.skipped) == (0, 0) and site.hits("/news/storm.html") == 0


def test_a_link_with_tracking_parameters_is_the_same_article_as_without(site, settings, fake_embedder):
    site.route("/a.html", body=article_page("Harbour bridge opens", BRIDGE, published=OLD.isoformat()))
    site.route("/rss.xml", body=rss([Item(site.url("/a.html?utm_source=rss&utm_medium=feed"), "Bridge", OLD)]),
               content_type="application/rss+xml")
    site.route("/atom.xml", body=atom([Item(site.url("/a.html"), "Bridge", OLD)]),
               content_type="application/atom+xml")
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    add_feed(settings.articles_dir, site.url("/atom.xml"))

    update(settings, fake_embedder)

    [article] = saved(settings)  # one file, kept under the plain URL (the page names no canonical URL)
    assert article["url"] == site.url("/a.html") and site.hits("/a.html") == 1


def test_qa_bot_update_while_another_runs_does_nothing_and_exits_0_but_add_is_refused(settings):
    from click.testing import CliRunner

    from qa_bot.cli import main

    add_feed(settings.articles_dir, "https://news.example.org/rss.xml")
    folder = ["--articles", str(settings.articles_dir)]
    with update_lock(settings.articles_dir):  # the other run, holding the folder
        ran = CliRunner().invoke(main, ["update", *folder])
        added = CliRunner().invoke(main, ["add", "https://news.example.org/a.html", *folder])
    assert ran.exit_code == 0 and f"is running (pid {os.getpid()}): this run does nothing" in ran.stderr
    assert added.exit_code == 1 and "another update" in added.stderr


def test_a_feed_served_as_text_html_is_still_read_as_a_feed(site, settings, fake_embedder):
    serve_articles(site)
    site.route("/rss", body=rss([Item(site.url("/news/bridge.html"), "Bridge", OLD)]),
               content_type="text/html; charset=utf-8")  # a misconfigured server
    add_feed(settings.articles_dir, site.url("/rss"))

    summary = update(settings, fake_embedder)

    assert (summary.feeds_failed, summary.new) == (0, 1)


SIGN_IN = ["Sign in to your Example News account with your email address and password to read every story.",
           "Forgot your password? We can send you a link to set a new one. No account yet? Create one for free."]
PAYWALL = ["Subscribe to continue reading this story and every other article on our site, from one euro a week.",
           "Already a subscriber? Sign in with your account to read on. You may cancel at any time online."]


def saved_bridge(site: Site, settings: Settings, fake_embedder) -> str:
    """The bridge article, recent (so rechecked by every update), saved from a feed; returns its link."""
    link = site.url("/news/bridge.html")
    site.route("/news/bridge.html", body=article_page("Bridge", BRIDGE, published=NOW.isoformat(), canonical=link))
    feed_of(site, Item(link, "Bridge", NOW))
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    assert update(settings, fake_embedder).new == 1
    return link


def test_a_page_that_now_names_a_sign_in_page_as_canonical_keeps_the_saved_article(site, settings, fake_embedder):
    """The page once gave a sign-in page claiming /account/login as its address: the article's file was deleted
    and the sign-in page saved as a new article (found by a user-level audit)."""
    link = saved_bridge(site, settings, fake_embedder)
    site.route("/news/bridge.html", body=article_page("Sign in", SIGN_IN, canonical=site.url("/account/login")))

    again = update(settings, fake_embedder)

    [record] = saved(settings)
    assert record["url"] == link and record["text"].split("\n\n") == BRIDGE
    assert (again.new, again.updated, again.kept) == (0, 0, 1)
    assert dict(again.problems)[link].startswith("kept the saved text: the page now reads as another page")
    assert "1 kept as saved" in summary_line(again)


def test_a_paywall_served_with_a_200_does_not_replace_the_saved_text(site, settings, fake_embedder):
    """The text was replaced by "Subscribe to continue reading", and versions keep only hashes: it was gone."""
    link = saved_bridge(site, settings, fake_embedder)
    site.route("/news/bridge.html", body=article_page("Bridge", PAYWALL, published=NOW.isoformat(), canonical=link))

    again = update(settings, fake_embedder)

    [record] = saved(settings)
    assert record["text"].split("\n\n") == BRIDGE and record["versions"] == []
    assert (again.updated, again.kept) == (0, 1)
    assert "kept the saved text" in dict(again.problems)[link]


def test_corrections_and_added_paragraphs_still_replace_the_saved_text(site, settings, fake_embedder):
    link = saved_bridge(site, settings, fake_embedder)
    corrected = CORRECTED
    longer = [*corrected, "The mayor said a second bridge, further up the river, is planned for the next decade."]
    for text in (corrected, longer):
        site.route("/news/bridge.html", body=article_page("Bridge", text, published=NOW.isoformat(), canonical=link))

        again = update(settings, fake_embedder)

        assert saved(settings)[0]["text"].split("\n\n") == text
        assert (again.updated, again.kept) == (1, 0)
    assert len(saved(settings)[0]["versions"]) == 2
