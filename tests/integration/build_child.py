"""A build in its own process, for the crash and concurrency tests: ``python -m tests.integration.build_child``.

It builds the xquad_en corpus (``--set old``: its first 120 articles, ``new``: the other 120) with a
slowed fake embedder, and can SIGKILL itself at a named point of the build. The points are reached
by wrapping the real functions in this process only; the product has no test hooks.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from qa_bot.config import BuildOptions
from qa_bot.errors import QABotError
from qa_bot.index import bm25_store, build_index, builds, writer
from qa_bot.index.checksums import LOAD_HASH_LIMIT
from qa_bot.ingest.read import read_articles

from ..conftest import XQUAD, FakeEmbedder

POINTS = ("embedding", "writing", "checksums", "verifying", "renamed", "link-made", "linked")


class SlowEmbedder(FakeEmbedder):
    """The fake embedder, in batches of 32 with a pause each, so a build lasts long enough to race."""

    def __init__(self, pause: float) -> None:
        super().__init__()
        self.pause = pause

    def encode(self, texts, progress=None):
        rows = []
        for start in range(0, len(texts), 32):
            time.sleep(self.pause)
            rows.append(super().encode(texts[start: start + 32], progress))
        import numpy as np

        return np.vstack(rows)


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str, embedder: SlowEmbedder) -> None:
    """Make the build SIGKILL itself at ``point``."""
    if point == "embedding":
        encode = embedder.encode
        embedder.encode = lambda texts, progress=None: die() if len(embedder.encoded) > 200 else encode(texts, progress)
    elif point == "writing":  # the vectors and arrays are written, the keyword indexes not yet
        bm25_store.Bm25KeywordStore.save = lambda self, folder: die()  # type: ignore[method-assign]
    elif point == "checksums":
        writer.digest_tree = lambda folder: die()  # type: ignore[assignment]
    elif point == "verifying":
        # Only the read-back of the new build checks every checksum (hash_limit=None); reading the live
        # build for reuse, before anything is embedded, uses the default limit and must go on.
        load = writer.load_index
        writer.load_index = lambda folder, embedder=None, hash_limit=LOAD_HASH_LIMIT, **rest: (  # type: ignore[assignment]
            die() if hash_limit is None else load(folder, embedder, hash_limit=hash_limit, **rest)
        )
    elif point == "renamed":  # the build folder has its final name; the link still points at the old one
        os.symlink = lambda *args, **kwargs: die()  # type: ignore[assignment]
    elif point == "link-made":  # the new link exists under a temporary name, not yet moved over the old
        replace = os.replace
        os.replace = lambda src, dst: die() if ".link-" in str(src) else replace(src, dst)  # type: ignore[assignment]
    elif point == "linked":  # the new build is live; the old ones are not pruned yet
        builds._prune = lambda folder, keep: die()  # type: ignore[assignment]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--set", choices=("old", "new"), required=True)
    parser.add_argument("--kill-at", choices=POINTS, default=None)
    parser.add_argument("--pause", type=float, default=0.0)
    parser.add_argument("--slow-writes", type=float, default=0.0, help="seconds added to each array write")
    args = parser.parse_args()
    if args.slow_writes:
        save = writer.np.save
        writer.np.save = lambda *a, **k: (time.sleep(args.slow_writes), save(*a, **k))[1]  # type: ignore[assignment]
    documents = read_articles([XQUAD / "corpus.jsonl"]).documents
    documents = documents[:120] if args.set == "old" else documents[120:]
    embedder = SlowEmbedder(args.pause)
    if args.kill_at:
        arm(args.kill_at, embedder)
    print("started", flush=True)
    try:
        summary = build_index(documents, embedder, args.index, BuildOptions(sentences_per_passage=2, passage_overlap=0))
    except QABotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"built {summary.documents}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
