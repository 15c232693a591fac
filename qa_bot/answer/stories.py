"""Which candidate articles tell one story (a syndicated copy, a rewrite), so one fact is quoted once.

Two articles tell one story when a large share of each one's sentences has a close counterpart in the
other (``story_overlap`` of them at cosine ``story_match`` or more): a copy edited for length, or a
rewrite that keeps the order of the facts. Measured on the news set, independent reports of one event
(Wikinews articles of the same story, days apart) share 0.19 of their sentences at the 95th percentile;
the bundled Reuters article and its rewrite 0.42; synthetic copies at least 0.64 and synthetic heavy
rewrites at least 0.42 (scripts/story_folding.py).

Within one story, a sentence stands at the place of another when its closest sentence in the other
article is that one or a neighbour: it is the same passage of the story, told again, and is folded
into the quote already made from it.
"""

from __future__ import annotations

import re

import numpy as np

from qa_bot.config import AnswerOptions
from qa_bot.index import Index

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def disagree(a: str, b: str) -> bool:
    """True when two sentences state different numbers (a death toll updated, another date): two facts."""
    left, right = set(_NUMBER.findall(a)), set(_NUMBER.findall(b))
    return bool(left and right and left != right)


class Stories:
    """The story relation between the documents of one answer's candidates, each pair judged once."""

    def __init__(self, index: Index, options: AnswerOptions) -> None:
        self._index = index
        self._options = options
        self._same: dict[tuple[int, int], bool] = {}
        self._vectors: dict[int, np.ndarray] = {}

    def _of(self, doc_index: int) -> np.ndarray:
        if doc_index not in self._vectors:
            self._vectors[doc_index] = self._index.sentence_vectors(self._index.document_sentences(doc_index))
        return self._vectors[doc_index]

    def same(self, a: int, b: int) -> bool:
        """True when documents ``a`` and ``b`` tell one story (see the module's docstring)."""
        if a == b:
            return True
        key = (min(a, b), max(a, b))
        if key not in self._same:
            left, right = self._of(a), self._of(b)
            if not len(left) or not len(right):
                self._same[key] = False
            else:
                close = (left @ right.T) >= self._options.story_match
                shared = min(close.any(axis=1).mean(), close.any(axis=0).mean())
                self._same[key] = bool(shared >= self._options.story_overlap)
        return self._same[key]

    def counterpart(self, sentence_id: int, doc_index: int) -> int | None:
        """The sentence of ``doc_index`` closest to ``sentence_id``, when it is close enough to be its counterpart."""
        sentences = self._index.document_sentences(doc_index)
        if not len(sentences):
            return None
        similarity = self._of(doc_index) @ self._index.sentence_vectors([sentence_id])[0]
        best = int(np.argmax(similarity))
        return int(sentences[best]) if similarity[best] >= self._options.story_align else None
