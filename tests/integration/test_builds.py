"""Index builds that die, race or are tampered with: the live index keeps answering, damage is named."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa_bot.config import Settings
from qa_bot.index import build_index, load_index
from qa_bot.index import builds as store
from qa_bot.pipeline import QAPipeline
from qa_bot.records import Document

from ..conftest import ROOT, FakeEmbedder
from ..helpers import assert_one_line_error, run_cli
from .build_child import POINTS

OLD_QUESTION = "How many career sacks did Jared Allen have?"  # about an article of the "old" half only


def child(index: Path, which: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.build_child", "--index", str(index), "--set", which, *extra],
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
    running = child(folder, "new", "--pause", "0.01", "--slow-writes", "0.5")  # each array write takes 0.5 s
    deadline = time.monotonic() + 60
    while not list(store.builds_dir(folder).glob("*.partial/*")) and running.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.002)
    assert running.poll() is None, "the build ended before it was caught writing"
    running.kill()  # SIGKILL, as kill -9 sends, while the new build's files are being written
    running.wait(30)
    assert old_documents(folder) == before
    assert list(store.builds_dir(folder).glob("*.partial"))  # what it left is only a partial build...
    rebuilt = child(folder, "new")
    assert rebuilt.wait(120) == 0  # ...which the next build clears away
    assert not list(store.builds_dir(folder).glob("*.partial")) and len(old_documents(folder)) == 120


def test_two_builds_at_once_end_with_one_valid_index_and_one_clear_refusal(tmp_path):
    folder = tmp_path / "live"
    first, second = child(folder, "old", "--pause", "0.05"), child(folder, "new", "--pause", "0.05")
    codes = sorted([first.wait(120), second.wait(120)])
    assert codes == [0, 1]
    loser = first if first.returncode == 1 else second
    message = loser.stderr.read() if loser.stderr else ""
    assert "another build of" in message and "is running" in message and "Traceback" not in message
    assert len(old_documents(folder)) == 120  # whichever won, its index is whole


@pytest.fixture
def small_index(tmp_path, fake_embedder) -> Path:
    folder = tmp_path / "i"
    docs = [Document(f"d{i}", f"Article {i} says the council met. It voted {i} times.", f"T{i}", None, None)
            for i in range(5)]
    build_index(docs, fake_embedder, folder)
    return folder


def test_index_verify_passes_a_sound_index_and_fails_a_damaged_one_in_one_line(small_index, tmp_path):
    sound = run_cli(tmp_path, "index", "verify", "--index", str(small_index))
    assert sound.returncode == 0 and "is sound: 5 documents" in sound.stdout, sound.stderr
    vectors = small_index / "sentence_vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-7] ^= 0xFF  # one flipped byte deep in a file
    vectors.write_bytes(bytes(data))
    broken = run_cli(tmp_path, "index", "verify", "--index", str(small_index))
    assert_one_line_error(broken, "sentence_vectors.npy was changed", "qa-bot index build")


def test_the_cli_refuses_a_second_build_at_once_in_one_line(tmp_path):
    from ..conftest import ARTICLES

    folder = tmp_path / "index"
    with store.build_lock(folder):
        result = run_cli(tmp_path, "index", "build", "--articles", str(ARTICLES), "--index", str(folder))
    assert_one_line_error(result, "another build of", "is running", "wait for it to finish")
