"""Build an index: chunk, embed what changed, write the stores and files, check them, and publish.

All of a build happens under one hold of the index's build lock (:class:`IndexWriter`): a second build
of the same index is refused at once, before anything is read or embedded. Vectors of documents whose
text is unchanged are taken from the live build (matched by the content hash each build records per
document), so a rebuild embeds only what is new or changed. The new build is written into a staging
folder, read back against its checksums, and only then made live (see :mod:`qa_bot.index.builds`), so a
build that fails or is killed leaves the previous index answering.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import numpy as np

import qa_bot.index.builds as builds
import qa_bot.index.layout as layout
import qa_bot.index.milvus_store as milvus_store
from qa_bot import __version__
from qa_bot.config import BuildOptions
from qa_bot.embed import Embedder
from qa_bot.errors import BackendUnavailableError, ConfigError, IndexWriteError, IngestError, QABotError
from qa_bot.index.backend import LOCAL, Backend
from qa_bot.index.checksums import digest_tree
from qa_bot.index.manifest import FORMAT_VERSION, MANIFEST
from qa_bot.index.milvus_compat import UNDATED
from qa_bot.index.reader import DocumentVectors, load_index, previous_milvus_store
from qa_bot.index.stores import VECTOR_STORES, build_keyword_store, build_vector_store
from qa_bot.ingest.segment import chunk_documents
from qa_bot.records import Document, Passage, Sentence, moment_of
from qa_bot.terms import terms

log = logging.getLogger(__name__)
KEYWORD_ENGINE = "bm25s"
Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total) while a build runs."""


@dataclass(frozen=True, slots=True)
class BuildSummary:
    """What a build made."""

    documents: int
    passages: int
    sentences: int
    skipped: int
    seconds: float
    index_dir: str
    embedded: int = 0
    reused: int = 0
    build_dir: str = ""
    undated: int = 0
    """Articles whose date could not be read: kept, undated."""
    search: str = ""
    """How passages are searched: the vector store's kind and layout."""
    written: int = 0
    """Passage rows written to Milvus (new or changed ones only, when its collection was reused)."""
    deleted: int = 0
    """Passage rows deleted from Milvus after the build went live (no build kept in the folder needs them)."""
    retired: int = 0
    """Passage rows of the previous build this one lacks: kept with it in Milvus, deleted by the next build."""


class IndexWriter:
    """The builds of one index folder, under its build lock.

    ``with IndexWriter(folder) as writer:`` takes the lock (``IndexLockedError`` at once when another
    build holds it) and keeps it until the block ends; :meth:`build` may then be called.
    """

    def __init__(self, folder: Path, backend: Backend = LOCAL) -> None:
        self.folder = Path(folder)
        self.backend = backend
        self._held = ExitStack()
        self._locked = False

    def __enter__(self) -> IndexWriter:
        """Take the build lock.

        Raises:
            IndexWriteError: something that is not an index is at the folder (it is left as it is), or the
                lock file cannot be made.
            IndexLockedError: another build holds the lock.
        """
        reason = builds.unbuildable(self.folder)
        if reason:
            raise IndexWriteError(f"{reason}; nothing was changed. Build into a new or empty folder, or one that "
                                  "holds an index (--index or QA_BOT_INDEX_DIR)")
        self._held.enter_context(builds.build_lock(self.folder))
        self._locked = True
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._locked = False
        self._held.close()

    def build(
        self,
        documents: list[Document],
        embedder: Embedder,
        options: BuildOptions,
        *,
        skipped: int = 0,
        undated: int = 0,
        progress: Progress | None = None,
    ) -> BuildSummary:
        """Build an index of ``documents`` and make it the live index once it is complete and checked.

        Raises:
            IngestError: there is no document with text.
            IndexWriteError: the files could not be written (the disk is full, for example).
        """
        if not self._locked:  # a build outside the lock could remove a running build's staging folder
            raise RuntimeError("IndexWriter.build needs the build lock: use `with IndexWriter(folder) as writer:`")
        began = time.perf_counter()
        if options.vector_store not in VECTOR_STORES:
            known = ", ".join(sorted(VECTOR_STORES))
            raise ConfigError(f"unknown vector store {options.vector_store!r} (QA_BOT_VECTOR_STORE): known are {known}")
        if not documents:
            raise IngestError("no readable articles to index")
        sentences, passages = chunk_documents(
            documents, embedder.max_tokens, embedder.count_tokens,
            options.sentences_per_passage, options.passage_overlap,
        )
        if not passages:
            raise IngestError("the articles hold no sentences to index")
        previous = _previous_vectors(self.folder, embedder, options, self.backend)
        passage_vectors, sentence_vectors, embedded = _embed(
            documents, passages, sentences, embedder, previous, progress
        )
        old_store = previous_milvus_store(self.folder, self.backend) if self.backend.is_milvus else None
        try:
            staging = builds.new_staging(self.folder)
        except OSError as exc:
            raise builds.write_error(exc, self.folder) from exc
        try:
            manifest, store = _write(staging, documents, passages, sentences, passage_vectors, sentence_vectors,
                                     options, self.backend, old_store, progress, self.backend.alias(self.folder),
                                     reusable=bool(previous), owner=str(builds.absolute(self.folder)))
            manifest.update(
                model=embedder.model_id,
                backend=embedder.backend,
                dimension=embedder.dimension,
                max_tokens=embedder.max_tokens,
                skipped=skipped,
                unreadable_dates=undated,
            )
            manifest["files"] = digest_tree(staging)
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            # Read back before going live.
            search = load_index(staging, embedder, hash_limit=None, backend=self.backend).describe().search
            builds.sync_tree(staging)
            live = builds.publish(staging, self.folder)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise builds.write_error(exc, self.folder) from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        written, deleted = (0, 0) if store is None else (store[1], _finish(store[0], old_store, manifest))
        retired = 0 if store is None else len(store[0].retired)
        return BuildSummary(
            documents=len(documents),
            passages=len(passages),
            sentences=len(sentences),
            skipped=skipped,
            seconds=time.perf_counter() - began,
            index_dir=str(builds.absolute(self.folder)),
            embedded=embedded,
            reused=len(passages) + len(sentences) - embedded,
            build_dir=str(live),
            undated=undated,
            search=search,
            written=written,
            deleted=deleted,
            retired=retired,
        )


