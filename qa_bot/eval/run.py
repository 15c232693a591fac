"""The ``qa-bot eval`` job: index a corpus (or reuse its index), run the pipeline and baselines, report."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from qa_bot.config import Settings
from qa_bot.embed import Embedder, embedder_from_settings
from qa_bot.errors import EvalDataError, IndexCorruptError, IndexMismatchError, IndexNotFoundError
from qa_bot.eval.metrics import TABLE_HEADER, Report, iter_rows, read_questions, score
from qa_bot.eval.strategies import baseline_strategies, pipeline_strategy, predict_interleaved
from qa_bot.index import Index, load_index

PIPELINE_NAME = "qa-bot"
UNDATED_NAME = "qa-bot without dates"

if TYPE_CHECKING:
    from rich.console import Console


def corpus_cache_dir(corpus: Path, model_id: str, root: Path) -> Path:
    """Where the eval index of ``corpus`` built with ``model_id`` is kept and reused."""
    digest = hashlib.sha256(corpus.read_bytes() + model_id.encode()).hexdigest()[:12]
    return root / f"eval-{corpus.stem}-{digest}"


def open_corpus_index(
    settings: Settings, corpus: Path, index_root: Path, embedder: Embedder, err: Console
) -> tuple[Settings, Index]:
    """The cached index of the JSONL ``corpus`` under ``index_root`` (built first when missing or stale),
    and ``settings`` pointing at it."""
    from qa_bot.build import build_from_paths

    folder = corpus_cache_dir(corpus, f"{embedder.model_id}:{embedder.backend}", index_root)
    settings = settings.model_copy(update={"index_dir": folder})
    try:
        return settings, load_index(folder, embedder)
    except (IndexNotFoundError, IndexMismatchError, IndexCorruptError) as exc:
        # The cache is ours to rebuild: a missing, older-format or damaged one is simply made again.
        if not isinstance(exc, IndexNotFoundError):
            err.print(f"Rebuilding the cached index: {exc}")
        err.print(f"Indexing {corpus} into {folder}…")
        build_from_paths(settings, [corpus], err, embedder=embedder)
        return settings, load_index(folder, embedder)


def run_eval(
    settings: Settings,
    corpus: Path,
    questions_path: Path,
    index_root: Path,
    as_json: bool,
    baselines: bool,
    as_markdown: bool,
    out: Console,
    err: Console,
    sweep_dir: Path | None = None,
) -> list[Report]:
    """Evaluate on ``corpus`` and ``questions_path``; print a table (or JSON) to ``out``.

    Raises:
        EvalDataError: a file is missing or malformed.
    """
    from rich.progress import Progress
    from rich.table import Table

    from qa_bot.pipeline import QAPipeline

    if not corpus.is_file():
        raise EvalDataError(f"no corpus file at {corpus}")
    questions = read_questions(questions_path)
    with err.status("Loading the model…"):
        embedder = embedder_from_settings(settings)
    settings, index = open_corpus_index(settings, corpus, index_root, embedder, err)
    pipeline = QAPipeline(settings, index, embedder)
    strategies = {PIPELINE_NAME: pipeline_strategy(pipeline)}
    if any(q.as_of for q in questions) and pipeline.options.time_aware:
        # Dated questions: the same pipeline with time-awareness off, side by side (every article, any date).
        plain = pipeline.options.model_copy(update={"time_aware": False})
        strategies[UNDATED_NAME] = pipeline_strategy(pipeline, plain)
    if baselines:
        strategies.update(baseline_strategies(pipeline))
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(f"{len(strategies)} strategies", total=len(questions))
        predictions = predict_interleaved(strategies, questions, lambda: bar.advance(task))
    reports = [score(name, questions, found) for name, found in predictions.items()]
    if sweep_dir is not None:
        from qa_bot.eval.sweep import run_sweep, write_sweep

        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("sweeping fusion weight and threshold", total=len(questions) * 6)
            rows = run_sweep(pipeline, questions, lambda: bar.advance(task))
        table_path, plot_path = write_sweep(rows, sweep_dir)
        wrote = f"{table_path} and {plot_path}" if plot_path else f"{table_path} (install matplotlib for the plot)"
        err.print(f"Sweep written: {wrote}")
    if as_json:
        out.print_json(json.dumps({"corpus": str(corpus), "questions": len(questions),
                                   "reports": [r.to_json() for r in reports]}))
        return reports
    if as_markdown:
        out.print("| " + " | ".join(TABLE_HEADER) + " |", soft_wrap=True, markup=False)
        out.print("|" + "---|" * len(TABLE_HEADER), soft_wrap=True, markup=False)
        for row in iter_rows(reports):
            out.print("| " + " | ".join(row) + " |", soft_wrap=True, markup=False)
        return reports
    table = Table(title=f"{questions_path.name}: {len(questions)} questions")
    for column in TABLE_HEADER:
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for row in iter_rows(reports):
        table.add_row(*row)
    out.print(table)
    return reports
