"""Build an index from article paths, with a progress bar and a summary: the ``index build`` job."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from qa_bot.config import Settings
from qa_bot.embed import Embedder, embedder_from_settings
from qa_bot.errors import IngestError
from qa_bot.index import BuildSummary, IndexWriter, backend_from
from qa_bot.ingest.read import check_paths, read_articles
from qa_bot.printable import plural

if TYPE_CHECKING:
    from rich.console import Console

log = logging.getLogger(__name__)


def build_from_paths(
    settings: Settings, paths: list[Path], console: Console | None = None, embedder: Embedder | None = None
) -> BuildSummary:
    """Read the articles under ``paths`` and build the index at ``settings.index_dir``.

    The build lock is taken first, once, for the whole job: a second build is refused before anything
    is read or embedded. Bad files are skipped, logged and counted. The previous index stays in place
    until the new one is complete.

    Raises:
        IngestError: a path is missing, or no article could be read.
        IndexLockedError: another build of the index is running.
        ModelLoadError: the embedding model cannot be loaded.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    check_paths(paths)  # before the lock is taken: a mistyped folder leaves nothing behind
    with IndexWriter(settings.index_dir, backend_from(settings)) as writer:
        report = read_articles(paths)
        if not report.documents:
            where = ", ".join(str(p) for p in paths)
            counts = f"{plural(report.files_read, 'file')} read, {len(report.skipped)} skipped"
            raise IngestError(
                f"no readable articles in {where} ({counts}); "
                "supported: .txt .md .html .htm .json .jsonl"
            )
        if embedder is None:
            embedder = embedder_from_settings(settings)
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=console is None or not console.is_terminal,  # no bars in a cron job's log
        ) as bar:
            task = bar.add_task("Embedding passages and sentences", total=None)

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return writer.build(
                report.documents, embedder, settings.build_options(), skipped=len(report.skipped),
                undated=len(report.unreadable_dates), progress=progress,
            )


def build_identity(settings: Settings) -> dict[str, object]:
    """Everything a build takes from ``settings`` besides the model: the index backend (and which Milvus, how it
    analyses text) and every build option (passage size and overlap, the vector store, when search turns
    approximate). Two builds of the same articles and model with the same identity hold the same index. The
    Milvus token is left out: it says who may use a Milvus, not what the index holds."""
    backend = backend_from(settings)
    identity: dict[str, object] = {"backend": backend.name, **settings.build_options().model_dump()}
    if backend.is_milvus:
        identity.update(milvus_uri=backend.milvus_uri, milvus_prefix=backend.prefix, analyzer=backend.analyzer)
    return identity


def summary_line(summary: BuildSummary) -> str:
    """A build in one line, as ``qa-bot index build`` and ``qa-bot eval`` report it: documents and passages, files
    or lines skipped (each warned about as it was read), time and folder, texts embedded and reused, dates that
    could not be read, and with Milvus what was written there."""
    return (
        f"Indexed {plural(summary.documents, 'document')} into {plural(summary.passages, 'passage')} "
        f"({summary.skipped} skipped) in {summary.seconds:.1f} s → {summary.index_dir}; "
        f"embedded {summary.embedded} texts, reused {summary.reused} unchanged"
        + (f"; {summary.undated} kept undated (their date could not be read)" if summary.undated else "")
        + (f"; Milvus: {summary.written} passage rows written, {summary.deleted} deleted, {summary.retired} "
           f"kept for the previous build ({summary.search})" if summary.search.startswith("milvus") else "")
    )
