#!/usr/bin/env python3
"""Consistency check for the wikinews eval set: python3 check.py (from any directory).

Checks that every answer string occurs verbatim in its gold article, that no gold article is
dated after the question's as_of, that "future" questions have no gold and that the article that
answers them is dated after as_of, that "changed" questions come in groups whose golds differ and
each member's gold is the newest article of its group on or before its as_of, and that every story
sits in exactly one split. Exits 1 on any problem.
"""
import collections
import datetime
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
KINDS = {"plain", "changed", "window", "latest", "future"}


def main() -> int:
    docs = {}
    for line in (HERE / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        assert set(d) == {"doc_id", "title", "date", "url", "source", "text"}, d.get("doc_id")
        datetime.date.fromisoformat(d["date"])
        assert d["doc_id"] not in docs, d["doc_id"]
        docs[d["doc_id"]] = d
    qs = [json.loads(l) for l in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    problems = []
    ids = collections.Counter(q["id"] for q in qs)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    story_split = collections.defaultdict(set)
    checked_answers = 0
    for q in qs:
        pid = q["id"]
        story_split[q["story"]].add(q["split"])
        if q["kind"] not in KINDS:
            problems.append(f"{pid}: bad kind {q['kind']}")
        if q["split"] not in ("dev", "test"):
            problems.append(f"{pid}: bad split")
        as_of = datetime.date.fromisoformat(q["as_of"])
        if q["kind"] == "future":
            if q["answerable"] or q["doc_id"] is not None or q["answers"]:
                problems.append(f"{pid}: future question must be unanswerable with no gold")
            later = docs.get(q.get("answer_doc_after_as_of"))
            if later is None or datetime.date.fromisoformat(later["date"]) <= as_of:
                problems.append(f"{pid}: answering article is not dated after as_of")
            continue
        doc = docs.get(q["doc_id"])
        if doc is None or not q["answerable"] or not q["answers"]:
            problems.append(f"{pid}: answerable question needs a gold doc and answers")
            continue
        if datetime.date.fromisoformat(doc["date"]) > as_of:
            problems.append(f"{pid}: gold {doc['doc_id']} is dated after as_of {q['as_of']}")
        for a in q["answers"]:
            checked_answers += 1
            if a not in doc["text"]:
                problems.append(f"{pid}: answer {a!r} not verbatim in {doc['doc_id']}")
    for story, splits in story_split.items():
        if len(splits) > 1:
            problems.append(f"story {story} is in both splits")
    groups = collections.defaultdict(list)
    for q in qs:
        if q["kind"] in ("changed", "latest") and q["doc_id"]:
            groups[(q["story"], q["question"])].append(q)
    for (story, text), members in groups.items():
        if members[0]["kind"] == "changed" and len({tuple(m["answers"]) for m in members}) < 2:
            problems.append(f"changed group {text!r} has fewer than two distinct answers")
        dates = sorted({docs[m["doc_id"]]["date"] for m in members})
        for m in members:
            newest = max(d for d in dates if d <= m["as_of"])
            if docs[m["doc_id"]]["date"] != newest:
                problems.append(f"{m['id']}: a newer article of its group is dated on or before as_of")
    kinds = collections.Counter((q["kind"], q["split"]) for q in qs)
    print(f"{len(docs)} articles, {len(qs)} questions, {checked_answers} answer strings checked")
    for k in sorted(KINDS):
        print(f"  {k:8s} dev {kinds[(k, 'dev')]:3d}  test {kinds[(k, 'test')]:3d}")
    for p in problems:
        print("PROBLEM:", p)
    print("OK" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
