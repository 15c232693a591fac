from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from qa_bot.answer.time_words import TimeReading, read_time

AS_OF = datetime(2023, 11, 15, 14, 0, tzinfo=UTC)  # a Wednesday


def days(start: str, end: str) -> tuple[date, date]:
    return date.fromisoformat(start), date.fromisoformat(end)


def window_days(reading: TimeReading) -> tuple[date, date] | None:
    if reading.window is None:
        return None
    start, end = reading.window
    assert start.tzinfo is AS_OF.tzinfo and end.tzinfo is AS_OF.tzinfo
    assert start.time() == end.time() == datetime.min.time()
    return start.date(), end.date()


# Each form, as of Wednesday 2023-11-15 14:00 UTC: (question, window, phrase).
FORMS = [
    ("What happened today?", days("2023-11-15", "2023-11-16"), "today"),
    ("What did Sunak say yesterday?", days("2023-11-14", "2023-11-15"), "yesterday"),
    ("What happened the day before yesterday?", days("2023-11-13", "2023-11-14"), "the day before yesterday"),
    ("Who was arrested last night?", days("2023-11-14", "2023-11-16"), "last night"),
    ("What did the Fed do this week?", days("2023-11-13", "2023-11-16"), "this week"),
    ("Who resigned last week?", days("2023-11-06", "2023-11-13"), "last week"),
    ("What was agreed this month?", days("2023-11-01", "2023-11-16"), "this month"),
    ("How many crossed the Channel last month?", days("2023-10-01", "2023-11-01"), "last month"),
    ("What records fell this year?", days("2023-01-01", "2023-11-16"), "this year"),
    ("Who won the Booker last year?", days("2022-01-01", "2023-01-01"), "last year"),
    ("What happened in 2023?", days("2023-01-01", "2023-11-16"), "2023"),
    ("What happened in Ukraine during 2022?", days("2022-01-01", "2023-01-01"), "2022"),
    ("Who visited Kyiv in November?", days("2023-11-01", "2023-11-16"), "November"),
    ("What did the Bank decide in December?", days("2022-12-01", "2023-01-01"), "December"),
    ("What happened in November 2022?", days("2022-11-01", "2022-12-01"), "November 2022"),
    ("What happened in November 2023?", days("2023-11-01", "2023-11-16"), "November 2023"),
    ("What happened in March last year?", days("2022-03-01", "2022-04-01"), "March last year"),
    ("What happened last November?", days("2022-11-01", "2022-12-01"), "last November"),
    ("What happened in early October?", days("2023-10-01", "2023-11-01"), "early October"),
    ("What happened on October 7?", days("2023-10-07", "2023-10-08"), "October 7"),
    ("What happened on 7 October?", days("2023-10-07", "2023-10-08"), "7 October"),
    ("What happened on December 25?", days("2022-12-25", "2022-12-26"), "December 25"),
    ("What happened on 3rd March 2020?", days("2020-03-03", "2020-03-04"), "3rd March 2020"),
    ("What did Biden say on Tuesday?", days("2023-11-14", "2023-11-15"), "Tuesday"),
    ("What did Xi say on Wednesday?", days("2023-11-15", "2023-11-16"), "Wednesday"),
    ("What did Xi say last Wednesday?", days("2023-11-08", "2023-11-09"), "last Wednesday"),
    ("What did Musk post Thursday?", days("2023-11-09", "2023-11-10"), "Thursday"),
    ("How did Monday's vote go?", days("2023-11-13", "2023-11-14"), "Monday"),
    ("How far has the army advanced since Monday?", days("2023-11-13", "2023-11-16"), "since Monday"),
    ("Who has joined since last week?", days("2023-11-06", "2023-11-16"), "since last week"),
    ("How many were freed since October?", days("2023-10-01", "2023-11-16"), "since October"),
    ("What has changed since 2020?", days("2020-01-01", "2023-11-16"), "since 2020"),
    ("What happened over the weekend?", days("2023-11-11", "2023-11-13"), "the weekend"),
    ("What happened last weekend?", days("2023-11-11", "2023-11-13"), "last weekend"),
    ("What happened over the past 3 days?", days("2023-11-12", "2023-11-16"), "the past 3 days"),
    ("What happened in the last 7 days?", days("2023-11-08", "2023-11-16"), "the last 7 days"),
    ("What happened in the past two weeks?", days("2023-11-01", "2023-11-16"), "the past two weeks"),
    ("What happened in the past few days?", days("2023-11-12", "2023-11-16"), "the past few days"),
    ("How has oil moved over the last 6 months?", days("2023-05-15", "2023-11-16"), "the last 6 months"),
    ("What happened in the past 24 hours?", days("2023-11-14", "2023-11-16"), "the past 24 hours"),
    ("What has Hamas said the past week?", days("2023-11-08", "2023-11-16"), "the past week"),
    ("What happened in the last week?", days("2023-11-08", "2023-11-16"), "the last week"),
    ("What happened this past month?", days("2023-10-15", "2023-11-16"), "this past month"),
    ("What did Sunak say two days ago?", days("2023-11-13", "2023-11-14"), "two days ago"),
    ("What did OpenAI announce a week ago?", days("2023-11-06", "2023-11-13"), "a week ago"),
    ("What did he say a few days ago?", days("2023-11-12", "2023-11-16"), "a few days ago"),
    ("Which firms cut jobs recently?", days("2023-10-16", "2023-11-16"), "recently"),
    ("Who has been sacked lately?", days("2023-10-16", "2023-11-16"), "lately"),
    ("What are the recent developments in Niger?", days("2023-10-16", "2023-11-16"), "recent"),
    ("What did Trump say earlier this week?", days("2023-11-13", "2023-11-16"), "earlier this week"),
    ("How many have died so far this month?", days("2023-11-01", "2023-11-16"), "so far this month"),
    ("What happened yesterday and today?", days("2023-11-14", "2023-11-16"), "yesterday and today"),
    ("What did leaders say on the 9th?", days("2023-11-09", "2023-11-10"), "the 9th"),
    ("What did leaders say on the 20th?", days("2023-10-20", "2023-10-21"), "the 20th"),
    ("What did Sunak say at the start of the week?", days("2023-11-13", "2023-11-16"), "the start of the week"),
]


