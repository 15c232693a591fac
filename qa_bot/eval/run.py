"""The ``qa-bot eval`` job: index a corpus (or reuse its index), run the pipeline and baselines, report."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from qa_bot.answer.rerank import load_reranker
from qa_bot.config import BuildOptions, Settings
from qa_bot.embed import Embedder, embedder_from_settings
from qa_bot.errors import (
    BackendUnavailableError,
    EvalDataError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
)
from qa_bot.eval.metrics import TABLE_HEADER, EvalQuestion, Report, iter_rows, read_questions, score
from qa_bot.eval.question_types import BY_TYPE_HEADER, by_type_rows, score_by_type
from qa_bot.eval.strategies import baseline_strategies, pipeline_strategy, predict_interleaved
from qa_bot.index import Index, backend_from, load_index
from qa_bot.printable import print_whole

PIPELINE_NAME = "qa-bot"
UNDATED_NAME = "qa-bot without dates"
NO_RERANKER_NAME = "qa-bot without reranker"

if TYPE_CHECKING:
    from rich.console import Console


def corpus_cache_dir(corpus: Path, settings: Settings, embedder: Embedder, root: Path) -> Path:
    """Where the eval index of ``corpus`` is kept and reused under ``root``.

    One folder per corpus and per everything a build takes from ``settings``: the model and how it runs, the
    index backend (and which Milvus, how it analyses text), and every build option (passage size and overlap,
    the vector store, when search turns approximate). A changed setting gets its own folder, built anew; the
    earlier one stays for when the setting comes back. The name reads ``eval-CORPUS-DIGEST`` (CORPUS: the file's
    name, or its folder's for a file named ``corpus.jsonl``), with the build
    options that differ from the defaults spelled out before the digest
    (``eval-xquad_en-sentences_per_passage=1-1a2b3c4d5e6f``).
    """
    from qa_bot.build import build_identity

    options = settings.build_options().model_dump()
    built_with = {"model": embedder.model_id, "embed_backend": embedder.backend, **build_identity(settings)}
    said = json.dumps(built_with, sort_keys=True).encode()
    digest = hashlib.sha256(hashlib.sha256(corpus.read_bytes()).digest() + said).hexdigest()[:12]
    defaults = BuildOptions().model_dump()
    changed = [f"{name}={_name_safe(str(value))}" for name, value in options.items() if value != defaults[name]]
    name = corpus.parent.name if corpus.stem == "corpus" and corpus.parent.name else corpus.stem  # xquad_en/corpus
    return root / "-".join(["eval", _name_safe(name), *changed, digest])


def _name_safe(value: str) -> str:
    """``value`` as part of a folder name: no separators or other characters a shell would trip on."""
    return re.sub(r"[^A-Za-z0-9_.]", "_", value)[:40]


def open_corpus_index(
    settings: Settings, corpus: Path, index_root: Path, embedder: Embedder, err: Console
) -> tuple[Settings, Index]:
    """The cached index of the JSONL ``corpus`` under ``index_root`` (built first when missing or stale; see
    :func:`corpus_cache_dir`), and ``settings`` pointing at it."""
    from qa_bot.build import build_from_paths, summary_line
    from qa_bot.printable import plural

    folder = corpus_cache_dir(corpus, settings, embedder, index_root)
    settings = settings.model_copy(update={"index_dir": folder})
    try:
        index = load_index(folder, embedder, backend=backend_from(settings))
    except (IndexNotFoundError, IndexMismatchError, IndexCorruptError, BackendUnavailableError) as exc:
        # The cache is ours to rebuild: a missing, older-format or damaged one is simply made again.
        if not isinstance(exc, IndexNotFoundError):
            err.print(f"Rebuilding the cached index: {exc}", markup=False, soft_wrap=True)
        err.print(f"Indexing {corpus} into {folder}…", markup=False, soft_wrap=True)
        summary = build_from_paths(settings, [corpus], err, embedder=embedder)
        err.print(summary_line(summary), markup=False, soft_wrap=True)
        return settings, load_index(folder, embedder, backend=backend_from(settings))
    # The skipped files or lines were warned about when the index was built; their count is all that is kept.
    info = index.describe()
    err.print(f"Using the cached index {folder}: {plural(info.documents, 'document')}, "
              f"{plural(info.passages, 'passage')} ({info.skipped} skipped when it was built)",
              markup=False, soft_wrap=True)
    return settings, index


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
    by_type: bool = False,
) -> list[Report]:
    """Evaluate on ``corpus`` and ``questions_path``; print a table (or JSON) to ``out``.

    With ``by_type``, also a table per strategy of the metrics per question type (see
    :func:`qa_bot.eval.question_types.question_type`), after the main table, in the same format.

    Raises:
        EvalDataError: a file is missing or malformed.
    """
    from rich.progress import Progress

    from qa_bot.pipeline import QAPipeline

    if not corpus.is_file():
        raise EvalDataError(f"no corpus file at {corpus}")
    questions = read_questions(questions_path)
    with err.status("Loading the model…"):
        embedder = embedder_from_settings(settings)
    settings, index = open_corpus_index(settings, corpus, index_root, embedder, err)
    if unmatched := _not_in_corpus(questions, [d.doc_id for d in index.documents]):
        err.print(f"warning: none of the {unmatched} articles the questions name (doc_id) is in {corpus}: do "
                  "--corpus and --questions belong together? doc_hit will read 0", markup=False, soft_wrap=True)
    with err.status("Loading the reranker…"):
        reranker = load_reranker(settings.reranker, settings.threads, settings.model_cache())
    pipeline = QAPipeline(settings, index, embedder, reranker)
    strategies = {PIPELINE_NAME: pipeline_strategy(pipeline)}
    if reranker is not None:  # what the reranker adds, measured in the same interleaved run
        strategies[NO_RERANKER_NAME] = pipeline_strategy(QAPipeline(settings, index, embedder))
    if any(q.as_of for q in questions) and pipeline.options.time_aware:
        # Dated questions: the same pipeline with time-awareness off, side by side (every article, any date).
        plain = pipeline.options.model_copy(update={"time_aware": False})
        strategies[UNDATED_NAME] = pipeline_strategy(pipeline, plain)
    if baselines:
        strategies.update(baseline_strategies(pipeline))
    # No bar into a file or a pipe: there it draws nothing and leaves a blank line when it stops.
    with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(f"{len(strategies)} strategies", total=len(questions))
        predictions = predict_interleaved(strategies, questions, lambda: bar.advance(task))
    reports = [score(name, questions, found) for name, found in predictions.items()]
    typed = {name: score_by_type(name, questions, found) for name, found in predictions.items()} if by_type else {}
    if sweep_dir is not None:
        from qa_bot.eval.sweep import run_sweep, write_sweep

        with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("sweeping fusion weight and threshold", total=len(questions) * 6)
            rows = run_sweep(pipeline, questions, lambda: bar.advance(task))
        table_path, plot_path = write_sweep(rows, sweep_dir)
        wrote = f"{table_path} and {plot_path}" if plot_path else f"{table_path} (install matplotlib for the plot)"
        err.print(f"Sweep written: {wrote}")
    if as_json:
        document: dict[str, object] = {"corpus": str(corpus), "questions": len(questions),
                                       "reports": [r.to_json() for r in reports]}
        if by_type:
            document["by_type"] = {
                name: {kind: r.to_json() for kind, r in kinds.items()} for name, kinds in typed.items()
            }
        out.print_json(json.dumps(document))
        return reports
    print_table = _print_markdown if as_markdown else _print_rich
    # The main Markdown table goes untitled, as before, so the README's copy of it pastes unchanged.
    title = None if as_markdown else f"{questions_path.name}: {len(questions)} questions"
    print_table(out, title, TABLE_HEADER, list(iter_rows(reports)))
    for name, kinds in typed.items():
        print_table(out, f"{name}: by question type", BY_TYPE_HEADER, by_type_rows(kinds))
    return reports


def _not_in_corpus(questions: list[EvalQuestion], held: list[str]) -> int:
    """How many articles the questions name when the corpus holds none of them (as ``doc_hit`` matches ids:
    the question's id inside the article's); 0 when it holds any, or the questions name none."""
    wanted = {q.doc_id for q in questions if q.doc_id}
    if not wanted or wanted & set(held):
        return 0
    sample = sorted(wanted)[:50]  # enough to tell a wrong pairing from ids written differently
    return 0 if any(w in d for w in sample for d in held) else len(wanted)


def _print_markdown(out: Console, title: str | None, header: list[str], rows: list[list[str]]) -> None:
    """A Markdown table, after its title in bold when it has one."""
    if title:
        out.print(f"\n**{title}**\n", soft_wrap=True, markup=False)
    out.print("| " + " | ".join(header) + " |", soft_wrap=True, markup=False)
    out.print("|" + "---|" * len(header), soft_wrap=True, markup=False)
    for row in rows:
        out.print("| " + " | ".join(row) + " |", soft_wrap=True, markup=False)


def _print_rich(out: Console, title: str | None, header: list[str], rows: list[list[str]]) -> None:
    """A terminal table, its first column left-aligned and the numbers right-aligned."""
    from rich.table import Table

    table = Table(title=title)
    for number, column in enumerate(header):
        table.add_column(column, justify="left" if number == 0 else "right")
    for row in rows:
        table.add_row(*row)
    print_whole(out, table)
