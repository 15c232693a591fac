"""Typed records passed between the pipeline's stages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache


def moment_of(iso: str | None) -> datetime | None:
    """The moment an ISO date or datetime names (a date alone: its start in UTC); None if none or unreadable."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def from_sources(outlet: str | None, doc_id: str, sources: Sequence[str]) -> bool:
    """True when an article (its ``outlet``, the ``source`` metadata, and its ``doc_id``) is from one of
    ``sources``: its outlet is one of them (see :func:`same_outlet`), or its doc id starts with one."""
    return each_from_sources([(outlet, doc_id)], sources)[0]


def each_from_sources(articles: Iterable[tuple[str | None, str]], sources: Sequence[str]) -> list[bool]:
    """:func:`from_sources` for each (outlet, doc id) of ``articles``; each distinct outlet is matched once (an
    index holds far fewer outlets than articles)."""
    key, prefixes = tuple(sources), tuple(source.casefold() for source in sources)
    matched: dict[str | None, bool] = {}
    found = []
    for outlet, doc_id in articles:
        if outlet not in matched:
            matched[outlet] = bool(outlet) and any(same_outlet(outlet or "", source) for source in key)
        found.append(matched[outlet] or doc_id.casefold().startswith(prefixes))
    return found


@lru_cache(maxsize=65_536)
def same_outlet(outlet: str, source: str) -> bool:
    """True when the outlet of an article and a source a person wrote name the same outlet, in any case.

    Each is a name ("Reuters", "The Guardian") or a web host (``reuters.com``: the outlet of an article known
    by its link). Two hosts are the same outlet when one is the other or a part of it (``edition.cnn.com`` is
    ``cnn.com``; ``bbc.co.uk`` is not ``bbc.com``, ``alice.substack.com`` not ``bob.substack.com``). A name
    and a host are when the name, without spaces or a leading "the", is the host's site name (``Reuters`` is
    ``www.reuters.com``, ``The Guardian`` is ``theguardian.com``, ``BBC`` is ``bbc.co.uk``; ``AP`` is not
    ``apnews.com``, nor ``The New York Times`` ``nytimes.com``). Two names are when they are written alike.
    """
    a, b = _host(outlet), _host(source)
    if a and b:
        return a == b or a.endswith("." + b) or b.endswith("." + a)
    if a or b:
        host, name = (a, source) if a else (b, outlet)
        return _site_name(host) in _name_forms(name)
    return bool(_name_forms(outlet) & _name_forms(source))


def _host(text: str) -> str | None:
    """``text`` as a web host in lower case, without ``www.`` (None when it is a name, not a host)."""
    written = text.strip().casefold()
    if "." not in written or any(c.isspace() or c in "/:@" for c in written):
        return None
    return written.removeprefix("www.")


def _name_forms(name: str) -> set[str]:
    """The forms a written name is compared in: without spaces, and without a leading "the" too."""
    words = name.casefold().split()
    return {"".join(words), "".join(words[1:]) if words[:1] == ["the"] and len(words) > 1 else "".join(words)} - {""}


@lru_cache(maxsize=65_536)
def _site_name(host: str) -> str:
    """The site's own name in a host: the label before its public suffix (``edition.cnn.com``: ``cnn``)."""
    from courlan import extract_domain

    site = extract_domain(f"https://{host}") or host
    return site.split(".")[0]