@pytest.mark.parametrize(("question", "window", "phrase"), FORMS, ids=[q for q, _, _ in FORMS])
def test_each_form_gives_its_window(question, window, phrase):
    reading = read_time(question, AS_OF)
    assert window_days(reading) == window
    assert reading.phrase == phrase
    assert not reading.latest


@pytest.mark.parametrize("question", [
    "What is the latest on the hostage talks?", "Who is the current speaker?", "Who leads now?",
    "Who leads the polls right now?", "Is Altman still the CEO?", "What were the most recent figures?",
    "Who is the newest member?", "Who currently runs Twitter?", "How many have died so far?",
    "How much has been raised to date?", "What is happening at the moment?", "Has the army entered Gaza yet?",
])
def test_latest_words(question):
    reading = read_time(question, AS_OF)
    assert reading.latest and reading.window is None and reading.phrase is None


# Words that must not be read as time: (question, latest).
NOT_TIME = [
    ("May I ask what Theresa May said about Brexit?", False),
    ("Who served in May's cabinet?", False),
    ("Why did thousands march in London?", False),
    ("Where did the March for Life begin?", False),
    ("Who organised the march in March Madness?", False),
    ("How many of the 2,000 troops were sent to the border?", False),
    ("What caused the crisis in the 1990s?", False),
    ("How much snow fell in the Alps?", False),
    ("Is it known who fired the rocket?", False),
    ("Which retailers had the biggest Black Friday sales?", False),
    ("What happened on Black Friday?", False),
    ("Who won the Super Tuesday primaries?", False),
    ("What did the Sunday Times report about the minister?", False),
    ("What did USA Today report about the shooting?", False),
    ("What did the report say on the last day of the summit?", False),
    ("How many died in the last two weeks of the war?", False),
    ("Why is the current account deficit growing?", False),
    ("What are the biggest protests in recent years?", False),
    ("Who attended the Fourth of July parade?", False),
    ("Which shops open on Mondays?", False),
    ("What will happen next week?", False),
    ("What is planned in 2031?", False),
    ("What will the minister do this Friday?", False),
    ("What is the forecast for this weekend?", False),
    ("What did the minister say on the 5th floor?", False),
    ("Who lived in the house now known as Number 10?", False),
    ("Why was there yet another strike?", False),
    ("Who ran the now-defunct agency?", False),
    ("What did Apocalypse Now win?", False),
    ("What happened on 30 February?", False),
]


