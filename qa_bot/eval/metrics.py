"""Answer-quality metrics of a question set: document and answer hits, abstention, quote length, latency."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from qa_bot.answer.in_time import as_of_moment
from qa_bot.errors import ConfigError, EvalDataError


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


class QuestionRecord(BaseModel):
    """One line of a questions file, as it must be written: checked whole when the file is read, so a wrong
    type is an error with its line, not a score (``"answers": "308"`` is not the answers 3, 0 and 8, and
    ``"answerable": "false"`` is not true)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    question: str
    answers: list[str | int | float] = []
    """Numbers are answers too (``[308]``); each is compared as its text."""
    doc_id: str | int | None = None
    id: str | int | None = None
    answerable: bool = True
    as_of: str | None = None
    question_date: str | None = None
    """Another name of ``as_of``, read when there is no ``as_of``."""

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError('"question" is empty')
        return value

    @field_validator("answers")
    @classmethod
    def _no_blank_answer(cls, value: list[str | int | float]) -> list[str | int | float]:
        """A blank answer is in every quote: each question holding one would be a hit whatever is quoted."""
        if any(not str(answer).strip() for answer in value):
            raise ValueError('a blank answer in "answers" (it would match every quote)')
        return value

    @field_validator("as_of", "question_date")
    @classmethod
    def _a_moment(cls, value: str | None) -> str | None:
        """Read as the pipeline reads it, so a date it cannot read fails here, before the model is loaded."""
        if value is not None:
            try:
                as_of_moment(value)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _answers_if_answerable(self) -> QuestionRecord:
        """An answerable question with no answers could never be scored a hit: its misses would only lower
        answer_hit, so the file is refused instead."""
        if self.answerable and not self.answers:
            raise ValueError('no "answers" for an answerable question (give the text a quote must hold, '
                             'or "answerable": false)')
        return self

    def to_question(self, number: int) -> EvalQuestion:
        """The question of this record, line ``number`` of its file (its id when it has none)."""
        return EvalQuestion(
            id=str(number if self.id is None else self.id),
            question=self.question,
            answers=tuple(str(answer) for answer in self.answers),
            doc_id=None if self.doc_id is None else str(self.doc_id),
            answerable=self.answerable,
            as_of=self.question_date if self.as_of is None else self.as_of,
        )


_MUST_BE = {
    "question": "a non-empty string",
    "answers": "a list of strings (or numbers)",
    "doc_id": "a string, a number or null",
    "id": "a string or a number",
    "answerable": "true or false",
    "as_of": 'a date ("2023-11-13") or an ISO time',
    "question_date": 'a date ("2023-11-13") or an ISO time',
}


def _problem(error: ErrorDetails, record: dict[str, object]) -> str:
    """What is wrong with ``record``, in a few words, from pydantic's first ``error`` about it."""
    if error["type"] == "value_error":  # the record's own checks, said whole (a check of the whole has no field)
        return error["msg"].removeprefix("Value error, ")
    field = str(error["loc"][0])
    if error["type"] == "missing":
        return f'no "{field}"'
    value = record[field]
    shown = json.dumps(value, ensure_ascii=False)
    hint = f" ([{shown}] for one answer)" if field == "answers" and isinstance(value, str) and len(shown) <= 40 else ""
    shown = shown if len(shown) <= 40 else f"{shown[:39]}…"
    return f'"{field}" must be {_MUST_BE[field]}, not {shown}{hint}'


def read_questions(path: Path) -> list[EvalQuestion]:
    """Questions from a JSONL file of ``{"id", "question", "answers", "doc_id", "answerable"?, "as_of"?}``
    (see :class:`QuestionRecord`); blank lines are skipped, other fields left alone.

    Raises:
        EvalDataError: the file is missing, or a line is not a question record as it must be written
            (``questions.jsonl:4: "answerable" must be true or false, not "false"``).
    """
    questions: list[EvalQuestion] = []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()  # a byte order mark (Notepad's) is no JSON
    except FileNotFoundError:  # said as a missing corpus is
        raise EvalDataError(f"no questions file at {path}") from None
    except OSError as exc:
        raise EvalDataError(f"cannot read questions {path}: {exc.strerror or type(exc).__name__}") from exc
    except UnicodeDecodeError as exc:
        raise EvalDataError(f"cannot read questions {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            msg = getattr(exc, "msg", str(exc))
            raise EvalDataError(f"{path}:{number}: not a question record: invalid JSON ({msg})") from None
        if not isinstance(record, dict):
            raise EvalDataError(f"{path}:{number}: not a question record: not a JSON object")
        try:
            questions.append(QuestionRecord.model_validate(record).to_question(number))
        except ValidationError as exc:
            raise EvalDataError(f"{path}:{number}: {_problem(exc.errors()[0], record)}") from None
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
