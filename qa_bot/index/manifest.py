"""The manifest of an index build: what it holds, how it was made, and whether this qa-bot can read it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import qa_bot.index.builds as builds
from qa_bot.embed import Embedder
from qa_bot.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError
from qa_bot.index.checksums import find_damage

FORMAT_VERSION = 3
"""3: stores named by kind (``vector_store``, ``keyword_store``), a content hash per document."""
MANIFEST = "manifest.json"
Manifest = dict[str, object]


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """What an index is, for people: counts, model, how passages are searched, where its build lives."""

    index_dir: Path
    build_dir: Path
    documents: int
    passages: int
    sentences: int
    model: str
    backend: str
    search: str
    """How passages are searched, e.g. ``faiss flat`` or ``faiss ivf-sq8 (nprobe 8, recall@10 0.97)``."""
    built_at: str
    files: int
    format: object
    _manifest: Manifest = field(repr=False)
    damage: tuple[str, ...] = ()
    """What is wrong with the build's files by presence and size (filled by :func:`describe_index` only)."""
    skipped: int = 0
    """Article files or lines the build skipped (unreadable, empty, malformed)."""

    def require_files(self) -> None:
        """Refuse a build whose :attr:`damage` names anything, with how to rebuild it.

        Raises:
            IndexCorruptError
        """
        if self.damage:
            raise damaged(self.index_dir, self.damage)

    def to_json(self) -> Manifest:
        """The whole manifest, as ``qa-bot index info`` prints it, after the index and the build it was read from."""
        return {"index": str(self.index_dir), "build": str(self.build_dir), **self._manifest}


def rebuild_hint(folder: Path) -> str:
    """The sentence that tells a person how to rebuild the index ``folder``."""
    return f"rebuild it with `qa-bot index build --articles PATH --index {folder}`"


def damaged(folder: Path, problems: list[str] | tuple[str, ...]) -> IndexCorruptError:
    """The error for the index ``folder`` whose files have ``problems`` (the first named, the rest counted)."""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return IndexCorruptError(f"index at {folder} is damaged: {problems[0]}{more}; {rebuild_hint(folder)}")


def read_manifest(live: Path, folder: Path) -> Manifest:
    """The manifest of the build ``live`` of the index ``folder``.

    Raises:
        IndexNotFoundError: there is no index there.
        IndexCorruptError: the manifest cannot be read.
    """
    path = live / MANIFEST
    if not path.is_file():
        _refuse_foreign(folder)
        raise IndexNotFoundError(
            f"no index at {folder}: build one with `qa-bot index build --articles PATH --index {folder}`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not builds.is_qa_bot_manifest(manifest):  # a damaged index's, or a web app's in a folder of the user's
        _refuse_foreign(folder)
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"unreadable manifest at {path}: {rebuild_hint(folder)}")
    return manifest


def _refuse_foreign(folder: Path) -> None:
    """Refuse ``folder`` when a build would refuse it too (an article, a folder of the user's), saying so: the
    rebuild a damaged index is told to run must never be suggested over it.

    Raises:
        IndexNotFoundError: a build may not replace what is at ``folder``.
    """
    if reason := builds.unbuildable(folder):
        raise IndexNotFoundError(f"no index at {folder}: {reason}; build one in a new folder with "
                                 "`qa-bot index build --articles PATH --index NEW_FOLDER`")


def check_format(manifest: Manifest, folder: Path) -> None:
    """Refuse a manifest of another format than this qa-bot writes."""
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {folder} has format {manifest.get('format')}, this qa-bot reads {FORMAT_VERSION}: "
            f"{rebuild_hint(folder)}"
        )


