"""The store contract, run against every store: results equal brute force within the store's stated recall.

Every vector store of ``VECTOR_STORES`` (and each FAISS layout) and every keyword store is built from the
same seeded data, saved, read back through the factory by its manifest entry, and compared with a plain
NumPy computation: the inner products for vectors, a hand-written BM25
(Lucene's formula, bm25s's default) for keywords.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from qa_bot.index import VECTOR_STORES, recall_at_k
from qa_bot.index.faiss_store import FaissVectorStore, exact_neighbours
from qa_bot.index.stores import (
    KEYWORD_STORES,
    build_keyword_store,
    build_vector_store,
    load_keyword_store,
    load_vector_store,
)
from qa_bot.terms import terms


def clustered(count: int, dimension: int = 64, centres: int = 200, seed: int = 1) -> np.ndarray:
    """Normalised vectors around random centres: the clumpy structure of real embeddings."""
    rng = np.random.default_rng(seed)
    centre = rng.normal(size=(centres, dimension)).astype(np.float32)
    rows = centre[rng.integers(0, centres, count)] + rng.normal(0, 0.35, (count, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


VECTORS = clustered(6000)
PROBES = clustered(400, seed=3)
QUERIES = clustered(200, seed=11)  # never seen by any calibration
# (engine, approximate_from): every engine exactly, and FAISS's approximate layout too.
CASES = [(engine, 0) for engine in VECTOR_STORES] + [("faiss", 1000)]


@pytest.fixture(scope="module", params=CASES, ids=lambda case: f"{case[0]}-{'approx' if case[1] else 'exact'}")
def saved_store(request, tmp_path_factory):
    engine, approximate_from = request.param
    store = build_vector_store(engine, VECTORS, PROBES, approximate_from=approximate_from)
    folder = tmp_path_factory.mktemp(engine)
    entry = store.save(folder)
    return store, load_vector_store(folder, entry), entry


def test_every_vector_store_finds_what_brute_force_finds_within_its_stated_recall(saved_store):
    built, loaded, entry = saved_store
    exact = np.argsort(-(QUERIES @ VECTORS.T), axis=1, kind="stable")[:, :10]
    for store in (built, loaded):
        assert len(store) == len(VECTORS)
        found = np.array([store.search(q, 10)[0] for q in QUERIES])
        assert recall_at_k(found, exact) >= store.stated_recall - 1e-9
        if store.stated_recall == 1.0:
            assert recall_at_k(found, exact) == 1.0


def test_every_vector_store_scores_are_inner_products_best_first(saved_store):
    _, store, _ = saved_store
    for query in QUERIES[:20]:
        ids, scores = store.search(query, 10)
        assert len(ids) == 10 and np.all(np.diff(scores) <= 1e-6)
        tolerance = 1e-5 if store.stated_recall == 1.0 else 0.05  # 8-bit codes hold approximate vectors
        assert np.allclose(scores, VECTORS[ids] @ query, atol=tolerance)


def test_every_vector_store_reads_back_to_the_same_answers(saved_store):
    built, loaded, entry = saved_store
    assert entry["kind"] in VECTOR_STORES
    for query in QUERIES[:20]:
        assert np.array_equal(built.search(query, 10)[0], loaded.search(query, 10)[0])


def test_every_vector_store_searches_only_the_allowed_rows_as_brute_force_does(saved_store):
    _, store, _ = saved_store
    allowed = np.zeros(len(VECTORS), dtype=bool)
    allowed[::7] = True  # a seventh of the rows, as a date filter might leave
    scores = QUERIES @ VECTORS.T
    exact = np.argsort(-np.where(allowed, scores, -np.inf), axis=1, kind="stable")[:, :10]
    found = np.array([store.search(q, 10, allowed)[0] for q in QUERIES])
    assert allowed[found].all()
    assert recall_at_k(found, exact) >= store.stated_recall - 0.05  # the filter may cost an IVF list or two
    few = np.zeros(len(VECTORS), dtype=bool)
    few[[3, 99]] = True
    assert sorted(store.search(QUERIES[0], 10, few)[0].tolist()) == [3, 99]  # never more than allowed
    assert len(store.search(QUERIES[0], 10, np.zeros(len(VECTORS), dtype=bool))[0]) == 0


def test_every_vector_store_takes_any_k(saved_store):
    _, store, _ = saved_store
    assert len(store.search(QUERIES[0], 0)[0]) == 0
    assert len(store.search(QUERIES[0], len(VECTORS) + 5)[0]) <= len(VECTORS)


def test_an_unknown_store_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown vector store 'hnswlib'"):
        build_vector_store("hnswlib", VECTORS, PROBES, approximate_from=0)
    with pytest.raises(ValueError, match="unknown keyword store"):
        load_keyword_store(__import__("pathlib").Path("."), {"kind": "elastic"})


TEXTS = [
    "The mayor opened a new bridge on Monday.",
    "The bridge cost 40 million dollars, the mayor said.",
    "Traffic over the old bridge is expected to ease.",
    "The city council approved the budget for schools.",
    "Schools get more money this year; parks get less money.",
    "A storm hit the coast on Friday and thousands lost power.",
    "123 456",  # no keyword at all
]


def reference_bm25(texts: list[str], query: list[str], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    """BM25 as Lucene (8 and later) computes it, over :func:`qa_bot.terms.terms`: idf ``ln(1 + (N - df + 0.5) /
    (df + 0.5))``, and a term frequency saturated by ``tf / (tf + k1 (1 - b + b dl / avgdl))`` (no ``k1 + 1``)."""
    docs = [Counter(t) for t in terms(texts)]
    lengths = np.array([sum(d.values()) for d in docs], dtype=np.float64)
    average = lengths.mean()
    scores = np.zeros(len(docs))
    for term in set(query):
        df = sum(term in d for d in docs)
        if df == 0:
            continue
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        for i, d in enumerate(docs):
            tf = d[term]
            scores[i] += idf * tf / (tf + k1 * (1 - b + b * lengths[i] / average))
    return scores


@pytest.mark.parametrize("engine", list(KEYWORD_STORES))
@pytest.mark.parametrize("question", ["How much did the bridge cost?", "money for schools", "zebra", ""])
def test_every_keyword_store_scores_as_bm25_by_the_book(engine, question, tmp_path):
    built = build_keyword_store(engine, TEXTS)
    loaded = load_keyword_store(tmp_path, built.save(tmp_path))
    query = terms([question])[0]
    expected = reference_bm25(TEXTS, query)
    for store in (built, loaded):
        assert len(store) == len(TEXTS)
        assert np.allclose(store.scores(query), expected, rtol=1e-4, atol=1e-6)
        ids, scores = store.top(query, 3)
        positive = np.flatnonzero(expected > 0)
        assert len(ids) == min(3, len(positive)) and set(ids.tolist()) <= set(positive.tolist())
        assert np.all(np.diff(scores) <= 1e-6) and np.allclose(scores, expected[ids], rtol=1e-4)
        allowed = np.arange(len(TEXTS)) % 2 == 1
        candidates = np.flatnonzero((expected > 0) & allowed)
        best = candidates[np.lexsort((candidates, -expected[candidates]))][:3]
        assert store.top(query, 3, allowed)[0].tolist() == best.tolist()


def test_a_keyword_store_of_texts_without_keywords_scores_zero(tmp_path):
    store = build_keyword_store("bm25s", ["123", "!!!", "the of and"])
    assert np.array_equal(store.scores(["bridg"]), np.zeros(3)) and len(store.top(["bridg"], 2)[0]) == 0


# FAISS's own choice of layout.

def test_small_corpus_gets_exact_search():
    store = FaissVectorStore.build(VECTORS[:500], PROBES, approximate_from=1000)
    assert store.layout == "flat" and store.recall_at_10 is None and store.stated_recall == 1.0


def test_large_corpus_gets_ivf_that_meets_the_recall_target_on_unseen_queries(tmp_path):
    vectors = clustered(20_000)
    store = FaissVectorStore.build(vectors, PROBES, approximate_from=10_000)
    assert store.layout == "ivf-sq8" and store.nlist == int(4 * np.sqrt(20_000)) and 1 <= store.nprobe <= store.nlist
    assert store.recall_at_10 is not None and store.recall_at_10 >= 0.95
    entry = store.save(tmp_path)
    loaded = load_vector_store(tmp_path, entry)
    found = np.array([loaded.search(q, 10)[0] for q in QUERIES])
    assert recall_at_k(found, exact_neighbours(vectors, QUERIES, 10)) >= 0.95
    assert (tmp_path / "vectors.faiss").stat().st_size < vectors.nbytes / 3  # 8-bit codes, not floats


def test_unreachable_target_falls_back_to_exact_search():
    store = FaissVectorStore.build(VECTORS[:3000], PROBES, approximate_from=1000, target_recall=1.01)
    assert store.layout == "flat" and len(store) == 3000


def test_an_unknown_faiss_layout_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown FAISS layout"):
        FaissVectorStore.load(tmp_path, {"kind": "faiss", "layout": "hnsw"})


def test_recall_at_k_counts_shared_ids():
    exact = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    assert recall_at_k(exact, exact) == 1.0
    assert recall_at_k(np.array([[1, 2, 9, 9], [5, 6, 7, 9]]), exact) == pytest.approx((0.5 + 0.75) / 2)
