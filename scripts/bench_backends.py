#!/usr/bin/env python3
"""Benchmark the index backends on the same data: the local folder (FAISS + bm25s) against Milvus Lite,
and a Milvus server when QA_BOT_MILVUS_TEST_URI (and QA_BOT_MILVUS_TEST_TOKEN) is set.

Usage: scripts/bench_backends.py [--corpus data/eval/xquad_en/corpus.jsonl] [--copies 1,10] [--out FILE]

For each corpus size (the corpus, and copies of it, each copy's articles made distinct), each backend
builds the same index through ``IndexWriter`` with the same vectors (the model runs once per text; its
vectors are cached, so build time is chunking and writing the stores), then answers the questions'
passage searches through the ``Index`` door. Reported: passages written per second, dense passage search
p50/p95 (ms) and recall@10 against exact inner products over the same vectors, keyword search p50,
and one-question answers p50 through the whole pipeline. One process, interleaved per size; the machine
is shared, so compare the ratios within a run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


class CachedEmbedder:
    """The real embedder, run once per distinct text; every backend then gets the very same vectors."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.model_id, self.backend = inner.model_id, inner.backend
        self.dimension, self.max_tokens = inner.dimension, inner.max_tokens
        self._cache: dict[str, np.ndarray] = {}

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)

    def encode(self, texts, progress=None):
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            for text, vector in zip(todo, self.inner.encode(todo), strict=True):
                self._cache[text] = vector
        if progress is not None:
            progress(len(texts))
        return np.array([self._cache[t] for t in texts], dtype=np.float32).reshape(len(texts), self.dimension)

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)


def copies_of(documents, copies: int):
    """``copies`` distinct versions of every document (a copy number in its id and at the end of its text)."""
    from dataclasses import replace

    if copies == 1:
        return list(documents)
    return [replace(d, doc_id=f"{d.doc_id}-c{c}", text=f"{d.text} (Edition {c}.)")
            for c in range(copies) for d in documents]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(call, items) -> tuple[list[float], list]:
    times, results = [], []
    for item in items:
        began = time.perf_counter()
        results.append(call(item))
        times.append((time.perf_counter() - began) * 1000)
    return times, results


def measure(name: str, backend, documents, embedder, vectors: np.ndarray, questions: list[str], work: Path) -> dict:
    from qa_bot.config import BuildOptions, Settings
    from qa_bot.index import IndexWriter, load_index
    from qa_bot.pipeline import QAPipeline
    from qa_bot.terms import terms

    folder = work / name
    began = time.perf_counter()
    with IndexWriter(folder, backend) as writer:
        summary = writer.build(documents, embedder, BuildOptions())
    seconds = time.perf_counter() - began
    index = load_index(folder, embedder, backend=backend)
    every = index.passage_vectors(np.arange(index.passage_count))
    exact = np.argsort(-(vectors @ every.T), axis=1, kind="stable")[:, :10]
    for v in vectors[:10]:
        index.search_passages(v, 10)  # warm
    dense_ms, found = timed(lambda v: index.search_passages(v, 10)[0], vectors)
    query_terms = terms(questions)
    keyword_ms, _ = timed(lambda t: index.keyword_passages(t, 40), query_terms)
    recall = float(np.mean([len(set(f.tolist()) & set(e.tolist())) / 10 for f, e in zip(found, exact, strict=True)]))
    settings = Settings(index_dir=folder, backend="milvus" if backend.is_milvus else "local",
                        milvus_uri=backend.milvus_uri or "index/milvus.db")
    pipeline = QAPipeline(settings, index, embedder)
    answer_ms, _ = timed(pipeline.ask, questions[:100])
    return {
        "passages": summary.passages, "build s": round(seconds, 2),
        "passages/s written": round(summary.passages / seconds, 1),
        "dense p50 ms": round(statistics.median(dense_ms), 2), "dense p95 ms": round(percentile(dense_ms, 0.95), 2),
        "recall@10": round(recall, 4), "keyword p50 ms": round(statistics.median(keyword_ms), 2),
        "answer p50 ms": round(statistics.median(answer_ms), 1),
    }


def run(corpus_path: Path, questions_path: Path, copies_list: list[int], limit: int) -> list[dict]:
    """The rows of the comparison: each backend at each corpus size (see the module's docstring)."""
    from qa_bot.config import BuildOptions, Settings
    from qa_bot.embed import embedder_from_settings
    from qa_bot.eval.metrics import read_questions
    from qa_bot.index import LOCAL, Backend, build_index
    from qa_bot.ingest.read import read_articles

    work = Path(tempfile.mkdtemp(prefix="qa-bot-bench-backends-"))
    embedder = CachedEmbedder(embedder_from_settings(Settings(index_dir=work / "x")))
    documents = read_articles([corpus_path]).documents
    questions = [q.question for q in read_questions(questions_path)][:limit]
    vectors = embedder.encode_queries(questions)
    backends = {"local": ("local (FAISS + bm25s)", LOCAL),
                "lite": ("Milvus Lite", Backend("milvus", str(work / "lite.db")))}
    if os.environ.get("QA_BOT_MILVUS_TEST_URI"):
        server = Backend("milvus", os.environ["QA_BOT_MILVUS_TEST_URI"], os.environ.get("QA_BOT_MILVUS_TEST_TOKEN", ""),
                         prefix="qa_bot_bench")
        backends["server"] = ("Milvus server", server)
    rows = []
    for copies in copies_list:
        corpus = copies_of(documents, copies)
        print(f"embedding {len(corpus)} articles once (cached for every backend)…", file=sys.stderr)
        build_index(corpus, embedder, work / f"warm-{copies}", BuildOptions())  # fills the cache, untimed
        for key, (name, backend) in backends.items():
            row = measure(f"{key}-{copies}", backend, corpus, embedder, vectors, questions, work)
            rows.append({"articles": len(corpus), **row, "backend": name})
            print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table, backend first."""
    header = ["backend", "articles", *(h for h in rows[0] if h not in ("backend", "articles"))]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[h]) for h in header) + " |" for row in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT / "data/eval/xquad_en/corpus.jsonl")
    parser.add_argument("--questions", type=Path, default=ROOT / "data/eval/xquad_en/questions.jsonl")
    parser.add_argument("--copies", default="1,10", help="corpus sizes, as copies of the corpus")
    parser.add_argument("--limit", type=int, default=300, help="questions searched per backend")
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args()
    from qa_bot.cli import prepare_process

    prepare_process()
    rows = run(args.corpus, args.questions, [int(c) for c in args.copies.split(",")], args.limit)
    print(table(rows))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
