"""An article page's main text and metadata, read with trafilatura (boilerplate, comments and ads left out).

Nothing fetched is ever executed: the page is parsed as a tree by lxml, under the same nesting limit as
the articles folder's HTML files (:data:`qa_bot.ingest.htmltext.MAX_DEPTH`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from qa_bot.ingest.dates import normalize_date
from qa_bot.ingest.htmltext import structured_dates

log = logging.getLogger(__name__)
MIN_TEXT_CHARS = 200
"""A page whose main text is shorter than this is not an article (an index page, a video, a paywall stub)."""


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """What an article page yields."""

    text: str
    """The main text, one paragraph a block, blocks separated by blank lines; the headline left out."""
    title: str | None
    date: str | None
    """When it was published, ISO 8601, from the page's metadata (meta tags, JSON-LD, ``<time>``)."""
    author: str | None
    url: str | None
    """The canonical URL the page gives for itself (``link rel=canonical``, ``og:url``), else the page's own."""
    site: str | None
    """The site's name (``og:site_name``) or host."""
    modified: str | None = None
    """When the page says it was last changed (``article:modified_time``, JSON-LD ``dateModified``)."""
    guessed_date: str | None = None
    """The day trafilatura's date search reads off the page's dateline, URL or text: a guess (a year in the
    text can pass for a date), to take only when neither the metadata nor the feed gives one."""


# Lines a CMS puts inside the article body that are not the article: links to other stories, ad labels.
_FURNITURE = re.compile(
    r"(?:read more|read also|also read|related|see also|more on this story|advertisement|sponsored)\b\s*[:|»›>-]?",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = r"\s*(?:\||::|»|–|—|-|:)\s*"


def _paragraphs(text: str, title: str | None) -> str:
    """trafilatura's lines as paragraphs separated by blank lines, without a first line that repeats the title
    and without "Read more: ..." lines and ad labels."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not (_FURNITURE.match(line) and len(line) < 200)]
    if lines and title and lines[0].casefold() == title.strip().casefold():
        lines = lines[1:]
    return "\n\n".join(lines)


def _plain_title(title: str | None, site: str | None) -> str | None:
    """The headline without the site's name put before or after it ("Example News | Headline")."""
    if not title or not site:
        return title
    name = re.escape(site.strip())
    plain = re.sub(rf"^{name}{_TITLE_SEPARATORS}|{_TITLE_SEPARATORS}{name}$", "", title, flags=re.IGNORECASE).strip()
    return plain or title


def _day_guess(guess: str | None) -> str | None:
    """trafilatura's date guess, unless it is a year alone (read as 1 January: "in 2015", "© 2019")."""
    return None if not guess or guess.endswith("-01-01") else guess


def extract_article(html: str, url: str | None = None) -> ExtractedArticle | None:
    """Read the article in ``html`` (fetched from ``url``, which resolves relative links and is the fallback
    canonical URL). Returns None when the page holds no article text of :data:`MIN_TEXT_CHARS` or more.

    Raises:
        ValueError: the elements nest deeper than the HTML reader allows.
    """
    import trafilatura

    published, modified = structured_dates(html)  # raises ValueError on too deep nesting, before lxml parses it
    found = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, deduplicate=False,
        date_extraction_params={"extensive_search": True, "original_date": True},
    )
    document = found if isinstance(found, dict) or found is None else found.as_dict()
    if not isinstance(document, dict) or not document.get("text"):
        return None
    site = (document.get("sitename") or document.get("hostname") or "").strip() or None
    title = _plain_title((document.get("title") or "").strip() or None, document.get("sitename"))
    text = _paragraphs(str(document["text"]), title)
    if len(text) < MIN_TEXT_CHARS:
        return None
    return ExtractedArticle(
        text=text,
        title=title,
        date=published,
        author=(document.get("author") or "").strip() or None,
        url=(document.get("url") or url or "").strip() or None,
        site=site,
        modified=modified,
        guessed_date=_day_guess(normalize_date(document.get("date") or "")),
    )
