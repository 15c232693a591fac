#!/usr/bin/env python3
"""Measure follow-up questions read with their thread against read alone (answer_hit@1 and @3).

Usage: scripts/followups.py [--pairs data/eval/followups/pairs.jsonl] [--show] [--no-standalone] [--days-later N]

Each pair is a thread's first question and a follow-up that leans on it ("Where did the defective drone
crash?" then "When did it crash?"), with the follow-up's answers, over the bundled articles or the dated
news set (asked as of the pair's date, or ``--days-later`` days after it, when more stories compete). The
follow-up is asked alone, and with its thread (the pipeline's ``thread``: see :mod:`qa_bot.answer.followup`);
a hit is an answer string in the first (or first three) quotes, compared as ``qa-bot eval`` compares (case
and accents folded), reported for each batch of pairs (``batch``: see ``data/eval/followups/SOURCE.md``)
and for all. A pair may also carry the follow-up as an editor rewrote it to stand alone (``standalone``:
"When did the defective drone crash?"), asked alone: what a perfect reading of the thread could reach with
this pipeline. The pipeline has the settings the bot has (QA_BOT_* variables: the model, the reranker, the
answer settings).

It also asks each answerable question of the news set alone and after the question before it from another
story (as a REPL user or a thread might), so that reading with a thread never costs a question that stands
alone, and that it never answers a question the articles do not answer (the news set's unanswerable ones).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {"bundled": ROOT / "data/articles", "wikinews": ROOT / "data/eval/wikinews/corpus.jsonl"}
NEWS_QUESTIONS = ROOT / "data/eval/wikinews/questions.jsonl"
READINGS = ("alone", "with the thread", "rewritten by hand")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, default=ROOT / "data/eval/followups/pairs.jsonl")
    parser.add_argument("--show", action="store_true",
                        help="print each follow-up's hit@1 alone and with the thread, and how the thread reads it")
    parser.add_argument("--no-standalone", dest="standalone", action="store_false",
                        help="skip the news set's standalone and unanswerable questions (minutes of answers)")
    parser.add_argument("--days-later", type=float, default=0.0, metavar="DAYS",
                        help="ask each news pair this many days after its as-of, when later stories compete with "
                             "its own (default 0: on the day its article came out)")
    parser.add_argument("--index-root", type=Path, default=ROOT / "index",
                        help="where the news set's index is built once and reused (as qa-bot eval does)")
    args = parser.parse_args()
    from qa_bot.cli import prepare_process

    prepare_process()
    from rich.console import Console

    from qa_bot.answer.followup import read_in_thread
    from qa_bot.answer.rerank import load_reranker
    from qa_bot.config import load_settings
    from qa_bot.embed import embedder_from_settings
    from qa_bot.eval.metrics import fold
    from qa_bot.eval.run import open_corpus_index
    from qa_bot.index import build_index, load_index
    from qa_bot.ingest.read import read_articles
    from qa_bot.pipeline import QAPipeline
    from qa_bot.records import moment_of

    pairs = [json.loads(line) for line in args.pairs.read_text(encoding="utf-8").splitlines() if line.strip()]
    work = Path(tempfile.mkdtemp(prefix="qa-bot-followups-"))
    settings = load_settings()  # the model, the reranker and the answer settings, as the bot has them
    embedder = embedder_from_settings(settings)
    reranker = load_reranker(settings.reranker, settings.threads, settings.model_cache())
    pipelines = {}
    needed = {pair["corpus"] for pair in pairs} | ({"wikinews"} if args.standalone else set())
    for name, path in ((n, p) for n, p in CORPORA.items() if n in needed):
        if path.is_file():  # a corpus file: its index cached as qa-bot eval caches it
            corpus_settings, index = open_corpus_index(settings, path, args.index_root, embedder, Console(stderr=True))
        else:
            build_index(read_articles([path]).documents, embedder, work / name)
            corpus_settings, index = settings.model_copy(update={"index_dir": work / name}), load_index(work / name,
                                                                                                     embedder)
        pipelines[name] = QAPipeline(corpus_settings, index, embedder, reranker)
    counts: dict[tuple[str, str], list[int]] = {}
    for pair in pairs:
        pipeline = pipelines[pair["corpus"]]
        as_of = moment_of(pair["as_of"]) + timedelta(days=args.days_later) if pair.get("as_of") else None
        wanted = [fold(a) for a in pair["answers"]]
        hits = []
        askings = [(pair["question"], ()), (pair["question"], (pair["first"],))]
        if pair.get("standalone"):  # the follow-up as an editor rewrote it to stand alone: what reading can reach
            askings.append((pair["standalone"], ()))
        for label, (question, thread) in zip(READINGS, askings, strict=False):
            quotes = [fold(q.text) for q in pipeline.ask(question, as_of=as_of, thread=thread).quotes]
            hits.append(any(w in q for w in wanted for q in quotes[:1]))
            for batch in (pair.get("batch", "-"), "all"):
                tally = counts.setdefault((batch, label), [0, 0, 0])
                tally[0] += 1
                tally[1] += hits[-1]
                tally[2] += any(w in q for w in wanted for q in quotes[:3])
        if args.show:  # hit@1 alone, then with the thread, and how the thread reads it
            marks = " ".join("hit " if hit else "miss" for hit in hits)  # alone, with the thread, rewritten
            print(f"{pair['id']}: {marks}  {read_in_thread(pair['question'], [pair['first']])}", file=sys.stderr)
    print("| batch | follow-ups | read | answer_hit@1 | answer_hit@3 |")
    print("|---|---|---|---|---|")
    order = {label: i for i, label in enumerate(READINGS)}
    rows = sorted(counts.items(), key=lambda item: (item[0][0] == "all", item[0][0], order[item[0][1]]))
    for (batch, label), (n, one, three) in rows:
        print(f"| {batch} | {n} | {label} | {one / n:.3f} | {three / n:.3f} |")
    if args.standalone:
        standalone_check(pipelines["wikinews"])
    return 0


def standalone_check(pipeline) -> None:
    """The other side: a question that stands alone, asked after another story's question, must not suffer;
    nor may a thread make up an answer to a question the articles do not answer."""
    from qa_bot.eval.metrics import fold
    from qa_bot.records import moment_of

    news = [json.loads(line) for line in NEWS_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    standalone = {"alone": 0, "after another story's question": 0}
    abstained = {"alone": 0, "after another story's question": 0}
    asked = leaned = unanswerable = 0
    for i, item in enumerate(news):
        before = next((q for q in reversed(news[:i]) if q["story"] != item["story"] and q.get("answerable", True)),
                      None)
        if before is None:
            continue
        answerable = item.get("answerable", True)
        asked += answerable
        unanswerable += not answerable
        wanted = [fold(a) for a in item["answers"]]
        for label, thread in zip(standalone, ((), (before["question"],)), strict=True):
            answer = pipeline.ask(item["question"], as_of=moment_of(item["as_of"]), thread=thread)
            if not answerable:  # the articles hold no answer: the thread must not make one up
                abstained[label] += not answer.quotes
                continue
            leaned += bool(thread) and answer.read_as is not None
            standalone[label] += bool(answer.quotes) and any(w in fold(answer.quotes[0].text) for w in wanted)
    print()
    print(f"Standalone news questions ({asked}; {leaned} read with the other question):")
    print("| asked | answer_hit@1 |")
    print("|---|---|")
    for label, hits in standalone.items():
        print(f"| {label} | {hits / max(asked, 1):.3f} |")
    print()
    print(f"Unanswerable news questions ({unanswerable}), abstained:")
    print("| asked | abstained |")
    print("|---|---|")
    for label, count in abstained.items():
        print(f"| {label} | {count / max(unanswerable, 1):.3f} |")


if __name__ == "__main__":
    sys.exit(main())
