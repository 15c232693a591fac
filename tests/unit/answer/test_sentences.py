"""Sentence scoring: each candidate read alone or with the sentence before it in its article."""

from __future__ import annotations

import numpy as np
import pytest

from qa_bot.index import load_index

from ..conftest import DOCS


def test_a_sentence_is_read_alone_or_with_the_sentence_before_it_in_its_article(built, fake_embedder):
    from qa_bot.answer.sentences import read_in_context

    index = load_index(built, fake_embedder)
    question = fake_embedder.encode(["How much did the bridge the mayor opened cost?"])[0]
    ids = np.arange(index.sentence_count)
    vectors = index.sentence_vectors(ids)
    documents = index.sentence_spans(ids)[:, 0]
    cosines = vectors @ question
    keyword = np.linspace(0.1, 1.0, len(ids)).astype(np.float32)
    dense, keyword_read = read_in_context(index, ids, cosines, keyword, question)
    firsts = 0
    for i in ids:
        expected_dense, expected_keyword = cosines[i], keyword[i]
        if i > 0 and documents[i - 1] == documents[i]:
            pair = vectors[i] + vectors[i - 1]
            expected_dense = max(expected_dense, float(pair @ question / np.linalg.norm(pair)))
            expected_keyword = max(expected_keyword, (keyword[i] + keyword[i - 1]) / 2)
        else:  # the first sentence of an article is read alone, never with the last of the one before
            firsts += 1
            assert dense[i] == cosines[i] and keyword_read[i] == keyword[i]
        assert dense[i] == pytest.approx(expected_dense, abs=1e-5)
        assert keyword_read[i] == pytest.approx(expected_keyword, abs=1e-6)
    assert firsts == len(DOCS)
    # "The bridge cost 40 million dollars." gains from the sentence before it, which names the mayor.
    cost = next(i for i, text in zip(ids, index.sentence_texts(ids), strict=True) if "40 million" in text)
    assert dense[cost] > cosines[cost]