def check_compatible(manifest: Manifest, embedder: Embedder, folder: Path) -> None:
    """Refuse an index made with another model, dimension, backend or format than ``embedder``'s.

    Raises:
        IndexMismatchError: with the command that rebuilds it.
    """
    check_format(manifest, folder)
    if manifest.get("backend") != embedder.backend:
        raise _other_backend(manifest, folder, embedder.backend)
    if manifest.get("model") != embedder.model_id or manifest.get("dimension") != embedder.dimension:
        raise _other_model(manifest, folder, f"{embedder.model_id} ({embedder.dimension} dims)",
                           f" ({manifest.get('dimension')} dims)")


def _other_backend(manifest: Manifest, folder: Path, configured: str) -> IndexMismatchError:
    return IndexMismatchError(
        f"index at {folder} was embedded with the {manifest.get('backend')} backend, but the configured backend "
        f"is {configured}: {rebuild_hint(folder)} or set QA_BOT_EMBED_BACKEND={manifest.get('backend')}"
    )


def _other_model(manifest: Manifest, folder: Path, configured: str, dims: str = "") -> IndexMismatchError:
    return IndexMismatchError(
        f"index at {folder} was built with model {manifest.get('model')}{dims}, but the configured model is "
        f"{configured}: {rebuild_hint(folder)} or set QA_BOT_MODEL to the index's model"
    )


def describe(manifest: Manifest, index_dir: Path, build_dir: Path) -> IndexInfo:
    """An :class:`IndexInfo` from a manifest read from ``build_dir``."""
    store = manifest.get("vector_store")
    search = "?"
    if isinstance(store, dict):
        search = " ".join(str(x) for x in (store.get("kind"), store.get("layout")) if x)
        if store.get("nprobe"):
            search += f" (nprobe {store.get('nprobe')}, recall@10 {store.get('recall_at_10')})"
        if store.get("collection"):
            search += f" (alias {store.get('alias')} → {store.get('collection')} at {store.get('uri')})"
    files = manifest.get("files")

    def count(key: str) -> int:
        value = manifest.get(key)
        return value if isinstance(value, int) else 0

    return IndexInfo(
        index_dir=builds.absolute(index_dir),
        build_dir=build_dir,
        documents=count("documents"),
        passages=count("passages"),
        sentences=count("sentences"),
        model=str(manifest.get("model")),
        backend=str(manifest.get("backend")),
        search=search,
        built_at=str(manifest.get("built_at")),
        files=len(files) if isinstance(files, dict) else 0,
        format=manifest.get("format"),
        _manifest=manifest,
        skipped=count("skipped"),
    )


def require_index(folder: Path, model_id: str | None = None, backend: str | None = None) -> None:
    """Refuse at once, before anything slow, an index ``folder`` that is missing, unreadable, of another format,
    or (given ``model_id`` and ``backend``, see :func:`qa_bot.embed.model_identity` and
    :func:`qa_bot.embed.backend_identity`) built with another model or embedding backend.

    Raises:
        IndexNotFoundError, IndexCorruptError, IndexMismatchError
    """
    manifest = read_manifest(builds.live_dir(folder), folder)
    check_format(manifest, folder)
    if model_id is not None and manifest.get("model") != model_id:
        raise _other_model(manifest, folder, model_id)
    if backend is not None and manifest.get("backend") != backend:
        raise _other_backend(manifest, folder, backend)


def describe_index(folder: Path) -> IndexInfo:
    """What the live build of the index ``folder`` holds, from its manifest, and whether its files are all
    there at their recorded sizes (nothing is read or hashed: ``qa-bot index verify`` does that).

    Raises:
        IndexNotFoundError, IndexCorruptError
    """
    live = builds.live_dir(folder)
    manifest = read_manifest(live, folder)
    if manifest.get("format") != FORMAT_VERSION:  # an older format's files are not this version's to judge
        return describe(manifest, folder, live)
    recorded = manifest.get("files")
    damage = find_damage(live, recorded, hash_limit=-1) if isinstance(recorded, dict) else ["no checksums"]
    return replace(describe(manifest, folder, live), damage=tuple(damage))
