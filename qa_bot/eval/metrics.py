"""Answer-quality metrics of a question set: document and answer hits, abstention, quote length, latency."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qa_bot.errors import EvalDataError


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    """One question of an evaluation set."""

    id: str
    question: str
    answers: tuple[str, ...]
    doc_id: str | None
    answerable: bool = True
    as_of: str | None = None
    """The date the question is asked (``as_of`` or ``question_date`` in the file); None: undated."""


@dataclass(frozen=True, slots=True)
class Prediction:
    """A strategy's answer reduced to what the metrics need: each quote's text and documents."""

    quotes: tuple[tuple[str, frozenset[str]], ...]
    confidence: float = 1.0
    latency_ms: float = 0.0


@dataclass(slots=True)
class Report:
    """Metrics of one strategy over a question set."""

    name: str
    questions: int = 0
    doc_hit_1: float = 0.0
    doc_hit_5: float = 0.0
    answer_hit_1: float = 0.0
    answer_hit_3: float = 0.0
    abstain_rate: float = 0.0
    quote_chars: float = 0.0
    """Mean length of the first quote of the answered questions: a longer quote holds an answer more often."""
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0

    def to_json(self) -> dict[str, object]:
        """The metrics as a JSON object."""
        return {
            "name": self.name,
            "questions": self.questions,
            "doc_hit@1": round(self.doc_hit_1, 4),
            "doc_hit@5": round(self.doc_hit_5, 4),
            "answer_hit@1": round(self.answer_hit_1, 4),
            "answer_hit@3": round(self.answer_hit_3, 4),
            "abstain_rate": round(self.abstain_rate, 4),
            "quote_chars": round(self.quote_chars, 1),
            "latency_p50_ms": round(self.latency_p50_ms, 2),
            "latency_p95_ms": round(self.latency_p95_ms, 2),
        }


Strategy = Callable[[EvalQuestion], Prediction]


def fold(text: str) -> str:
    """Lower-case ``text`` with runs of whitespace folded to one space (how answers are compared)."""
    return re.sub(r"\s+", " ", text).strip().lower()


def _date_of(record: dict[str, object]) -> str | None:
    when = record.get("as_of") or record.get("question_date")
    return None if when is None else str(when)


def read_questions(path: Path) -> list[EvalQuestion]:
    """Questions from a JSONL file of ``{"id", "question", "answers", "doc_id", "answerable"?, "as_of"?}``.

    Raises:
        EvalDataError: the file is missing or a line is malformed.
    """
    questions: list[EvalQuestion] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalDataError(f"cannot read questions {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            questions.append(
                EvalQuestion(
                    id=str(record.get("id", number)),
                    question=str(record["question"]),
                    answers=tuple(str(a) for a in record.get("answers", [])),
                    doc_id=str(record["doc_id"]) if record.get("doc_id") is not None else None,
                    answerable=bool(record.get("answerable", True)),
                    as_of=_date_of(record),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EvalDataError(f"{path}:{number}: not a question record ({type(exc).__name__})") from exc
    if not questions:
        raise EvalDataError(f"no questions in {path}")
    return questions


def score(
    name: str, questions: list[EvalQuestion], predictions: list[Prediction], threshold: float | None = None
) -> Report:
    """The metrics of ``predictions``; with ``threshold``, answers less confident than it count as abstentions."""
    report = Report(name=name, questions=len(questions))
    latencies = [p.latency_ms for p in predictions]
    counts = dict.fromkeys(("d1", "d5", "a1", "a3", "abstain"), 0)
    first_quote_chars: list[int] = []
    for item, prediction in zip(questions, predictions, strict=True):
        abstained = not prediction.quotes or (threshold is not None and prediction.confidence < threshold)
        counts["abstain"] += abstained
        if not item.answerable:
            for key in ("d1", "d5", "a1", "a3"):
                counts[key] += abstained
        elif not abstained:
            docs = [d for _, d in prediction.quotes]
            texts = [fold(t) for t, _ in prediction.quotes]
            first_quote_chars.append(len(prediction.quotes[0][0]))
            golds = [fold(a) for a in item.answers if a.strip()]
            counts["d1"] += any(item.doc_id in d for d in docs[:1])
            counts["d5"] += any(item.doc_id in d for d in docs[:5])
            counts["a1"] += any(g in t for g in golds for t in texts[:1])
            counts["a3"] += any(g in t for g in golds for t in texts[:3])
    n = max(1, len(questions))
    report.doc_hit_1 = counts["d1"] / n
    report.doc_hit_5 = counts["d5"] / n
    report.answer_hit_1 = counts["a1"] / n
    report.answer_hit_3 = counts["a3"] / n
    report.abstain_rate = counts["abstain"] / n
    report.quote_chars = statistics.fmean(first_quote_chars) if first_quote_chars else 0.0
    if latencies:
        ordered = sorted(latencies)
        report.latency_p50_ms = statistics.median(ordered)
        report.latency_p95_ms = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return report


def iter_rows(reports: list[Report]) -> Iterator[list[str]]:
    """Table rows (strings) for ``reports``, in the README's column order."""
    for r in reports:
        yield [
            r.name,
            f"{r.doc_hit_1:.3f}",
            f"{r.doc_hit_5:.3f}",
            f"{r.answer_hit_1:.3f}",
            f"{r.answer_hit_3:.3f}",
            f"{r.abstain_rate:.3f}",
            f"{r.quote_chars:.0f}",
            f"{r.latency_p50_ms:.1f}",
            f"{r.latency_p95_ms:.1f}",
        ]


TABLE_HEADER = [
    "strategy", "doc_hit@1", "doc_hit@5", "answer_hit@1", "answer_hit@3", "abstain", "quote chars", "p50 ms", "p95 ms"
]
