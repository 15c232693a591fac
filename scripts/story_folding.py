#!/usr/bin/env python3
"""Measure "one story shown once": do the quote slots hold different facts when one story is told twice?

Usage: scripts/story_folding.py [--articles 40] [--seed 7]

Two corpora, each answered with story folding on (the default) and off (``story_overlap`` above 1):
  * the bundled pair (a Reuters article and a rewrite of it), with its 24 questions
    (tests/data/bundled_questions.jsonl);
  * news articles (data/eval/wikinews, the first --articles) beside two synthetic versions of each: a
    copy edited for length (a tenth of its sentences cut) and a heavy rewrite (a quarter cut, words
    swapped for synonyms, neighbouring sentences moved), asked the news set's questions about them.
For each answer: the quote slots used, and the slots that repeat a fact already in an earlier slot (a
quote from another version of the same article made from the same original sentence; the bundled pair
has no such record, so only its folding is counted there).
Reported: answers with a repeated fact, slots that are repeats, distinct facts per answer, and how
many answers name another version of the story under "also in".
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNONYMS = {
    "said": "stated", "says": "states", "people": "residents", "killed": "left dead", "announced": "revealed",
    "government": "authorities", "officials": "authorities", "began": "started", "large": "big",
    "help": "assist", "reported": "said", "about": "around", "after": "following", "before": "prior to",
    "also": "additionally", "however": "but", "many": "numerous", "new": "fresh", "city": "town",
    "police": "officers",
}


def sentences_of(text: str) -> list[str]:
    """The sentences of ``text``, also split after a closing quotation mark ('... it's crazy." This was')."""
    return [s for s in re.split(r"(?:(?<=[.!?])|(?<=[.!?][\"”’']))\s+(?=[A-Z\"'“‘])", text) if s.strip()]


def rewrite(text: str, rng: random.Random, heavy: bool) -> tuple[str, list[int]]:
    """A copy edited for length, or (``heavy``) a rewrite: sentences cut, words swapped, neighbours moved.

    Returns the text and, for each of its sentences, the number of the original sentence it tells.
    """
    kept: list[tuple[str, int]] = []
    for i, sentence in enumerate(sentences_of(text)):
        if i and rng.random() < (0.25 if heavy else 0.1):
            continue
        words = sentence.split(" ")
        if heavy:
            words = [SYNONYMS.get(w.lower(), w) if rng.random() < 0.8 else w for w in words]
        kept.append((" ".join(words), i))
    if heavy and len(kept) > 3:
        for _ in range(len(kept) // 4):
            j = rng.randrange(1, len(kept) - 1)
            kept[j], kept[j + 1] = kept[j + 1], kept[j]
    return " ".join(t for t, _ in kept), [i for _, i in kept]


def provenance(text: str, origin: list[int]) -> list[tuple[int, int]]:
    """(end offset, original sentence number) of each sentence of ``text``, in order."""
    spans, at = [], 0
    for sentence, number in zip(sentences_of(text), origin, strict=False):
        at = text.find(sentence, at) + len(sentence)
        spans.append((at, number))
    return spans


def family(doc_id: str) -> str:
    return re.sub(r"-(copy|rw)$", "", doc_id)


FACTS: dict[str, list[tuple[int, int]]] = {}
"""Per article of the synthetic set: (end offset, original sentence number) of its sentences."""


def fact_of(doc_id: str, start: int) -> tuple[str, int] | None:
    """(the story, the original sentence) a quote starting at ``start`` tells; None outside the synthetic set."""
    spans = FACTS.get(doc_id)
    if not spans:
        return None
    number = next((n for end, n in spans if start < end), spans[-1][1])
    return family(doc_id), number


def repeats(answer) -> int:
    """Slots that tell a fact of an earlier slot again: another version's sentence made from the same one.

    Two slots from one article are never a repeat: quotes never share a sentence, so they tell two of its
    sentences, even where this script's rough splitter reads them as one."""
    seen: dict[tuple[str, int], set[str]] = {}
    count = 0
    for quote in answer.quotes:
        fact = fact_of(quote.doc_id, quote.start)
        if fact is None:
            continue
        if seen.get(fact, set()) - {quote.doc_id}:
            count += 1
        seen.setdefault(fact, set()).add(quote.doc_id)
    return count


def measure(pipeline, questions: list[tuple[str, str | None]], options) -> dict[str, float]:
    from qa_bot.records import moment_of

    answered = repeated_answers = repeated_slots = slots = folded = 0
    for question, as_of in questions:
        answer = pipeline.ask(question, options, as_of=moment_of(as_of) if as_of else None)
        if not answer.answered:
            continue
        answered += 1
        extra = repeats(answer)
        repeated_answers += extra > 0
        repeated_slots += extra
        slots += len(answer.quotes)
        folded += any(q.also_in for q in answer.quotes)
    return {
        "answered": answered,
        "answers with a repeated fact": round(repeated_answers / max(1, answered), 3),
        "repeated slots": repeated_slots,
        "distinct facts per answer": round((slots - repeated_slots) / max(1, answered), 2),
        "slots per answer": round(slots / max(1, answered), 2),
        "answers naming another version": round(folded / max(1, answered), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=150, help="news articles given two other versions each")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from qa_bot.cli import prepare_process

    prepare_process()
    from qa_bot.config import Settings
    from qa_bot.embed import embedder_from_settings
    from qa_bot.index import build_index, load_index
    from qa_bot.ingest.read import read_articles
    from qa_bot.pipeline import QAPipeline
    from qa_bot.records import Document

    work = Path(tempfile.mkdtemp(prefix="qa-bot-stories-"))
    settings = Settings(index_dir=work / "bundled")
    embedder = embedder_from_settings(settings)
    rng = random.Random(args.seed)
    news = [json.loads(line) for line in (ROOT / "data/eval/wikinews/corpus.jsonl").open(encoding="utf-8")]
    news = news[: args.articles]
    versions = []
    for record in news:
        doc = Document(record["doc_id"], record["text"], record["title"], record.get("url"), record.get("date"),
                       record.get("source"))
        versions.append(doc)
        FACTS[doc.doc_id] = provenance(doc.text, list(range(len(sentences_of(doc.text)))))
        for heavy, outlet, suffix in ((False, "Copydesk Wire", "copy"), (True, "Rewrite Daily", "rw")):
            text, origin = rewrite(doc.text, rng, heavy)
            versions.append(Document(f"{doc.doc_id}-{suffix}", text, ("Report: " if heavy else "") + doc.title,
                                     None, doc.date, outlet))
            FACTS[f"{doc.doc_id}-{suffix}"] = provenance(text, origin)
    ids = {r["doc_id"] for r in news}
    asked = map(json.loads, (ROOT / "data/eval/wikinews/questions.jsonl").open(encoding="utf-8"))
    news_questions = [(q["question"], q.get("as_of")) for q in asked
                      if q.get("doc_id") in ids and q.get("answerable", True)]
    bundled_questions = [(json.loads(line)["question"], None)
                         for line in (ROOT / "tests/data/bundled_questions.jsonl").open(encoding="utf-8")]
    build_index(read_articles([ROOT / "data/articles"]).documents, embedder, work / "bundled")
    build_index(versions, embedder, work / "news")
    rows = []
    for name, folder, questions in (("bundled pair", work / "bundled", bundled_questions),
                                    ("news + copies + rewrites", work / "news", news_questions)):
        pipeline = QAPipeline(settings.model_copy(update={"index_dir": folder}), load_index(folder, embedder), embedder)
        for label, overlap in (("off", 1.01), ("on (default)", pipeline.options.story_overlap)):
            options = pipeline.options.model_copy(update={"story_overlap": overlap})
            rows.append({"corpus": name, "folding": label, "questions": len(questions),
                         **measure(pipeline, questions, options)})
            print(json.dumps(rows[-1]), file=sys.stderr)
    header = list(rows[0])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[h]) for h in header) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
