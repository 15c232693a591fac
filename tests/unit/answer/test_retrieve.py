"""Retrieval: fusing dense and keyword passage lists, and query terms that match the keyword stores."""

from __future__ import annotations

import numpy as np
import pytest

from qa_bot.answer.retrieve import fuse

from ..conftest import DOCS


def test_fuse_weighted_and_rrf_agree_on_a_clear_winner():
    dense = (np.array([1, 2, 3]), np.array([0.9, 0.5, 0.1], dtype=np.float32))
    keyword = (np.array([1, 3]), np.array([10.0, 2.0], dtype=np.float32))
    for method in ("weighted", "rrf"):
        hits = fuse(dense, keyword, method, 0.5)
        assert hits[0].passage_id == 1
        assert {h.passage_id for h in hits} == {1, 2, 3}
        assert fuse(dense, keyword, method, 0.5, limit=2) == hits[:2]
    weighted = fuse(dense, keyword, "weighted", 0.5)
    assert weighted[0].score == pytest.approx(0.5 * 0.9 + 0.5 * 1.0)


def test_query_terms_match_the_keyword_index_tokenizer():
    import bm25s

    from qa_bot.terms import stemmer, terms

    texts = [d.text for d in DOCS] + ["Who is Al-Sudani's ally? The U.S. said 40% of 2,000 troops…", ""]
    expected = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer(), return_ids=False, show_progress=False)
    assert terms(texts) == expected