@pytest.mark.parametrize(("question", "latest"), NOT_TIME, ids=[q for q, _ in NOT_TIME])
def test_words_that_are_not_time(question, latest):
    reading = read_time(question, AS_OF)
    assert reading == TimeReading(window=None, latest=latest, phrase=None, rest=question)


# Realistic news questions with their windows and latest flags, as of AS_OF; also measured against
# dateparser, ctparse, timefhuman, parsedatetime, datefinder and Recognizers-Text (see the issue).
REALISTIC = [
    ("What did Rishi Sunak say about immigration yesterday?", days("2023-11-14", "2023-11-15"), False),
    ("What happened in Gaza today?", days("2023-11-15", "2023-11-16"), False),
    ("What did the Fed decide about rates this week?", days("2023-11-13", "2023-11-16"), False),
    ("Which ministers resigned last week?", days("2023-11-06", "2023-11-13"), False),
    ("What did the UN say about a ceasefire this month?", days("2023-11-01", "2023-11-16"), False),
    ("How many migrants crossed the Channel last month?", days("2023-10-01", "2023-11-01"), False),
    ("What records has inflation broken this year?", days("2023-01-01", "2023-11-16"), False),
    ("Who won the Booker Prize last year?", days("2022-01-01", "2023-01-01"), False),
    ("What did Elon Musk announce in 2023?", days("2023-01-01", "2023-11-16"), False),
    ("What was agreed at the COP27 summit in November 2022?", days("2022-11-01", "2022-12-01"), False),
    ("Which leaders visited Kyiv in November?", days("2023-11-01", "2023-11-16"), False),
    ("What did Biden say on Tuesday about Israel?", days("2023-11-14", "2023-11-15"), False),
    ("How far has the Israeli army advanced since Monday?", days("2023-11-13", "2023-11-16"), False),
    ("What has happened in Sudan over the past 3 days?", days("2023-11-12", "2023-11-16"), False),
    ("What did Zelensky say in the last 7 days?", days("2023-11-08", "2023-11-16"), False),
    ("What has Hamas said in the past week?", days("2023-11-08", "2023-11-16"), False),
    ("Which companies have cut jobs recently?", days("2023-10-16", "2023-11-16"), False),
    ("What is the latest on the hostage talks?", None, True),
    ("Who is the current speaker of the House?", None, True),
    ("Who leads the polls now?", None, True),
    ("Is Sam Altman still the CEO of OpenAI?", None, True),
    ("What were the most recent figures on UK inflation?", None, True),
    ("What did the Bank of England decide in September?", days("2023-09-01", "2023-10-01"), False),
    ("What did Xi Jinping and Biden agree on Wednesday?", days("2023-11-15", "2023-11-16"), False),
    ("What happened on October 7?", days("2023-10-07", "2023-10-08"), False),
    ("How many people were killed in Israel on 7 October?", days("2023-10-07", "2023-10-08"), False),
    ("What did Sunak say two days ago?", days("2023-11-13", "2023-11-14"), False),
    ("How did the markets react over the weekend?", days("2023-11-11", "2023-11-13"), False),
    ("Who has joined the strikes since last week?", days("2023-11-06", "2023-11-16"), False),
    ("What did Hunt announce in his budget in March?", days("2023-03-01", "2023-04-01"), False),
    ("Who resigned from the cabinet in May?", days("2023-05-01", "2023-06-01"), False),
    ("What did Musk tweet last Friday?", days("2023-11-10", "2023-11-11"), False),
    ("What has Ukraine said about the counteroffensive over the past two weeks?", days("2023-11-01", "2023-11-16"),
     False),
    ("How have oil prices moved over the last 6 months?", days("2023-05-15", "2023-11-16"), False),
    ("What did the Supreme Court rule yesterday on the Rwanda plan?", days("2023-11-14", "2023-11-15"), False),
    ("How many hostages have been released since October?", days("2023-10-01", "2023-11-16"), False),
    ("What did Trump say earlier this week?", days("2023-11-13", "2023-11-16"), False),
    ("What happened in Ukraine in 2022?", days("2022-01-01", "2023-01-01"), False),
    ("What's the latest news from the climate talks this week?", days("2023-11-13", "2023-11-16"), True),
    ("Which football managers have been sacked lately?", days("2023-10-16", "2023-11-16"), False),
    ("What did OpenAI announce a week ago?", days("2023-11-06", "2023-11-13"), False),
    ("How many Palestinians have died so far this month?", days("2023-11-01", "2023-11-16"), False),
    ("What did the Pope say on Sunday?", days("2023-11-12", "2023-11-13"), False),
    ("What did Macron say during his visit to Egypt last month?", days("2023-10-01", "2023-11-01"), False),
    ("What is the current death toll in Gaza?", None, True),
]
REALISTIC_NO_TIME = [
    "May I ask what Theresa May said about Brexit?",
    "Why did thousands march in London?",
    "Where did the March for Life begin?",
    "How many of the 2,000 troops were sent to the border?",
    "What caused the financial crisis in the 1990s?",
    "How much snow fell in the Alps?",
    "Is it known who fired the rocket?",
    "Which retailers had the biggest Black Friday sales?",
    "What did the Sunday Times report about the prime minister?",
    "Who won the Super Tuesday primaries?",
    "What did the report say on the last day of the summit?",
    "Why is the current account deficit growing?",
    "What are the biggest protests in recent years?",
    "What did USA Today report about the shooting?",
    "Who attended the Fourth of July parade?",
    "Who served in May's cabinet?",
    "What sanctions did the EU impose on Russia?",
]


