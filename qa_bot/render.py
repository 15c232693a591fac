"""Format answers for people in a terminal (rich text) and for scripts (JSON).

What people see is built as rich ``Text``, never as markup: a quote, a title, a link or a question is printed
as it is, so "[/bold]" or ":fire:" in it is shown, not read as a style or an emoji code.
"""

from __future__ import annotations

import json

from rich.style import Style
from rich.text import Text

from qa_bot.printable import printable
from qa_bot.records import Answer, Quote, SourceRef, moment_of

NO_ANSWER = "The articles don't say."
NO_ANSWER_HINT = "Nothing in the indexed articles answers this; try rephrasing, or ask about what they cover."


def confidence_words(confidence: float) -> str:
    """A person's word for a calibrated confidence (a probability in [0, 1])."""
    if confidence >= 0.9:
        return "high"
    if confidence >= 0.6:
        return "medium"
    return "low"


def age_words(date: str | None, as_of: str | None) -> str:
    """How long before ``as_of`` an article dated ``date`` came out, in words: "3 days earlier", "undated"."""
    if not date:
        return "undated"
    then, now = moment_of(date), moment_of(as_of)
    if then is None or now is None:
        return ""
    if then > now:
        return "after the as-of date"
    days = max(0, (now.date() - then.astimezone(now.tzinfo).date()).days)  # calendar days where the as-of is
    for size, unit in ((365, "year"), (30, "month"), (7, "week"), (1, "day")):
        if days >= size or size == 1:
            count = days // size
            if count == 0:
                return "the same day"
            return f"{count} {unit}{'s' if count > 1 else ''} earlier"
    return ""


def date_line(ref: Quote | SourceRef, as_of: str | None) -> str:
    """The article's date and its age relative to ``as_of`` ("2023-11-13, 2 days earlier"), or "undated";
    then "updated 2023-11-14" when the article's text changed after it was first fetched."""
    updated = f"updated {ref.updated[:10]}" if ref.updated else ""
    if not ref.date:
        return ", ".join(("undated", updated)) if updated else "undated"
    age = age_words(ref.date, as_of)
    return ", ".join(part for part in (shown_date(ref.date), age, updated) if part)


def shown_date(iso: str) -> str:
    """A date as people read it: the day alone, or with a time, the day and the time as the article gives
    them, with its offset ("2026-12-03 10:30 +01:00", "2026-12-03 09:30 UTC"): the day stays the article's."""
    moment = moment_of(iso) if len(iso) > 10 else None
    if moment is None:
        return iso
    offset = moment.utcoffset()
    zone = "UTC" if not offset else moment.strftime("%z")
    zone = zone if zone == "UTC" else f"{zone[:3]}:{zone[3:]}"
    return f"{moment.strftime('%Y-%m-%d %H:%M')} {zone}"


def _source_line(ref: Quote | SourceRef, as_of: str | None = None) -> Text:
    line = Text.assemble((printable(ref.title), "bold"), " · ", date_line(ref, as_of))
    if ref.url:
        url = printable(ref.url)
        line.append(" · ").append(url, Style(link=url))
    return line


def quote_text(quote: Quote) -> str:
    """The quote's text as a terminal may show it (see :mod:`qa_bot.printable`), with an ellipsis where it was cut
    out of a longer sentence."""
    return ("… " if quote.cut_before else "") + printable(quote.text) + (" …" if quote.cut_after else "")


def answer_text(answer: Answer) -> Text:
    """The answer as rich text for a terminal: each quote, then where it came from.

    Every text of the answer (quotes, titles, links, the notice, the follow-up's reading) is shown as it is:
    nothing in it is read as markup.
    """
    if answer.notice and not answer.quotes:
        return Text(printable(answer.notice), "yellow")
    if not answer.quotes:
        return Text.assemble((NO_ANSWER, "yellow"), " ", (NO_ANSWER_HINT, "dim"))
    blocks = []
    for number, quote in enumerate(answer.quotes, start=1):
        source = Text.assemble("   ", ("—", "dim"), " ", _source_line(quote, answer.as_of), " ",
                               (f"(confidence: {confidence_words(quote.confidence)})", "dim"))
        if quote.outside_window:
            source.append(" ").append("(outside the dates asked for)", "yellow")
        lines = [Text.assemble((f"{number}.", "cyan"), f" “{quote_text(quote)}”"), source]
        lines += [Text.assemble("   ", ("also in", "dim"), " ", _source_line(ref, answer.as_of))
                  for ref in quote.also_in]
        if quote.reported_by and quote.outlets > 1:
            lines.append(Text.assemble("   ", (f"reported by {quote.outlets} outlets; also", "dim"), " ",
                                       Text("; ").join(_source_line(ref, answer.as_of) for ref in quote.reported_by)))
        blocks.append(Text("\n").join(lines))
    if answer.notice:
        blocks.insert(0, Text(printable(answer.notice), "yellow"))
    if answer.read_as:
        blocks.insert(0, Text(f"read with the question before: {answer.read_as}", "dim"))
    return Text("\n\n").join(blocks)



def answer_json(answer: Answer) -> str:
    """The answer as one line of JSON."""
    return json.dumps(answer.to_json(), ensure_ascii=False)
