"""The index on disk: FAISS passage vectors, sentence vectors, BM25 indexes, a passage store, a manifest.

Layout of an index folder::

    manifest.json          model, dimension, counts, build time, versions, format
    documents.jsonl        one document a line: id, metadata, text
    sentences.npy          int64 rows (doc_index, start, end)
    passages.npy           int64 rows (doc_index, first_sentence, last_sentence, start, end)
    passages.faiss         normalised passage vectors (inner product = cosine)
    sentence_vectors.npy   normalised sentence vectors, row i = sentence i
    keyword_passages/      bm25s index of passages
    keyword_sentences/     bm25s index of sentences
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qa_bot import __version__
from qa_bot.embed import Embedder
from qa_bot.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError, IngestError
from qa_bot.keyword import KeywordIndex
from qa_bot.records import Document, Passage, Sentence
from qa_bot.reuse import Vectors, previous_vectors, text_hash
from qa_bot.segment import group_passages, split_sentences

FORMAT_VERSION = 1
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


@dataclass(slots=True)
class Index:
    """A loaded index: everything retrieval needs, in memory or memory-mapped."""

    folder: Path
    manifest: dict[str, object]
    documents: list[Document]
    sentences: np.ndarray
    passages: np.ndarray
    passage_vectors: Any  # a faiss.Index
    sentence_vectors: np.ndarray
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
    progress: Progress | None = None,
) -> BuildSummary:
    """Build an index of ``documents`` into ``folder``, replacing what is there only when complete.

    The new index is written beside ``folder`` and moved into place at the end, so a build that
    fails or is killed leaves the previous index as it was.

    Raises:
        IngestError: there is no document with text.
    """
    import faiss

    began = time.perf_counter()
    if not documents:
        raise IngestError("no readable articles to index")
    sentences, passages = _chunk(documents, embedder, sentences_per_passage, overlap)
    if not passages:
        raise IngestError("the articles hold no sentences to index")

    def texts_of(spans: list[Sentence] | list[Passage]) -> list[str]:
        return [documents[s.doc_index].text[s.start: s.end] for s in spans]

    passage_texts = texts_of(passages)
    sentence_texts = texts_of(sentences)
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
        passage_vectors[passage_todo] = embedder.encode([passage_texts[i] for i in passage_todo], progress=advance)
    if sentence_todo:
        sentence_vectors[sentence_todo] = embedder.encode(
            [sentence_texts[i] for i in sentence_todo], progress=advance
        )

    folder = folder.resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        flat = faiss.IndexFlatIP(embedder.dimension)
        flat.add(passage_vectors)
        faiss.write_index(flat, str(staging / "passages.faiss"))
        np.save(staging / "sentence_vectors.npy", sentence_vectors)
        np.save(staging / "sentences.npy", np.array([(s.doc_index, s.start, s.end) for s in sentences], dtype=np.int64))
        np.save(
            staging / "passages.npy",
            np.array(
                [(p.doc_index, p.first_sentence, p.last_sentence, p.start, p.end) for p in passages], dtype=np.int64
            ),
        )
        with (staging / "documents.jsonl").open("w", encoding="utf-8") as out:
            for document in documents:
                out.write(json.dumps(asdict(document), ensure_ascii=False) + "\n")
        KeywordIndex.build(passage_texts).save(staging / "keyword_passages")
        KeywordIndex.build(sentence_texts).save(staging / "keyword_sentences")
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
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": _versions(),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap_in(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildSummary(
        documents=len(documents),
        passages=len(passages),
        sentences=len(sentences),
        skipped=skipped,
        seconds=time.perf_counter() - began,
        index_dir=str(folder),
        embedded=total,
        reused=len(passages) + len(sentences) - total,
    )


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


def _swap_in(staging: Path, folder: Path) -> None:
    """Put the complete index at ``staging`` where ``folder`` is, keeping the old one until then."""
    retired = folder.parent / f".{folder.name}.old-{os.getpid()}"
    if folder.exists():
        os.replace(folder, retired)
    os.replace(staging, folder)
    shutil.rmtree(retired, ignore_errors=True)


def read_manifest(folder: Path) -> dict[str, object]:
    """The manifest of the index in ``folder``.

    Raises:
        IndexNotFoundError: there is no index there.
        IndexCorruptError: the manifest cannot be read.
    """
    path = folder / MANIFEST
    if not path.is_file():
        raise IndexNotFoundError(
            f"no index at {folder}: build one with `qa-bot index build --articles PATH --index {folder}`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"unreadable manifest at {path}: rebuild the index") from exc
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"unreadable manifest at {path}: rebuild the index")
    return manifest


def check_compatible(manifest: dict[str, object], embedder: Embedder, folder: Path) -> None:
    """Refuse an index made with another model, dimension or format than ``embedder``'s.

    Raises:
        IndexMismatchError: with the command that rebuilds it.
    """
    rebuild = f"rebuild it with `qa-bot index build --articles PATH --index {folder}`"
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {folder} has format {manifest.get('format')}, this qa-bot reads {FORMAT_VERSION}: {rebuild}"
        )
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


def load_index(folder: Path, embedder: Embedder | None = None) -> Index:
    """Load the index in ``folder``, checking it against ``embedder`` when one is given.

    Raises:
        IndexNotFoundError, IndexMismatchError, IndexCorruptError
    """
    import faiss

    manifest = read_manifest(folder)
    if embedder is not None:
        check_compatible(manifest, embedder, folder)
    try:
        with (folder / "documents.jsonl").open(encoding="utf-8") as lines:
            documents = [Document(**json.loads(line)) for line in lines]
        index = Index(
            folder=folder,
            manifest=manifest,
            documents=documents,
            sentences=np.load(folder / "sentences.npy"),
            passages=np.load(folder / "passages.npy"),
            passage_vectors=faiss.read_index(str(folder / "passages.faiss")),
            sentence_vectors=np.load(folder / "sentence_vectors.npy", mmap_mode="r"),
            keyword_passages=KeywordIndex.load(folder / "keyword_passages"),
            keyword_sentences=KeywordIndex.load(folder / "keyword_sentences"),
        )
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise IndexCorruptError(
            f"index at {folder} is damaged ({type(exc).__name__}): rebuild it with "
            f"`qa-bot index build --articles PATH --index {folder}`"
        ) from exc
    counts = (len(index.documents), len(index.passages), len(index.sentences), index.passage_vectors.ntotal)
    expected = tuple(manifest.get(key) for key in ("documents", "passages", "sentences", "passages"))
    if counts != expected or len(index.sentence_vectors) != len(index.sentences):
        raise IndexCorruptError(
            f"index at {folder} disagrees with its manifest: rebuild it with "
            f"`qa-bot index build --articles PATH --index {folder}`"
        )
    return index
