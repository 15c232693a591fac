#!/usr/bin/env python3
"""Benchmark embedding backends, index builds and query latency, as ratios to a baseline in the same run.

Usage: scripts/bench.py [--corpus data/eval/xquad_en/corpus.jsonl] [--questions ...] [--out bench.json]

Measures, in one process (plus subprocesses for cold starts):
  * build throughput: the passages and sentences a build embeds, encoded by plain sentence-transformers
    (the baseline) and by each qa-bot backend; passages/s and the ratio to the baseline;
  * warm query latency p50/p95 of the full pipeline per backend;
  * cold `qa-bot ask` wall time and peak memory per backend, on the bundled articles (median of 3);
  * the int8 pipeline's warm and cold figures with the reranker as set (QA_BOT_RERANKER, bundled by default)
    and off (and with --other-reranker, another one), interleaved;
  * passage search at scale (scripts/bench_scale.py): exact against approximate search on synthetic
    vectors made from the xquad index's real ones, at --sizes passages, with --plot drawing the curves;
  * with --backends COPIES, the index backends on the same data (scripts/bench_backends.py): the local
    folder against Milvus Lite (and a server when QA_BOT_MILVUS_TEST_URI is set), at each size in COPIES.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("torch", "onnx-int8")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build_texts(corpus: Path) -> list[str]:
    """The texts an index build of ``corpus`` embeds (its passages, then its sentences)."""
    from qa_bot.config import Settings
    from qa_bot.embed import embedder_from_settings
    from qa_bot.ingest.read import read_articles
    from qa_bot.ingest.segment import chunk_documents

    documents = read_articles([corpus]).documents
    settings = Settings(index_dir=Path(tempfile.mkdtemp()) / "i")
    counter = embedder_from_settings(settings)
    sentences, passages = chunk_documents(
        documents, counter.max_tokens, counter.count_tokens, settings.sentences_per_passage, settings.passage_overlap
    )
    spans = [*passages, *sentences]
    return [documents[s.doc_index].text[s.start: s.end] for s in spans]


def encode_rate(encode, texts: list[str]) -> float:
    encode(texts[:16])  # warm up
    began = time.perf_counter()
    encode(texts)
    return len(texts) / (time.perf_counter() - began)


def cold_asks(
    arms: dict[str, dict[str, str]], index: Path, cache: Path, runs: int = 3
) -> dict[str, tuple[float, float]]:
    """(median seconds, peak MB) of `qa-bot ask` in a fresh process for each arm (extra environment), the
    arms taking turns run by run so that the machine's drift hits them alike."""
    # The child reports its own peak resident memory (VmHWM, in kB) as it exits. ru_maxrss would not do:
    # on Linux it keeps the peak of the forked parent from before exec.
    code = (
        "import sys\nfrom qa_bot.cli import main\n"
        f"try:\n    main(['ask', 'Who is David Schenker?', '--json', '--index', {str(index)!r}])\n"
        "except SystemExit:\n    pass\n"
        "peak = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "sys.stderr.write(f'MAXRSS {peak}\\n')\n"
    )
    times: dict[str, list[float]] = {name: [] for name in arms}
    peaks: dict[str, list[float]] = {name: [] for name in arms}
    for _ in range(runs):
        for name, extra in arms.items():
            env = {**os.environ, "QA_BOT_MODEL_CACHE_DIR": str(cache), **extra}
            began = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
            times[name].append(time.perf_counter() - began)
            peaks[name].append(int(done.stderr.rsplit("MAXRSS ", 1)[1].split()[0]) / 1024)
    return {name: (statistics.median(times[name]), max(peaks[name])) for name in arms}


def warm_latencies(pipelines: dict[str, object], questions: list[str]) -> dict[str, list[float]]:
    """Milliseconds per question of each warm pipeline, the pipelines taking turns question by question."""
    for pipeline in pipelines.values():
        for q in questions[:20]:
            pipeline.ask(q)  # type: ignore[attr-defined]
    found: dict[str, list[float]] = {name: [] for name in pipelines}
    for q in questions:
        for name, pipeline in pipelines.items():
            began = time.perf_counter()
            pipeline.ask(q)  # type: ignore[attr-defined]
            found[name].append((time.perf_counter() - began) * 1000)
    return found


