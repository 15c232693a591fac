"""Bytes to text as a browser reads a page, shared by pages fetched from feeds and HTML files read from disk."""

from __future__ import annotations

import re

BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
"""Byte order marks and the codec each one names, longest first (Python's utf-16 and utf-32 read the mark)."""
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
"""``<meta charset="...">`` or ``<meta http-equiv="Content-Type" content="text/html; charset=...">``."""


def by_bom(data: bytes, errors: str = "replace") -> str | None:
    """``data`` decoded by the codec its byte order mark names (bad bytes replaced, or with ``errors="strict"``
    refused with UnicodeDecodeError); None without one."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors=errors)
    return None


def page_text(data: bytes, charset: str | None = None) -> str:
    """A page's bytes decoded as a browser would: a byte order mark, else ``charset`` (a Content-Type's), else
    the page's own ``<meta charset>`` (in its first 1,024 bytes), else UTF-8 when the bytes are UTF-8, else
    windows-1252 (what unlabelled legacy pages are); bad bytes replaced."""
    marked = by_bom(data)
    if marked is not None:
        return marked
    declared = _META_CHARSET.search(data[:1024])
    meta = declared.group(1).decode("ascii") if declared else None
    if meta and meta.lower().replace("_", "-").startswith("utf-16"):  # a page that can say so in ASCII is not
        meta = "utf-8"  # UTF-16: browsers read UTF-8 instead, as the HTML standard says
    for label in (charset, meta):
        if label:
            try:
                return data.decode(label, errors="replace")
            except LookupError:
                continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
