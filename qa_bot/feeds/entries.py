"""The items of an RSS (0.9x, 1.0, 2.0) or Atom feed, read with feedparser from bytes already fetched."""

from __future__ import annotations

import calendar
import hashlib
import io
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from qa_bot.errors import FeedError


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed: where its article is, and what the feed says of it."""

    link: str
    title: str | None
    published: str | None
    """ISO 8601 in UTC, from the entry's published (else updated) date; None when it gives none."""
    fingerprint: str
    """A hash of what the feed says of the item (title, dates, summary): it changes when the item is edited."""


def _iso(parsed: time.struct_time | None) -> str | None:
    """feedparser's UTC time tuple as ISO 8601."""
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return None


def parse_feed(body: bytes, url: str) -> tuple[str | None, list[FeedEntry]]:
    """The feed's title and its entries that link to an http(s) page, in feed order, each link once.

    ``url`` is where the feed was fetched from: relative links are resolved against it. feedparser reads
    the bytes given (a stream, so it never takes them for a URL to open) and sanitises the HTML in them.

    Raises:
        FeedError: the bytes are not a feed.
    """
    import feedparser

    with warnings.catch_warnings():  # feedparser warns of its own updated/published mapping on each access
        warnings.simplefilter("ignore", DeprecationWarning)
        return _read(feedparser.parse(io.BytesIO(body), response_headers={"content-location": url}))


def _read(parsed: Any) -> tuple[str | None, list[FeedEntry]]:
    if not parsed.get("version") and not parsed.entries:
        why = parsed.get("bozo_exception")
        raise FeedError(f"not an RSS or Atom feed{f' ({why})' if why else ''}")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if not link.lower().startswith(("http://", "https://")) or link in seen:
            continue
        seen.add(link)
        published = _iso(entry.get("published_parsed") or entry.get("updated_parsed"))
        said = "\0".join(str(entry.get(k) or "") for k in ("title", "published", "updated", "summary"))
        entries.append(FeedEntry(
            link=link,
            title=(entry.get("title") or "").strip() or None,
            published=published,
            fingerprint=hashlib.sha256(said.encode("utf-8", "replace")).hexdigest()[:16],
        ))
    return (parsed.feed.get("title") or None), entries
