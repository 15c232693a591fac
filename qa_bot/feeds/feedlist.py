"""The list of feeds an articles folder follows: ``feeds.toml`` beside the articles, edited by ``qa-bot feeds``.

The file is TOML a person may edit too::

    [[feed]]
    url = "https://news.example.org/rss.xml"
    name = "Example News"          # optional
    added = "2026-12-03T09:00:00+00:00"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from qa_bot.errors import FeedError
from qa_bot.feeds.fetch import is_http_url
from qa_bot.feeds.state import write_atomically

FEEDS_FILE = "feeds.toml"
KNOWN_KEYS = "url, name, added"


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed followed: its URL, an optional name to show, and when it was added."""

    url: str
    name: str | None = None
    added: str | None = None

    @property
    def label(self) -> str:
        """The feed's name, else its URL."""
        return self.name or self.url


def feeds_path(articles_dir: Path) -> Path:
    """Where the feed list of ``articles_dir`` is kept."""
    return Path(articles_dir) / FEEDS_FILE


def check_url(url: str) -> str:
    """``url`` stripped, when it is an absolute http(s) URL with a host.

    Raises:
        FeedError: it is not.
    """
    url = url.strip()
    if not is_http_url(url):
        raise FeedError(f"not an http(s) URL: {url!r}")
    return url


def load_feeds(articles_dir: Path) -> list[Feed]:
    """The feeds followed by ``articles_dir`` (none when the file does not exist).

    Raises:
        FeedError: the file is not valid TOML (its line is named) or an entry is malformed.
    """
    path = feeds_path(articles_dir)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FeedError(f"{path} is not valid TOML: {exc}") from None
    # What is not understood is refused, not ignored: `feeds add` and `remove` rewrite the file, and would drop it.
    for key in data:
        if key != "feed":
            raise FeedError(f"{path}: unknown key {key!r} (the file holds [[feed]] tables, each with {KNOWN_KEYS})")
    entries = data.get("feed", [])
    if not isinstance(entries, list):
        raise FeedError(f"{path}: 'feed' must be a list of [[feed]] tables")
    feeds: list[Feed] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise FeedError(f"{path}: feed {number} has no url")
        unknown = sorted(set(entry) - {"url", "name", "added"})
        if unknown:
            raise FeedError(f"{path}: feed {number}: unknown key {unknown[0]!r} (known: {KNOWN_KEYS})")
        try:
            url = check_url(entry["url"])
        except FeedError as exc:
            raise FeedError(f"{path}: feed {number}: {exc}") from None
        if any(feed.url == url for feed in feeds):
            raise FeedError(f"{path}: feed {number}: {url} is listed twice")
        name, added = entry.get("name"), entry.get("added")
        feeds.append(Feed(url, str(name) if name else None, str(added) if added else None))
    return feeds


def _toml_string(value: str) -> str:
    """``value`` as a TOML basic string (JSON's escapes are TOML's)."""
    import json

    return json.dumps(value, ensure_ascii=False)


def save_feeds(articles_dir: Path, feeds: list[Feed]) -> Path:
    """Write the feed list atomically (a crash leaves the old list or the new one, never half of one)."""
    path = feeds_path(articles_dir)
    lines = ["# Feeds this articles folder follows; `qa-bot update` fetches them. Edit with `qa-bot feeds`.", ""]
    for feed in feeds:
        lines.append("[[feed]]")
        lines.append(f"url = {_toml_string(feed.url)}")
        if feed.name:
            lines.append(f"name = {_toml_string(feed.name)}")
        if feed.added:
            lines.append(f"added = {_toml_string(feed.added)}")
        lines.append("")
    try:
        write_atomically(path, "\n".join(lines))
    except OSError as exc:
        raise FeedError(f"cannot write the feed list {path}: {exc.strerror or exc}") from exc
    return path


def add_feed(articles_dir: Path, url: str, name: str | None = None) -> Feed:
    """Follow the feed at ``url``; return it.

    Raises:
        FeedError: the URL is not http(s), or the feed is followed already.
    """
    url = check_url(url)
    feeds = load_feeds(articles_dir)
    if any(f.url == url for f in feeds):
        raise FeedError(f"already following {url}")
    feed = Feed(url, name.strip() if name and name.strip() else None, datetime.now(UTC).isoformat(timespec="seconds"))
    save_feeds(articles_dir, [*feeds, feed])
    return feed


def remove_feed(articles_dir: Path, which: str) -> Feed:
    """Stop following a feed, named by its URL or its number in ``qa-bot feeds list``; return it.

    Its articles stay in the folder (and in the index): they were published, and remain true of their date.

    Raises:
        FeedError: no such feed.
    """
    feeds = load_feeds(articles_dir)
    index = next((i for i, f in enumerate(feeds) if f.url == which.strip()), None)
    if index is None and which.strip().isdigit() and 1 <= int(which) <= len(feeds):
        index = int(which) - 1
    if index is None:
        raise FeedError(f"not following {which!r} (see `qa-bot feeds list`)")
    removed = feeds.pop(index)
    save_feeds(articles_dir, feeds)
    return removed