# Written after the rules were, and first run unchanged: 30 of 35 right (windows and latest flags). The five
# misses ("this weekend" ahead, "the start of the week", "on the 9th", "yet", "now known as") were then fixed.
HELD_OUT = [
    ("What did the Chancellor say in the Autumn Statement yesterday?", days("2023-11-14", "2023-11-15"), False),
    ("What happened at the G20 summit in September?", days("2023-09-01", "2023-10-01"), False),
    ("How many rockets were fired at Israel on Saturday?", days("2023-11-11", "2023-11-12"), False),
    ("What has the WHO said about Gaza's hospitals in the past 48 hours?", days("2023-11-13", "2023-11-16"), False),
    ("Who was elected speaker last month?", days("2023-10-01", "2023-11-01"), False),
    ("What did Netanyahu tell reporters on Monday night?", days("2023-11-13", "2023-11-14"), False),
    ("Which countries recognised Palestine this year?", days("2023-01-01", "2023-11-16"), False),
    ("What happened in the Israel-Hamas war over the past month?", days("2023-10-15", "2023-11-16"), False),
    ("What did Kissinger say in 1973?", days("1973-01-01", "1974-01-01"), False),
    ("What are the newest polls for the 2024 election?", None, True),
    ("How much did UK GDP grow in the third quarter?", None, False),
    ("What did the Met Office forecast for this weekend?", None, False),
    ("What did Sunak announce at the start of the week?", days("2023-11-13", "2023-11-16"), False),
    ("What did the Kremlin say about the drone strikes 3 days ago?", days("2023-11-12", "2023-11-13"), False),
    ("Who took over as foreign secretary on Monday?", days("2023-11-13", "2023-11-14"), False),
    ("What did Biden and Xi discuss at their meeting in San Francisco today?", days("2023-11-15", "2023-11-16"), False),
    ("Has Israel's army entered Gaza City yet?", None, True),
    ("How many people have been displaced in Sudan since April?", days("2023-04-01", "2023-11-16"), False),
    ("What happened during the Brexit referendum in June 2016?", days("2016-06-01", "2016-07-01"), False),
    ("Who won the by-elections in October?", days("2023-10-01", "2023-11-01"), False),
    ("What did Israel say about the al-Shifa hospital raid this morning?", days("2023-11-15", "2023-11-16"), False),
    ("What is the status of the Rwanda bill as of today?", None, True),
    ("What did the ECB decide at its meeting two weeks ago?", days("2023-10-30", "2023-11-06"), False),
    ("What did Zelensky say about elections over the last couple of days?", days("2023-11-13", "2023-11-16"), False),
    ("What did the Bank say on November 2?", days("2023-11-02", "2023-11-03"), False),
    ("What did the Saturday Night Live sketch mock?", None, False),
    ("Who plays in the Monday Night Football game?", None, False),
    ("What did the April Fools' prank involve?", None, False),
    ("How many people attended the May Day rally?", None, False),
    ("Why did June Sarpong resign?", None, False),
    ("How many times did the Fed raise rates?", None, False),
    ("Is the current prime minister of Japan popular?", None, True),
    ("What is the bridge now known as the Golden Gate called in Chinese?", None, False),
    ("What did the Times report yesterday evening?", days("2023-11-14", "2023-11-15"), False),
    ("What did leaders say at the summit on the 9th?", days("2023-11-09", "2023-11-10"), False),
]


