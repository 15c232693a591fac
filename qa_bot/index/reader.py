"""The index as the stages see it: one reader class, the only door to the stores and the files behind them.

Retrieval, the answer stage, eval and every interface ask an :class:`Index` for passages, sentences,
vectors, texts and documents by id, through vectorised methods (one call for all the candidates of a
question, so the answer path stays fast). How those are kept (arrays, memory maps, FAISS, bm25s, another
engine) is the index package's business: nothing outside it sees a raw array or an engine object.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

import qa_bot.index.builds as builds
import qa_bot.index.layout as layout
from qa_bot.embed import Embedder
from qa_bot.errors import BackendUnavailableError, IndexCorruptError, IndexMismatchError, QABotError
from qa_bot.index.backend import LOCAL, Backend
from qa_bot.index.checksums import LOAD_HASH_LIMIT, find_damage
from qa_bot.index.manifest import (
    IndexInfo,
    Manifest,
    check_compatible,
    check_format,
    damaged,
    describe,
    read_manifest,
    rebuild_hint,
)
from qa_bot.index.milvus_store import MilvusPassageStore
from qa_bot.index.stores import KeywordStore, VectorStore, load_keyword_store, load_vector_store, top_k
from qa_bot.records import Document, each_from_sources, moment_of

DocumentVectors = tuple[np.ndarray, np.ndarray]
"""(passage vectors, sentence vectors) of one document, in chunk order."""


class Index:
    """A loaded index build: documents, their sentences and passages, vectors and keyword scores.

    Ids are row numbers: passage ids ``0 .. passage_count - 1``, sentence ids ``0 .. sentence_count - 1``,
    sentences of one document consecutive and in text order; documents are numbered in the same way.
    """

    def __init__(
        self,
        index_dir: Path,
        build_dir: Path,
        manifest: Manifest,
        documents: list[Document],
        hashes: list[str],
        sentences: np.ndarray,
        passages: np.ndarray,
        passage_store: VectorStore,
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        passage_keywords: KeywordStore,
        sentence_keywords: KeywordStore,
    ) -> None:
        self._index_dir = index_dir
        self._build_dir = build_dir
        self._manifest = manifest
        self._documents = tuple(documents)
        self._hashes = hashes
        self._sentences = sentences  # int64 rows (doc, start, end)
        self._passages = passages  # int64 rows (doc, first sentence, last sentence, start, end)
        self._passage_store = passage_store
        self._passage_vectors = passage_vectors
        self._sentence_vectors = sentence_vectors
        self._passage_keywords = passage_keywords
        self._sentence_keywords = sentence_keywords
        self._generation = builds.generation(build_dir)
        self._doc_times = np.array([_epoch(d.date) for d in self._documents], dtype=np.float64)
        """Each document's date as seconds since 1970 (a day: its start in UTC); NaN when undated."""
        self._has_dates = bool(np.isfinite(self._doc_times).any())
        self._doc_indexes = {d.doc_id: i for i, d in enumerate(self._documents)}
        self._source_masks: dict[tuple[str, ...], np.ndarray] = {}

    # What it is.

    @property
    def index_dir(self) -> Path:
        """The index folder (the live link) this build was loaded through."""
        return self._index_dir

    @property
    def build_dir(self) -> Path:
        """The build folder this index was read from."""
        return self._build_dir

    @property
    def documents(self) -> tuple[Document, ...]:
        """Every document, by document index."""
        return self._documents

    @property
    def passage_count(self) -> int:
        """The number of passages."""
        return len(self._passages)

    @property
    def sentence_count(self) -> int:
        """The number of sentences."""
        return len(self._sentences)

    def describe(self) -> IndexInfo:
        """Counts, model, search kind and folders, for people."""
        return describe(self._manifest, self._index_dir, self._build_dir)

    def is_stale(self) -> bool:
        """True when a rebuild has gone live since this build was loaded (one ``stat`` through the link)."""
        return builds.generation(self._index_dir) != self._generation

    def same_passage_settings(self, max_tokens: int, sentences_per_passage: int, overlap: int) -> bool:
        """True when this build chunked its documents as these settings would (so its vectors can be reused)."""
        manifest = self._manifest
        return (
            manifest.get("max_tokens") == max_tokens
            and manifest.get("sentences_per_passage") == sentences_per_passage
            and manifest.get("passage_overlap") == overlap
        )

    # Search.

    def search_passages(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, cosines) of the ``k`` passages nearest the query ``vector``, best first.

        ``allowed`` (a mask from :meth:`dated_passages`) restricts the search, inside the store.
        """
        return self._passage_store.search(vector, k, allowed)

    def keyword_passages(
        self, query_terms: Sequence[str], k: int, allowed: np.ndarray | None = None, text: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, BM25 scores) of the ``k`` best keyword matches with a positive score (among ``allowed``).

        ``text`` is the query as written, for a store that analyses text itself (Milvus with its own
        analyzer); the others read ``query_terms``.
        """
        return self._passage_keywords.top(query_terms, k, allowed, text)

    def sentence_keyword_scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """The BM25 score of every sentence for the query terms, by sentence id."""
        return self._sentence_keywords.scores(query_terms)

    def search_sentences(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(sentence ids, cosines) of the ``k`` sentences of the whole corpus nearest ``vector``, by brute force."""
        return top_k(self._sentence_vectors @ np.asarray(vector, dtype=np.float32), k)

    # Rows by id.

    def passage_sentences(self, passage_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """(first, last) sentence ids of each passage, one row each."""
        return self._passages[np.asarray(passage_ids, dtype=np.int64)][:, 1:3]

    def passage_spans(self, passage_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """(document, start, end) of each passage, one row each."""
        return self._passages[np.asarray(passage_ids, dtype=np.int64)][:, [0, 3, 4]]

    def sentence_spans(self, sentence_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """(document, start, end) of each sentence, one row each."""
        return self._sentences[np.asarray(sentence_ids, dtype=np.int64)]

    def sentence_vectors(self, sentence_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The normalised vector of each sentence, float32, one row each."""
        return np.asarray(self._sentence_vectors[np.asarray(sentence_ids, dtype=np.int64)], dtype=np.float32)

    def passage_vectors(self, passage_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The exact normalised vector of each passage, float32, one row each."""
        return np.asarray(self._passage_vectors[np.asarray(passage_ids, dtype=np.int64)], dtype=np.float32)

    def previous_in_document(self, sentence_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the sentence before each one, whether it is in the same document); the first sentence is its own."""
        before = np.maximum(sentence_ids - 1, 0)
        docs = self._sentences[:, 0]
        return before, (sentence_ids > 0) & (docs[before] == docs[sentence_ids])

    def document_sentences(self, doc_index: int) -> np.ndarray:
        """The sentence ids of document ``doc_index``, in text order."""
        docs = self._sentences[:, 0]
        first, last = np.searchsorted(docs, doc_index, side="left"), np.searchsorted(docs, doc_index, side="right")
        return np.arange(first, last, dtype=np.int64)

    # Dates.

    @property
    def has_dates(self) -> bool:
        """True when at least one document is dated (an undated corpus has no time to read questions in)."""
        return self._has_dates

    def dated_passages(self, until: datetime | None = None, since: datetime | None = None,
                       undated: bool = True) -> np.ndarray:
        """A mask over the passages: True where the passage's document is dated in ``[since, until)``.

        ``undated`` says what a document without a date gets. A bound that is None does not bound.
        """
        times = self._doc_times[self._passages[:, 0]]
        keep = np.ones(len(times), dtype=bool)
        if until is not None:
            keep &= times < until.timestamp()
        if since is not None:
            keep &= times >= since.timestamp()
        return np.where(np.isnan(times), undated, keep)

    def document_passages(self, doc_ids: Collection[str]) -> np.ndarray:
        """A mask over the passages: True where the passage's document is one of ``doc_ids``."""
        wanted = np.zeros(len(self._documents), dtype=bool)
        wanted[[self._doc_indexes[d] for d in doc_ids if d in self._doc_indexes]] = True
        return wanted[self._passages[:, 0]]

    def source_passages(self, sources: Sequence[str]) -> np.ndarray:
        """A mask over the passages: True where the passage's document is from one of ``sources`` (its outlet
        or a doc id prefix, see :func:`~qa_bot.records.from_sources`): the articles a Slack channel may quote."""
        key = tuple(sources)
        mask = self._source_masks.get(key)
        if mask is None:  # two questions may both make it: the same mask, and no lock to wait on
            if len(self._source_masks) >= 64:  # channels are few; a bound all the same
                self._source_masks.clear()
            wanted = np.array(each_from_sources(((d.source, d.doc_id) for d in self._documents), key), dtype=bool)
            mask = wanted[self._passages[:, 0]]
            mask.flags.writeable = False  # shared by every question of the channel
            self._source_masks[key] = mask
        return mask

    def document_ages(self, doc_indexes: Sequence[int] | np.ndarray, as_of: datetime) -> np.ndarray:
        """Days from each document's date to ``as_of`` (NaN when undated; a day counts from its start in UTC)."""
        return (as_of.timestamp() - self._doc_times[np.asarray(doc_indexes, dtype=np.int64)]) / 86_400.0

    # Text.

    def texts(self, spans: np.ndarray) -> list[str]:
        """The text of each (document, start, end) row."""
        documents = self._documents
        return [documents[d].text[start:end] for d, start, end in spans.tolist()]

    def sentence_texts(self, sentence_ids: Sequence[int] | np.ndarray) -> list[str]:
        """The text of each sentence."""
        return self.texts(self.sentence_spans(sentence_ids))

    def document_texts(self, doc_ids: Collection[str]) -> list[str]:
        """The whole text of each of ``doc_ids`` the index holds (others are left out)."""
        return [self._documents[self._doc_indexes[d]].text for d in doc_ids if d in self._doc_indexes]

    def opening(self, doc_id: str, sentences: int) -> str:
        """The title of ``doc_id`` and its first ``sentences`` sentences: the words that name its story."""
        doc_index = self._doc_indexes[doc_id]
        first = self.document_sentences(doc_index)[:sentences]
        return " ".join([self._documents[doc_index].title, *self.sentence_texts(first)])

    def document(self, doc_index: int) -> Document:
        """Document ``doc_index``."""
        return self._documents[doc_index]

    # For the writer: reuse of unchanged documents' vectors.

    def _vectors_by_content(self) -> dict[str, DocumentVectors]:
        """The vectors of every document, by its content hash (see :func:`qa_bot.index.layout.content_hash`).

        For the writer, which reuses them for unchanged documents; not part of the stages' door.
        """
        passage_docs, sentence_docs = self._passages[:, 0], self._sentences[:, 0]
        passage_vectors, sentence_vectors = np.asarray(self._passage_vectors), np.asarray(self._sentence_vectors)
        return {
            digest: (passage_vectors[passage_docs == doc], sentence_vectors[sentence_docs == doc])
            for doc, digest in enumerate(self._hashes)
        }


def _epoch(iso: str | None) -> float:
    """Seconds since 1970 of an ISO date or datetime (a date alone: its start in UTC); NaN if none or unreadable."""
    moment = moment_of(iso)
    return float("nan") if moment is None else moment.timestamp()


def load_index(
    folder: Path,
    embedder: Embedder | None = None,
    *,
    hash_limit: int | None = LOAD_HASH_LIMIT,
    backend: Backend = LOCAL,
) -> Index:
    """Load the live build of the index ``folder``, checking it against ``embedder`` when one is given.

    A build whose passages live in Milvus is read through ``backend``'s connection (refused, saying
    which settings to give, when ``backend`` is not Milvus).

    Every file is checked against the manifest's sizes, and against its checksums up to
    ``hash_limit`` bytes a file (``None``: every file, as ``qa-bot index verify`` does).

    Raises:
        IndexNotFoundError, IndexMismatchError, IndexCorruptError
    """
    live = builds.live_dir(folder)  # resolved once, so a swap while loading cannot mix two builds
    manifest = read_manifest(live, folder)
    if embedder is not None:
        check_compatible(manifest, embedder, folder)  # format, backend, model and dimension
    else:
        check_format(manifest, folder)
    recorded = manifest.get("files")
    problems = find_damage(live, recorded, hash_limit) if isinstance(recorded, dict) else ["no checksums"]
    if problems:
        raise damaged(folder, problems)
    try:
        documents, hashes = layout.read_documents(live)
        passage_store, passage_keywords = _passage_stores(live, manifest, backend, folder)
        index = Index(
            index_dir=Path(folder),
            build_dir=live,
            manifest=manifest,
            documents=documents,
            hashes=hashes,
            sentences=np.load(live / layout.SENTENCES),
            passages=np.load(live / layout.PASSAGES),
            passage_store=passage_store,
            # Plain array views of the memory maps: the same pages, without np.memmap's cost on every access.
            passage_vectors=np.asarray(np.load(live / layout.PASSAGE_VECTORS, mmap_mode="r")),
            sentence_vectors=np.asarray(np.load(live / layout.SENTENCE_VECTORS, mmap_mode="r")),
            passage_keywords=passage_keywords,
            sentence_keywords=load_keyword_store(
                live / layout.SENTENCE_KEYWORDS, manifest.get(layout.SENTENCE_KEYWORDS)
            ),
        )
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexCorruptError(
            f"index at {folder} is damaged ({type(exc).__name__}): {rebuild_hint(folder)}"
        ) from exc
    _check_counts(index, manifest, folder)
    return index


def _passage_stores(live: Path, manifest: Manifest, backend: Backend, folder: Path) -> tuple[VectorStore, KeywordStore]:
    """The passage vector and keyword stores of the build ``live``: local files, or one Milvus collection."""
    entry = manifest.get("vector_store")
    if isinstance(entry, dict) and entry.get("kind") == MilvusPassageStore.kind:
        if not backend.is_milvus:
            raise IndexMismatchError(
                f"index at {folder} keeps its passages in Milvus ({entry.get('uri')}): set QA_BOT_BACKEND=milvus "
                "and QA_BOT_MILVUS_URI (and QA_BOT_MILVUS_TOKEN), or rebuild it locally with QA_BOT_BACKEND=local"
            )
        try:
            store = MilvusPassageStore.load(live / layout.PASSAGE_STORE, entry, backend.connection())
        except BackendUnavailableError as exc:
            raise BackendUnavailableError(f"index at {folder}: {exc}; if it is gone, {rebuild_hint(folder)}") from None
        return store, store
    keywords = load_keyword_store(live / layout.PASSAGE_KEYWORDS, manifest.get(layout.PASSAGE_KEYWORDS))
    return load_vector_store(live / layout.PASSAGE_STORE, entry), keywords


def previous_milvus_store(folder: Path, backend: Backend) -> MilvusPassageStore | None:
    """The Milvus store of the live build of ``folder``, for a sync to reuse; None when there is none to reuse."""
    try:
        live = builds.live_dir(folder)
        entry = read_manifest(live, folder).get("vector_store")
        if not (isinstance(entry, dict) and entry.get("kind") == MilvusPassageStore.kind):
            return None
        return MilvusPassageStore.load(live / layout.PASSAGE_STORE, entry, backend.connection())
    except (QABotError, OSError, ValueError, KeyError):
        return None


def _check_counts(index: Index, manifest: Manifest, folder: Path) -> None:
    # Reading the private fields here is the reader's own business: it is the class's module.
    counts = (
        len(index._documents),
        len(index._passages),
        len(index._sentences),
        len(index._passage_store),
        len(index._passage_vectors),
        len(index._sentence_vectors),
        len(index._passage_keywords),
        len(index._sentence_keywords),
    )
    keys = ("documents", "passages", "sentences", "passages", "passages", "sentences", "passages", "sentences")
    if counts != tuple(manifest.get(key) for key in keys):
        raise IndexCorruptError(f"index at {folder} disagrees with its manifest: {rebuild_hint(folder)}")
