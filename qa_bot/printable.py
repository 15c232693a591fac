"""Text safe to read or show: no control characters (a terminal's escape sequences) nor bidirectional overrides.

An article may hold them, by accident or to deceive: ``ESC ]8;;URL`` makes a terminal show a link of the
article's choosing, and a right-to-left override shows words in another order than they are read. A question
is searched without them, and a quote, a title or a link is shown without them (the JSON output keeps the text
exactly, escaped).
"""

from __future__ import annotations

import unicodedata
from typing import Any


def plural(count: int, thing: str) -> str:
    """``count`` and ``thing``, in the plural unless there is one: ``1 document``, ``405 passages``."""
    return f"{count} {thing}{'' if count == 1 else 's'}"


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """``text`` without control characters (whitespace stays) and bidirectional overrides."""
    return "".join(ch for ch in text if ch.isspace() or not (unicodedata.category(ch) == "Cc" or ch in _BIDI))


def print_whole(console: Any, table: Any) -> None:
    """Print a rich ``table`` on ``console``; into a file or a pipe, as wide as it needs, so no heading or cell is
    cut to the 80 columns rich assumes there (a terminal keeps its own width)."""
    if console.is_terminal:
        console.print(table)
        return
    natural = console.measure(table, options=console.options.update_width(100_000)).maximum
    assumed = console.width
    console.width = max(assumed, natural)
    try:
        console.print(table)
    finally:
        console.width = assumed
