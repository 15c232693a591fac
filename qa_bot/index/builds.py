"""Where the builds of an index live, the live link, the build lock, and how a finished build goes live in one step.

For an index folder ``index/default``::

    index/default                -> .default.builds/20261122T070102.123456Z-4242   (a relative symlink)
    index/.default.builds/       complete builds: the live one and the one before it
    index/.default.builds/*.partial   a build being written (or one that died; removed by the next)
    index/.default.lock          held (flock) by the build that is running

A build writes into a ``.partial`` folder, verifies it, renames it to its final name and then points the
symlink at it with ``os.replace`` of a new link, which is atomic: a reader sees the old build or the new
one, never a mix, and a build killed at any moment (even ``kill -9``) leaves the old link in place. The
lock is an ``flock``, so the kernel releases it when its holder dies and a dead build never blocks the
next. The previous build is kept so that a process still loading it is not cut off, and for rollback.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import qa_bot.index.layout as layout
from qa_bot.errors import IndexLockedError, IndexWriteError

PARTIAL = ".partial"
KEEP_BUILDS = 2


def absolute(folder: Path) -> Path:
    """``folder`` made absolute without following a symlink at its end (the live link itself)."""
    folder = Path(os.path.abspath(folder))
    return folder.parent.resolve() / folder.name


def builds_dir(folder: Path) -> Path:
    """The folder that holds the builds of the index ``folder``."""
    folder = absolute(folder)
    return folder.parent / f".{folder.name}.builds"


def lock_path(folder: Path) -> Path:
    """The lock file of the index ``folder``."""
    folder = absolute(folder)
    return folder.parent / f".{folder.name}.lock"


def unbuildable(folder: Path) -> str | None:
    """Why an index may not be built at ``folder``, or None when it may: nothing there yet, an empty folder, or
    an index (the live link of its builds, or a plain index folder from before builds were linked, or a
    restored copy).

    A build replaces what is at ``folder`` with its live link, so anything else there (an article, a folder
    of the user's, a link to another index, a device) would be moved aside, replaced or lost.
    """
    path = absolute(folder)
    try:
        if path.is_symlink():
            target = path.resolve()
            if target.parent == builds_dir(path).resolve():
                return None
            return f"{path} is a link to {target}, not one of its own builds; build into {target} itself"
        if not path.exists():
            return None
        here = Path.cwd()
        if path == here or path in here.parents:  # the live link would take its place under the user's shell
            return f"{path} is the current folder or holds it (a build would replace it with a link)"
        if path.is_dir():
            if _is_index(path) or not any(path.iterdir()):
                return None
            return f"{path} is a folder that is not a qa-bot index (it has no qa-bot manifest.json)"
    except (OSError, RuntimeError) as exc:  # a link loop, a folder that cannot be listed
        return f"{path} cannot be read ({exc})"
    return f"{path} is a file, not an index folder"


def _is_index(folder: Path) -> bool:
    """True when ``folder`` holds a qa-bot index: a qa-bot manifest (a web app's ``manifest.json`` is not one), or a
    damaged one, a ``manifest.json`` that is not qa-bot's beside files only an index holds.

    A damaged index is one: reading it tells the user to rebuild it in place, so a build must be let replace it.
    """
    manifest_file = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # cut short or overwritten
        manifest = None
    if is_qa_bot_manifest(manifest):
        return True
    return manifest_file.is_file() and any((folder / name).exists() for name in layout.FILES)


def is_qa_bot_manifest(manifest: object) -> bool:
    """True when ``manifest`` (a parsed ``manifest.json``) is qa-bot's: it says its format and model."""
    return isinstance(manifest, dict) and "format" in manifest and "model" in manifest


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold the build lock of ``folder`` for the block.

    Raises:
        IndexLockedError: another process holds it.
    """
    path = lock_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise IndexWriteError(f"cannot build an index at {absolute(folder)}: its lock file {path} cannot be "
                              f"made ({exc.strerror or type(exc).__name__})") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise IndexLockedError(
                f"another build of {absolute(folder)} is running ({holder}); wait for it to finish, then run again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock


def live_dir(folder: Path) -> Path:
    """The build folder the index ``folder`` points at now (``folder`` itself for a plain folder).

    When the link is missing but complete builds exist (a plain folder was being converted to the
    linked layout when its build died), the newest complete build is the live one.
    """
    folder = absolute(folder)
    if folder.exists():
        return folder.resolve()
    complete = _complete_builds(builds_dir(folder))
    return complete[-1] if complete else folder


def generation(folder: Path) -> tuple[int, int, int, int]:
    """A value that changes whenever a new build of ``folder`` goes live: its manifest's identity.

    One ``stat`` through the link, cheap enough to call before every question. Each build writes its
    own manifest file, so a switch changes the inode even within the same clock tick.
    """
    try:
        stat = os.stat(os.path.join(folder, "manifest.json"))
    except OSError:
        try:
            stat = os.stat(live_dir(folder) / "manifest.json")
        except OSError:
            return (0, 0, 0, 0)
    return (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)


def new_staging(folder: Path) -> Path:
    """An empty ``.partial`` build folder for ``folder``; call while holding the build lock.

    Partial builds and links left by builds that died are removed first: the lock says none is running.
    """
    builds = builds_dir(folder)
    builds.mkdir(parents=True, exist_ok=True)
    for stale in builds.glob(f"*{PARTIAL}"):
        shutil.rmtree(stale, ignore_errors=True)
    folder = absolute(folder)
    for link in folder.parent.glob(f".{folder.name}.link-*"):  # a new link a dead build never placed
        link.unlink(missing_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    staging = builds / f"{stamp}-{os.getpid()}{PARTIAL}"
    staging.mkdir()
    return staging


def sync_tree(folder: Path) -> None:
    """Flush every file under ``folder`` and the folders themselves to disk."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _sync_dir(Path(root))


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(staging: Path, folder: Path) -> Path:
    """Make the complete build at ``staging`` the live index ``folder``; return its final folder.

    Call while holding the build lock. Older builds beyond the previous one are removed.
    """
    folder = absolute(folder)
    final = staging.with_name(staging.name.removesuffix(PARTIAL))
    os.replace(staging, final)
    link = folder.parent / f".{folder.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(final, folder.parent), link)
    if folder.is_dir() and not folder.is_symlink():
        # An index from before builds were linked: keep it as a build, then link. If the process dies
        # between the two renames, live_dir() finds the newest complete build.
        os.replace(folder, final.parent / f"{final.name}-plain-previous")
    os.replace(link, folder)
    _sync_dir(folder.parent)
    _prune(builds_dir(folder), keep=final)
    return final


def _complete_builds(builds: Path) -> list[Path]:
    if not builds.is_dir():
        return []
    found = [p for p in builds.iterdir() if not p.name.endswith(PARTIAL) and (p / "manifest.json").is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime_ns)


def _prune(builds: Path, keep: Path) -> None:
    complete = [p for p in _complete_builds(builds) if p != keep]
    for old in complete[: max(0, len(complete) - (KEEP_BUILDS - 1))]:
        shutil.rmtree(old, ignore_errors=True)


def write_error(exc: OSError, folder: Path) -> IndexWriteError:
    """A one-line error for a failed write of the index ``folder``."""
    reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or type(exc).__name__)
    return IndexWriteError(
        f"could not write the new index beside {absolute(folder)}: {reason}; the previous index is untouched"
    )
