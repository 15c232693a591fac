#!/usr/bin/env python3
"""Write the held-out SQuAD v1.1 train articles as an eval data set, to tune on without touching xquad_en.

Usage: scripts/squad_dev_set.py [--squad FILE] [--out DIR] [--questions N] [--seed N]

The last 42 articles of SQuAD v1.1 train never reach the reranker's training (scripts/train_reranker.py
holds them out). This writes them as ``corpus.jsonl`` and ``questions.jsonl`` in the xquad_en format, for
``qa-bot eval --corpus DIR/corpus.jsonl --questions DIR/questions.jsonl`` and scripts/fit_confidence.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT / "data" / "train" / "squad_v1.1" / "train-v1.1.json.gz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD, help="SQuAD v1.1 train file (.json or .json.gz).")
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "squad-dev-set", help="Folder to write.")
    parser.add_argument("--questions", type=int, default=1000, help="Questions to sample (0: all).")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)

    from qa_bot.eval.squad import DEV_ARTICLES, read_squad, write_eval_set

    if not args.squad.is_file():
        print(f"error: no SQuAD v1.1 train file at {args.squad}", file=sys.stderr)
        return 2
    documents, questions = write_eval_set(read_squad(args.squad)[-DEV_ARTICLES:], args.out, args.questions,
                                          args.seed, prefix="squad-dev")
    print(f"wrote {args.out}: {documents} paragraphs, {questions} questions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
