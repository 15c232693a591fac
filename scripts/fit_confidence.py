#!/usr/bin/env python3
"""Fit the answer confidence: a logistic model of the evidence the answer stage finds.

Usage: scripts/fit_confidence.py [--index-root DIR] [--squad-dev DIR]

It reads two domains at once, so that no one data set decides, and nothing it reads is a test set:
- answerable: the held-out SQuAD v1.1 train articles asked of their own paragraphs (written by
  scripts/squad_dev_set.py; the reranker never trained on them), and the dev half of the dated news set
  (data/eval/wikinews, answerable questions, split by story) asked of its corpus;
- unanswerable: the same SQuAD questions asked of the bundled articles, and the off-topic questions
  (tests/data/offtopic_questions.txt) asked of the bundled articles.
xquad_en (SQuAD's dev set) and the news set's test half stay out: they are what the README reports.

For each question it asks the pipeline (never abstaining) and reads the answer's evidence (the best-ranked
sentence's cosine, the share of question terms in the best passage, and the reranker's best probability
when QA_BOT_RERANKER turns one on). ``qa_bot.answer.confidence.fit`` fits the logistic model's weights and
bias, printed as the settings (QA_BOT_CONFIDENCE_* without a reranker, QA_BOT_CONFIDENCE_RR_* with one),
with the abstain rate of each group at the threshold QA_BOT_ABSTAIN_THRESHOLD under the new weights.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WIKINEWS = ROOT / "data" / "eval" / "wikinews"
TEST_DATA = ROOT / "tests" / "data"


def evidence_of(pipeline, questions: list[str]) -> list:
    """The evidence of each question's answer, asked of ``pipeline`` never abstaining (None: no candidate)."""
    options = pipeline.options.model_copy(update={"abstain_threshold": 0.0})
    return [pipeline.ask(question, options).evidence for question in questions]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-root", type=Path, default=ROOT / "index", help="Where eval indexes are cached.")
    parser.add_argument("--squad-dev", type=Path, default=ROOT / "index" / "squad-dev-set",
                        help="The held-out SQuAD set written by scripts/squad_dev_set.py.")
    args = parser.parse_args()

    from rich.console import Console

    from qa_bot.answer.confidence import answer_confidence, fit
    from qa_bot.answer.rerank import load_reranker
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
    reranker = load_reranker(settings.reranker, settings.threads, settings.model_cache())
    if not (args.squad_dev / "corpus.jsonl").is_file():
        err.print(f"error: no SQuAD dev set in {args.squad_dev}: run scripts/squad_dev_set.py first")
        return 2

    def pipeline_on(corpus: Path) -> QAPipeline:
        corpus_settings, index = open_corpus_index(settings, corpus, args.index_root, embedder, err)
        return QAPipeline(corpus_settings, index, embedder, reranker)

    squad = pipeline_on(args.squad_dev / "corpus.jsonl")
    news = pipeline_on(WIKINEWS / "corpus.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        bundled_settings = settings.model_copy(update={"index_dir": Path(tmp) / "bundled"})
        build_from_paths(bundled_settings, [ROOT / "data" / "articles"], err, embedder=embedder)
        bundled = QAPipeline(bundled_settings, load_index(bundled_settings.index_dir, embedder), embedder, reranker)
        squad_questions = [q.question for q in read_questions(args.squad_dev / "questions.jsonl")]
        news_lines = [json.loads(line) for line in (WIKINEWS / "questions.jsonl").read_text().splitlines() if line]
        news_dev = [q["question"] for q in news_lines if q.get("split") == "dev" and q.get("answerable", True)]
        offtopic = [q for q in (TEST_DATA / "offtopic_questions.txt").read_text().splitlines() if q.strip()]
        groups = {
            "held-out SQuAD train on its paragraphs (answerable)": (evidence_of(squad, squad_questions), True),
            "dated news dev half on its corpus (answerable)": (evidence_of(news, news_dev), True),
            "held-out SQuAD train on the bundled articles (unanswerable)": (
                evidence_of(bundled, squad_questions), False),
            "off-topic on the bundled articles (unanswerable)": (evidence_of(bundled, offtopic), False),
        }
    found = [e for evidence, _ in groups.values() for e in evidence]
    labels = [answerable for evidence, answerable in groups.values() for _ in evidence]
    weights = fit(found, labels)
    for name, value in weights.items():
        print(f"QA_BOT_{name.upper()}={value:.1f}")
    if min(list(weights.values())[:-1]) < 0:  # every weight but the bias
        print("a weight came out negative: that input lowers the confidence, which the settings do not allow")
        return 1
    options = settings.answer_options().model_copy(update=weights)
    for name, (evidence, _) in groups.items():
        abstained = [e is None or answer_confidence(e, options) < options.abstain_threshold for e in evidence]
        print(f"{name}: {len(evidence)} questions, abstained {np.mean(abstained):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