@pytest.mark.parametrize(("question", "window", "latest"), REALISTIC, ids=[q for q, _, _ in REALISTIC])
def test_realistic_questions(question, window, latest):
    reading = read_time(question, AS_OF)
    assert (window_days(reading), reading.latest) == (window, latest)


@pytest.mark.parametrize(("question", "window", "latest"), HELD_OUT, ids=[q for q, _, _ in HELD_OUT])
def test_held_out_questions(question, window, latest):
    reading = read_time(question, AS_OF)
    assert (window_days(reading), reading.latest) == (window, latest)


@pytest.mark.parametrize("question", REALISTIC_NO_TIME)
def test_realistic_questions_without_time(question):
    reading = read_time(question, AS_OF)
    assert reading.window is None and not reading.latest and reading.rest == question


@pytest.mark.parametrize(("question", "rest"), [
    ("What did Biden say on Tuesday about Israel?", "What did Biden say about Israel?"),
    ("Yesterday, what did Hunt say?", "what did Hunt say?"),
    ("What has happened in Sudan over the past 3 days?", "What has happened in Sudan?"),
    ("Is Sam Altman still the CEO of OpenAI?", "Is Sam Altman the CEO of OpenAI?"),
    ("Who leads now?", "Who leads?"),
    ("What did the Sunday Times report on Sunday?", "What did the Sunday Times report?"),
    ("What did USA Today report today?", "What did USA Today report?"),
    ("What did Sunak say, last week, about tax?", "What did Sunak say, about tax?"),
])
def test_rest_is_the_question_without_its_time_words(question, rest):
    assert read_time(question, AS_OF).rest == rest


def test_in_a_month_means_the_most_recent_such_month():
    march_2024 = datetime(2024, 3, 10, 9, 0, tzinfo=UTC)
    assert window_days(read_time("Who won in November?", march_2024)) == days("2023-11-01", "2023-12-01")
    assert window_days(read_time("Who won in March?", march_2024)) == days("2024-03-01", "2024-03-11")
    assert window_days(read_time("What happened last month?", march_2024)) == days("2024-02-01", "2024-03-01")


