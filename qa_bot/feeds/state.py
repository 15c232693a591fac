"""What the updates of an articles folder remember between runs, in ``.qa-bot/fetch-state.json`` inside it.

Per feed: its ETag and Last-Modified (for conditional GETs) and how its last fetch went. Per link seen in
a feed: the canonical URL it led to, and the feed entry's fingerprint (so an unchanged entry is not fetched
again). Per saved article: its file and its page's validators. Pages that failed, to retry next run, and
pages that are not articles, never to fetch again. The file is written atomically; a hidden folder, so the
articles reader never takes it for an article.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa_bot.ingest.read import discover

log = logging.getLogger(__name__)
STATE_DIR = ".qa-bot"
STATE_FILE = "fetch-state.json"
_VERSION = 1


@dataclass(slots=True)
class FeedState:
    """How a feed's last fetch went."""

    etag: str | None = None
    last_modified: str | None = None
    checked_at: str | None = None
    error: str | None = None
    items: int = 0


@dataclass(slots=True)
class LinkState:
    """A link a feed (or ``qa-bot add``) gave: where it led, and the feed entry's fingerprint when last fetched."""

    canonical: str
    entry: str | None = None


@dataclass(slots=True)
class PageState:
    """An article saved from a page: its file (relative to the articles folder) and the page's validators."""

    file: str
    fetched_at: str
    date: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    link: str | None = None
    """The link the article is fetched from (its feed item's, or one given to ``qa-bot add``)."""
    feed: str | None = None


@dataclass(slots=True)
class Failure:
    """A page that could not be fetched or read, retried by the next update until ``attempts`` run out."""

    reason: str
    attempts: int
    feed: str | None = None
    entry: dict[str, str | None] = field(default_factory=dict)
    """What the feed said of the item (title, date): a page without a date takes the feed's."""


@dataclass(slots=True)
class FetchState:
    """Everything an update remembers (see the module's docstring)."""

    feeds: dict[str, FeedState] = field(default_factory=dict)
    links: dict[str, LinkState] = field(default_factory=dict)
    pages: dict[str, PageState] = field(default_factory=dict)
    failed: dict[str, Failure] = field(default_factory=dict)
    ignored: dict[str, str] = field(default_factory=dict)
    """Links that are not article pages (a PDF, an image, a page without article text): link → why."""
    built: str | None = None
    """The fingerprint of the articles folder (and the build settings) when the index was last built by an update,
    with the identity of the build that went live then."""

    def to_json(self) -> dict[str, object]:
        """The state as the JSON object kept on disk."""
        return {"version": _VERSION, **asdict(self)}


def state_path(articles_dir: Path) -> Path:
    """The state file of ``articles_dir``."""
    return Path(articles_dir) / STATE_DIR / STATE_FILE


def load_state(articles_dir: Path) -> FetchState:
    """The state of ``articles_dir``; empty when there is none yet. A damaged file is set aside (renamed
    ``.damaged``) and the update starts afresh: every link is then fetched once more, nothing is lost."""
    path = state_path(articles_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return FetchState(
            feeds={k: FeedState(**v) for k, v in data.get("feeds", {}).items()},
            links={k: LinkState(**v) for k, v in data.get("links", {}).items()},
            pages={k: PageState(**v) for k, v in data.get("pages", {}).items()},
            failed={k: Failure(**v) for k, v in data.get("failed", {}).items()},
            ignored=dict(data.get("ignored", {})),
            built=data.get("built"),
        )
    except FileNotFoundError:
        return FetchState()
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        log.warning("the update state %s is damaged (%s); set aside, starting afresh", path, exc)
        try:
            os.replace(path, path.with_suffix(".damaged"))
        except OSError:
            pass
        return FetchState()


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a crash leaves the old file or the new one, never half of one: a
    hidden temporary file beside it (which the articles reader passes by), synced, then renamed over it. A
    symbolic link is followed: the file it points to is written, and the link stays a link."""
    path = path.resolve() if path.is_symlink() else path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:  # a full disk, text that is not UTF-8, Ctrl-C: the old file stays, and no stray copy
        temporary.unlink(missing_ok=True)
        raise


def save_state(articles_dir: Path, state: FetchState) -> None:
    """Write the state atomically."""
    write_atomically(state_path(articles_dir), json.dumps(state.to_json(), ensure_ascii=False, indent=1))


def folder_fingerprint(articles_dir: Path) -> str | None:
    """A hash of the article files the articles reader finds under ``articles_dir`` (names, sizes, times): it
    changes when a file is added, removed or rewritten, by an update or by hand. None when there is none."""
    digest = hashlib.sha256()
    found = False
    for file, root in discover([Path(articles_dir)]):
        try:
            stat = file.stat()
        except OSError:
            continue
        found = True
        digest.update(f"{file.relative_to(root).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest() if found else None
