"""Fetched articles as files in the articles folder: one JSON object each, under ``web/<host>/``.

The file's name comes from the article's canonical URL, so the same article reached from two feeds (or
from a feed and ``qa-bot add``) is stored once, and a new version of a page replaces the old one. The
replaced version's text hash and dates are kept in the file (``versions``), and ``updated`` says when
the text last changed, so an answer can say "updated on ...". The articles reader reads these files as
any other JSON article (``doc_id`` is the canonical URL).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from qa_bot.feeds.state import write_atomically

WEB_DIR = "web"
Change = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """An article as fetched now: what goes into its file."""

    url: str
    """The canonical URL: the article's id."""
    text: str
    title: str | None
    date: str | None
    """When the page itself says it was published (its metadata), or None."""
    author: str | None
    source: str | None
    fetched_at: str
    fetched_from: str
    """The link it was fetched from (a feed item's, or one given to ``qa-bot add``)."""
    feed: str | None = None
    modified: str | None = None
    """When the page says it was last changed, if it says."""
    fallback_date: str | None = None
    """A date to take when the page gives none and no earlier version had one: the feed's, or a guess."""


def text_hash(text: str) -> str:
    """The hash an article's text is compared by."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_file(articles_dir: Path, url: str) -> Path:
    """Where the article with canonical ``url`` is kept: ``web/<host>/<slug>-<hash>.json``."""
    parts = urlsplit(url)
    host = re.sub(r"[^a-z0-9.-]+", "-", (parts.hostname or "unknown").lower()).strip(".-") or "unknown"
    last = [p for p in parts.path.split("/") if p]
    slug = re.sub(r"[^a-z0-9]+", "-", (last[-1] if last else "index").lower()).strip("-")[:60] or "article"
    slug = re.sub(r"-(html?|php|aspx?)$", "", slug) or "article"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:10]
    return Path(articles_dir) / WEB_DIR / host / f"{slug}-{digest}.json"


def _read(file: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


COPY_SIMILARITY = 0.8
"""Two texts whose word sets overlap this much (Jaccard) are one article (a desktop page and its AMP copy)."""
MAX_VERSIONS = 50
"""Replaced versions kept in an article's file at most (the oldest go first)."""


SAME_ARTICLE_SHARE = 0.5
"""The share of an article's distinct words a new version must keep to replace it (see :func:`same_article`)."""


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _similar(one: str, other: str) -> bool:
    words, others = _words(one), _words(other)
    return bool(words | others) and len(words & others) / len(words | others) >= COPY_SIMILARITY


def same_article(saved: str, fetched: str) -> bool:
    """Whether ``fetched`` reads as a version of the article whose saved text is ``saved``.

    Measured as the share of the saved text's distinct words found in the fetched one: a correction, an
    added paragraph or a reworded sentence keeps most of them (0.8 and more), while a paywall, a consent or
    sign-in page, or another story shares little beyond words such as "the" and "to" (under 0.2 for two
    different news items of this size). Counting only the saved text's words, not the union, lets an article
    grow (a stub written up) without looking like another page; a teaser of it (the lead and "subscribe to
    read on") falls under :data:`SAME_ARTICLE_SHARE`, as it should: it is not the article.
    """
    words = _words(saved)
    return not words or len(words & _words(fetched)) / len(words) >= SAME_ARTICLE_SHARE


def saved_text(file: Path) -> str | None:
    """The text of the article saved in ``file``, or None when it cannot be read."""
    text = (_read(file) or {}).get("text")
    return text if isinstance(text, str) else None


def store_article(articles_dir: Path, article: ArticleVersion) -> tuple[Change, Path, ArticleVersion]:
    """Save ``article``; say whether it is new, an updated version (its text changed), or unchanged, and
    return the file and the version as stored (its URL and date as kept).

    The link that first saved an article owns it: another link with the same canonical URL (an AMP copy,
    the item in another feed) leaves it unchanged when its text is the same or nearly so, and is kept
    under its own URL when its text is another article's (a CMS giving every story one canonical URL). A
    correction keeps the publication date the article had. An unchanged text leaves the file as it is.
    The file is replaced atomically: a crash leaves the old version or the new one.
    """
    file = article_file(articles_dir, article.url)
    previous = _read(file)
    digest = text_hash(article.text)
    if previous is not None and previous.get("fetched_from") not in (None, article.fetched_from):
        if previous.get("sha256") == digest or _similar(str(previous.get("text", "")), article.text):
            return "unchanged", file, replace(article, date=previous.get("date"))
        if article.url != article.fetched_from:
            return store_article(articles_dir, replace(article, url=article.fetched_from))
    kept_date = previous.get("date") if previous is not None else None
    article = replace(article, date=article.date or kept_date or article.fallback_date)
    if previous is not None and previous.get("sha256") == digest:
        return "unchanged", file, article
    record: dict[str, Any] = {
        "doc_id": article.url,
        "url": article.url,
        "title": article.title,
        "date": article.date,
        "author": article.author,
        "source": article.source,
        "fetched_at": article.fetched_at,
        "fetched_from": article.fetched_from,
        "feed": article.feed,
        "sha256": digest,
        "updated": None,
        "versions": [],
        "text": article.text,
    }
    change: Change = "new"
    if previous is not None:
        change = "updated"
        kept = previous.get("versions")
        versions: list[Any] = kept if isinstance(kept, list) else []
        versions.append({"sha256": previous.get("sha256"), "fetched_at": previous.get("fetched_at"),
                         "replaced_at": article.fetched_at})
        record["versions"] = versions[-MAX_VERSIONS:]
        record["updated"] = article.modified or article.fetched_at
    write_atomically(file, json.dumps(record, ensure_ascii=False, indent=1))
    return change, file, article
