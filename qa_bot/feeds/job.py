"""An update as a job: settings in, lock held, progress bars drawn, state saved, the incremental build run."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from qa_bot.config import Settings
from qa_bot.errors import FeedError, QABotError
from qa_bot.feeds.feedlist import load_feeds, require_articles_dir
from qa_bot.feeds.fetch import Fetcher, FetchPolicy
from qa_bot.feeds.state import folder_fingerprint, load_state, save_state
from qa_bot.feeds.update import Updater, UpdateSummary, update_lock
from qa_bot.printable import plural

if TYPE_CHECKING:
    from rich.console import Console

    from qa_bot.embed import Embedder

log = logging.getLogger(__name__)


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The fetching limits the settings name."""
    return FetchPolicy(
        timeout=settings.feeds_timeout,
        max_bytes=int(settings.feeds_max_page_mb * 1024 * 1024),
        host_interval=settings.feeds_host_interval,
        allow_private=settings.feeds_allow_private,
    )


def _index_exists(settings: Settings) -> bool:
    from qa_bot.index import require_index

    try:
        require_index(settings.index_dir)
    except QABotError:
        return False
    return True


def run_update(
    settings: Settings, links: list[str] | None = None, console: Console | None = None,
    fetcher: Fetcher | None = None, embedder: Embedder | None = None,
) -> UpdateSummary:
    """Fetch every feed followed by ``settings.articles_dir`` (or, given ``links``, those pages alone), save
    what is new or changed, and build the index at ``settings.index_dir`` when the articles changed.

    What was fetched is kept (files and state) even when the job is interrupted or the build fails.

    Raises:
        UpdateLockedError: another update of the folder runs.
        FeedError: no feeds are followed (and no links given).
        IngestError, IndexLockedError, ModelLoadError: from the build.
    """
    articles = Path(settings.articles_dir)
    if links is None:  # a mistyped --articles: no folder (nor its state) is made
        require_articles_dir(articles)
    try:
        return _run_update(settings, articles, links, console, fetcher, embedder)
    except OSError as exc:  # the folder, its state or its lock cannot be written (read-only, full disk)
        where = f" ({exc.filename})" if exc.filename else ""
        raise FeedError(f"cannot update {articles}: {exc.strerror or exc}{where}") from exc


def _run_update(
    settings: Settings, articles: Path, links: list[str] | None, console: Console | None, fetcher: Fetcher | None,
    embedder: Embedder | None,
) -> UpdateSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with update_lock(articles):
        feeds = load_feeds(articles) if links is None else []
        if links is None and not feeds:
            raise FeedError(f"{articles} follows no feeds yet: add one with `qa-bot feeds add URL`")
        state = load_state(articles)
        with (
            fetcher or Fetcher(fetch_policy(settings)) as client,
            Progress(
                TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=console, transient=True,
                disable=console is None or not console.is_terminal,  # no bars in a cron job's log
            ) as bar,
        ):
            tasks = {"feeds": bar.add_task("Fetching feeds", total=len(feeds), visible=bool(feeds)),
                     "pages": bar.add_task("Fetching pages", total=None, visible=False)}

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(tasks[stage], completed=done, total=total, visible=True)

            updater = Updater(
                articles, state, client, recheck_days=settings.feeds_recheck_days,
                max_attempts=settings.feeds_max_attempts, progress=progress,
            )
            try:
                if links is None:
                    updater.fetch_feeds(feeds)
                else:
                    updater.fetch_links(links)
            finally:
                save_state(articles, state)
        summary = updater.summary
        fingerprint = folder_fingerprint(articles)
        key = _build_key(settings, fingerprint) if fingerprint else None
        if key is None:
            summary.note = "no articles saved yet: nothing to index"
        elif state.built != _built_by_us(key, Path(settings.index_dir)) or not _index_exists(settings):
            from qa_bot.build import build_from_paths

            summary.build = build_from_paths(settings, [articles], console, embedder)
            # The build this update made, not whatever is live by now (another build may have gone live since).
            state.built = _built_by_us(key, Path(summary.build.build_dir or settings.index_dir))
            save_state(articles, state)
        return summary


def _built_by_us(key: str, build: Path) -> str:
    """``key`` with the identity of the index build ``build`` (the folder, or the build it points at): a build of
    other articles into the same folder since (``qa-bot index build``, a restored backup) is not the one this
    folder's update made, and is built again."""
    from qa_bot.index import live_generation

    return f"{key}@{':'.join(map(str, live_generation(build)))}"


def _build_key(settings: Settings, fingerprint: str) -> str:
    """The articles' fingerprint, tied to the index folder, the model and how it runs, and every build setting
    (:func:`~qa_bot.build.build_identity`): a changed passage size rebuilds even when no article changed."""
    from qa_bot.build import build_identity

    built_with = {"model": settings.model, "embed_backend": settings.embed_backend, **build_identity(settings)}
    said = "\0".join((str(Path(settings.index_dir).absolute()), json.dumps(built_with, sort_keys=True, default=str),
                      fingerprint))
    return hashlib.sha256(said.encode()).hexdigest()


def summary_line(summary: UpdateSummary) -> str:
    """The update in one line: feeds, items, and what the build embedded."""
    feeds = (f"{plural(summary.feeds, 'feed')} ({summary.feeds_not_modified} not modified, {summary.feeds_failed} "
             "failed); "
             if summary.feeds else "")
    items = (f"items: {summary.new} new, {summary.unchanged} unchanged, {summary.updated} updated, "
             f"{summary.failed} failed" + (f", {summary.skipped} skipped (not articles)" if summary.skipped else "")
             + (f", {summary.kept} kept as saved (the page now reads as another)" if summary.kept else "")
             + (f", {summary.unsaved} not saved (the folder cannot be written)" if summary.unsaved else ""))
    if summary.note:
        built = summary.note
    elif summary.build is None:
        built = "index up to date: 0 texts embedded"
    else:
        b = summary.build
        built = (f"index rebuilt: {plural(b.documents, 'document')}, embedded {b.embedded} texts, reused {b.reused} "
                 f"unchanged in {b.seconds:.1f} s")
    return f"{feeds}{items}; {built}"
