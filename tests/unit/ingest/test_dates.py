from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa_bot.ingest.dates import first_date, normalize_date

ACCEPTED = [
    # ISO 8601 and other year-first numeric forms
    ("2023-11-13", "2023-11-13"),
    ("2020/01/03", "2020-01-03"),
    ("2020-1-3", "2020-01-03"),
    ("2020/1/3", "2020-01-03"),
    ("2020.01.03", "2020-01-03"),
    ("  2023-11-13\n", "2023-11-13"),
    ("2023-11-13T08:30:00Z", "2023-11-13T08:30:00+00:00"),
    ("2023-11-13t08:30:00z", "2023-11-13T08:30:00+00:00"),
    ("2023-11-13T08:30:00+05:30", "2023-11-13T08:30:00+05:30"),
    ("2023-11-13T08:30:00.123456-08:00", "2023-11-13T08:30:00-08:00"),
    ("2023-11-13T08:30:00+0530", "2023-11-13T08:30:00+05:30"),
    ("2023-11-13T08:30-08", "2023-11-13T08:30:00-08:00"),
    ("2023-11-13 08:30 UTC", "2023-11-13T08:30:00+00:00"),
    ("2023-11-13 08:30:15 GMT", "2023-11-13T08:30:15+00:00"),
    ("2020/01/03 23:59 +01:00", "2020-01-03T23:59:00+01:00"),
    # a time without a zone, or with a zone name that is not one offset everywhere: the day alone
    ("2023-11-13 08:30", "2023-11-13"),
    ("2023-11-13T08:30:00", "2023-11-13"),
    ("2023-11-13 08:30 CET", "2023-11-13"),
    # a day with a zone (xs:date)
    ("2023-11-13Z", "2023-11-13"),
    ("2023-11-13+05:00", "2023-11-13"),
    # month names
    ("Nov. 13, 2023", "2023-11-13"),
    ("Nov 13, 2023", "2023-11-13"),
    ("Nov 13 2023", "2023-11-13"),
    ("November 13, 2023", "2023-11-13"),
    ("november 13th, 2023", "2023-11-13"),
    ("Sept. 1, 2023", "2023-09-01"),
    ("13 November 2023", "2023-11-13"),
    ("13 Nov. 2023", "2023-11-13"),
    ("1st of March, 2024", "2024-03-01"),
    ("Monday, November 13, 2023", "2023-11-13"),
    ("Monday, 13 Nov 2023", "2023-11-13"),
    ("Nov 13, 2023, 8:30 p.m. EST", "2023-11-13T20:30:00-05:00"),
    ("Nov 13, 2023 12:05 am GMT", "2023-11-13T00:05:00+00:00"),
    ("13 November 2023 at 08:30 UTC", "2023-11-13T08:30:00+00:00"),
    ("November 13, 2023 08:30", "2023-11-13"),
    # RFC 2822, as in feeds
    ("Mon, 13 Nov 2023 08:30:00 GMT", "2023-11-13T08:30:00+00:00"),
    ("Mon, 13 Nov 2023 08:30:00 +0000", "2023-11-13T08:30:00+00:00"),
    ("Mon, 13 Nov 2023 08:30:00 -0000", "2023-11-13T08:30:00+00:00"),
    ("Mon, 13 Nov 2023 08:30:00 +0530", "2023-11-13T08:30:00+05:30"),
    ("Mon, 13 Nov 2023 08:30:00 EST", "2023-11-13T08:30:00-05:00"),
    ("13 Nov 2023 08:30 UT", "2023-11-13T08:30:00+00:00"),
    ("Mon, 13 Nov 2023 08:30:00", "2023-11-13"),
    ("Mon, 13 Nov 2023 08:30:00 CET", "2023-11-13"),
]

REFUSED = [
    "",
    "   ",
    "yesterday",
    "2 hours ago",
    # day and month in an order not said
    "03/01/2020",
    "13/11/2023",
    "11/13/2023",
    "01/03/20",
    "03-01-2020",
    "3.1.2020",
    # no year, no day, or a two-digit year
    "Nov 13",
    "November 13th",
    "November 2023",
    "2023",
    "2023-11",
    "13 Nov 23 08:30 GMT",
    "Mon, 13 Nov 23 08:30:00 GMT",
    # numbers of seconds (or milliseconds?) since 1970, and ISO's basic format
    "1699864200",
    "1699864200000",
    "20231113",
    # out of range
    "2023-13-01",
    "2023-02-30",
    "0000-00-00",
    "2023-11-13T25:00Z",
    "2023-11-13T08:60Z",
    "2023-11-13T08:30+25:00",
    "2023-11-13T08:30+05:75",
    "Nov 13, 2023 13:00 pm",
    "Mon, 31 Feb 2023 08:30:00 GMT",
    # not a date, or more than one
    "Smarch 13, 2023",
    "Mon, 13 Foo 2023 08:30:00 GMT",
    "2020/01-03",
    "2020/01/03 extra",
    "2023-11-13 the",
    "Nov 13, 2023 to Nov 14, 2023",
    "2023-11-13T",
    "2023-11-13T08:30:00+05:30[Asia/Kolkata]",
    "\uff12\uff10\uff12\uff13-11-13",  # full-width digits
    "2023-11-13" + " " * 5 + "x" * 200,
]


@pytest.mark.parametrize(("raw", "expected"), ACCEPTED)
def test_accepted_forms_become_iso(raw, expected):
    assert normalize_date(raw) == expected


@pytest.mark.parametrize("raw", REFUSED)
def test_unreadable_or_ambiguous_dates_are_refused_not_guessed(raw):
    assert normalize_date(raw) is None


def test_first_readable_candidate_wins_and_the_first_unreadable_is_reported():
    assert first_date([None, " ", "03/01/2020", "2020-01-03"]) == ("2020-01-03", None)
    assert first_date(["  03/01/2020 ", "soon"]) == (None, "03/01/2020")
    assert first_date([None, ""]) == (None, None)
    assert first_date([]) == (None, None)


def _is_iso(value: str) -> bool:
    if len(value) == 10:
        return date.fromisoformat(value).isoformat() == value
    moment = datetime.fromisoformat(value)
    return moment.tzinfo is not None and moment.isoformat(timespec="seconds") == value


@given(st.one_of(st.text(max_size=60), st.datetimes().map(str), st.dates().map(lambda d: d.strftime("%d %B %Y"))))
def test_any_text_is_read_as_iso_or_refused_never_crashes(raw):
    result = normalize_date(raw)
    assert result is None or _is_iso(result)


_ZONES = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=_ZONES))
def test_every_day_and_zoned_time_reads_back_as_itself(moment):
    day = moment.date().isoformat()
    assert normalize_date(day) == day
    assert normalize_date(moment.strftime("%B %d, %Y")) == day
    stamp = moment.replace(microsecond=0).isoformat()
    assert normalize_date(stamp) == stamp
    assert normalize_date(moment.isoformat().replace("+00:00", "Z")) == stamp
