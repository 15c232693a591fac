#!/usr/bin/env python3
"""Fit the answer confidence: a logistic model of the evidence the answer stage finds.

Usage: scripts/fit_confidence.py [--index-root DIR]

It reads two domains at once, so that no one data set decides:
- answerable: xquad_en asked of its own corpus, and the bundled news articles' own questions
  (tests/data/bundled_questions.jsonl);
- unanswerable: xquad_en asked of the bundled articles, and the off-topic questions
  (tests/data/offtopic_questions.txt).

For each question it asks the pipeline (never abstaining) and reads the answer's evidence (the best-ranked
sentence's cosine, and the share of question terms in the best passage). ``qa_bot.answer.confidence.fit``
fits the logistic model's weights and bias, printed as the settings QA_BOT_CONFIDENCE_COSINE, _COVERAGE and
_BIAS, with the abstain rate of each group at the threshold QA_BOT_ABSTAIN_THRESHOLD under the new weights.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
XQUAD = ROOT / "data" / "eval" / "xquad_en"
TEST_DATA = ROOT / "tests" / "data"


def evidence_of(pipeline, questions: list[str]) -> list:
    """The evidence of each question's answer, asked of ``pipeline`` never abstaining (None: no candidate)."""
    options = pipeline.options.model_copy(update={"abstain_threshold": 0.0})
    return [pipeline.ask(question, options).evidence for question in questions]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-root", type=Path, default=ROOT / "index", help="Where eval indexes are cached.")
    args = parser.parse_args()

    from rich.console import Console

    from qa_bot.answer.confidence import answer_confidence, fit
    from qa_bot.build import build_from_paths
    from qa_bot.cli import prepare_process
    from qa_bot.config import load_settings
    from qa_bot.embed import embedder_from_settings
    from qa_bot.eval.metrics import read_questions
    from qa_bot.eval.run import open_corpus_index
    from qa_bot.index import load_index
    from qa_bot.pipeline import QAPipeline

    prepare_process()

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
            "xquad_en on its corpus (answerable)": (evidence_of(xquad, xquad_questions), True),
            "bundled articles' questions (answerable)": (evidence_of(bundled, own), True),
            "xquad_en on the bundled articles (unanswerable)": (evidence_of(bundled, xquad_questions), False),
            "off-topic on the bundled articles (unanswerable)": (evidence_of(bundled, offtopic), False),
        }
    found = [e for evidence, _ in groups.values() for e in evidence]
    labels = [answerable for evidence, answerable in groups.values() for _ in evidence]
    weights = fit(found, labels)
    for name, value in weights.items():
        print(f"QA_BOT_{name.upper()}={value:.1f}")
    if min(weights["confidence_cosine"], weights["confidence_coverage"]) < 0:
        print("a weight came out negative: that input lowers the confidence, which the settings do not allow")
        return 1
    options = settings.answer_options().model_copy(update=weights)
    for name, (evidence, _) in groups.items():
        abstained = [e is None or answer_confidence(e, options) < options.abstain_threshold for e in evidence]
        print(f"{name}: {len(evidence)} questions, abstained {np.mean(abstained):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
