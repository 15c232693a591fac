"""Format answers for people in a terminal (rich markup) and for scripts (JSON)."""

from __future__ import annotations

import json

from rich.markup import escape

from qa_bot.records import Answer, Quote, SourceRef

NO_ANSWER = "The articles don't say."
NO_ANSWER_HINT = "Nothing in the indexed articles answers this; try rephrasing, or ask about what they cover."


def confidence_words(confidence: float) -> str:
    """A person's word for a calibrated confidence (a probability in [0, 1])."""
    if confidence >= 0.9:
        return "high"
    if confidence >= 0.6:
        return "medium"
    return "low"


def _source_line(ref: Quote | SourceRef) -> str:
    parts = [f"[bold]{escape(ref.title)}[/bold]"]
    if ref.date:
        parts.append(escape(ref.date))
    if ref.url:
        parts.append(f"[link={escape(ref.url)}]{escape(ref.url)}[/link]")
    return " · ".join(parts)


def quote_text(quote: Quote) -> str:
    """The quote's text with an ellipsis where it was cut out of a longer sentence."""
    return ("… " if quote.cut_before else "") + quote.text + (" …" if quote.cut_after else "")


def answer_markup(answer: Answer) -> str:
    """The answer as rich markup: each quote, then where it came from."""
    if answer.notice and not answer.quotes:
        return f"[yellow]{escape(answer.notice)}[/yellow]"
    if not answer.quotes:
        return f"[yellow]{NO_ANSWER}[/yellow] [dim]{NO_ANSWER_HINT}[/dim]"
    blocks = []
    for number, quote in enumerate(answer.quotes, start=1):
        lines = [
            f"[cyan]{number}.[/cyan] “{escape(quote_text(quote))}”",
            f"   [dim]—[/dim] {_source_line(quote)} [dim](confidence: {confidence_words(quote.confidence)})[/dim]",
        ]
        lines += [f"   [dim]also in[/dim] {_source_line(ref)}" for ref in quote.also_in]
        blocks.append("\n".join(lines))
    if answer.notice:
        blocks.insert(0, f"[yellow]{escape(answer.notice)}[/yellow]")
    return "\n\n".join(blocks)


def answer_json(answer: Answer) -> str:
    """The answer as one line of JSON."""
    return json.dumps(answer.to_json(), ensure_ascii=False)
