"""robots.txt rules for one site (scheme, host and port), as RFC 9309 says to read them.

The fetcher downloads each site's robots.txt itself (through its own rate limit, user agent and timeout) and
hands the outcome here. Protego (Scrapy's robots.txt parser) reads it as RFC 9309 does: the most specific
(longest) rule wins, and ``*`` and ``$`` in paths are wildcards; the standard library's parser does neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

PRODUCT_TOKEN = "qa-bot"
"""The name qa-bot answers to in a robots.txt ``User-agent:`` line."""

ROBOTS_MAX_BYTES = 512 * 1024
"""How much of a robots.txt is read; RFC 9309 asks crawlers to parse at least the first 500 KiB."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


def site_of(url: str) -> str:
    """The site a URL belongs to for robots.txt: ``scheme://host:port``, host lowercased, port always given."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"{scheme}://{host}:{parts.port or _DEFAULT_PORTS.get(scheme, 0)}"


def robots_url(url: str) -> str:
    """The address of the robots.txt that governs ``url``."""
    return f"{site_of(url)}/robots.txt"


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """What one site's robots.txt lets qa-bot fetch; build it with one of the class methods."""

    parser: Protego | None = None
    """The parsed file, or None when every path is allowed (no file) or refused (``unreachable``)."""
    unreachable: str | None = None
    """Why the file could not be read (a server error, a timeout): then nothing on the site is fetched."""

    @classmethod
    def allow_all(cls) -> RobotsRules:
        """No robots.txt (a 4xx answer): everything may be fetched."""
        return cls()

    @classmethod
    def unavailable(cls, reason: str) -> RobotsRules:
        """robots.txt unreachable (5xx, 429, a network error): nothing may be fetched, for ``reason``."""
        return cls(unreachable=reason)

    @classmethod
    def parse(cls, body: bytes) -> RobotsRules:
        """The rules of a robots.txt served with a 2xx status (``body`` as fetched, UTF-8 expected)."""
        return cls(parser=Protego.parse(body.decode("utf-8", errors="replace").removeprefix("\ufeff")))

    @classmethod
    def from_status(cls, status: int, body: bytes) -> RobotsRules:
        """The rules RFC 9309 gives a robots.txt answered with HTTP ``status`` and ``body``.

        2xx: the file's rules. 4xx: allow all, except 429, which (as Google reads it) means "come back
        later" and so refuses all like a 5xx. Anything else (5xx, an unfollowed 3xx): refuse all.
        """
        if 200 <= status < 300:
            return cls.parse(body)
        if 400 <= status < 500 and status != 429:
            return cls.allow_all()
        return cls.unavailable(f"HTTP {status}")

    def allows(self, url: str) -> bool:
        """Whether qa-bot may fetch ``url`` (a URL of this site)."""
        if self.unreachable is not None:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, PRODUCT_TOKEN))
