"""The question-answering pipeline: load the model and index once, then answer questions."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from qa_bot.answer.answer_type import wants_following
from qa_bot.answer.details import OPENING_SENTENCES, asked_beyond, detail_first
from qa_bot.answer.followup import misses_own_words, put_new_first, read_in_thread, story_of, told_in
from qa_bot.answer.in_time import answer_as_of, reading_of
from qa_bot.answer.rerank import Reranker, load_reranker
from qa_bot.answer.retrieve import Query, retrieve
from qa_bot.answer.time_words import read_time
from qa_bot.config import AnswerOptions, Settings
from qa_bot.embed import Embedder, backend_identity, embedder_from_settings, model_identity
from qa_bot.errors import QABotError
from qa_bot.index import Index, backend_from, live_generation, load_index, require_index
from qa_bot.printable import printable
from qa_bot.records import Answer, Hit

MAX_QUESTION_CHARS = 2_000
log = logging.getLogger(__name__)


def _cleaned(question: str) -> str:
    """A question as the pipeline reads it: printable characters, whitespace folded, at most MAX_QUESTION_CHARS,
    cut after a whole word (a follow-up would otherwise borrow half a word of it: "... militias Sch")."""
    folded = " ".join(printable(question).split())
    if len(folded) <= MAX_QUESTION_CHARS:
        return folded
    head = folded[: MAX_QUESTION_CHARS + 1]  # one more: the limit falling on a space keeps the last word
    return head.rsplit(" ", 1)[0] if " " in head else folded[:MAX_QUESTION_CHARS]  # one word longer: cut in it

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
        self.options = settings.answer_options()
        """The answer options :meth:`ask` uses when it is given none."""
        self.index = index
        self.embedder = embedder
        self.reranker = reranker
        self._refused: object = None
        """The generation of a rebuild that failed to load: not tried again until the next rebuild."""
        self._reload_lock = threading.Lock()

    def refresh(self, *, announce: bool = True) -> bool:
        """Load the live index if a rebuild has replaced the one in use; True when it did.

        The reload is logged at info level, or at debug when the caller tells people itself (``announce``
        false: the REPL says it in its own words).
        """
        if not self.index.is_stale() or live_generation(self.index.index_dir) == self._refused:
            return False  # the fast path, taken by every question: no rebuild, or one already refused
        with self._reload_lock:
            folder = self.index.index_dir
            seen = live_generation(folder)
            if not self.index.is_stale() or seen == self._refused:  # reloaded meanwhile, or already refused
                return False
            try:
                index = load_index(folder, self.embedder, backend=backend_from(self.settings))
            except QABotError as exc:
                log.warning("a rebuilt index could not be loaded, still answering from the previous one: %s", exc)
                self._refused = seen
                return False
            self.index = index
            log.log(logging.INFO if announce else logging.DEBUG, "now answering from the rebuilt index %s "
                    "(%d articles)", index.build_dir, len(index.documents))
            return True

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> QAPipeline:
        """Load the index at ``settings.index_dir`` and the model it was built with.

        Raises:
            IndexNotFoundError, IndexMismatchError, IndexCorruptError, ModelLoadError
        """
        folder = Path(settings.index_dir)
        # A missing or older index, or one of another model or backend, is refused before the slow model load
        # (and export).
        if embedder is None:
            require_index(folder, model_identity(settings.model), backend_identity(settings))
        else:
            require_index(folder)
        if embedder is None:
            embedder = embedder_from_settings(settings)
        index = load_index(folder, embedder, backend=backend_from(settings))
        return cls(settings, index, embedder, load_reranker(settings.reranker, settings.threads,
                                                             settings.model_cache()))

    def passages(self, index: Index, query: Query, options: AnswerOptions | None = None) -> list[Hit]:
        """The passages the answer stage reads for ``query``, best first, fused as the options say."""
        return retrieve(index, query, options or self.options)

    def ask(
        self, question: str, options: AnswerOptions | None = None, as_of: datetime | None = None,
        thread: Sequence[str] = (), sources: Sequence[str] | None = None,
    ) -> Answer:
        """Answer ``question`` with verbatim quotes as of ``as_of`` (default: now), or abstain.

        ``thread`` holds the earlier questions of the conversation it was asked in, oldest first: a
        follow-up that leans on them ("when was that?") is read with them (see
        :mod:`qa_bot.answer.followup`), and the answer says how it was read (``read_as``).

        ``sources`` (outlets or doc id prefixes, see :func:`~qa_bot.records.from_sources`) keeps the search to
        their articles: a Slack channel that may quote only some sources gets their best answer, not what is
        left of the best answer from all of them.

        No article dated after ``as_of`` is quoted; time words in the question ("last week") name a window
        the answer is sought in first (see :mod:`qa_bot.answer.in_time`). ``options`` (default: the
        settings' answer options) shape the answer; a sweep or a fit passes its own, and the pipeline
        itself is never changed by them.

        Raises:
            ValueError: ``as_of`` has no timezone.
        """
        options = options or self.options
        moment = as_of or datetime.now(UTC)
        if moment.tzinfo is None:
            raise ValueError("as_of needs a timezone")
        text = _cleaned(question)
        if not text:
            return Answer(question=question, notice="empty question", as_of=moment.isoformat(timespec="seconds"))
        self.refresh()
        index = self.index  # this question is answered from one index even if a reload happens meanwhile
        vectors: dict[str, object] = {}

        def encode(search_text: str) -> object:  # each text embedded once, however often it is searched
            if search_text not in vectors:
                vectors[search_text] = self.embedder.encode_queries([search_text])[0]
            return vectors[search_text]

        allowed = index.source_passages(sources) if sources else None

        def answer_to(question: str, story: set[str] | None = None, shaped: AnswerOptions = options) -> Answer:
            """The answer to ``question``, from the articles of ``story`` only when given (and of ``sources``)."""
            reading = reading_of(question, moment, shaped) if index.has_dates else None  # no dates: nothing to read
            within = index.document_passages(story) if story is not None else None
            if allowed is not None:
                within = allowed if within is None else within & allowed
            return answer_as_of(index, question, encode, moment, reading, shaped, self.reranker,  # type: ignore[arg-type]
                                within)

        def standing_alone() -> Answer:
            """The answer to the question read alone; one that describes its story and asks a detail of it has
            that detail asked inside the story too (see :mod:`qa_bot.answer.details`)."""
            answer = answer_to(text)
            reranker = self.reranker
            if not options.story_details or reranker is None or not answer.quotes:
                return answer
            detail = asked_beyond(text, index.opening(answer.quotes[0].doc_id, OPENING_SENTENCES))
            if detail is None:
                return answer
            inside = answer_to(detail, story_of(answer))
            return detail_first(answer, inside, lambda texts: reranker.score(detail, texts).tolist(),
                                options.max_quotes)

        earlier = next((q for q in map(_cleaned, reversed(thread)) if q), None)
        if earlier is None:
            return standing_alone()
        read = read_in_thread(text, [earlier])
        before = None
        if read is None:
            # No word of it points back, but a question whose every content word the thread's story holds is
            # asked about that story ("How many people were on board?" after a question about a jet).
            read = read_in_thread(text, [earlier], leans=True)
            if read is None:  # the earlier question lends no words
                return standing_alone()
            before = answer_to(earlier)
            if not told_in(text, index.document_texts(story_of(before))):
                return standing_alone()
        answer = answer_to(read)
        if before is None:
            before = answer_to(earlier)
        # The thread finds the story, the follow-up's own words the sentence in it.
        story = story_of(before, answer)
        inside = answer_to(text, story) if story else None
        # Its answer stands unless it abstained, or found only older articles than the question's time window
        # asks for (the thread reading may have found the story's news inside it).
        if inside is not None and inside.quotes and not inside.quotes[0].outside_window:
            return replace(inside, question=text, read_as=read)

        def similarity(texts: list[str]) -> list[float]:
            """How well each text answers the follow-up read alone: the reranker's reading, or the cosine."""
            if self.reranker is not None:
                return self.reranker.score(text, texts).tolist()
            alone = encode(text)
            return [float(v @ alone) for v in self.embedder.encode(texts)]  # type: ignore[operator]

        # The reranker's probabilities are one scale: a repeated quote gives way only to a clearly better one.
        margin = options.followup_margin if self.reranker is not None else 0.0
        # An ellipsis whose own words the repeated quote never names ("and the Pentagon?") is asked inside the story
        # however unsure (its answer there abstained): candidates for the reranker to judge against that quote.
        # Without the reranker only a cosine would judge them: the quotes of the follow-up asked alone, as before.
        # A "was anyone hurt" ellipsis keeps the repeated quote, whose next sentence answers it (put_new_first).
        unsure = options.model_copy(update={"abstain_threshold": 0.0})
        asked = read_time(text, moment).rest  # what it asks about: not "last week"
        elliptical = self.reranker is not None and bool(story) and not wants_following(text) and misses_own_words(
            asked, earlier, answer.quotes[0].text if answer.quotes else "")
        offered: list[Answer] = []

        def alone() -> Answer:
            if not elliptical:
                return answer_to(text)
            offered.append(answer_to(text, story, unsure))
            return offered[-1]

        answer = put_new_first(text, answer, before, similarity, alone, options.max_quotes, margin)
        if elliptical:
            first = answer.quotes[0] if answer.quotes else None
            named = [q for found in offered for q in found.quotes if not misses_own_words(asked, earlier, q.text)]
            if offered and not named:
                # No sentence of the story names what it asks about ("and Ukraine?"): the articles do not say.
                return replace(answer, quotes=(), notice=None, window=None, confidence=0.0, question=text,
                               read_as=read)
            if first is not None and any(first.start == q.start and first.doc_id == q.doc_id for q in named):
                # As sure as the quote it leads with, found however unsure (logged so, too).
                answer = replace(answer, confidence=min(answer.confidence, first.confidence))
        return replace(answer, question=text, read_as=read)
