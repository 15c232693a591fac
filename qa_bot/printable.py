"""Text safe to read or show: no control characters (a terminal's escape sequences) nor bidirectional overrides.

An article may hold them, by accident or to deceive: ``ESC ]8;;URL`` makes a terminal show a link of the
article's choosing, and a right-to-left override shows words in another order than they are read. A question
is searched without them, and a quote, a title or a link is shown without them (the JSON output keeps the text
exactly, escaped).
"""

from __future__ import annotations

import unicodedata

_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """``text`` without control characters (whitespace stays) and bidirectional overrides."""
    return "".join(ch for ch in text if ch.isspace() or not (unicodedata.category(ch) == "Cc" or ch in _BIDI))
