"""Time words in a question: the date window they name, whether the newest is asked for, the rest to search.

Rules, not a library (see the issue's comparison): each form below is one regular expression and one small
function giving a window of whole days, ``[start, end)``, relative to the question's "as of" moment, in its
timezone. Windows never end after the end of the as-of day; a phrase naming only the future ("in 2031",
"this Friday" on a Wednesday) is not read as time and stays in the search text.

Forms: today, yesterday, last night, the day before yesterday; this/last week, month, year (weeks start
on Monday); in 2023, in November (the most recent November, this one included), in November 2023, in
March last year, on October 7, on the 9th (the most recent 9th); on/last/this Tuesday (the most recent
Tuesday, today included; "last" excludes today); last weekend, over the weekend (the most recent Saturday
and Sunday; "this weekend" only from Saturday to Monday); two days ago, a week ago (that day, week, month
or year); over the past N days, in the last N weeks, the past week (rolling: from as-of minus N units,
floored to midnight); recently, lately, recent (``recent_days``); the start of the week (this week);
"since" before any dated form stretches it to today. Latest words (latest, most recent, newest, current,
currently, now, still, so far, to date, these days, a closing "yet") set ``latest``.

Month and weekday names are read only where they cannot be a name or a verb: a month needs a preposition,
a year or a day ("Theresa May", "May I", "the march" are not time), a weekday is not read inside a name
("Black Friday", "Super Tuesday", "the Sunday Times"). Decades ("the 1990s"), "in recent years", plurals
("on Mondays") and future phrases ("next week", "for Tuesday") are not read.

A window says when the named days were, which is when articles about them were published only roughly:
the caller decides how strictly to filter (a story about Tuesday may be dated Wednesday; "born in 1990"
names a year no article is from). The cost is linear in the question's length: about 0.15 ms for a
typical question, under 10 ms at the pipeline's 2,000-character cap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

__all__ = ["TimeReading", "read_time"]


@dataclass(frozen=True, slots=True)
class TimeReading:
    """What the time words of a question say.

    ``window`` is half-open ``[start, end)``, midnight to midnight in the as-of timezone, or None;
    ``latest`` is True when the question asks for the newest state of things; ``phrase`` is the words
    that gave the window, as written (without a leading "in"/"on"/"over"...), joined by " and " when
    there are several; ``rest`` is the question without any of the time words, for search.
    """

    window: tuple[datetime, datetime] | None
    latest: bool
    phrase: str | None
    rest: str


_MONTHS = {name: i for i, names in enumerate((
    "january jan", "february feb", "march", "april apr", "may", "june", "july", "august aug",
    "september sept sep", "october oct", "november nov", "december dec"), start=1) for name in names.split()}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
           "thirty": 30}
# Vague counts read as their largest likely value, and as "up to now" rather than one day.
_VAGUE = {"a couple of": 2, "couple of": 2, "a few": 3, "few": 3, "several": 7}
# Month names that are also words or first names: not read before "'s" ("May's cabinet").
_AMBIGUOUS_MONTHS = {"march", "may", "june", "april", "august"}
# Words that make a following weekday part of a name: "Black Friday", "Super Tuesday", "Easter Sunday".
_NAME_MODIFIERS = {"black", "cyber", "super", "good", "ash", "bloody", "holy", "maundy", "palm", "easter",
                   "giving", "shrove", "fat", "mad", "blue"}

_M = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
_Y = r"(?P<year>(?:19|20)\d\d)\b(?![,.]?\d)"
_D = r"(?<![\d,.])\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b(?![,.]?\d)"
_N = r"(?P<num>\d{1,3}|" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in (*_VAGUE, *_COUNTS)) + r")"
_U = r"(?P<unit>hour|day|week|month|year)s?"
_U1 = r"(?P<unit>day|week|month|year)"
_PREP = r"(?:(?P<prep>in|on|during|over|within|for|from|at|throughout|since)\s+)?"
_POSS = r"(?:'s|’s)?"
_NOT_OF = r"(?!\s+of\b)"

Window = tuple[date, date]


def _add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's last day (31 March - 1 month = 28/29 Feb)."""
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = (date(y + (m + 1) // 12, (m + 1) % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m + 1, min(day.day, last))


def _period(day: date, unit: str) -> Window:
    """The calendar day, ISO week, month or year that contains ``day``."""
    if unit == "day":
        return day, day + timedelta(days=1)
    if unit == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1) if unit == "month" else day.replace(month=1, day=1)
    return start, _add_months(start, 1 if unit == "month" else 12)


def _back(day: date, count: int, unit: str) -> date:
    """``day`` minus ``count`` hours (as whole days, rounded up), days, weeks, months or years."""
    if unit == "hour":
        return day - timedelta(days=-(-count // 24))
    if unit in ("day", "week"):
        return day - timedelta(days=count * (7 if unit == "week" else 1))
    return _add_months(day, -count * (1 if unit == "month" else 12))


def _count(text: str) -> tuple[int, bool]:
    """(number, vague) for "3", "three", "a few"."""
    key = " ".join(text.lower().split())
    if key.isdigit():
        return int(key), False
    return (_VAGUE[key], True) if key in _VAGUE else (_COUNTS[key], False)


def _word_before(text: str, at: int) -> tuple[str, bool]:
    """The word before position ``at`` and whether it starts the question (or a sentence of it)."""
    words = text[:at].split()
    if not words:
        return "", True
    return words[-1].strip("\"'“‘(,"), len(words) == 1 or words[-2].endswith((".", "?", "!", ":"))


def _in_name(text: str, start: int, end: int, *, check_next: bool) -> bool:
    """True when the word at ``start:end`` is part of a name ("Black Friday", "Sunday Times", "May Day").

    A capitalised word before it is not enough ("What did Biden say Tuesday?"), so only known modifiers
    count there; after it, any capitalised word but "I" does when ``check_next``.
    """
    if _word_before(text, start)[0].lower() in _NAME_MODIFIERS:
        return True
    following = text[end:end + 80].split()[:1]
    nxt = following[0].strip("\"'”’),.?!") if following else ""
    return check_next and nxt[:1].isupper() and nxt != "I" and not nxt[:1].isdigit()


def _most_recent_weekday(today: date, weekday: int, *, before_today: bool = False) -> date:
    back = (today.weekday() - weekday) % 7
    return today - timedelta(days=back or (7 if before_today else 0))


def _capitalised_inside(text: str, start: int, word: str) -> bool:
    """True for "Today" in "What did USA Today say?": capitalised, not all capitals, not the first word."""
    return word[:1].isupper() and not word.isupper() and not _word_before(text, start)[1]


def _day_words(m: re.Match[str], text: str, today: date) -> Window | None:
    word = " ".join(m["word"].lower().split())
    if _capitalised_inside(text, m.start("word"), m["word"]):
        return None  # "USA Today", the "Today" programme
    back = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
            "yesterday": 1, "last night": 1, "the day before yesterday": 2}[word]
    start = today - timedelta(days=back)
    return start, start + timedelta(days=2 if word == "last night" else 1)


def _calendar(m: re.Match[str], text: str, today: date) -> Window | None:
    if m["rel"].lower() == "the" and not m["edge"]:
        return None  # "the week" alone; "the start of the week" is this week
    start, end = _period(today, m["unit"].lower())
    return _period(start - timedelta(days=1), m["unit"].lower()) if m["rel"].lower() == "last" else (start, end)


def _day_of_this_month(m: re.Match[str], text: str, today: date) -> Window | None:
    """"On the 9th": the most recent 9th, this month's or last month's."""
    day = int(m["day"])
    month = today if day <= today.day else _add_months(today.replace(day=1), -1)
    try:
        return _period(month.replace(day=day), "day")
    except ValueError:
        return None  # "the 31st" after a 30-day month


def _rolling(m: re.Match[str], text: str, today: date) -> Window | None:
    count = _count(m["num"])[0] if m.groupdict().get("num") else 1
    return _back(today, count, m["unit"].lower()), today + timedelta(days=1)


def _ago(m: re.Match[str], text: str, today: date) -> Window | None:
    count, vague = _count(m["num"])
    unit = m["unit"].lower()
    then = _back(today, count, unit)
    return (then, today + timedelta(days=1)) if vague else _period(then, unit)


def _year(m: re.Match[str], text: str, today: date) -> Window | None:
    if (m["prep"] or "").lower() not in ("in", "during", "throughout", "since"):
        return None
    return _period(date(int(m["year"]), 1, 1), "year")


def _month(m: re.Match[str], text: str, today: date) -> Window | None:
    name = m["month"].lower()
    month = _MONTHS[name]
    prep, rel = (m["prep"] or "").lower(), (m["rel"] or "").lower()
    if not (prep in ("in", "during", "throughout", "since", "from") or m["part"] or rel or m["year"] or m["yrel"]):
        return None  # a bare month name: "March" the protest, "May" the verb or the name
    if _in_name(text, m.start("month"), m.end("month"), check_next=not (m["year"] or m["yrel"])):
        return None
    if name in _AMBIGUOUS_MONTHS and text[m.end():m.end() + 2] in ("'s", "’s"):
        return None
    if m["year"]:
        year = int(m["year"])
    elif m["yrel"]:
        year = today.year - (m["yrel"].lower() == "last")
    elif rel == "this":
        year = today.year
    else:  # the most recent such month, this one included; "last" excludes this one
        year = today.year if month < today.month or (month == today.month and rel != "last") else today.year - 1
    return _period(date(year, month, 1), "month")


def _day_of_month(m: re.Match[str], text: str, today: date) -> Window | None:
    if _in_name(text, m.start("month"), m.end("month"), check_next=False):
        return None
    month, day = _MONTHS[m["month"].lower()], int(m["day"])
    for year in ((int(m["year"]),) if m["year"] else (today.year, today.year - 1)):
        try:
            when = date(year, month, day)
        except ValueError:
            return None  # 30 February
        if m["year"] or when <= today:
            return _period(when, "day")
    return None


def _weekday(m: re.Match[str], text: str, today: date) -> Window | None:
    rel = (m["rel"] or "").lower()
    if (m["prep"] or "").lower() == "for":
        return None  # "planned for Tuesday" looks ahead
    if not (m["prep"] or rel) and _in_name(text, m.start("wd"), m.end("wd"), check_next=True):
        return None
    weekday = _WEEKDAYS.index(m["wd"].lower())
    if rel == "this" and weekday > today.weekday():
        return None  # "this Friday" on a Wednesday is ahead
    return _period(_most_recent_weekday(today, weekday, before_today=rel == "last"), "day")


def _weekend(m: re.Match[str], text: str, today: date) -> Window | None:
    rel = m["rel"].lower()
    if rel == "the" and (m["prep"] or "").lower() not in ("over", "at", "during", "on", "since", "from"):
        return None
    if rel == "this" and today.weekday() not in (0, 5, 6):
        return None  # from Tuesday to Friday, "this weekend" is the coming one
    saturday = _most_recent_weekday(today, 5, before_today=rel == "last" and today.weekday() == 5)
    if rel == "last" and today.weekday() == 6:
        saturday -= timedelta(days=7)
    return saturday, saturday + timedelta(days=2)


_Reader = Callable[[re.Match[str], str, date], Window | None]
_DATED: list[tuple[re.Pattern[str], _Reader]] = [(re.compile(p, re.IGNORECASE), f) for p, f in [
    (_PREP + r"(?P<word>today|tonight|this\s+(?:morning|afternoon|evening)|(?:the\s+day\s+before\s+)?yesterday"
     r"|last\s+night)" + _POSS + r"\b", _day_words),
    (_PREP + r"(?:(?:earlier|later)\s+|so\s+far\s+|(?P<edge>the\s+(?:start|beginning|end)\s+of\s+))?"
     r"(?P<rel>(?<!\bthe\s)last|this|the)\s+(?P<unit>week|month|year)" + _POSS + r"\b" + _NOT_OF, _calendar),
    (r"(?:(?P<prep>on|since)\s+)?the\s+" + _D + r"(?=\s*(?:[?.!,;]|$))", _day_of_this_month),
    (r"(?:(?P<prep>in|over|during|within|for|from)\s+)?(?:the\s+|this\s+)?(?:past|last|previous)\s+" + _N + r"\s+"
     + _U + r"\b" + _NOT_OF, _rolling),
    (r"(?:(?P<prep>in|over|during|within|for|from)\s+)?(?:the\s+|this\s+)?past\s+" + _U1 + r"\b" + _NOT_OF, _rolling),
    (r"(?P<prep>in|over|during|within|for)\s+the\s+(?:last|previous)\s+" + _U1 + r"\b" + _NOT_OF,
     _rolling),
    (_PREP + _N + r"\s+" + _U1 + r"s?\s+ago\b", _ago),
    (_PREP + r"(?:the\s+year\s+)?" + _Y + r"(?!s\b|'s|’s)", _year),
    (_PREP + r"(?P<part>(?:early|mid|late)[\s-]+)?(?:(?P<rel>last|this)\s+)?" + _M
     + r"(?:,?\s+(?:of\s+)?" + _Y + r"|\s+(?:of\s+)?(?P<yrel>last|this)\s+year\b)?", _month),
    (r"(?:(?P<prep>on|since|from)\s+)?(?:the\s+)?" + _M + r"\s+" + _D + r"(?:,?\s+" + _Y + ")?", _day_of_month),
    (r"(?:(?P<prep>on|since|from)\s+)?(?:the\s+)?" + _D + r"(?:\s+of)?\s+" + _M + r"(?:,?\s+" + _Y + ")?",
     _day_of_month),
    (_PREP + r"(?:(?P<rel>last|this)\s+)?(?P<wd>" + "|".join(_WEEKDAYS) + r")" + _POSS + r"\b", _weekday),
    (_PREP + r"(?P<rel>this|last|the)\s+weekend" + _POSS + r"\b", _weekend),
]]
_RECENT = re.compile(r"\b(?:(?:in\s+)?recent\s+(?:days|weeks|times)|recently|lately|of\s+late"
                     r"|(?<!most\s)recent(?!\s+(?:years?|decades?|history|memory|centur\w+|past|months)))\b",
                     re.IGNORECASE)
_LATEST = re.compile(r"\b(?:(?:the\s+)?(?:very\s+)?latest|most\s+recent(?:ly)?|newest|currently|presently|nowadays"
                     r"|(?:right\s+)?now(?!-|\s+(?:known|called|named)\b)|current(?!\s+accounts?\b)|still|so\s+far"
                     r"|to\s+date|up\s+to\s+now|as\s+of\s+(?:now|today)|at\s+(?:present|the\s+moment)|these\s+days"
                     r"|yet(?=\s*[?.!]*$))\b", re.IGNORECASE)
_PHRASE_EDGES = re.compile(r"^(?:in|on|during|over|within|for|from|at|throughout)\s+|(?:'s|’s)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    window: Window | None  # None for a latest word


def read_time(question: str, as_of: datetime | None = None, *, recent_days: int = 30) -> TimeReading:
    """Read the time words of ``question`` relative to ``as_of``.

    Args:
        question: the question as asked.
        as_of: the moment the question is asked about, timezone-aware; None means now, in UTC.
        recent_days: how far back "recently", "lately" and "recent" reach.

    Returns:
        A ``TimeReading``; when several phrases name windows, the window spans them all.

    Raises:
        ValueError: ``as_of`` has no timezone.
    """
    as_of = datetime.now(UTC) if as_of is None else as_of
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError("as_of must be timezone-aware")
    today = as_of.date()
    tomorrow = today + timedelta(days=1)
    hits: list[_Hit] = []
    for pattern, reader in _DATED:
        for m in pattern.finditer(question):
            window = reader(m, question, today)
            if window is None:
                continue
            start = window[0]
            end = tomorrow if (m.groupdict().get("prep") or "").lower() == "since" else min(window[1], tomorrow)
            if start < end:
                hits.append(_Hit(m.start(), m.end(), (start, end)))
    hits += [_Hit(m.start(), m.end(), (today - timedelta(days=recent_days), tomorrow))
             for m in _RECENT.finditer(question)]
    hits += [_Hit(m.start(), m.end(), None) for m in _LATEST.finditer(question)
             if not _capitalised_inside(question, m.start(), m[0])]  # "Apocalypse Now"
    chosen: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, h.start - h.end)):  # leftmost, then longest
        if not chosen or hit.start >= chosen[-1].end:
            chosen.append(hit)
    windows = [(h.window, _PHRASE_EDGES.sub("", question[h.start:h.end])) for h in chosen if h.window]
    window = None
    if windows:
        zone = as_of.tzinfo
        window = (datetime.combine(min(w[0] for w, _ in windows), time(), zone),
                  datetime.combine(max(w[1] for w, _ in windows), time(), zone))
    return TimeReading(window=window, latest=any(h.window is None for h in chosen),
                       phrase=" and ".join(p for _, p in windows) or None, rest=_without(question, chosen))


def _without(question: str, hits: list[_Hit]) -> str:
    """The question with the hits cut out and the spaces and commas they leave tidied; as asked if none."""
    if not hits:
        return question
    pieces, pos = [], 0
    for hit in hits:
        pieces.append(question[pos:hit.start])
        pos = hit.end
    rest = " ".join([*pieces, question[pos:]])
    rest = re.sub(r"\s+", " ", rest)
    rest = re.sub(r"\s+([?.!,;:])", r"\1", rest)
    rest = re.sub(r"[,;:]+(?=[?.!,;:]|$)", "", rest)
    return rest.strip(" ,;:")
