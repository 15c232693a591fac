"""The output of ``qa-bot log``: the question log's reports as tables for people, JSON lines or CSV."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from qa_bot.printable import plural, print_whole, printable
from qa_bot.questionlog import QuestionLog
from qa_bot.questionlog.export import REPORTS, columns, report, write_csv, write_json_lines

TITLES = {"unanswered": "Unanswered questions", "down_voted": "Down-voted answers",
          "wrong_sources": "Sources most often marked wrong"}
COLUMNS = {
    "unanswered": (("asked_at", "asked (UTC)"), ("channel", "channel"), ("question", "question"),
                   ("confidence", "confidence"), ("undelivered", "answer not delivered")),
    "down_voted": (("asked_at", "asked (UTC)"), ("channel", "channel"), ("question", "question"),
                   ("not_helpful", "not helpful"), ("helpful", "helpful"), ("sources", "sources")),
    "wrong_sources": (("title", "article"), ("doc_id", "doc id"), ("marked", "marked wrong"),
                      ("answers", "answers"), ("last_marked", "last marked (UTC)")),
}


def print_reports(
    questions: QuestionLog, names: list[str] | None, style: str, since: datetime | None, limit: int, console: Console,
) -> None:
    """Print the reports ``names`` (None: all) of ``questions`` as ``style``: ``table``, ``json`` or ``csv``.

    JSON and CSV rows carry the report's name under ``list``.
    """
    chosen = names or list(REPORTS)
    # One row more than the limit says whether a list was cut, which the reader is told, never left to guess.
    found = {name: report(questions, name, since, limit + 1 if limit else None) for name in chosen}
    cut = [name for name, rows in found.items() if limit and len(rows) > limit]
    reports = {name: rows[:limit] if limit else rows for name, rows in found.items()}
    if style == "table":
        for name, rows in reports.items():
            print_whole(console, table(name, rows, cut=name in cut))
        return
    rows = [{"list": name, **row} for name, listed in reports.items() for row in listed]
    if style == "json":
        write_json_lines(rows, sys.stdout)
    else:  # the same columns whichever lists have rows, and a header even when none has
        write_csv(rows, sys.stdout, columns(chosen))
    if cut:
        lists = ", ".join(TITLES[name].lower() for name in cut)
        print(f"{lists}: the first {plural(limit, 'row')} only (--limit 0 shows all)", file=sys.stderr)


def table(name: str, rows: list[dict[str, Any]], cut: bool = False) -> Table | str:
    """A rich table of one report's rows (``cut``: the list has more than these), or a line saying it is empty."""
    if not rows:
        return f"[bold]{TITLES[name]}[/bold]: none."
    count = f"the first {plural(len(rows), 'row')}; --limit 0 shows all" if cut else str(len(rows))
    shown = Table(title=f"{TITLES[name]} ({count})", title_justify="left", show_lines=False)
    # A column no row fills (no answer went undelivered: always so for ask and the REPL) only narrows the others.
    kept = [(key, heading) for key, heading in COLUMNS[name] if key != "undelivered" or any(r[key] for r in rows)]
    for key, heading in kept:
        wide = key in {"question", "title", "sources"}
        shown.add_column(heading, overflow="fold", no_wrap=key in {"asked_at", "last_marked"},
                         ratio=3 if wide else None)
    for row in rows:
        shown.add_row(*(_cell(_question(row) if key == "question" else row[key], key) for key, _ in kept))
    return shown


def _question(row: dict[str, Any]) -> str:
    """The question, and for a follow-up how it was read with its thread ("When did it crash? (read as: ...)")."""
    return row["question"] + (f" (read as: {row['read_as']})" if row.get("read_as") else "")


def _cell(value: object, key: str) -> str:
    from rich.markup import escape

    if value is None:
        return ""
    if key in {"asked_at", "last_marked"}:  # 2024-05-01T09:30:12+00:00, shown to the minute
        return escape(str(value)[:16].replace("T", " "))
    return escape(printable(str(value)))  # people's text: no terminal escapes nor bidi overrides reach the screen
