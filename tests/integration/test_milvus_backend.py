"""The Milvus backend end to end, on Milvus Lite with the real model: builds, incremental sync, a sync that
dies, and the commands unchanged but for the settings.

The corpus is a slice of xquad_en (whole Wikipedia paragraphs, one article each); ``qa-bot eval`` on all
of it with ``QA_BOT_BACKEND=milvus`` is in the README's backend section.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa_bot.build import build_from_paths
from qa_bot.config import Settings
from qa_bot.errors import BackendUnavailableError
from qa_bot.index import backend_from, load_index
from qa_bot.pipeline import QAPipeline

from ..conftest import ARTICLES, MODEL_CACHE, ROOT
from ..helpers import assert_one_line_error, cli_env, run_cli

pytest.importorskip("pymilvus")
XQUAD = ROOT / "data" / "eval" / "xquad_en"
ARTICLES_USED = 24


def corpus_lines() -> list[dict]:
    lines = (XQUAD / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[: ARTICLES_USED + 1]]


def write(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def questions_about(records: list[dict], count: int = 30) -> list[str]:
    ids = {r["doc_id"] for r in records}
    found = []
    for line in (XQUAD / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q.get("doc_id") in ids:
            found.append(q["question"])
    return found[:count]


def copy_index(source: Path, target: Path) -> None:
    """A copy of the index folder ``source`` (its builds and its live link) as ``target``."""
    builds = source.parent / f".{source.name}.builds"
    shutil.copytree(builds, target.parent / f".{target.name}.builds", symlinks=True)
    live = Path(os.readlink(source)).name
    target.symlink_to(Path(f".{target.name}.builds") / live)


def milvus_settings(tmp_path: Path, name: str) -> Settings:
    return Settings(index_dir=tmp_path / name, backend="milvus", milvus_uri=str(tmp_path / "milvus.db"),
                    model_cache_dir=MODEL_CACHE)


def collection_keys(settings: Settings) -> set[str]:
    index = load_index(settings.index_dir, backend=backend_from(settings))
    entry = index.describe().search
    collection = entry.split("→ ")[1].split(" at ")[0]
    client = backend_from(settings).connection().client
    return {row["key"] for row in client.query(collection, filter='key != ""', output_fields=["key"])}


def describe(settings: Settings) -> tuple[str, str]:
    """(the live build's folder, how it searches: the alias and its collection)."""
    info = load_index(settings.index_dir, backend=backend_from(settings)).describe()
    return str(info.build_dir), info.search


def answers(settings: Settings, embedder, questions: list[str]) -> list[list[tuple[str, str]]]:
    pipeline = QAPipeline.open(settings, embedder)
    return [[(q.doc_id, q.text) for q in pipeline.ask(question).quotes] for question in questions]


def test_incremental_sync_embeds_only_what_changed_and_equals_a_fresh_build(tmp_path, real_embedder, monkeypatch):
    records = corpus_lines()
    first, extra = records[:ARTICLES_USED], records[ARTICLES_USED]
    settings = milvus_settings(tmp_path, "news")
    built = build_from_paths(settings, [write(tmp_path / "v1", first)], embedder=real_embedder)
    assert built.written == built.passages and built.deleted == 0 and built.search.startswith("milvus")

    # Nothing changed: nothing embedded, nothing written.
    again = build_from_paths(settings, [write(tmp_path / "v1", first)], embedder=real_embedder)
    assert (again.embedded, again.written, again.deleted) == (0, 0, 0)

    # One article changed, one deleted, one added.
    second = [dict(r) for r in first]
    second[3]["text"] = second[3]["text"] + " The committee later revised this account in a second report."
    deleted = second.pop(5)
    second.append(extra)
    alone = build_from_paths(Settings(index_dir=tmp_path / "alone", model_cache_dir=MODEL_CACHE),
                             [write(tmp_path / "alone-src", [second[3], extra])], embedder=real_embedder)
    synced = build_from_paths(settings, [write(tmp_path / "v2", second)], embedder=real_embedder)
    assert synced.embedded == alone.passages + alone.sentences  # exactly the changed and the added article
    assert synced.written == alone.passages
    removed = build_from_paths(Settings(index_dir=tmp_path / "removed", model_cache_dir=MODEL_CACHE),
                               [write(tmp_path / "removed-src", [first[3], deleted])], embedder=real_embedder)
    # The old version's passages and the deleted article's stay for the build kept before this one (a
    # replica may still read it); the next build deletes them.
    assert synced.deleted == 0 and synced.retired == removed.passages
    settled = build_from_paths(settings, [write(tmp_path / "v2", second)], embedder=real_embedder)
    assert (settled.embedded, settled.written, settled.deleted) == (0, 0, removed.passages)

    # A fresh collection of the same articles, written whole. It starts from a copy of the synced folder so
    # that it has the same vectors: the int8 model's vectors of one text differ a little with the batch it
    # is embedded in (cosine ~0.994), which would make any two builds differ, whatever the backend.
    fresh_settings = milvus_settings(tmp_path, "fresh")
    copy_index(settings.index_dir, fresh_settings.index_dir)
    fresh = build_from_paths(fresh_settings, [write(tmp_path / "v2", second)], embedder=real_embedder)
    assert fresh.embedded == 0 and fresh.written == fresh.passages == synced.passages
    assert (fresh.passages, fresh.sentences) == (synced.passages, synced.sentences)
    assert collection_keys(settings) == collection_keys(fresh_settings)  # the same rows, stale ones gone
    questions = questions_about(second)
    assert len(questions) >= 20
    assert answers(settings, real_embedder, questions) == answers(fresh_settings, real_embedder, questions)

    # A sync that dies halfway leaves the live build answering from its collection, unchanged.
    before = answers(settings, real_embedder, questions[:5])
    live_before = describe(settings)
    alias_before = collection_keys(settings)
    third = [dict(r, text=r["text"] + " A later edition added this sentence.") for r in second]
    client = backend_from(settings).connection().client
    real_upsert, calls = client.upsert, []

    def dying_upsert(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise OSError("the writer died")
        return real_upsert(*args, **kwargs)

    monkeypatch.setattr("qa_bot.index.milvus_store.BATCH", 8)
    monkeypatch.setattr(client, "upsert", dying_upsert)
    with pytest.raises(BackendUnavailableError, match="writing to Milvus"):
        build_from_paths(settings, [write(tmp_path / "v3", third)], embedder=real_embedder)
    monkeypatch.setattr(client, "upsert", real_upsert)
    assert answers(settings, real_embedder, questions[:5]) == before
    in_collection = collection_keys(settings)
    assert alias_before <= in_collection and 0 < len(in_collection - alias_before) <= 8  # the dead sync's rows
    assert describe(settings) == live_before  # the same build and collection, the alias unmoved

    # The next sync (of yet another version) removes what the dead one left behind, as no build needs it,
    # and the one after it the rows of the version before.
    fourth = [dict(r, text=r["text"] + " A correction was appended.") for r in second]
    done = build_from_paths(settings, [write(tmp_path / "v4", fourth)], embedder=real_embedder)
    assert done.deleted == 8 and done.retired == synced.passages
    build_from_paths(settings, [write(tmp_path / "v4", fourth)], embedder=real_embedder)
    fresh4 = milvus_settings(tmp_path, "fresh4")
    build_from_paths(fresh4, [write(tmp_path / "v4", fourth)], embedder=real_embedder)
    assert collection_keys(settings) == collection_keys(fresh4)


def test_the_commands_are_the_same_with_milvus_chosen_by_the_settings(tmp_path):
    env = {"QA_BOT_BACKEND": "milvus", "QA_BOT_MILVUS_URI": str(tmp_path / "m.db")}
    built = run_cli(tmp_path, "index", "build", "--articles", str(ARTICLES), "--index", "newsroom", env=env)
    assert built.returncode == 0, built.stderr
    assert "Milvus: 18 passage rows written, 0 deleted" in built.stdout and "alias qa_bot_newsroom" in built.stdout
    asked = run_cli(tmp_path, "ask", "Who is David Schenker?", "--index", "newsroom", env=env)
    assert asked.returncode == 0 and "assistant secretary of state" in asked.stdout, asked.stderr
    assert run_cli(tmp_path, "index", "verify", "--index", "newsroom", env=env).returncode == 0
    assert_one_line_error(run_cli(tmp_path, "ask", "Who is David Schenker?", "--index", "newsroom"),
                          "keeps its passages in Milvus", "QA_BOT_BACKEND=milvus")
    assert_one_line_error(run_cli(tmp_path, "ask", "x?", "--index", "newsroom",
                                  env={**env, "QA_BOT_MILVUS_URI": str(tmp_path / "other.db")}),
                          "has no collection")


FORKS_WITH_A_CONNECTION_OPEN = """
import os, sys, tempfile
if sys.argv[1] == "prepared":
    from qa_bot.cli import prepare_process
    prepare_process()
from pymilvus import MilvusClient
client = MilvusClient(os.path.join(tempfile.mkdtemp(), "m.db"))
client.create_collection("t", dimension=2)
client.insert("t", [{"id": 1, "vector": [0.0, 1.0]}])
for _ in range(3):
    client.search("t", data=[[0.0, 1.0]], limit=1)
    child = os.fork()  # as a pseudo-terminal is opened (pexpect); subprocess may not run fork handlers
    if child == 0:
        os.execv(sys.executable, [sys.executable, "-c", "pass"])
    assert os.waitpid(child, 0)[1] == 0
print("ran")
"""


@pytest.mark.parametrize("process", ["prepared", "bare"])
def test_forking_with_a_milvus_connection_open_runs_no_grpc_fork_handlers(tmp_path, process):
    """Every entry point turns gRPC's fork handlers off: with a Milvus Lite connection open, they ran at each
    fork (a test that spawned the REPL once died before it started, "epoll_wait error: Bad file
    descriptor"). The bare process shows that the check sees them when they run."""
    env = {k: v for k, v in cli_env(tmp_path).items() if k != "GRPC_ENABLE_FORK_SUPPORT"}
    done = subprocess.run([sys.executable, "-c", FORKS_WITH_A_CONNECTION_OPEN, process], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ran", done.stderr
    assert ("fork_posix" in done.stderr) == (process == "bare"), done.stderr