def main() -> int:
    class Help(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
        """The docstring as written, and each option's default in its help."""

    described = "\n".join(line for line in __doc__.splitlines() if not line.startswith("Usage:"))  # argparse's own
    parser = argparse.ArgumentParser(description=described, formatter_class=Help)
    parser.add_argument("--corpus", type=Path, default=ROOT / "data/eval/xquad_en/corpus.jsonl",
                        help="corpus JSONL the build and query timings use")
    parser.add_argument("--questions", type=Path, default=ROOT / "data/eval/xquad_en/questions.jsonl",
                        help="questions JSONL the query timings ask")
    parser.add_argument("--articles", type=Path, default=ROOT / "data/articles",
                        help="articles the cold `qa-bot ask` runs index")
    parser.add_argument("--out", type=Path, default=Path("bench.json"), help="where the results go, as JSON")
    parser.add_argument("--limit", type=int, default=300, help="questions timed per backend")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="synthetic corpus sizes; empty to skip")
    parser.add_argument("--plot", type=Path, default=None, help="draw the scaling curves as this PNG")
    parser.add_argument("--backends", default="", help="compare the index backends at these corpus copies, e.g. 1,10")
    parser.add_argument("--other-reranker", type=Path, default=None,
                        help="also time the int8 pipeline with this reranker folder (e.g. the previous model), "
                             "interleaved with the default and with the reranker off")
    parser.add_argument("--other-top", type=int, default=0,
                        help="candidates the other reranker reads (default: as the default reranker)")
    parser.add_argument("--int8-only", action="store_true", help="time the int8 backend only (not PyTorch)")
    args = parser.parse_args()
    from qa_bot.cli import prepare_process

    prepare_process()
    from sentence_transformers import SentenceTransformer

    from qa_bot.build import build_from_paths
    from qa_bot.config import Settings
    from qa_bot.embed import embedder_from_settings
    from qa_bot.embed.models import bundled_model_folder
    from qa_bot.eval.metrics import read_questions
    from qa_bot.pipeline import QAPipeline

    work = Path(tempfile.mkdtemp(prefix="qa-bot-bench-"))
    cache = work / ".models"
    texts = build_texts(args.corpus)
    plain = SentenceTransformer(str(bundled_model_folder()), device="cpu")
    results: dict[str, object] = {"texts_embedded": len(texts)}
    encoders = {"baseline": lambda t: plain.encode(t, batch_size=32, show_progress_bar=False)}
    embedders = {}
    backends = ("onnx-int8",) if args.int8_only else BACKENDS
    for backend in backends:
        settings = Settings(index_dir=work / f"xquad-{backend}", embed_backend=backend, model_cache_dir=cache)
        embedders[backend] = embedder_from_settings(settings)
        encoders[backend] = embedders[backend].encode
    # Interleaved rounds, median per encoder: the machine's speed drifts, and each ratio compares like with like.
    rounds: dict[str, list[float]] = {name: [] for name in encoders}
    for _ in range(3):
        for name, encode in encoders.items():
            rounds[name].append(encode_rate(encode, texts))
    rates = {name: statistics.median(values) for name, values in rounds.items()}
    baseline = rates["baseline"]
    results["plain sentence-transformers encode (texts/s)"] = round(baseline, 1)
    questions = [q.question for q in read_questions(args.questions)][: args.limit]
    rows = [("plain sentence-transformers encode", baseline, 1.0, None, None, None, None)]
    for backend in backends:
        settings = Settings(index_dir=work / f"xquad-{backend}", embed_backend=backend, model_cache_dir=cache)
        embedder = embedders[backend]
        rate = rates[backend]
        build_from_paths(settings, [args.corpus], embedder=embedder)
        pipelines = {"default": QAPipeline.open(settings, embedder)}
        arms = {"default": {"QA_BOT_EMBED_BACKEND": backend, "QA_BOT_RERANKER": settings.reranker}}
        if backend == "onnx-int8":  # the default against the reranker off (and another reranker), interleaved
            pipelines["reranker off"] = QAPipeline.open(settings.model_copy(update={"reranker": "off"}), embedder)
            arms["reranker off"] = {**arms["default"], "QA_BOT_RERANKER": "off"}
            if args.other_reranker:
                other = {"reranker": str(args.other_reranker.resolve()),
                         "rerank_top": args.other_top or settings.rerank_top}
                pipelines["other reranker"] = QAPipeline.open(settings.model_copy(update=other), embedder)
                arms["other reranker"] = {**arms["default"], "QA_BOT_RERANKER": other["reranker"],
                                          "QA_BOT_RERANK_TOP": str(other["rerank_top"])}
        latencies = warm_latencies(pipelines, questions)
        bundled = Settings(index_dir=work / f"bundled-{backend}", embed_backend=backend, model_cache_dir=cache)
        build_from_paths(bundled, [args.articles], embedder=embedder)
        colds = cold_asks(arms, bundled.index_dir, cache)
        for arm, taken in latencies.items():
            name = f"qa-bot {backend}" + ("" if arm == "default" else f", {arm}")
            rows.append((name, rate, rate / baseline, statistics.median(taken), percentile(taken, 0.95), *colds[arm]))
    header = ("run", "texts/s", "x baseline", "warm p50 ms", "warm p95 ms", "cold ask s", "cold peak MB")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        cells = [row[0]] + ["—" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v) for v in row[1:]]
        print("| " + " | ".join(cells) + " |")
    results["rows"] = [dict(zip(header, row, strict=True)) for row in rows]
    if args.sizes:
        import bench_scale  # beside this script

        base, _ = bench_scale.real_vectors(work / "xquad-onnx-int8")
        queries = embedders["onnx-int8"].encode(questions)
        print("\nPassage search at scale (synthetic vectors from the xquad index, real questions, one core):")
        results["scale"] = bench_scale.run(base, queries, [int(s) for s in args.sizes.split(",")])
        if args.plot:
            bench_scale.plot(results["scale"], args.plot)
            print(f"wrote {args.plot}")
    if args.backends:
        import bench_backends  # beside this script

        rows = bench_backends.run(args.corpus, args.questions, [int(c) for c in args.backends.split(",")], args.limit)
        print("\nIndex backends on the same data:\n" + bench_backends.table(rows))
        results["backends"] = rows
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
