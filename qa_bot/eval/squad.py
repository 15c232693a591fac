"""SQuAD v1.1 files: read them, and write a held-out slice as an eval data set (the xquad_en format).

The reranker trains on the first articles of SQuAD v1.1 train; its last ``DEV_ARTICLES`` are held out.
Those held-out articles are what the reranker's weights and the answer confidence are tuned on, so that
xquad_en (SQuAD's dev set) stays a test set nothing is fitted to.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

DEV_ARTICLES = 42
"""The last articles of SQuAD v1.1 train that training never reads."""


def squad_bytes(path: Path) -> bytes:
    """The JSON of a SQuAD v1.1 file, gzipped (``.gz``) or not."""
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.suffix == ".gz" else raw


def squad_articles(raw: bytes) -> list[dict]:
    """The articles of a SQuAD v1.1 file's JSON."""
    return list(json.loads(raw)["data"])


def read_squad(path: Path) -> list[dict]:
    """The articles of a SQuAD v1.1 file (plain or gzipped JSON)."""
    return squad_articles(squad_bytes(path))


def write_eval_set(
    articles: list[dict], out: Path, questions: int, seed: int, prefix: str = "squad"
) -> tuple[int, int]:
    """Write ``corpus.jsonl`` (one document a paragraph) and ``questions.jsonl`` (a seeded sample of
    ``questions`` of theirs, 0: all) into ``out``; return (documents, questions) written."""
    out.mkdir(parents=True, exist_ok=True)
    documents, asked = [], []
    for a, article in enumerate(articles):
        title = article["title"].replace("_", " ")
        for p, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"{prefix}-{a:03d}-{p:03d}"
            documents.append({"doc_id": doc_id, "title": title, "text": paragraph["context"]})
            for qa in paragraph["qas"]:
                asked.append({"id": qa["id"], "question": qa["question"].strip(),
                              "answers": sorted({answer["text"] for answer in qa["answers"]}), "doc_id": doc_id})
    if 0 < questions < len(asked):
        asked = [asked[i] for i in sorted(random.Random(seed).sample(range(len(asked)), questions))]
    for name, rows in (("corpus.jsonl", documents), ("questions.jsonl", asked)):
        with (out / name).open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return len(documents), len(asked)
