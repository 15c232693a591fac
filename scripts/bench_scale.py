#!/usr/bin/env python3
"""Passage search at scale: exact against approximate search on synthetic vectors shaped like real ones.

Usage: scripts/bench_scale.py --index index/eval-corpus-... [--sizes 100000,1000000] [--out scale.json]
       [--plot scale.png]   (scripts/bench.py runs this too, on the index it builds)

The synthetic corpus is made from an index's real passage and sentence vectors: each synthetic vector
is a random point on the segment between two real vectors (nearer the first), plus Gaussian noise,
normalised. It keeps the clumps and the spread of real embeddings; uniform random vectors would make
every index look either perfect or hopeless. The queries are real questions embedded by the model,
which no synthetic vector copies.

For each size it builds the exact index and the approximate one exactly as ``qa-bot index build``
would (same code, same calibration), then measures on one core: search p50/p95 per query, recall@10
of the approximate index against exact search, and index memory (bytes the index holds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
NOISE = 0.04
"""Per-dimension noise; with 384 dimensions it moves a vector by about 0.8 of its length before normalising."""


def synthetic(base: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``count`` normalised vectors near the segments between random pairs of rows of ``base``."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, base.shape[1]), dtype=np.float32)
    for start in range(0, count, 100_000):
        n = min(100_000, count - start)
        first, second = base[rng.integers(0, len(base), n)], base[rng.integers(0, len(base), n)]
        share = rng.uniform(0.0, 0.5, (n, 1)).astype(np.float32)
        rows = (1 - share) * first + share * second + rng.normal(0, NOISE, first.shape).astype(np.float32)
        out[start: start + n] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def timed_search(store, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, list[float]]:
    """(ids, per-query milliseconds) searching one query at a time, as the bot does."""
    ids, times = [], []
    for query in queries:
        began = time.perf_counter()
        ids.append(store.search(query, k)[0])
        times.append((time.perf_counter() - began) * 1000)
    return np.array(ids), times


def saved(store) -> tuple[int, dict]:
    """(bytes the store holds, as the size of what it saves (codes, lists, quantiser); its manifest entry)."""
    with tempfile.TemporaryDirectory() as folder:
        entry = store.save(Path(folder))
        return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()), entry


def measure(base: np.ndarray, queries: np.ndarray, size: int, approximate_from: int = 1) -> dict[str, object]:
    """Build both FAISS layouts over ``size`` synthetic vectors and measure them on ``queries``."""
    import faiss

    from qa_bot.index import build_vector_store, recall_at_k

    vectors = synthetic(base, size, seed=size)
    probes = synthetic(base, 2_000, seed=size + 1)  # like the sentence vectors a real build calibrates on
    faiss.omp_set_num_threads(2)
    began = time.perf_counter()
    exact = build_vector_store("faiss", vectors, probes, approximate_from=0)
    exact_build = time.perf_counter() - began
    began = time.perf_counter()
    approx = build_vector_store("faiss", vectors, probes, approximate_from=approximate_from)
    approx_build = time.perf_counter() - began
    (exact_bytes, _), (approx_bytes, spec) = saved(exact), saved(approx)
    faiss.omp_set_num_threads(1)  # the budget is per query on one core
    exact_ids, exact_ms = timed_search(exact, queries)
    approx_ids, approx_ms = timed_search(approx, queries)
    row = {
        "passages": size,
        "exact p50 ms": statistics.median(exact_ms),
        "exact p95 ms": float(np.percentile(exact_ms, 95)),
        "exact MB": exact_bytes / 1e6,
        "exact build s": exact_build,
        "approx kind": spec["layout"],
        "approx nlist": spec["nlist"],
        "approx nprobe": spec["nprobe"],
        "approx p50 ms": statistics.median(approx_ms),
        "approx p95 ms": float(np.percentile(approx_ms, 95)),
        "approx MB": approx_bytes / 1e6,
        "approx build s": approx_build,
        "recall@10 (questions)": recall_at_k(approx_ids, exact_ids),
        "recall@10 (build calibration)": spec["recall_at_10"],
    }
    faiss.omp_set_num_threads(2)
    return row


def real_vectors(index_dir: Path) -> tuple[np.ndarray, str]:
    """(passage and sentence vectors of the index, the embedding backend it was built with)."""
    from qa_bot.index import load_index

    index = load_index(index_dir)
    vectors = np.vstack([index.passage_vectors(range(index.passage_count)),
                         index.sentence_vectors(range(index.sentence_count))])
    return vectors, index.describe().backend


def run(base: np.ndarray, queries: np.ndarray, sizes: list[int]) -> list[dict[str, object]]:
    """Measure every size, printing a table row as each finishes."""
    rows = []
    header = ("passages", "exact p50 ms", "approx p50 ms", "approx p95 ms", "recall@10 (questions)",
              "exact MB", "approx MB", "approx nprobe")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for size in sizes:
        row = measure(base, queries, size)
        rows.append(row)
        cells = [f"{row[h]:,}" if isinstance(row[h], int) else f"{row[h]:.3f}" for h in header]
        print("| " + " | ".join(cells) + " |", flush=True)
    return rows


def plot(rows: list[dict[str, object]], path: Path) -> None:
    """Search p50 and memory against corpus size, exact and approximate, on log axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["passages"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for kind, style in (("exact", "o-"), ("approx", "s-")):
        label = "exact (flat)" if kind == "exact" else "approximate (IVF-SQ8)"
        left.plot(sizes, [r[f"{kind} p50 ms"] for r in rows], style, label=label)
        right.plot(sizes, [r[f"{kind} MB"] for r in rows], style, label=label)
    for r in rows:
        left.annotate(f"recall@10 {r['recall@10 (questions)']:.3f}", (r["passages"], r["approx p50 ms"]),
                      textcoords="offset points", xytext=(-40, 8), fontsize=8)
    left.axhline(5, color="grey", linestyle=":", label="5 ms budget")
    right.axhline(500, color="grey", linestyle=":", label="0.5 GB budget")
    for axis, title in ((left, "search p50 per query, one core (ms)"), (right, "index memory (MB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("passages")
        axis.set_title(title)
        axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True, help="an index whose real vectors seed the corpus")
    parser.add_argument("--questions", type=Path, default=ROOT / "data/eval/xquad_en/questions.jsonl")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated corpus sizes")
    parser.add_argument("--queries", type=int, default=300, help="real questions searched per size")
    parser.add_argument("--out", type=Path, default=Path("scale.json"))
    parser.add_argument("--plot", type=Path, default=None, help="also draw the scaling curves as a PNG")
    args = parser.parse_args()

    from qa_bot.cli import prepare_process
    from qa_bot.config import Settings
    from qa_bot.embed import embedder_from_settings
    from qa_bot.eval.metrics import read_questions

    prepare_process()
    base, backend = real_vectors(args.index)
    settings = Settings(index_dir=args.index, embed_backend=backend)
    questions = [q.question for q in read_questions(args.questions)][: args.queries]
    queries = embedder_from_settings(settings).encode(questions)
    rows = run(base, np.ascontiguousarray(queries, dtype=np.float32), [int(s) for s in args.sizes.split(",")])
    args.out.write_text(json.dumps({"scale": rows}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    if args.plot:
        plot(rows, args.plot)
        print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
