"""The passage vector index: exact when small, IVF-SQ8 past the threshold, checked against brute force."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from qa_bot.index import build_index, load_index
from qa_bot.records import Document
from qa_bot.vector_index import (
    VectorIndexSpec,
    build_vector_index,
    exact_neighbours,
    load_vector_index,
    recall_at_k,
    save_vector_index,
)

from .conftest import FakeEmbedder


def clustered(count: int, dimension: int = 64, centres: int = 200, seed: int = 1) -> np.ndarray:
    """Normalised vectors around random centres: the clumpy structure of real embeddings."""
    rng = np.random.default_rng(seed)
    centre = rng.normal(size=(centres, dimension)).astype(np.float32)
    rows = centre[rng.integers(0, centres, count)] + rng.normal(0, 0.35, (count, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_recall_at_k_counts_shared_ids():
    exact = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    assert recall_at_k(exact, exact) == 1.0
    assert recall_at_k(np.array([[1, 2, 9, 9], [5, 6, 7, 9]]), exact) == pytest.approx((0.5 + 0.75) / 2)


def test_small_corpus_gets_exact_search():
    vectors = clustered(500)
    index, spec = build_vector_index(vectors, vectors[:50], approximate_from=1000)
    assert spec.kind == "flat" and spec.recall_at_10 is None
    queries = clustered(20, seed=7)
    assert np.array_equal(index.search(queries, 10)[1], exact_neighbours(vectors, queries, 10))


def test_large_corpus_gets_ivf_that_meets_the_recall_target_on_unseen_queries(tmp_path):
    vectors = clustered(20_000)
    probes = clustered(400, seed=3)
    index, spec = build_vector_index(vectors, probes, approximate_from=10_000)
    assert spec.kind == "ivf-sq8" and spec.nlist == int(4 * np.sqrt(20_000)) and 1 <= spec.nprobe <= spec.nlist
    assert spec.recall_at_10 is not None and spec.recall_at_10 >= 0.95
    save_vector_index(index, tmp_path / "v.faiss")
    loaded = load_vector_index(tmp_path / "v.faiss", VectorIndexSpec.from_manifest(spec.to_manifest()))
    unseen = clustered(300, seed=11)  # queries the calibration never saw
    found = loaded.search(unseen, 10)[1]
    assert recall_at_k(found, exact_neighbours(vectors, unseen, 10)) >= 0.95
    assert (tmp_path / "v.faiss").stat().st_size < vectors.nbytes / 3  # 8-bit codes, not floats


def test_unreachable_target_falls_back_to_exact_search():
    vectors = clustered(3000)
    index, spec = build_vector_index(vectors, vectors[:100], approximate_from=1000, target_recall=1.01)
    assert spec.kind == "flat"
    assert index.ntotal == 3000


def test_unknown_spec_is_refused():
    with pytest.raises(ValueError):
        VectorIndexSpec.from_manifest({"kind": "hnsw"})


class ClusteredEmbedder(FakeEmbedder):
    """Each text gets a fixed vector near one of 50 centres (seeded by its hash): structured, few ties."""

    dimension = 64

    def encode(self, texts, progress=None):
        self.encoded.extend(texts)
        centres = np.random.default_rng(0).normal(size=(50, self.dimension))
        rows = []
        for text in texts:
            rng = np.random.default_rng(int(hashlib.md5(text.encode()).hexdigest()[:8], 16))
            rows.append(centres[rng.integers(50)] + rng.normal(0, 0.4, self.dimension))
        out = np.array(rows, dtype=np.float32)
        if progress is not None:
            progress(len(texts))
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_build_index_records_the_choice_and_finds_what_exact_search_finds(tmp_path):
    embedder = ClusteredEmbedder()
    documents = [Document(f"d{i}", f"Report {i} one. Report {i} two. Report {i} three.", f"T{i}", None, None)
                 for i in range(1500)]
    exact = build_index(documents, embedder, tmp_path / "exact", sentences_per_passage=1, overlap=0)
    approx = build_index(
        documents, embedder, tmp_path / "approx", sentences_per_passage=1, overlap=0, approximate_from=1000
    )
    assert exact.vector_index == "flat" and approx.vector_index == "ivf-sq8"
    manifest = json.loads((tmp_path / "approx" / "manifest.json").read_text())
    assert manifest["vector_index"]["kind"] == "ivf-sq8" and manifest["vector_index"]["recall_at_10"] >= 0.95
    a, b = load_index(tmp_path / "exact", embedder), load_index(tmp_path / "approx", embedder)
    queries = embedder.encode([f"question {i}" for i in range(200)])
    assert recall_at_k(b.passage_vectors.search(queries, 10)[1], a.passage_vectors.search(queries, 10)[1]) >= 0.95


def test_the_scale_benchmark_measures_both_indexes_and_draws_them(tmp_path):
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "scripts" / "bench_scale.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    base = clustered(300, dimension=48)
    synthetic = bench.synthetic(base, 5000, seed=1)
    assert synthetic.shape == (5000, 48) and np.allclose(np.linalg.norm(synthetic, axis=1), 1.0, atol=1e-5)
    assert not np.any(np.isin(synthetic, base).all(axis=1))  # noise added: no real vector is copied
    rows = bench.run(base, bench.synthetic(base, 50, seed=99), [2000, 5000])
    assert [r["passages"] for r in rows] == [2000, 5000] and all(r["approx kind"] == "ivf-sq8" for r in rows)
    assert all(r["recall@10 (questions)"] >= 0.9 and r["approx MB"] < r["exact MB"] for r in rows)
    bench.plot(rows, tmp_path / "scale.png")
    assert (tmp_path / "scale.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
