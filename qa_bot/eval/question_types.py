"""Question types for eval reporting (who, when, where, how many, why, what) and metrics per type."""

from __future__ import annotations

import re

from qa_bot.eval.metrics import EvalQuestion, Prediction, Report, score

QUESTION_TYPES = ("who", "when", "where", "how many", "why", "what")
"""Every type :func:`question_type` returns, in report order."""

# (type, pattern), most specific first: at the same position "what year" is a when, not a what.
_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("when", re.compile(
        r"\b(?:when|(?:what|which) (?:year|date|month|day|decade|century|time|era)s?|how long ago)\b"
    )),
    ("how many", re.compile(r"\bhow (?:many|much)\b")),
    ("who", re.compile(r"\b(?:who|whom|whose)\b")),
    ("where", re.compile(r"\bwhere\b")),
    ("why", re.compile(r"\b(?:why|for what reason)\b")),
    ("what", re.compile(r"\b(?:what|which|how)\b|\bwhat's\b")),
)


def question_type(question: str) -> str:
    """The type of ``question``, one of :data:`QUESTION_TYPES`, for reporting eval metrics per type.

    The rule: the earliest wh-phrase in the question decides, case-insensitively, so a question
    phrased back to front counts too ("... was dealt with by whom?" is a who) and a later clause does
    not ("Who was in charge when ...?" is a who, not a when). At the same position the more specific
    phrase wins:

    - when: "when", "what/which year|date|month|day|decade|century|time|era" ("In what year",
      "What year", "what date"), "how long ago";
    - how many: "how many" and "how much";
    - who: "who", "whom", "whose";  where: "where";  why: "why", "for what reason";
    - what: "what" and "which" otherwise, any other "how" ("How old ...", "How did ..."), and a
      question with no wh-word at all.

    A capitalised "Who" inside a name is still read as "who" when it comes first ("Who played Doctor
    Who?" is a who either way; "Since 2005, what is Doctor Who's ...?" is a what because "what" is earlier).
    This is a coarser and different split from :func:`qa_bot.answer.answer_type.expected_type`, which
    decides what an answer must contain; this one only groups questions for a report.
    """
    text = question.lower()
    best: tuple[int, int, str] | None = None
    for rank, (kind, pattern) in enumerate(_PHRASES):
        match = pattern.search(text)
        if match and (best is None or (match.start(), rank) < best[:2]):
            best = (match.start(), rank, kind)
    return best[2] if best else "what"


def score_by_type(
    name: str, questions: list[EvalQuestion], predictions: list[Prediction], threshold: float | None = None
) -> dict[str, Report]:
    """The metrics of ``predictions`` for each question type that occurs, in :data:`QUESTION_TYPES` order.

    Each report is :func:`~qa_bot.eval.metrics.score` over that type's questions only, so its rates are
    fractions of that type's question count.
    """
    grouped: dict[str, tuple[list[EvalQuestion], list[Prediction]]] = {kind: ([], []) for kind in QUESTION_TYPES}
    for item, prediction in zip(questions, predictions, strict=True):
        kind_questions, kind_predictions = grouped[question_type(item.question)]
        kind_questions.append(item)
        kind_predictions.append(prediction)
    return {
        kind: score(name, kind_questions, kind_predictions, threshold)
        for kind, (kind_questions, kind_predictions) in grouped.items()
        if kind_questions
    }


BY_TYPE_HEADER = ["type", "questions", "doc_hit@1", "answer_hit@1", "answer_hit@3", "abstain"]


def by_type_rows(reports: dict[str, Report]) -> list[list[str]]:
    """Table rows (strings) of per-type ``reports``, in :data:`BY_TYPE_HEADER` column order."""
    return [
        [kind, str(r.questions), f"{r.doc_hit_1:.3f}", f"{r.answer_hit_1:.3f}", f"{r.answer_hit_3:.3f}",
         f"{r.abstain_rate:.3f}"]
        for kind, r in reports.items()
    ]
