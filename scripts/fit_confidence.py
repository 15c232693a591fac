#!/usr/bin/env python3
"""Fit the answer confidence: a logistic model of the evidence the answer stage finds.

Usage: scripts/fit_confidence.py [--index-root DIR]

It reads two domains at once, so that no one data set decides:
- answerable: xquad_en asked of its own corpus, and the bundled news articles' own questions
  (tests/data/bundled_questions.jsonl);
- unanswerable: xquad_en asked of the bundled articles, and the off-topic questions
  (tests/data/offtopic_questions.txt).

For each question it takes the two inputs of ``qa_bot.answer.evidence`` (the best-ranked sentence's cosine,
and the share of question terms in the best passage), fits weights and a bias by Newton's method,
and prints them as the settings QA_BOT_CONFIDENCE_COSINE, _COVERAGE and _BIAS, with the abstain
rate of each group at the threshold QA_BOT_ABSTAIN_THRESHOLD.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
XQUAD = ROOT / "data" / "eval" / "xquad_en"
TEST_DATA = ROOT / "tests" / "data"


def features(pipeline, questions: list[str]) -> np.ndarray:
    """(best-ranked sentence's cosine, coverage) per question; (0, 0) when no sentence is a candidate."""
    from qa_bot.answer import evidence, score_sentences
    from qa_bot.pipeline import quote_options
    from qa_bot.retrieve import make_query

    settings, index = pipeline.settings, pipeline.index
    options = quote_options(settings)
    vectors = pipeline.embedder.encode(questions)
    rows = []
    for text, vector in zip(questions, vectors, strict=True):
        query = make_query(text, vector)
        hits = pipeline.passages(index, query)
        scored = score_sentences(index, query, hits, options)
        rows.append(evidence(index, query, hits, scored) if scored else (0.0, 0.0))
    return np.array(rows, dtype=np.float64)


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = 1e-3, steps: int = 50) -> np.ndarray:
    """Weights (one per column of ``x``, then the bias) of a logistic regression, by Newton's method."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ w))
        gradient = design.T @ (p - y) + ridge * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + ridge * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-root", type=Path, default=ROOT / "index", help="Where eval indexes are cached.")
    args = parser.parse_args()

    from rich.console import Console

    from qa_bot.build import build_from_paths
    from qa_bot.config import load_settings
    from qa_bot.embed import embedder_from_settings
    from qa_bot.eval_run import open_corpus_index
    from qa_bot.evaluate import read_questions
    from qa_bot.index import load_index
    from qa_bot.pipeline import QAPipeline

    err = Console(stderr=True)
    settings = load_settings()
    embedder = embedder_from_settings(settings)
    xquad_settings, xquad_index = open_corpus_index(settings, XQUAD / "corpus.jsonl", args.index_root, embedder, err)
    xquad = QAPipeline(xquad_settings, xquad_index, embedder)
    with tempfile.TemporaryDirectory() as tmp:
        bundled_settings = settings.model_copy(update={"index_dir": Path(tmp) / "bundled"})
        build_from_paths(bundled_settings, [ROOT / "data" / "articles"], err, embedder=embedder)
        bundled = QAPipeline(bundled_settings, load_index(bundled_settings.index_dir, embedder), embedder)
        xquad_questions = [q.question for q in read_questions(XQUAD / "questions.jsonl")]
        own_lines = (TEST_DATA / "bundled_questions.jsonl").read_text().splitlines()
        own = [json.loads(line)["question"] for line in own_lines if line.strip()]
        offtopic = [q for q in (TEST_DATA / "offtopic_questions.txt").read_text().splitlines() if q.strip()]
        groups = {
            "xquad_en on its corpus (answerable)": (features(xquad, xquad_questions), 1),
            "bundled articles' questions (answerable)": (features(bundled, own), 1),
            "xquad_en on the bundled articles (unanswerable)": (features(bundled, xquad_questions), 0),
            "off-topic on the bundled articles (unanswerable)": (features(bundled, offtopic), 0),
        }
    x = np.vstack([f for f, _ in groups.values()])
    y = np.concatenate([np.full(len(f), label, dtype=np.float64) for f, label in groups.values()])
    cosine, coverage, bias = fit_logistic(x, y)
    print(f"QA_BOT_CONFIDENCE_COSINE={cosine:.1f}")
    print(f"QA_BOT_CONFIDENCE_COVERAGE={coverage:.1f}")
    print(f"QA_BOT_CONFIDENCE_BIAS={bias:.1f}")
    weights = np.array([round(cosine, 1), round(coverage, 1)])
    for name, (f, _) in groups.items():
        confidence = 1.0 / (1.0 + np.exp(-(f @ weights + round(bias, 1))))
        print(f"{name}: {len(f)} questions, abstained {np.mean(confidence < settings.abstain_threshold):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
