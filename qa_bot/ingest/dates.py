"""Article dates read from the forms found in files and feeds, and written as ISO 8601; never guessed.

:func:`normalize_date` returns ``YYYY-MM-DD`` when a day is known, or ``YYYY-MM-DDTHH:MM:SS+HH:MM`` when the
instant is known: a time with its zone, kept as given (``Z``, ``UTC`` and ``GMT`` become ``+00:00``). A time
without a zone, or with a zone name not known here, is kept as its day alone: the day as written is certain,
the instant is not, and a zone made up for it would be a guess. What cannot be read is refused (``None``):
day and month in an order not said (``03/01/2020``), a missing year or day, a two-digit year, a number of
seconds since 1970 (seconds or milliseconds?), and anything else not listed in :func:`normalize_date`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_MAX_CHARS = 100
_FLAGS = re.IGNORECASE | re.ASCII  # ASCII: no other script's digits, and no "K" (Kelvin) matching "k"
_ZONE = r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?|[A-Z]{2,5})"
_YEAR_FIRST = re.compile(
    r"(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    r"(?:(?:T|\s)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d{1,9})?)?"
    rf"(?:\s?{_ZONE})?"
    r"|Z|[+-]\d{2}:\d{2})?",  # a day with a zone (XML Schema's xs:date): the day is what counts
    _FLAGS,
)
_TIME = (
    r"(?:,?\s(?:at\s)?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    rf"(?:\s?(?P<ampm>[ap]\.?m\.?))?(?:\s?{_ZONE})?)?"
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s)?"  # read past, as email.utils does
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_MONTH_NAME = r"(?P<month>[a-z]{3,9})\.?"
_MONTH_DAY_YEAR = re.compile(rf"{_WEEKDAY}{_MONTH_NAME}\s{_DAY},?\s(?P<year>\d{{4}}){_TIME}", _FLAGS)
_DAY_MONTH_YEAR = re.compile(rf"{_WEEKDAY}{_DAY}\s(?:of\s)?{_MONTH_NAME},?\s(?P<year>\d{{4}}){_TIME}", _FLAGS)
_RFC_2822 = re.compile(
    r"(?:[a-z]{3},\s?)?\d{1,2}\s[a-z]{3}\s\d{4}\s\d{1,2}:\d{2}(?::\d{2})?(?:\s(?:[+-]\d{4}|[a-z]{1,5}))?", _FLAGS
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        "jan january|feb february|mar march|apr april|may|jun june|jul july|aug august|sep sept september"
        "|oct october|nov november|dec december".split("|"),
        start=1,
    )
    for name in names.split()
}
# The zone names RFC 2822 defines (as email.utils reads them); others (CET, IST, ...) mean different
# offsets in different places, so a time given with one is kept as its day.
_ZONE_HOURS = dict(z=0, ut=0, utc=0, gmt=0, est=-5, edt=-4, cst=-6, cdt=-5, mst=-7, mdt=-6, pst=-8, pdt=-7)


def _zone(text: str | None) -> timezone | None:
    """The fixed offset ``text`` names (``Z``, ``UTC``, ``+05:30``, ``-0800``, ``+05``), or None if unknown."""
    if not text:
        return None
    if text[0] in "+-":
        digits = text[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if minutes >= 60:
            raise ValueError("offset minutes out of range")
        offset = timedelta(hours=hours, minutes=minutes)
        return timezone(-offset if text[0] == "-" else offset)
    named = _ZONE_HOURS.get(text.lower())
    return None if named is None else timezone(timedelta(hours=named))


def _iso(match: re.Match[str], month: int) -> str:
    """ISO text for a matched date, with its time only when the time and its zone are both known.

    Raises:
        ValueError: a field is out of range (month 13, February 30, hour 25, offset +25:00).
    """
    day = date(int(match["year"]), month, int(match["day"]))
    if match["hour"] is None:
        return day.isoformat()
    hour = int(match["hour"])
    ampm = match.groupdict().get("ampm")
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError("hour out of range for a.m./p.m.")
        hour = hour % 12 + (12 if ampm[0].lower() == "p" else 0)
    moment = datetime(day.year, day.month, day.day, hour, int(match["minute"]), int(match["second"] or 0))
    zone = _zone(match["zone"])
    return day.isoformat() if zone is None else moment.replace(tzinfo=zone).isoformat(timespec="seconds")


def _rfc_2822(text: str) -> str:
    moment = parsedate_to_datetime(text)
    if text.endswith("-0000"):  # RFC 5322: a time in UTC whose local zone is not known
        moment = moment.replace(tzinfo=UTC)
    if moment.tzinfo is None:  # no zone, or a zone name email.utils does not know
        return moment.date().isoformat()
    return moment.isoformat(timespec="seconds")


def normalize_date(raw: str) -> str | None:
    """Read an article's date, returning it as ISO 8601 text, or None when it cannot be read for certain.

    Accepted (case and runs of whitespace do not matter):

    - year first, with ``-``, ``/`` or ``.``: ``2023-11-13``, ``2020/01/03``, ``2020-1-3``, with an optional
      time and zone: ``2023-11-13T08:30:00Z``, ``2023-11-13T08:30:00.123+05:30``, ``2023-11-13 08:30``;
    - month names: ``Nov. 13, 2023``, ``November 13th, 2023``, ``13 November 2023``, ``Monday, 13 Nov 2023``,
      with an optional time: ``Nov 13, 2023, 8:30 p.m. EST``, ``13 November 2023 at 08:30 UTC``;
    - RFC 2822, as in feeds (read by :func:`email.utils.parsedate_to_datetime`):
      ``Mon, 13 Nov 2023 08:30:00 GMT``, ``Mon, 13 Nov 2023 08:30:00 +0000``.

    Returns:
        ``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM:SS+HH:MM`` when a time and its zone are given (the zone kept
        as given; fractions of a second dropped). None for anything else, see the module's docstring.
    """
    text = " ".join(raw.split())
    if not text or len(text) > _MAX_CHARS:
        return None
    try:
        if match := _YEAR_FIRST.fullmatch(text):
            return _iso(match, int(match["month"]))
        if _RFC_2822.fullmatch(text):
            return _rfc_2822(text)
        match = _MONTH_DAY_YEAR.fullmatch(text) or _DAY_MONTH_YEAR.fullmatch(text)
        if match and match["month"].lower() in _MONTHS:
            return _iso(match, _MONTHS[match["month"].lower()])
    except (ValueError, OverflowError, TypeError):
        return None
    return None


def first_date(candidates: Iterable[str | None]) -> tuple[str | None, str | None]:
    """The first readable date among ``candidates`` (in order of trust; None and blanks are absent).

    Returns:
        (ISO date, None) for the first candidate that reads; (None, the first raw value) when dates are
        present but none reads; (None, None) when there is none.
    """
    unreadable = None
    for candidate in candidates:
        if candidate is None or not candidate.strip():
            continue
        iso = normalize_date(candidate)
        if iso is not None:
            return iso, None
        unreadable = unreadable or candidate.strip()
    return None, unreadable
