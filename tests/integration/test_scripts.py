"""The measurement scripts, run on small inputs."""

from __future__ import annotations

import importlib.util

import numpy as np

from ..conftest import ROOT
from ..unit.index.test_stores import clustered


def test_the_scale_benchmark_measures_both_indexes_and_draws_them(tmp_path):
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


def test_the_backend_benchmark_builds_and_searches_the_same_data_on_both_backends(tmp_path):
    from qa_bot.index import LOCAL, Backend
    from qa_bot.ingest.read import read_articles

    from ..conftest import ARTICLES, FakeEmbedder

    spec = importlib.util.spec_from_file_location("bench_backends", ROOT / "scripts" / "bench_backends.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    documents = bench.copies_of(read_articles([ARTICLES]).documents, 3)
    assert len({d.doc_id for d in documents}) == len({d.text for d in documents}) == 6
    embedder = bench.CachedEmbedder(FakeEmbedder())
    questions = ["Who is David Schenker?", "Where did the drone crash?", "What did Iran warn?"]
    vectors = embedder.encode_queries(questions)
    rows = [bench.measure(name, backend, documents, embedder, vectors, questions, tmp_path)
            for name, backend in (("local", LOCAL), ("lite", Backend("milvus", str(tmp_path / "lite.db"))))]
    assert rows[0]["passages"] == rows[1]["passages"] > 0
    assert all(r["recall@10"] >= 0.9 and r["dense p50 ms"] >= 0 for r in rows)  # ties among the copies aside
    assert "| backend | articles |" in bench.table([{"articles": 6, **r, "backend": "x"} for r in rows])
