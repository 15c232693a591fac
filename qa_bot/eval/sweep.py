"""Sweep the fusion weight and the abstention threshold: a table and a plot of answer_hit@1 against abstain rate."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa_bot.eval.metrics import EvalQuestion, score
from qa_bot.eval.strategies import pipeline_strategy, predict
from qa_bot.pipeline import QAPipeline

FUSIONS: tuple[tuple[str, float], ...] = (
    ("weighted", 0.3), ("weighted", 0.45), ("weighted", 0.6), ("weighted", 0.75), ("weighted", 0.9), ("rrf", 0.0),
)
THRESHOLDS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


@dataclass(frozen=True, slots=True)
class SweepRow:
    """The metrics at one fusion setting and threshold."""

    fusion: str
    threshold: float
    answer_hit_1: float
    doc_hit_1: float
    abstain_rate: float


def run_sweep(
    pipeline: QAPipeline, questions: list[EvalQuestion], on_question: Callable[[], None] | None = None
) -> list[SweepRow]:
    """Answer every question once per fusion setting (never abstaining), then score each threshold.

    Each setting is its own set of answer options; the pipeline itself is not changed.
    """
    rows: list[SweepRow] = []
    for method, weight in FUSIONS:
        options = pipeline.options.model_copy(update={"fusion": method, "dense_weight": weight,
                                                       "abstain_threshold": 0.0})
        label = "rrf" if method == "rrf" else f"weighted {weight:.2f}"
        predictions = predict(pipeline_strategy(pipeline, options), questions, on_question)
        for threshold in THRESHOLDS:
            report = score(label, questions, predictions, threshold)
            rows.append(SweepRow(label, threshold, report.answer_hit_1, report.doc_hit_1, report.abstain_rate))
    return rows


def write_sweep(rows: list[SweepRow], out: Path) -> tuple[Path, Path | None]:
    """Write ``sweep.csv`` and, when matplotlib is installed, ``sweep.png`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    table = out / "sweep.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["fusion", "threshold", "answer_hit@1", "doc_hit@1", "abstain_rate"])
        for r in rows:
            writer.writerow(
                [r.fusion, r.threshold, f"{r.answer_hit_1:.4f}", f"{r.doc_hit_1:.4f}", f"{r.abstain_rate:.4f}"]
            )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return table, None
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=120)
    for label in dict.fromkeys(r.fusion for r in rows):
        points = [r for r in rows if r.fusion == label]
        axes.plot([p.abstain_rate for p in points], [p.answer_hit_1 for p in points], marker="o", markersize=3,
                  label=label)
    axes.set_xlabel("abstain rate (questions not answered)")
    axes.set_ylabel("answer_hit@1")
    axes.set_title("Abstention threshold swept from 0 to 0.95, per fusion setting")
    axes.grid(alpha=0.3)
    axes.legend(title="dense/keyword fusion", fontsize=8)
    figure.tight_layout()
    plot = out / "sweep.png"
    figure.savefig(plot)
    plt.close(figure)
    return table, plot
