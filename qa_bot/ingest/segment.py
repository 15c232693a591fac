"""Split documents into sentences (exact character offsets) and passages of a few sentences.

Sentences come from pysbd, a rule-based segmenter that keeps abbreviations such as "U.S." whole.
A boundary never falls inside Slack-style markup (``<!channel>``, ``<@U123>``, ``<https://x.y|label>``),
a URL or an e-mail address: pysbd splits at ``<!`` or a URL's ``?``, so sentences it cut there are
joined again.
No span is ever longer than the embedding model's token limit: an over-long sentence is cut into
word-aligned pieces, so nothing is silently truncated when it is embedded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from qa_bot.records import Document, Passage, Sentence

TokenCounter = Callable[[list[str]], list[int]]

_BLOCK_BREAK = re.compile(r"\n[ \t]*\n+")
_MAX_BLOCK_CHARS = 20_000

# Slack markup: <!channel>, <!here>, <@U123>, <#C123|name>, <https://x.y|label>, <mailto:a@b|a@b>.
_MARKUP = re.compile(r"<(?:[!@#]|https?://|mailto:|www\.)[^<>\n]{0,500}>", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Punctuation that ends a sentence or clause after a URL rather than belonging to it.
_URL_TAIL = ".,;:!?'\""


@lru_cache(maxsize=1)
def _segmenter() -> object:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraph spans of ``text`` (split at blank lines), long ones cut at line or word breaks."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in [*_BLOCK_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        start = pos
        while end - start > _MAX_BLOCK_CHARS:
            cut = text.rfind("\n", start, start + _MAX_BLOCK_CHARS)
            if cut <= start:
                cut = text.rfind(" ", start, start + _MAX_BLOCK_CHARS)
            if cut <= start:
                cut = start + _MAX_BLOCK_CHARS
            spans.append((start, cut))
            start = cut
        spans.append((start, end))
        pos = match.end() if match else len(text)
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _url_end(text: str, start: int, end: int) -> int:
    """End of the URL matched at ``text[start:end]`` without trailing punctuation or an unopened ")"."""
    while end > start:
        last = text[end - 1]
        if last in _URL_TAIL:
            end -= 1
        elif last == ")" and text.count("(", start, end) < text.count(")", start, end):
            end -= 1
        else:
            break
    return end


def protected_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the markup, URLs and e-mail addresses in ``text``, sorted, overlaps joined."""
    found = [m.span() for m in _MARKUP.finditer(text)]
    found += [(m.start(), _url_end(text, m.start(), m.end())) for m in _URL.finditer(text)]
    found += [m.span() for m in _EMAIL.finditer(text)]
    joined: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if joined and start < joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        elif end > start:
            joined.append((start, end))
    return joined


def _join_protected(spans: list[tuple[int, int]], protected: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join neighbouring sentences whose boundary falls strictly inside a protected span.

    The boundary between sentences ending at ``a`` and starting at ``b`` cuts a protected span
    ``(p, q)`` when the span begins before the second sentence and ends after the first (``p < b`` and
    ``a < q``); a span lying wholly on one side is left alone.
    """
    if not protected:
        return spans
    joined: list[tuple[int, int]] = []
    k = 0
    for start, end in spans:
        if joined:
            prev_end = joined[-1][1]
            while k < len(protected) and protected[k][1] <= prev_end:
                k += 1  # spans wholly before this boundary cannot cut it, nor any later one
            if k < len(protected) and protected[k][0] < start:
                joined[-1] = (joined[-1][0], end)
                continue
        joined.append((start, end))
    return joined


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of ``text``, in order, without surrounding whitespace.

    No boundary falls inside markup, a URL or an e-mail address (see :func:`protected_spans`); a
    period right after a URL still ends its sentence.
    """
    segmenter = _segmenter()
    spans: list[tuple[int, int]] = []
    for block_start, block_end in _blocks(text):
        block = text[block_start:block_end]
        if not block.strip():
            continue
        cursor = 0
        for piece in segmenter.segment(block):  # type: ignore[attr-defined]
            stripped = piece.strip()
            if not stripped:
                continue
            found = block.find(stripped, cursor)
            if found < 0:  # the segmenter altered the text; fall back to its length
                found = cursor
            start, end = _trim(block, found, found + len(stripped))
            cursor = max(end, cursor)
            if end > start:
                spans.append((block_start + start, block_start + end))
    return _join_protected(spans, protected_spans(text))


def _cut_long(text: str, start: int, end: int, max_tokens: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Cut the span into word-aligned pieces of at most ``max_tokens`` tokens each."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    pieces: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        lo, hi = i + 1, len(words)
        best = i + 1
        while lo <= hi:  # the longest run of words from i that fits
            mid = (lo + hi) // 2
            if count([text[words[i][0]: words[mid - 1][1]]])[0] <= max_tokens:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        pieces.append((words[i][0], words[best - 1][1]))
        i = best
    return pieces


def split_sentences(
    doc_index: int, text: str, max_tokens: int, count: TokenCounter
) -> tuple[list[Sentence], list[int]]:
    """Sentences of one document, each within ``max_tokens``, and each one's token count."""
    spans = sentence_spans(text)
    counts = count([text[s:e] for s, e in spans]) if spans else []
    sentences: list[Sentence] = []
    sizes: list[int] = []
    for (start, end), size in zip(spans, counts, strict=True):
        if size <= max_tokens:
            sentences.append(Sentence(doc_index, start, end))
            sizes.append(size)
            continue
        for piece_start, piece_end in _cut_long(text, start, end, max_tokens, count):
            sentences.append(Sentence(doc_index, piece_start, piece_end))
            sizes.append(count([text[piece_start:piece_end]])[0])
    return sentences, sizes


def group_passages(
    sentences: Sequence[Sentence],
    sizes: Sequence[int],
    first_id: int,
    max_sentences: int,
    overlap: int,
    max_tokens: int,
) -> list[Passage]:
    """Passages of consecutive sentences of one document.

    Each holds up to ``max_sentences`` sentences and ``max_tokens`` tokens; neighbours share
    ``overlap`` sentences. ``first_id`` is the global id of ``sentences[0]``.
    """
    passages: list[Passage] = []
    i = 0
    n = len(sentences)
    while i < n:
        j = i
        total = sizes[i]
        while j + 1 < n and j + 1 - i < max_sentences and total + sizes[j + 1] <= max_tokens:
            j += 1
            total += sizes[j]
        passages.append(
            Passage(
                doc_index=sentences[i].doc_index,
                first_sentence=first_id + i,
                last_sentence=first_id + j,
                start=sentences[i].start,
                end=sentences[j].end,
            )
        )
        if j + 1 >= n:
            break
        i = max(j + 1 - overlap, i + 1)
    return passages


def chunk_documents(
    documents: Sequence[Document],
    max_tokens: int,
    count: TokenCounter,
    sentences_per_passage: int,
    overlap: int,
) -> tuple[list[Sentence], list[Passage]]:
    """Every document's sentences and passages, numbered across all documents in order.

    Deterministic for a given text and settings: an unchanged document yields the same sentences and
    passages in every build, which is what lets a rebuild reuse its vectors.
    """
    sentences: list[Sentence] = []
    passages: list[Passage] = []
    for doc_index, document in enumerate(documents):
        doc_sentences, sizes = split_sentences(doc_index, document.text, max_tokens, count)
        passages.extend(
            group_passages(doc_sentences, sizes, len(sentences), sentences_per_passage, overlap, max_tokens)
        )
        sentences.extend(doc_sentences)
    return sentences, passages
