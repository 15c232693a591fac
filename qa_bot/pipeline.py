"""The question-answering pipeline: load the model and index once, then answer questions."""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from pathlib import Path

from qa_bot import store
from qa_bot.answer import QuoteOptions, make_answer
from qa_bot.config import Settings
from qa_bot.embed import Embedder, embedder_from_settings
from qa_bot.errors import QABotError
from qa_bot.index import Index, load_index, read_manifest
from qa_bot.records import Answer, Hit
from qa_bot.rerank import Reranker, load_reranker
from qa_bot.retrieve import Query, make_query, retrieve

MAX_QUESTION_CHARS = 2_000
log = logging.getLogger(__name__)


def quote_options(settings: Settings, max_quotes: int | None = None) -> QuoteOptions:
    """The answer stage's options from ``settings`` (``max_quotes`` overrides the setting)."""
    return QuoteOptions(
        max_quotes=max_quotes or settings.max_quotes,
        max_quote_chars=settings.max_quote_chars,
        passages_for_quotes=settings.passages_for_quotes,
        abstain_threshold=settings.abstain_threshold,
        confidence_cosine=settings.confidence_cosine,
        confidence_coverage=settings.confidence_coverage,
        confidence_bias=settings.confidence_bias,
        rerank_top=settings.rerank_top,
        rerank_weight=settings.rerank_weight,
        duplicate_similarity=settings.duplicate_similarity,
    )


def printable(text: str) -> str:
    """``text`` without control characters and bidirectional overrides (which can disguise text)."""
    return "".join(ch for ch in text if ch.isspace() or not (unicodedata.category(ch) == "Cc" or ch in _BIDI))


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class QAPipeline:
    """Answers questions from one index with one embedding model, both loaded once.

    Before each question it checks (one ``stat``) whether a rebuild of the index has gone live, and
    if so loads it and answers from it; questions already running finish on the index they started
    with. A rebuilt index that fails to load is logged and the current one stays in service.
    """

    def __init__(
        self, settings: Settings, index: Index, embedder: Embedder, reranker: Reranker | None = None
    ) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder
        self.reranker = reranker
        self._generation = store.generation(index.folder)
        self._reload_lock = threading.Lock()

    def refresh(self) -> bool:
        """Load the live index if a rebuild has replaced the one in use; True when it did."""
        folder = Path(self.settings.index_dir)
        if store.generation(folder) == self._generation:
            return False
        with self._reload_lock:
            seen = store.generation(folder)
            if seen == self._generation:  # another thread reloaded it meanwhile
                return False
            try:
                index = load_index(folder, self.embedder)
            except QABotError as exc:
                log.warning("a rebuilt index could not be loaded, still answering from the previous one: %s", exc)
                self._generation = seen  # not retried until the next rebuild
                return False
            self.index = index
            self._generation = store.generation(index.folder)
            log.info("now answering from the rebuilt index %s (%d articles)", index.folder, len(index.documents))
            return True

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> QAPipeline:
        """Load the index at ``settings.index_dir`` and the model it was built with.

        Raises:
            IndexNotFoundError, IndexMismatchError, IndexCorruptError, ModelLoadError
        """
        folder = Path(settings.index_dir)
        read_manifest(folder)  # a missing index is reported before the slow model load
        if embedder is None:
            embedder = embedder_from_settings(settings)
        return cls(settings, load_index(folder, embedder), embedder, load_reranker(settings.reranker))

    def passages(self, index: Index, query: Query) -> list[Hit]:
        """The passages the answer stage reads for ``query``, best first, fused as the settings say."""
        settings = self.settings
        return retrieve(
            index, query, settings.candidates, settings.fusion, settings.dense_weight, settings.passages_for_quotes
        )

    def ask(self, question: str, max_quotes: int | None = None) -> Answer:
        """Answer ``question`` with verbatim quotes, or abstain when the articles do not answer it."""
        began = time.perf_counter()
        text = " ".join(printable(question).split())[:MAX_QUESTION_CHARS]
        if not text:
            return Answer(question=question, notice="empty question")
        self.refresh()
        index = self.index  # this question is answered from one index even if a reload happens meanwhile
        query = make_query(text, self.embedder.encode([text])[0])
        hits = self.passages(index, query)
        answer = make_answer(index, query, hits, quote_options(self.settings, max_quotes), self.reranker)
        answer.timings["seconds"] = time.perf_counter() - began
        return answer
