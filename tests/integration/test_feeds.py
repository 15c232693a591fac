"""Feeds with the real model: the commands as a person runs them, and a story published today answered as
the latest by a bot that kept answering while the update ran."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ..helpers import assert_one_line_error, run_cli
from ..news_site import Item, article_page, atom, rss
from ..site import Site

NOW = datetime.now(UTC).replace(microsecond=0)
LAST_MONTH = NOW - timedelta(days=40)
CLOSED = ["The Riverside bridge was closed to all traffic on Monday after engineers found cracks in two of "
          "its steel supports.", "The city said the bridge would stay closed for at least six weeks while "
          "repairs are planned.", "Drivers are asked to use the ring road, which adds about twenty minutes to "
          "a trip into the centre."]
REOPENED = ["The Riverside bridge reopened to cars and buses this morning, two weeks earlier than the city "
            "had planned.", "Engineers replaced both cracked steel supports and said the bridge is safe for "
            "all traffic again.", "The ring road diversion ends today and bus line 4 returns to its usual route."]
LIBRARY = ["The central library will open on Sundays from next month, the council announced on Tuesday.",
           "The library's director said more than three thousand readers had asked for Sunday hours.",
           "The change costs about 90,000 euros a year, paid from the culture budget."]


@pytest.fixture
def site():
    with Site() as running:
        yield running


def feed_env(tmp_path) -> dict[str, str]:
    return {"QA_BOT_ARTICLES_DIR": str(tmp_path / "articles"), "QA_BOT_INDEX_DIR": str(tmp_path / "index"),
            "QA_BOT_FEEDS_ALLOW_PRIVATE": "true", "QA_BOT_FEEDS_HOST_INTERVAL": "0", "QA_BOT_FEEDS_TIMEOUT": "2"}


def test_feed_commands_as_a_person_runs_them(tmp_path, site):
    site.route("/bridge-closed.html", body=article_page("Riverside bridge closed", CLOSED,
                                                       published=LAST_MONTH.isoformat()))
    site.route("/library.html", body=article_page("Library opens on Sundays", LIBRARY,
                                                  published=LAST_MONTH.isoformat()))
    site.route("/budget.pdf", body=b"%PDF-1.7", content_type="application/pdf")
    site.route("/rss.xml", content_type="application/rss+xml", etag='"r1"', body=rss([
        Item(site.url("/bridge-closed.html"), "Riverside bridge closed", LAST_MONTH),
        Item(site.url("/budget.pdf"), "The budget (PDF)", LAST_MONTH)]))
    site.route("/atom.xml", content_type="application/atom+xml", body=atom([
        Item(site.url("/library.html"), "Library opens on Sundays", LAST_MONTH)]))
    env = feed_env(tmp_path)

    added = run_cli(tmp_path, "feeds", "add", site.url("/rss.xml"), "--name", "City News", env=env)
    assert added.returncode == 0, added.stderr
    assert "Following City News" in added.stdout
    assert run_cli(tmp_path, "feeds", "add", site.url("/atom.xml"), env=env).returncode == 0
    assert_one_line_error(run_cli(tmp_path, "feeds", "add", "ftp://example.org/feed", env=env), "not an http(s) URL")
    assert_one_line_error(run_cli(tmp_path, "feeds", "add", site.url("/rss.xml"), env=env), "already following")

    first = run_cli(tmp_path, "update", env=env)
    assert first.returncode == 0, first.stderr
    assert "2 feeds (0 not modified, 0 failed)" in first.stdout
    assert "items: 2 new, 0 unchanged, 0 updated, 0 failed, 1 skipped" in first.stdout
    assert "not an HTML page (application/pdf)" in first.stderr and "Traceback" not in first.stderr

    listed = run_cli(tmp_path, "feeds", "list", "--json", env=env)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["number"], r["name"], r["items"]) for r in rows] == [(1, "City News", 2), (2, None, 1)]

    second = run_cli(tmp_path, "update", env=env)
    assert second.returncode == 0, second.stderr
    assert "(1 not modified, 0 failed)" in second.stdout  # the RSS feed's ETag came back: 304
    assert "0 new" in second.stdout and "index up to date: 0 texts embedded" in second.stdout

    answer = json.loads(run_cli(tmp_path, "ask", "--json", "When will the library open on Sundays?", env=env).stdout)
    assert answer["answered"] and answer["quotes"][0]["url"] == site.url("/library.html")

    removed = run_cli(tmp_path, "feeds", "remove", "2", env=env)
    assert removed.returncode == 0 and "No longer following" in removed.stdout
    assert_one_line_error(run_cli(tmp_path, "feeds", "remove", "7", env=env), "not following")

    site.route("/late.html", status=503)
    failed = run_cli(tmp_path, "add", site.url("/late.html"), env=env)
    assert_one_line_error(failed, "HTTP 503")  # the summary goes to stdout; the one reason to stderr
    assert "1 failed" in failed.stdout


def test_an_item_published_today_is_answered_as_the_latest_by_a_bot_that_kept_answering(
    tmp_path, site, real_embedder
):
    from qa_bot.build import build_from_paths
    from qa_bot.config import Settings
    from qa_bot.feeds.feedlist import add_feed
    from qa_bot.feeds.job import run_update
    from qa_bot.pipeline import QAPipeline

    settings = Settings(articles_dir=tmp_path / "articles", index_dir=tmp_path / "index", feeds_allow_private=True,
                        feeds_host_interval=0.0, _env_file=None)
    site.route("/bridge-closed.html", body=article_page("Riverside bridge closed", CLOSED,
                                                       published=LAST_MONTH.isoformat()))
    site.route("/rss.xml", content_type="application/rss+xml", body=rss([
        Item(site.url("/bridge-closed.html"), "Riverside bridge closed", LAST_MONTH)]))
    add_feed(settings.articles_dir, site.url("/rss.xml"))
    run_update(settings, embedder=real_embedder)
    bot = QAPipeline.open(settings, real_embedder)
    question = "What is the latest on the Riverside bridge?"
    before = bot.ask(question)
    assert before.answered and before.quotes[0].url == site.url("/bridge-closed.html")

    site.route("/bridge-reopens.html", body=article_page("Riverside bridge reopens", REOPENED,
                                                        published=NOW.isoformat()))
    site.route("/rss.xml", content_type="application/rss+xml", body=rss([
        Item(site.url("/bridge-reopens.html"), "Riverside bridge reopens", NOW),
        Item(site.url("/bridge-closed.html"), "Riverside bridge closed", LAST_MONTH)]))
    summary = run_update(settings, embedder=real_embedder)
    assert (summary.new, summary.unchanged) == (1, 1)
    assert summary.build is not None and summary.build.reused > 0  # only the new article was embedded

    after = bot.ask(question)  # the same bot: it reloads the index the update published

    assert after.answered
    assert after.quotes[0].url == site.url("/bridge-reopens.html")
    assert after.quotes[0].date and after.quotes[0].date[:10] == NOW.date().isoformat()
    assert "reopened" in after.quotes[0].text
    build_from_paths(settings, [settings.articles_dir], embedder=real_embedder)  # a plain rebuild agrees
    assert QAPipeline.open(settings, real_embedder).ask(question).quotes[0].url == site.url("/bridge-reopens.html")


def test_update_every_keeps_going_until_stopped(tmp_path, site):
    """SIGTERM, as a service manager stops it (SIGINT is what Ctrl-C sends, but a process started in the
    background, as CI may start this suite, ignores it)."""
    import signal
    import subprocess
    import sys
    import threading
    import time

    from ..helpers import cli_env

    site.route("/library.html", body=article_page("Library opens on Sundays", LIBRARY,
                                                  published=LAST_MONTH.isoformat()))
    site.route("/rss.xml", content_type="application/rss+xml", body=rss([
        Item(site.url("/library.html"), "Library opens on Sundays", LAST_MONTH)]))
    env = {**cli_env(tmp_path), **feed_env(tmp_path)}
    assert run_cli(tmp_path, "feeds", "add", site.url("/rss.xml"), env=env).returncode == 0
    process = subprocess.Popen([sys.executable, "-m", "qa_bot.cli", "update", "--every", "1m"], cwd=tmp_path,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        while not any("Next update at" in line for line in lines) and time.monotonic() < deadline \
                and process.poll() is None:
            time.sleep(0.1)
        assert any("Next update at" in line for line in lines), "".join(lines)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        out = process.stdout.read()
        reader.join(timeout=5)
        reader.join(timeout=5)
    finally:
        process.kill()
    said = err = "".join(lines)
    assert process.returncode == 0, err
    assert "items: 1 new" in out and "stopped" in said + err and "Traceback" not in said + err