def test_weekdays_on_the_day_itself():
    tuesday = datetime(2023, 11, 14, 8, 0, tzinfo=UTC)
    assert window_days(read_time("What happened on Tuesday?", tuesday)) == days("2023-11-14", "2023-11-15")
    assert window_days(read_time("What happened last Tuesday?", tuesday)) == days("2023-11-07", "2023-11-08")
    assert window_days(read_time("What happened since Tuesday?", tuesday)) == days("2023-11-14", "2023-11-15")
    monday = datetime(2023, 11, 13, 8, 0, tzinfo=UTC)
    assert window_days(read_time("What happened this weekend?", monday)) == days("2023-11-11", "2023-11-13")
    sunday = datetime(2023, 11, 12, 8, 0, tzinfo=UTC)
    assert window_days(read_time("What happened this weekend?", sunday)) == days("2023-11-11", "2023-11-13")
    assert window_days(read_time("What happened last weekend?", sunday)) == days("2023-11-04", "2023-11-06")


def test_recent_days_is_a_parameter():
    reading = read_time("What happened recently?", AS_OF, recent_days=7)
    assert window_days(reading) == days("2023-11-08", "2023-11-16")


def test_month_arithmetic_clamps_to_the_month_end():
    march_31 = datetime(2024, 3, 31, 12, 0, tzinfo=UTC)
    assert window_days(read_time("What happened in the past month?", march_31)) == days("2024-02-29", "2024-04-01")
    leap_day = datetime(2024, 2, 29, 12, 0, tzinfo=UTC)
    assert window_days(read_time("What happened a year ago?", leap_day)) == days("2023-01-01", "2024-01-01")


def test_windows_are_local_midnights_in_the_as_of_zone():
    new_york = ZoneInfo("America/New_York")
    as_of = datetime(2023, 11, 16, 2, 0, tzinfo=UTC).astimezone(new_york)  # still the 15th in New York
    start, end = read_time("What happened two weeks ago?", as_of).window
    assert (start, end) == (datetime(2023, 10, 30, tzinfo=new_york), datetime(2023, 11, 6, tzinfo=new_york))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=7, hours=1)  # clocks went back on 5 November
    start, end = read_time("What happened today?", as_of).window
    assert start == datetime(2023, 11, 15, tzinfo=new_york) and start.tzinfo is new_york


def test_windows_never_end_after_the_as_of_day():
    for question, _, _ in FORMS + [(q, w, lat) for q, w, lat in REALISTIC]:
        reading = read_time(question, AS_OF)
        if reading.window:
            assert reading.window[0] < reading.window[1] <= datetime(2023, 11, 16, tzinfo=UTC)


def test_as_of_defaults_to_now_and_must_have_a_zone():
    start, end = read_time("What happened today?").window
    assert start <= datetime.now(UTC) < end
    with pytest.raises(ValueError, match="timezone-aware"):
        read_time("What happened today?", datetime(2023, 11, 15, 14, 0))


def test_latest_and_a_window_together():
    reading = read_time("What's the latest news from the climate talks this week?", AS_OF)
    assert reading.latest and reading.phrase == "this week"
    assert reading.rest == "What's news from the climate talks?"


def test_capitals_only_mark_a_name_inside_a_question():
    assert window_days(read_time("WHAT HAPPENED TODAY?", AS_OF)) == days("2023-11-15", "2023-11-16")
    assert read_time("WHO LEADS NOW?", AS_OF).latest
    assert read_time("What is planned for Tuesday?", AS_OF).window is None


def test_a_question_without_time_words_is_returned_as_asked():
    question = "  Why   did the\tprotest   start? "
    assert read_time(question, AS_OF) == TimeReading(window=None, latest=False, phrase=None, rest=question)


@pytest.mark.parametrize("question", [
    "", "   ", "?", "in", "the past", "1" * 2000, ("May " * 500)[:2000], ("on Tuesday yesterday now " * 100)[:2000],
    "in " + " " * 1990 + "May", "\x00\x1b[31m today \u202e", "昨日 today 今日", "<@U123> what happened last week?",
])
def test_odd_and_long_questions(question):
    reading = read_time(question, AS_OF)
    if reading.window:
        assert reading.window[0] < reading.window[1] <= datetime(2023, 11, 16, tzinfo=UTC)
        assert reading.phrase
    assert len(reading.rest) <= len(question)
