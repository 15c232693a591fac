"""Metadata carried inside an article's text: a leading date line, a title, a "Sources" list.

The body returned is the article's text without those parts; quotes and offsets refer to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from qa_bot.ingest.dates import normalize_date

# "date 2023-11-13" (year first, maybe with a time), which text may follow on the same line ...
_DATE_LINE = re.compile(
    r"\A\s*date:?\s+(\d{4}([-/.])\d{1,2}\2\d{1,2}(?![0-9])"
    r"(?:(?:T|[ \t])\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?![0-9])(?:[ \t]?(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)\b)?)?)"
    r"[ \t]*\n?",
    re.IGNORECASE | re.ASCII,
)
# ... or "Date: Nov. 13, 2023": any form with a year, alone on a short line. Without the colon ("date Nov. 13,
# 2023") only a line that reads as a date, or is all digits ("date 03/01/2020"), is one: "Date palms grew
# in 2000 gardens" is the article's first sentence.
_LABELLED_DATE_LINE = re.compile(r"\A\s*date(:?)[ \t]*(?=[^\n]*\b\d{4}\b)([^\n]{4,60}?)[ \t]*(?:\n|\Z)", re.I | re.A)
_NUMERIC_DATE = re.compile(r"\d{1,4}([-/.])\d{1,2}\1\d{1,4}")
_SOURCES_HEADING = re.compile(r"^[ \t]*(?:#+[ \t]*)?(?:sources?|references)[ \t]*:?[ \t]*$", re.I | re.M)
_MD_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BARE_URL = re.compile(r"https?://[^\s)>\]]+")
_MD_HEADING = re.compile(r"\A\s*#{1,6}[ \t]+(.+?)[ \t#]*\n")
_MAX_TITLE_CHARS = 150


@dataclass(frozen=True, slots=True)
class TextMetadata:
    """The body of a plain-text or Markdown article and the metadata found in it."""

    body: str
    title: str | None
    url: str | None
    date: str | None
    """ISO 8601 (see :func:`~qa_bot.ingest.dates.normalize_date`), or None."""
    source: str | None
    unreadable_date: str | None = None
    """The date line's value when it is there but cannot be read (``date`` is then None)."""


def _split_sources(text: str) -> tuple[str, list[tuple[str | None, str]]]:
    """Cut a trailing "Sources:" section off ``text``; return the rest and its (label, url) links."""
    headings = list(_SOURCES_HEADING.finditer(text))
    if not headings:
        return text, []
    match = headings[-1]  # the last such heading: an article may mention "sources" earlier
    section = text[match.end():]
    links: list[tuple[str | None, str]] = [(m.group(1).strip(), m.group(2)) for m in _MD_LINK.finditer(section)]
    if not links:
        links = [(None, u) for u in _BARE_URL.findall(section)]
    if not links:
        return text, []
    return text[: match.start()], links


def _first_line_title(body: str) -> tuple[str | None, str]:
    """A Markdown heading, or a short first line standing alone, is the title; return it and the rest."""
    heading = _MD_HEADING.match(body)
    if heading:
        return heading.group(1).strip(), body[heading.end():]
    stripped = body.lstrip()
    first, sep, rest = stripped.partition("\n")
    first = first.strip()
    if (
        sep
        and first
        and len(first) <= _MAX_TITLE_CHARS
        and not first.endswith((".", "?", "!", ":", ";", ","))
        and rest.startswith("\n")
    ):
        return first, rest
    return None, body


def extract_metadata(text: str) -> TextMetadata:
    """Split ``text`` into its body and the metadata it carries.

    Recognises a leading ``date YYYY-MM-DD`` line (year first, maybe with a time; text may follow on
    the same line) or a short ``Date: <any form with a year>`` line (without the colon, only when it reads
    as a date or is all digits), a Markdown heading or short first
    line as the title, and links listed under a trailing "Sources" heading (the first one is the
    article's URL; its label is the title if none was found). The date is returned as ISO 8601; one
    that cannot be read is left out and returned as ``unreadable_date``.
    """
    date = unreadable = None
    body = text
    date_match = _DATE_LINE.match(body)
    raw = date_match.group(1).strip() if date_match else None
    if date_match is None and (labelled := _LABELLED_DATE_LINE.match(body)):
        raw = labelled.group(2).strip()
        if labelled.group(1) or normalize_date(raw) or _NUMERIC_DATE.fullmatch(raw):
            date_match = labelled
    if date_match and raw:
        date = normalize_date(raw)
        unreadable = None if date else raw
        body = body[date_match.end():]
    body, links = _split_sources(body)
    title, body = _first_line_title(body)
    url = links[0][1] if links else None
    if title is None and links and links[0][0]:
        title = links[0][0]
    source = None
    if url:
        host = urlparse(url).hostname or ""
        source = host.removeprefix("www.") or None
    return TextMetadata(
        body=body.strip("\n\r\t "), title=title, url=url, date=date, source=source, unreadable_date=unreadable
    )