@dataclass(frozen=True, slots=True)
class Document:
    """One article: its full text and the metadata read with it."""

    doc_id: str
    text: str
    title: str
    url: str | None = None
    date: str | None = None
    source: str | None = None
    path: str | None = None
    author: str | None = None
    updated: str | None = None
    """When the article's text last changed after it was first fetched (ISO 8601), if it did."""


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a document, as character offsets into the document's text."""

    doc_index: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of consecutive sentences (``first_sentence`` .. ``last_sentence`` inclusive)."""

    doc_index: int
    first_sentence: int
    last_sentence: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage found by retrieval, with its fused score."""

    passage_id: int
    score: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the confidence model reads of an answer (see :mod:`qa_bot.answer.confidence`)."""

    cosine: float
    """The cosine of the best-ranked sentence, read alone."""
    coverage: float
    """The share of the question's keyword terms found in the best passage."""
    reranked: float | None = None
    """The reranker's best probability among the sentences it read; None when no reranker ran."""


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a quote (or its near-duplicate) stands: one document and offsets into it."""

    doc_id: str
    title: str
    url: str | None
    date: str | None
    start: int
    end: int
    text: str
    source: str | None = None
    """The outlet (the article's ``source`` metadata), when known."""
    updated: str | None = None
    """When the article's text last changed, if it was updated after it was first fetched."""

    def to_json(self) -> dict[str, object]:
        """The reference as JSON: where it stands and what it says."""
        return {"doc_id": self.doc_id, "title": self.title, "url": self.url, "date": self.date,
                "start": self.start, "end": self.end, "text": self.text, "source": self.source,
                "updated": self.updated}


@dataclass(frozen=True, slots=True)
class Quote:
    """A verbatim quote: ``text`` is exactly the document's text from ``start`` to ``end``.

    ``cut_before``/``cut_after`` say the quote was cut out of a longer sentence (shown with an
    ellipsis); ``also_in`` lists the same passage in other articles of the same story (a syndicated copy,
    a rewrite); ``reported_by`` lists the same fact in independent articles (corroboration).
    """

    text: str
    doc_id: str
    title: str
    url: str | None
    date: str | None
    score: float
    start: int
    end: int
    also_in: tuple[SourceRef, ...] = ()
    confidence: float = 0.0
    cut_before: bool = False
    cut_after: bool = False
    outside_window: bool = False
    """The question named a time (``last week``) and this quote comes from outside it: offered, and marked."""
    reported_by: tuple[SourceRef, ...] = ()
    source: str | None = None
    """The outlet of the quote's article (its ``source`` metadata), when known."""
    updated: str | None = None
    """When the quote's article was last updated (its text changed after it was first fetched), if it was."""

    @property
    def spans(self) -> list[tuple[str, int, int]]:
        """Where the quote stands (doc id, start, end): its own span and those of the copies and reports folded
        into it, the articles that tell its fact."""
        return [(self.doc_id, self.start, self.end)] + [(r.doc_id, r.start, r.end)
                                                        for r in (*self.also_in, *self.reported_by)]

    @property
    def outlets(self) -> int:
        """How many outlets report this fact: this quote's and its independent reports' sources (or articles)."""
        return len({s.source or s.doc_id for s in (self.source_ref(), *self.reported_by)})

    def source_ref(self) -> SourceRef:
        """This quote as a source reference."""
        return SourceRef(
            self.doc_id, self.title, self.url, self.date, self.start, self.end, self.text, self.source, self.updated
        )

    def to_json(self) -> dict[str, object]:
        """The quote as the JSON object ``qa-bot ask --json`` prints."""
        return {
            "text": self.text,
            "doc_id": self.doc_id,
            "title": self.title,
            "url": self.url,
            "date": self.date,
            "score": round(self.score, 4),
            "confidence": round(self.confidence, 4),
            "start": self.start,
            "end": self.end,
            "cut_before": self.cut_before,
            "cut_after": self.cut_after,
            "undated": self.date is None,
            "updated": self.updated,
            "outside_window": self.outside_window,
            "also_in": [s.to_json() for s in self.also_in],
            "reported_by": [s.to_json() for s in self.reported_by],
        }


@dataclass(frozen=True, slots=True)
class Answer:
    """The bot's answer to one question: quotes ordered by confidence, or an abstention."""

    question: str
    quotes: tuple[Quote, ...] = ()
    confidence: float = 0.0
    notice: str | None = None
    evidence: Evidence | None = None
    """What the confidence was computed from; None when no sentence was a candidate."""
    as_of: str | None = None
    """The moment the question was asked as of (ISO 8601): no article dated after it is quoted."""
    window: str | None = None
    """The time words of the question read as a window (``last week``), if any."""
    read_as: str | None = None
    """A follow-up read with its thread's earlier question (``When did it crash? (defective drone crash)``)."""

    @property
    def answered(self) -> bool:
        """True when at least one quote answers the question."""
        return bool(self.quotes)

    def to_json(self) -> dict[str, object]:
        """The answer as the JSON object ``qa-bot ask --json`` prints."""
        return {
            "question": self.question,
            "answered": self.answered,
            "confidence": round(self.confidence, 4),
            "notice": self.notice,
            "as_of": self.as_of,
            "window": self.window,
            "read_as": self.read_as,
            "quotes": [q.to_json() for q in self.quotes],
        }
