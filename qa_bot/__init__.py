"""qa-bot: answer questions about a folder of news articles with verbatim, sourced quotes."""

from __future__ import annotations

__version__ = "0.1.0"
