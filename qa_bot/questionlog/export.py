"""What the question log says for people to act on: unanswered questions, down-voted answers, wrong sources.

Each report is a list of plain dicts (one per row, newest or most-marked first), written as JSON lines or
CSV here; ``qa-bot log`` also shows them as tables.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from qa_bot.questionlog.store import QuestionLog, utc_iso

REPORTS = ("unanswered", "down_voted", "wrong_sources")
FIELDS = {
    "unanswered": ("question", "asked_at", "channel", "as_of", "confidence", "read_as", "answer_id", "undelivered"),
    "down_voted": ("question", "asked_at", "channel", "not_helpful", "helpful", "confidence", "sources", "read_as",
                   "answer_id"),
    "wrong_sources": ("doc_id", "title", "marked", "answers", "last_marked"),
}
"""Each report's fields, in order: every row has them all, and a CSV of the reports has all their columns."""


def columns(names: Iterable[str]) -> list[str]:
    """The CSV columns of the reports ``names``: ``list`` (the report a row is from), then their fields."""
    return list(dict.fromkeys(["list", *(field for name in names for field in FIELDS[name])]))


def unanswered(questions: QuestionLog, since: datetime | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """The questions left unanswered (abstained on, failed, never answered, or answered but never delivered:
    ``undelivered`` says why, else None), newest first: question, asked_at, channel, as_of, confidence,
    undelivered, read_as (a follow-up as read with its thread, else None), id."""
    rows = questions.query(
        "SELECT id, question, asked_at, channel, as_of, confidence, undelivered, read_as FROM answers "
        "WHERE (answered = 0 OR undelivered IS NOT NULL) AND asked_at >= ? ORDER BY asked_at DESC, id DESC LIMIT ?",
        (_start(since), _limit(limit)))
    return [{"question": r["question"], "asked_at": r["asked_at"], "channel": r["channel"], "as_of": r["as_of"],
             "confidence": round(r["confidence"], 4), "undelivered": r["undelivered"], "read_as": r["read_as"],
             "answer_id": r["id"]} for r in rows]


def _voter(row: str) -> str:
    """SQL for who cast the feedback row ``row``: the hashed user, or, for a click with no user, the click."""
    return f"coalesce({row}.user_hash, 'click:' || {row}.id)"


VOTES = (
    "WITH votes AS (SELECT f.answer_id, f.kind FROM feedback f WHERE f.kind IN ('helpful', 'not_helpful') "
    "  AND f.id = (SELECT max(g.id) FROM feedback g WHERE g.answer_id = f.answer_id "
    f"  AND g.kind IN ('helpful', 'not_helpful') AND {_voter('g')} = {_voter('f')})) "
)
"""Each person's vote on an answer: their last click of Helpful or Not helpful (a change of mind replaces
the first vote; clicking again adds nothing)."""


def down_voted(questions: QuestionLog, since: datetime | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """The answers someone finds not helpful, newest first, with the votes each way (one per person, their
    last) and the quoted sources (each article's title once, in the order quoted)."""
    rows = questions.query(
        VOTES + "SELECT a.id, a.question, a.asked_at, a.channel, a.confidence, a.read_as, "
        "  (SELECT count(*) FROM votes v WHERE v.answer_id = a.id AND v.kind = 'not_helpful') AS not_helpful, "
        "  (SELECT count(*) FROM votes v WHERE v.answer_id = a.id AND v.kind = 'helpful') AS helpful, "
        "  (SELECT group_concat(title, ' | ') FROM (SELECT max(title) AS title FROM quotes q "
        "   WHERE q.answer_id = a.id GROUP BY q.doc_id ORDER BY min(q.position))) AS sources "
        "FROM answers a WHERE a.asked_at >= ? AND EXISTS "
        "  (SELECT 1 FROM votes v WHERE v.answer_id = a.id AND v.kind = 'not_helpful') "
        "ORDER BY a.asked_at DESC, a.id DESC LIMIT ?",
        (_start(since), _limit(limit)))
    return [{"question": r["question"], "asked_at": r["asked_at"], "channel": r["channel"],
             "not_helpful": r["not_helpful"], "helpful": r["helpful"], "confidence": round(r["confidence"], 4),
             "sources": r["sources"] or "", "read_as": r["read_as"], "answer_id": r["id"]} for r in rows]


def wrong_sources(questions: QuestionLog, since: datetime | None = None,
                  limit: int | None = None) -> list[dict[str, Any]]:
    """The articles whose quotes were most often marked "wrong source" (clicks since ``since``), most first;
    one person marking one quote twice counts once."""
    rows = questions.query(
        "SELECT q.doc_id, max(q.title) AS title, "
        f"  count(DISTINCT f.answer_id || ':' || f.quote_position || ':' || {_voter('f')}) AS marked, "
        "  count(DISTINCT f.answer_id) AS answers, "
        "  max(f.at) AS last_marked "
        "FROM feedback f JOIN quotes q ON q.answer_id = f.answer_id AND q.position = f.quote_position "
        "WHERE f.kind = 'wrong_source' AND f.at >= ? "
        "GROUP BY q.doc_id ORDER BY marked DESC, last_marked DESC LIMIT ?",
        (_start(since), _limit(limit)))
    return [{"doc_id": r["doc_id"], "title": r["title"], "marked": r["marked"], "answers": r["answers"],
             "last_marked": r["last_marked"]} for r in rows]


def report(questions: QuestionLog, name: str, since: datetime | None = None,
           limit: int | None = None) -> list[dict[str, Any]]:
    """The report called ``name`` (one of ``REPORTS``)."""
    makers = {"unanswered": unanswered, "down_voted": down_voted, "wrong_sources": wrong_sources}
    return makers[name](questions, since, limit)


def write_json_lines(rows: Iterable[dict[str, Any]], out: IO[str]) -> None:
    """One JSON object a line."""
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula in a cell."""


def cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a question starting like a formula gets a leading quote."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def write_csv(rows: list[dict[str, Any]], out: IO[str], fields: list[str] | None = None) -> None:
    """CSV with a header row, even with no rows: ``fields`` (see :func:`columns`), or else the union of the rows'
    keys in the order they first appear.

    Questions are people's text: a cell that a spreadsheet would run as a formula (``=HYPERLINK(...)``)
    is written with a leading ``'``, so opening the export never runs anything.
    """
    if fields is None:
        fields = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: cell(value) for key, value in row.items()} for row in rows)


def _start(since: datetime | None) -> str:
    return utc_iso(since) if since is not None else ""


def _limit(limit: int | None) -> int:
    return -1 if not limit else limit  # SQLite: a negative LIMIT is no limit
