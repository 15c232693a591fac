"""Index builds that die, race or are tampered with: the live index keeps answering, damage is named."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qa_bot import store
from qa_bot.config import Settings
from qa_bot.errors import IndexCorruptError, IndexLockedError
from qa_bot.index import build_index, load_index
from qa_bot.pipeline import QAPipeline
from qa_bot.records import Document

from .build_child import POINTS
from .conftest import ROOT, FakeEmbedder
from .helpers import assert_one_line_error, run_cli

OLD_QUESTION = "How many career sacks did Jared Allen have?"  # about an article of the "old" half only


def child(index: Path, which: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.build_child", "--index", str(index), "--set", which, *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def answer_ids(folder: Path, question: str) -> set[str]:
    settings = Settings(index_dir=folder, abstain_threshold=0.0)  # the fake embedder is not calibrated
    pipeline = QAPipeline(settings, load_index(folder, FakeEmbedder()), FakeEmbedder())
    return {quote.doc_id for quote in pipeline.ask(question).quotes}


@pytest.fixture(scope="module")
def old_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "live"
    done = child(folder, "old")
    assert done.wait(120) == 0, done.stderr.read() if done.stderr else ""
    return folder


def old_documents(folder: Path) -> list[str]:
    return [d.doc_id for d in load_index(folder, FakeEmbedder(), hash_limit=None).documents]


@pytest.mark.parametrize("point", POINTS)
def test_a_build_killed_at_any_point_leaves_an_index_that_answers(old_index, tmp_path, point):
    import shutil

    folder = tmp_path / "live"
    shutil.copytree(old_index.parent, tmp_path, dirs_exist_ok=True, symlinks=True)
    before = old_documents(folder)
    assert answer_ids(folder, OLD_QUESTION)
    killed = child(folder, "new", "--kill-at", point)
    assert killed.wait(120) == -signal.SIGKILL
    after = old_documents(folder)  # every file checked against its checksum
    if point == "linked":  # killed after the switch: the new build is complete and live
        assert after != before and len(after) == 120
    else:
        assert after == before
        assert answer_ids(folder, OLD_QUESTION)  # the old index answers its own question
    again = child(folder, "new")  # the next build is not blocked by the dead one and cleans up after it
    assert again.wait(120) == 0, again.stderr.read() if again.stderr else ""
    builds = store.builds_dir(folder)
    assert not list(builds.glob("*.partial")) and len(list(builds.iterdir())) <= store.KEEP_BUILDS
    assert not list(folder.parent.glob(".live.link-*"))
    assert old_documents(folder) != before


def test_a_build_killed_from_outside_mid_write_leaves_the_old_index(old_index, tmp_path):
    import shutil

    folder = tmp_path / "live"
    shutil.copytree(old_index.parent, tmp_path, dirs_exist_ok=True, symlinks=True)
    before = old_documents(folder)
    running = child(folder, "new", "--pause", "0.01")
    deadline = time.monotonic() + 60
    while not list(store.builds_dir(folder).glob("*.partial/*")) and running.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.002)
    running.kill()  # SIGKILL, as kill -9 sends
    running.wait(30)
    assert old_documents(folder) == before or len(old_documents(folder)) == 120


def test_two_builds_at_once_end_with_one_valid_index_and_one_clear_refusal(tmp_path):
    folder = tmp_path / "live"
    first, second = child(folder, "old", "--pause", "0.05"), child(folder, "new", "--pause", "0.05")
    codes = sorted([first.wait(120), second.wait(120)])
    assert codes == [0, 1]
    loser = first if first.returncode == 1 else second
    message = loser.stderr.read() if loser.stderr else ""
    assert "another build of" in message and "is running" in message and "Traceback" not in message
    assert len(old_documents(folder)) == 120  # whichever won, its index is whole


def test_lock_is_refused_in_process_and_released_after(tmp_path):
    folder = tmp_path / "i"
    with store.build_lock(folder):
        with pytest.raises(IndexLockedError, match="wait for it"):
            build_index([Document("a", "One sentence here.", "A", None, None)], FakeEmbedder(), folder)
    build_index([Document("a", "One sentence here.", "A", None, None)], FakeEmbedder(), folder)
    assert folder.is_symlink()


def test_a_plain_index_folder_is_converted_to_a_linked_build(tmp_path, fake_embedder):
    folder = tmp_path / "i"
    build_index([Document("a", "First text here.", "A", None, None)], fake_embedder, folder)
    plain = tmp_path / "plain"
    (folder.resolve()).rename(plain)
    folder.unlink()
    plain.rename(folder)  # as an index copied by hand, or made by an older qa-bot
    assert not folder.is_symlink()
    build_index([Document("b", "Second text here.", "B", None, None)], fake_embedder, folder)
    assert folder.is_symlink() and [d.doc_id for d in load_index(folder).documents] == ["b"]


@pytest.fixture
def small_index(tmp_path, fake_embedder) -> Path:
    folder = tmp_path / "i"
    docs = [Document(f"d{i}", f"Article {i} says the council met. It voted {i} times.", f"T{i}", None, None)
            for i in range(5)]
    build_index(docs, fake_embedder, folder)
    return folder


def test_a_truncated_faiss_file_is_named_on_load(small_index):
    path = small_index / "passages.faiss"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(IndexCorruptError, match=r"passages\.faiss has \d+ bytes.*rebuild it with"):
        load_index(small_index)


def test_an_edited_passage_store_is_named_on_load(small_index):
    path = small_index / "documents.jsonl"
    path.write_text(path.read_text().replace("council", "COUNCIL"))  # same size, other text
    with pytest.raises(IndexCorruptError, match=r"documents\.jsonl was changed"):
        load_index(small_index)


def test_a_manifest_listing_a_missing_file_is_named(small_index):
    (small_index / "keyword_sentences" / "vocab.index.json").unlink()
    with pytest.raises(IndexCorruptError, match="vocab.index.json is missing"):
        load_index(small_index)


def test_index_verify_passes_a_sound_index_and_fails_a_damaged_one_in_one_line(small_index, tmp_path):
    sound = run_cli(tmp_path, "index", "verify", "--index", str(small_index))
    assert sound.returncode == 0 and "is sound: 5 documents" in sound.stdout, sound.stderr
    vectors = small_index / "sentence_vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-7] ^= 0xFF  # one flipped byte deep in a file
    vectors.write_bytes(bytes(data))
    broken = run_cli(tmp_path, "index", "verify", "--index", str(small_index))
    assert_one_line_error(broken, "sentence_vectors.npy was changed", "qa-bot index build")


def test_a_running_pipeline_picks_up_a_rebuilt_index_between_questions(small_index, fake_embedder):
    pipeline = QAPipeline(Settings(index_dir=small_index), load_index(small_index, fake_embedder), fake_embedder)
    assert not pipeline.refresh()
    build_index([Document("lib", "The city library opened a new wing on Monday.", "Library", None, None)],
                fake_embedder, small_index)
    answer = pipeline.ask("When did the city library open a new wing?")
    assert [q.doc_id for q in answer.quotes] == ["lib"] and len(pipeline.index.documents) == 1


def test_a_damaged_rebuild_is_not_served_and_the_old_index_keeps_answering(small_index, fake_embedder, caplog):
    # Never abstaining, so that the answer shows which index served it (the fake embedder's confidence is low).
    settings = Settings(index_dir=small_index, abstain_threshold=0.0)
    pipeline = QAPipeline(settings, load_index(small_index, fake_embedder), fake_embedder)
    build_index([Document("lib", "The city library opened a new wing.", "Library", None, None)],
                fake_embedder, small_index)
    manifest = small_index / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "passages": 99}))
    answer = pipeline.ask("How many times did the council vote?")
    assert answer.quotes and len(pipeline.index.documents) == 5
    assert all(q.doc_id != "lib" for q in answer.quotes)
    assert "still answering from the previous one" in caplog.text
    assert np.asarray(pipeline.index.sentence_vectors).shape[0] > 0


def test_a_full_disk_fails_the_build_in_one_line_and_keeps_the_old_index(small_index, fake_embedder, monkeypatch):
    import errno

    from qa_bot import index as index_module
    from qa_bot.errors import IndexWriteError

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(index_module.np, "save", full)
    with pytest.raises(IndexWriteError, match="the disk is full; the previous index is untouched"):
        build_index([Document("x", "New text.", "X", None, None)], fake_embedder, small_index)
    monkeypatch.undo()
    assert len(load_index(small_index, fake_embedder, hash_limit=None).documents) == 5
    assert not list(store.builds_dir(small_index).glob("*.partial"))


def test_a_conversion_killed_between_its_two_renames_still_finds_the_newest_build(small_index, fake_embedder):
    import os

    live = small_index.resolve()
    small_index.unlink()  # the moment between moving a plain folder aside and placing the link
    assert store.live_dir(small_index) == live
    assert len(load_index(small_index, fake_embedder).documents) == 5
    os.symlink(os.path.relpath(live, small_index.parent), small_index)


def test_the_cli_refuses_a_second_build_at_once_in_one_line(tmp_path):
    from .conftest import ARTICLES

    folder = tmp_path / "index"
    with store.build_lock(folder):
        result = run_cli(tmp_path, "index", "build", "--articles", str(ARTICLES), "--index", str(folder))
    assert_one_line_error(result, "another build of", "is running", "wait for it to finish")
