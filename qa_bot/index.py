"""The index on disk: passage vectors and their search index, sentence vectors, BM25, passage store, manifest.

One build of an index is a folder (the live one is reached through the index's link, see
:mod:`qa_bot.store`)::

    manifest.json          model, backend, dimension, counts, vector index, versions, format, checksums
    documents.jsonl        one document a line: id, metadata, text
    sentences.npy          int64 rows (doc_index, start, end)
    passages.npy           int64 rows (doc_index, first_sentence, last_sentence, start, end)
    passages.faiss         the passage vector search index (exact or IVF-SQ8, by size)
    passage_vectors.npy    normalised passage vectors, row i = passage i (kept exact for rebuilds)
    sentence_vectors.npy   normalised sentence vectors, row i = sentence i
    keyword_passages/      bm25s index of passages
    keyword_sentences/     bm25s index of sentences
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qa_bot import __version__, store
from qa_bot.checksums import LOAD_HASH_LIMIT, digest_tree, find_damage
from qa_bot.embed import Embedder
from qa_bot.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError, IngestError
from qa_bot.keyword import KeywordIndex
from qa_bot.records import Document, Passage, Sentence
from qa_bot.reuse import Vectors, previous_vectors, text_hash
from qa_bot.segment import group_passages, split_sentences
from qa_bot.vector_index import VectorIndexSpec, build_vector_index, load_vector_index, save_vector_index

FORMAT_VERSION = 2
APPROXIMATE_FROM = 50_000
"""Passages from which the passage vectors get an approximate index (see :mod:`qa_bot.vector_index`)."""
MANIFEST = "manifest.json"
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
    vector_index: str = "flat"


@dataclass(slots=True)
class Index:
    """A loaded index: everything retrieval needs, in memory or memory-mapped."""

    folder: Path
    manifest: dict[str, object]
    documents: list[Document]
    sentences: np.ndarray
    passages: np.ndarray
    passage_vectors: Any  # a faiss.Index, memory-mapped
    sentence_vectors: np.ndarray
    passage_vector_rows: np.ndarray
    """The exact passage vectors (memory-mapped); the search index may hold them quantised."""
    keyword_passages: KeywordIndex
    keyword_sentences: KeywordIndex

    def sentence_text(self, sentence_id: int) -> str:
        """The text of sentence ``sentence_id``."""
        doc_index, start, end = (int(x) for x in self.sentences[sentence_id])
        return self.documents[doc_index].text[start:end]

    def passage(self, passage_id: int) -> Passage:
        """Passage ``passage_id`` as a record."""
        doc_index, first, last, start, end = (int(x) for x in self.passages[passage_id])
        return Passage(doc_index, first, last, start, end)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"qa-bot": __version__}
    for package in ("sentence-transformers", "faiss-cpu", "bm25s", "pysbd", "torch"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found


def _chunk(
    documents: list[Document],
    embedder: Embedder,
    sentences_per_passage: int,
    overlap: int,
) -> tuple[list[Sentence], list[Passage]]:
    sentences: list[Sentence] = []
    passages: list[Passage] = []
    for doc_index, document in enumerate(documents):
        doc_sentences, sizes = split_sentences(
            doc_index, document.text, embedder.max_tokens, embedder.count_tokens
        )
        passages.extend(
            group_passages(
                doc_sentences, sizes, len(sentences), sentences_per_passage, overlap, embedder.max_tokens
            )
        )
        sentences.extend(doc_sentences)
    return sentences, passages


def build_index(
    documents: list[Document],
    embedder: Embedder,
    folder: Path,
    *,
    skipped: int = 0,
    sentences_per_passage: int = 4,
    overlap: int = 1,
    approximate_from: int = APPROXIMATE_FROM,
    progress: Progress | None = None,
) -> BuildSummary:
    """Build an index of ``documents`` and make it the live index ``folder`` once it is complete.

    The build holds the index's lock throughout, writes a new build folder beside the live one,
    verifies it against its checksums and only then switches the ``folder`` link to it (see
    :mod:`qa_bot.store`), so a build that fails or is killed leaves the previous index answering.

    Raises:
        IngestError: there is no document with text.
        IndexLockedError: another build of ``folder`` is running.
        IndexWriteError: the files could not be written (the disk is full, for example).
    """
    began = time.perf_counter()
    if not documents:
        raise IngestError("no readable articles to index")
    with store.build_lock(folder):
        sentences, passages = _chunk(documents, embedder, sentences_per_passage, overlap)
        if not passages:
            raise IngestError("the articles hold no sentences to index")
        passage_vectors, sentence_vectors, embedded = _embed(
            documents, passages, sentences, embedder, folder, sentences_per_passage, overlap, progress
        )
        try:
            staging = store.new_staging(folder)
        except OSError as exc:
            raise store.write_error(exc, folder) from exc
        try:
            spec = _write(staging, documents, passages, sentences, passage_vectors, sentence_vectors, approximate_from)
            manifest = {
                "format": FORMAT_VERSION,
                "model": embedder.model_id,
                "backend": embedder.backend,
                "dimension": embedder.dimension,
                "max_tokens": embedder.max_tokens,
                "documents": len(documents),
                "passages": len(passages),
                "sentences": len(sentences),
                "skipped": skipped,
                "sentences_per_passage": sentences_per_passage,
                "passage_overlap": overlap,
                "vector_index": spec.to_manifest(),
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "versions": _versions(),
                "files": digest_tree(staging),
            }
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            load_index(staging, embedder, hash_limit=None)  # read back what was written before it goes live
            store.sync_tree(staging)
            live = store.publish(staging, folder)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise store.write_error(exc, folder) from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return BuildSummary(
        documents=len(documents),
        passages=len(passages),
        sentences=len(sentences),
        skipped=skipped,
        seconds=time.perf_counter() - began,
        index_dir=str(store.absolute(folder)),
        embedded=embedded,
        reused=len(passages) + len(sentences) - embedded,
        build_dir=str(live),
        vector_index=spec.kind,
    )


def _embed(
    documents: list[Document],
    passages: list[Passage],
    sentences: list[Sentence],
    embedder: Embedder,
    folder: Path,
    sentences_per_passage: int,
    overlap: int,
    progress: Progress | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """(passage vectors, sentence vectors, how many were embedded); unchanged documents reuse old ones."""

    def texts_of(spans: list[Sentence] | list[Passage]) -> list[str]:
        return [documents[s.doc_index].text[s.start: s.end] for s in spans]

    passage_vectors = np.zeros((len(passages), embedder.dimension), dtype=np.float32)
    sentence_vectors = np.zeros((len(sentences), embedder.dimension), dtype=np.float32)
    passage_todo, sentence_todo = _fill_from_previous(
        documents, passages, sentences, passage_vectors, sentence_vectors,
        previous_vectors(folder, embedder, sentences_per_passage, overlap),
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
        passage_texts = texts_of([passages[i] for i in passage_todo])
        passage_vectors[passage_todo] = embedder.encode(passage_texts, progress=advance)
    if sentence_todo:
        sentence_texts = texts_of([sentences[i] for i in sentence_todo])
        sentence_vectors[sentence_todo] = embedder.encode(sentence_texts, progress=advance)
    return passage_vectors, sentence_vectors, total


def _write(
    staging: Path,
    documents: list[Document],
    passages: list[Passage],
    sentences: list[Sentence],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    approximate_from: int,
) -> VectorIndexSpec:
    """Write every file of a build but the manifest into ``staging``; return how passages are searched."""
    vectors, spec = build_vector_index(passage_vectors, sentence_vectors, approximate_from)
    save_vector_index(vectors, staging / "passages.faiss")
    np.save(staging / "passage_vectors.npy", passage_vectors)
    np.save(staging / "sentence_vectors.npy", sentence_vectors)
    np.save(staging / "sentences.npy", np.array([(s.doc_index, s.start, s.end) for s in sentences], dtype=np.int64))
    np.save(
        staging / "passages.npy",
        np.array([(p.doc_index, p.first_sentence, p.last_sentence, p.start, p.end) for p in passages], dtype=np.int64),
    )
    with (staging / "documents.jsonl").open("w", encoding="utf-8") as out:
        for document in documents:
            out.write(json.dumps(asdict(document), ensure_ascii=False) + "\n")

    def text(span: Sentence | Passage) -> str:
        return documents[span.doc_index].text[span.start: span.end]

    KeywordIndex.build([text(p) for p in passages]).save(staging / "keyword_passages")
    KeywordIndex.build([text(s) for s in sentences]).save(staging / "keyword_sentences")
    return spec


def _fill_from_previous(
    documents: list[Document],
    passages: list[Passage],
    sentences: list[Sentence],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    previous: dict[str, Vectors],
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
        old = previous.get(text_hash(document.text))
        if old is not None and len(old[0]) == len(p_rows) and len(old[1]) == len(s_rows):
            passage_vectors[p_rows] = old[0]
            sentence_vectors[s_rows] = old[1]
        else:
            passage_todo.extend(p_rows)
            sentence_todo.extend(s_rows)
    return passage_todo, sentence_todo


def read_manifest(folder: Path) -> dict[str, object]:
    """The manifest of the live build of the index ``folder``.

    Raises:
        IndexNotFoundError: there is no index there.
        IndexCorruptError: the manifest cannot be read.
    """
    return _manifest_at(store.live_dir(folder), folder)


def _manifest_at(live: Path, folder: Path) -> dict[str, object]:
    path = live / MANIFEST
    if not path.is_file():
        raise IndexNotFoundError(
            f"no index at {folder}: build one with `qa-bot index build --articles PATH --index {folder}`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"unreadable manifest at {path}: {_rebuild(folder)}") from exc
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"unreadable manifest at {path}: {_rebuild(folder)}")
    return manifest


def _check_format(manifest: dict[str, object], folder: Path) -> None:
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {folder} has format {manifest.get('format')}, this qa-bot reads {FORMAT_VERSION}: "
            f"{_rebuild(folder)}"
        )


def _rebuild(folder: Path) -> str:
    return f"rebuild it with `qa-bot index build --articles PATH --index {folder}`"


def check_compatible(manifest: dict[str, object], embedder: Embedder, folder: Path) -> None:
    """Refuse an index made with another model, dimension or format than ``embedder``'s.

    Raises:
        IndexMismatchError: with the command that rebuilds it.
    """
    rebuild = _rebuild(folder)
    _check_format(manifest, folder)
    if manifest.get("backend", "torch") != embedder.backend:
        raise IndexMismatchError(
            f"index at {folder} was embedded with the {manifest.get('backend', 'torch')} backend, but the "
            f"configured backend is {embedder.backend}: {rebuild} or set QA_BOT_EMBED_BACKEND={manifest.get('backend')}"
        )
    if manifest.get("model") != embedder.model_id or manifest.get("dimension") != embedder.dimension:
        raise IndexMismatchError(
            f"index at {folder} was built with model {manifest.get('model')} ({manifest.get('dimension')} dims), "
            f"but the configured model is {embedder.model_id} ({embedder.dimension} dims): {rebuild} "
            "or set QA_BOT_MODEL to the index's model"
        )


def load_index(folder: Path, embedder: Embedder | None = None, *, hash_limit: int | None = LOAD_HASH_LIMIT) -> Index:
    """Load the live build of the index ``folder``, checking it against ``embedder`` when one is given.

    Every file is checked against the manifest's sizes, and against its checksums up to
    ``hash_limit`` bytes a file (``None``: every file, as ``qa-bot index verify`` does).

    Raises:
        IndexNotFoundError, IndexMismatchError, IndexCorruptError
    """
    live = store.live_dir(folder)  # resolved once, so a swap while loading cannot mix two builds
    manifest = _manifest_at(live, folder)
    if embedder is not None:
        check_compatible(manifest, embedder, folder)  # format, backend, model and dimension
    else:
        _check_format(manifest, folder)
    recorded = manifest.get("files")
    problems = find_damage(live, recorded, hash_limit) if isinstance(recorded, dict) else ["no checksums"]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise IndexCorruptError(f"index at {folder} is damaged: {problems[0]}{more}; {_rebuild(folder)}")
    try:
        with (live / "documents.jsonl").open(encoding="utf-8") as lines:
            documents = [Document(**json.loads(line)) for line in lines]
        index = Index(
            folder=live,
            manifest=manifest,
            documents=documents,
            sentences=np.load(live / "sentences.npy"),
            passages=np.load(live / "passages.npy"),
            passage_vectors=load_vector_index(
                live / "passages.faiss", VectorIndexSpec.from_manifest(manifest.get("vector_index"))
            ),
            # Plain array views of the memory maps: the same pages, without np.memmap's cost on every access.
            sentence_vectors=np.asarray(np.load(live / "sentence_vectors.npy", mmap_mode="r")),
            passage_vector_rows=np.asarray(np.load(live / "passage_vectors.npy", mmap_mode="r")),
            keyword_passages=KeywordIndex.load(live / "keyword_passages"),
            keyword_sentences=KeywordIndex.load(live / "keyword_sentences"),
        )
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise IndexCorruptError(f"index at {folder} is damaged ({type(exc).__name__}): {_rebuild(folder)}") from exc
    counts = (
        len(index.documents),
        len(index.passages),
        len(index.sentences),
        index.passage_vectors.ntotal,
        len(index.passage_vector_rows),
        len(index.sentence_vectors),
    )
    keys = ("documents", "passages", "sentences", "passages", "passages", "sentences")
    expected = tuple(manifest.get(key) for key in keys)
    if counts != expected:
        raise IndexCorruptError(f"index at {folder} disagrees with its manifest: {_rebuild(folder)}")
    return index
