"""Feeds and article pages to serve from :class:`tests.site.Site`: RSS 2.0, Atom and plain news pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape


@dataclass(frozen=True)
class Item:
    """A feed item: its link, title and dates (RSS pubDate / Atom published and updated)."""

    link: str
    title: str
    published: datetime | None = None
    updated: datetime | None = None
    summary: str = ""


def rss(items: list[Item], title: str = "Example News") -> str:
    """An RSS 2.0 feed of ``items``."""
    entries = []
    for item in items:
        when = f"<pubDate>{format_datetime(item.published)}</pubDate>" if item.published else ""
        entries.append(f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
                       f"<guid>{escape(item.link)}</guid>{when}<description>{escape(item.summary)}</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>https://news.example/</link><description>News</description>{''.join(entries)}</channel></rss>")


def atom(items: list[Item], title: str = "Example Wire") -> str:
    """An Atom 1.0 feed of ``items``."""
    entries = []
    for item in items:
        published = f"<published>{item.published.isoformat()}</published>" if item.published else ""
        updated = item.updated or item.published
        stamp = f"<updated>{updated.isoformat()}</updated>" if updated else ""
        entries.append(f'<entry><title>{escape(item.title)}</title><link rel="alternate" href="{escape(item.link)}"/>'
                       f"<id>{escape(item.link)}</id>{published}{stamp}<summary>{escape(item.summary)}</summary></entry>")
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>urn:example:wire</id><updated>2026-01-01T00:00:00Z</updated>"
            f"{''.join(entries)}</feed>")


def article_page(
    title: str, paragraphs: list[str], *, published: str | None = None, canonical: str | None = None,
    author: str | None = "Jane Doe", site: str = "Example News",
) -> str:
    """A news page as a CMS makes one: navigation, the article (headline, byline, paragraphs), related links,
    comments and a footer around it; the date in ``article:published_time`` when given."""
    meta = [f'<meta property="og:site_name" content="{escape(site)}">']
    if published:
        meta.append(f'<meta property="article:published_time" content="{escape(published)}">')
    if canonical:
        meta.append(f'<link rel="canonical" href="{escape(canonical)}">')
    if author:
        meta.append(f'<meta name="author" content="{escape(author)}">')
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    head = f"<title>{escape(title)} | {escape(site)}</title>"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">{head}
{''.join(meta)}<script>window.ads = [];</script><style>body {{ font-family: serif; }}</style></head>
<body><header><a href="/">{escape(site)}</a><nav><a href="/world">World</a> <a href="/sport">Sport</a>
<a href="/weather">Weather</a></nav></header>
<main><article><h1>{escape(title)}</h1>{f'<p class="byline">By {escape(author)}</p>' if author else ''}{body}</article>
<aside><h2>Related stories</h2><ul><li><a href="/r1">Markets close higher on Friday</a></li>
<li><a href="/r2">Ten recipes for a rainy weekend</a></li></ul></aside></main>
<section class="comments"><h2>Comments</h2><p>Great article, thanks for sharing.</p></section>
<footer><p>Copyright {escape(site)}. All rights reserved.</p><a href="/privacy">Privacy</a></footer></body></html>"""