def build_index(
    documents: list[Document],
    embedder: Embedder,
    folder: Path,
    options: BuildOptions | None = None,
    *,
    skipped: int = 0,
    progress: Progress | None = None,
    backend: Backend = LOCAL,
) -> BuildSummary:
    """Take the lock of the index ``folder``, build it from ``documents`` and publish it (see :class:`IndexWriter`).

    Raises:
        IngestError, IndexLockedError, IndexWriteError
    """
    with IndexWriter(folder, backend) as writer:
        return writer.build(documents, embedder, options or BuildOptions(), skipped=skipped, progress=progress)


def _previous_vectors(
    folder: Path, embedder: Embedder, options: BuildOptions, backend: Backend = LOCAL
) -> dict[str, DocumentVectors]:
    """The vectors of every document of the live build, by content hash; empty when they cannot be reused.

    They cannot when there is no index yet, or it was built with another model, backend, format or
    passage settings (its vectors or chunks would not match).
    """
    try:
        previous = load_index(folder, embedder, backend=backend)
    except QABotError:
        return {}
    if not previous.same_passage_settings(embedder.max_tokens, options.sentences_per_passage, options.passage_overlap):
        return {}
    return previous._vectors_by_content()  # the writer is the index package's own: it may read the reader


def _embed(
    documents: list[Document],
    passages: list[Passage],
    sentences: list[Sentence],
    embedder: Embedder,
    previous: dict[str, DocumentVectors],
    progress: Progress | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """(passage vectors, sentence vectors, how many were embedded); unchanged documents reuse old ones."""
    passage_vectors = np.zeros((len(passages), embedder.dimension), dtype=np.float32)
    sentence_vectors = np.zeros((len(sentences), embedder.dimension), dtype=np.float32)
    passage_todo, sentence_todo = _fill_from_previous(
        documents, passages, sentences, passage_vectors, sentence_vectors, previous
    )
    total = len(passage_todo) + len(sentence_todo)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress("embedding", done, total)

    if progress is not None:
        progress("embedding", 0, total)
    if passage_todo:
        passage_vectors[passage_todo] = embedder.encode(_texts(documents, [passages[i] for i in passage_todo]),
                                                        progress=advance)
    if sentence_todo:
        sentence_vectors[sentence_todo] = embedder.encode(_texts(documents, [sentences[i] for i in sentence_todo]),
                                                          progress=advance)
    return passage_vectors, sentence_vectors, total


def _texts(documents: list[Document], spans: list[Sentence] | list[Passage]) -> list[str]:
    return [documents[s.doc_index].text[s.start: s.end] for s in spans]


def _fill_from_previous(
    documents: list[Document],
    passages: list[Passage],
    sentences: list[Sentence],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    previous: dict[str, DocumentVectors],
) -> tuple[list[int], list[int]]:
    """Copy the old vectors of unchanged documents in place; return the rows still to embed."""
    passage_rows: dict[int, list[int]] = {}
    sentence_rows: dict[int, list[int]] = {}
    for row, passage in enumerate(passages):
        passage_rows.setdefault(passage.doc_index, []).append(row)
    for row, sentence in enumerate(sentences):
        sentence_rows.setdefault(sentence.doc_index, []).append(row)
    passage_todo: list[int] = []
    sentence_todo: list[int] = []
    for doc_index, document in enumerate(documents):
        p_rows, s_rows = passage_rows.get(doc_index, []), sentence_rows.get(doc_index, [])
        old = previous.get(layout.content_hash(document.text))
        if old is not None and len(old[0]) == len(p_rows) and len(old[1]) == len(s_rows):
            passage_vectors[p_rows] = old[0]
            sentence_vectors[s_rows] = old[1]
        else:
            passage_todo.extend(p_rows)
            sentence_todo.extend(s_rows)
    return passage_todo, sentence_todo


def _write(
    staging: Path,
    documents: list[Document],
    passages: list[Passage],
    sentences: list[Sentence],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    options: BuildOptions,
    backend: Backend = LOCAL,
    old_store: milvus_store.MilvusPassageStore | None = None,
    progress: Progress | None = None,
    alias: str = "",
    reusable: bool = False,
    owner: str = "",
) -> tuple[dict[str, object], tuple[milvus_store.MilvusPassageStore, int] | None]:
    """Write every file of a build but the manifest into ``staging``; (the manifest so far, the Milvus store
    and the rows written to it, when the backend is Milvus)."""
    (staging / layout.PASSAGE_STORE).mkdir()
    synced = None
    if backend.is_milvus:
        rows = _milvus_rows(documents, passages, passage_vectors, backend.analyzer)
        try:
            synced = milvus_store.sync(backend.connection(), alias, rows, backend.analyzer, old_store, progress,
                                       reusable=reusable, owner=owner)
        except BackendUnavailableError:  # already one line
            raise
        except Exception as exc:  # the engine's own errors, as one line for the user
            raise BackendUnavailableError(
                f"writing to Milvus at {backend.connection().describe()} failed ({type(exc).__name__}): {exc}"
            ) from exc
        vector_entry = synced[0].save(staging / layout.PASSAGE_STORE)
    else:
        store = build_vector_store(
            options.vector_store, passage_vectors, sentence_vectors, approximate_from=options.approximate_from
        )
        vector_entry = store.save(staging / layout.PASSAGE_STORE)
    np.save(staging / layout.PASSAGE_VECTORS, passage_vectors)
    np.save(staging / layout.SENTENCE_VECTORS, sentence_vectors)
    np.save(staging / layout.SENTENCES,
            np.array([(s.doc_index, s.start, s.end) for s in sentences], dtype=np.int64).reshape(-1, 3))
    np.save(
        staging / layout.PASSAGES,
        np.array([(p.doc_index, p.first_sentence, p.last_sentence, p.start, p.end) for p in passages],
                 dtype=np.int64).reshape(-1, 5),
    )
    layout.write_documents(staging, documents)
    keyword_entries: dict[str, object] = {}
    for folder, spans in ((layout.PASSAGE_KEYWORDS, passages), (layout.SENTENCE_KEYWORDS, sentences)):
        (staging / folder).mkdir()
        if synced is not None and folder == layout.PASSAGE_KEYWORDS:
            keyword_entries[folder] = {"kind": "milvus", "same_as": "vector_store"}  # one collection holds both
            continue
        keyword_entries[folder] = build_keyword_store(KEYWORD_ENGINE, _texts(documents, spans)).save(staging / folder)
    return {
        "format": FORMAT_VERSION,
        "documents": len(documents),
        "passages": len(passages),
        "sentences": len(sentences),
        "sentences_per_passage": options.sentences_per_passage,
        "passage_overlap": options.passage_overlap,
        "vector_store": vector_entry,
        **keyword_entries,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
    }, synced


def _milvus_rows(
    documents: list[Document], passages: list[Passage], vectors: np.ndarray, analyzer: str
) -> milvus_store.PassageRows:
    """The Milvus rows of ``passages``: content-addressed keys, article metadata, dates, BM25 text, vectors.

    A key hashes everything a row holds but its vector (article id, title, link, date, text hash and
    the passage's place in it), so an unchanged passage keeps its key across builds and a changed one
    gets a new key, and with it a new row.
    """
    texts = _texts(documents, passages)
    hashes = [layout.content_hash(d.text) for d in documents]
    keys, dates = [], np.zeros(len(passages), dtype=np.int64)
    for row, passage in enumerate(passages):
        doc = documents[passage.doc_index]
        moment = moment_of(doc.date)
        dates[row] = UNDATED if moment is None else math.floor(moment.timestamp())
        identity = "\x00".join((doc.doc_id, doc.title, doc.url or "", doc.date or "", hashes[passage.doc_index],
                                str(passage.start), str(passage.end)))
        keys.append(hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32])
    return milvus_store.PassageRows(
        keys=keys,
        doc_ids=[documents[p.doc_index].doc_id for p in passages],
        titles=[documents[p.doc_index].title for p in passages],
        urls=[documents[p.doc_index].url or "" for p in passages],
        iso_dates=[documents[p.doc_index].date or "" for p in passages],
        dates=dates,
        texts=[" ".join(t) for t in terms(texts)] if analyzer == "project" else texts,
        vectors=vectors,
    )


def _finish(
    store: milvus_store.MilvusPassageStore, old: milvus_store.MilvusPassageStore | None, manifest: dict[str, object]
) -> int:
    """Milvus's part after the build went live (stale rows, the alias); a failure is logged, never raised."""
    try:
        return milvus_store.finish(store, old, manifest)
    except Exception as exc:  # the new build is live and answers; the next sync cleans up
        log.warning("the build is live, but tidying Milvus failed (%s: %s); the next build tries again",
                    type(exc).__name__, exc)
        return 0


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"qa-bot": __version__}
    for package in ("sentence-transformers", "faiss-cpu", "bm25s", "pysbd", "torch", "onnxruntime", "pymilvus",
                    "milvus-lite"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found
