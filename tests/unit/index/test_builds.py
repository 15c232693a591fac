"""The live link, the lock and damage: builds and loads in one process (fake embedder, NumPy store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_bot.config import Settings
from qa_bot.errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexNotFoundError, IndexWriteError
from qa_bot.index import builds as store
from qa_bot.index import load_index
from qa_bot.pipeline import QAPipeline
from qa_bot.questionlog import default_log_path
from qa_bot.records import Document
from qa_bot.slack.status import live_status

from ...conftest import FakeEmbedder
from ..conftest import build


def test_lock_is_refused_in_process_and_released_after(tmp_path):
    folder = tmp_path / "i"
    with store.build_lock(folder):
        with pytest.raises(IndexLockedError, match="wait for it"):
            build([Document("a", "One sentence here.", "A", None, None)], FakeEmbedder(), folder)
    build([Document("a", "One sentence here.", "A", None, None)], FakeEmbedder(), folder)
    assert folder.is_symlink()


def test_a_plain_index_folder_is_converted_to_a_linked_build(tmp_path, fake_embedder):
    folder = tmp_path / "i"
    build([Document("a", "First text here.", "A", None, None)], fake_embedder, folder)
    plain = tmp_path / "plain"
    (folder.resolve()).rename(plain)
    folder.unlink()
    plain.rename(folder)  # as an index copied by hand, or made by an older qa-bot
    assert not folder.is_symlink()
    build([Document("b", "Second text here.", "B", None, None)], fake_embedder, folder)
    assert folder.is_symlink() and [d.doc_id for d in load_index(folder).documents] == ["b"]


@pytest.mark.parametrize("manifest", ['{"format": 3', "", "[]", '{"format": 3}'])
def test_a_plain_index_whose_manifest_is_damaged_is_rebuilt_in_place_as_reading_it_says(tmp_path, fake_embedder,
                                                                                            manifest):
    folder = tmp_path / "i"
    build([Document("a", "First text here.", "A", None, None)], fake_embedder, folder)
    plain = folder.resolve()
    folder.unlink()
    plain.rename(folder)  # a restored copy, or an index of an older qa-bot
    (folder / "manifest.json").write_text(manifest, encoding="utf-8")
    with pytest.raises((IndexCorruptError, IndexMismatchError), match=f"rebuild it with .*--index {folder}`"):
        load_index(folder)
    build([Document("b", "Second text here.", "B", None, None)], fake_embedder, folder)
    assert folder.is_symlink() and [d.doc_id for d in load_index(folder).documents] == ["b"]


@pytest.fixture
def small_index(tmp_path, fake_embedder) -> Path:
    folder = tmp_path / "i"
    docs = [Document(f"d{i}", f"Article {i} says the council met. It voted {i} times.", f"T{i}", None, None)
            for i in range(5)]
    build(docs, fake_embedder, folder)
    return folder


def test_a_truncated_vector_store_is_named_on_load(small_index):
    path = small_index / "passage_store" / "vectors.npy"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(IndexCorruptError, match=r"passage_store/vectors\.npy has \d+ bytes.*rebuild it with"):
        load_index(small_index)


def test_an_edited_passage_store_is_named_on_load(small_index):
    path = small_index / "documents.jsonl"
    path.write_text(path.read_text().replace("council", "COUNCIL"))  # same size, other text
    with pytest.raises(IndexCorruptError, match=r"documents\.jsonl was changed"):
        load_index(small_index)


def test_a_manifest_listing_a_missing_file_is_named(small_index):
    (small_index / "sentence_keywords" / "vocab.index.json").unlink()
    with pytest.raises(IndexCorruptError, match="vocab.index.json is missing"):
        load_index(small_index)


def test_a_running_pipeline_picks_up_a_rebuilt_index_between_questions(small_index, fake_embedder):
    pipeline = QAPipeline(Settings(index_dir=small_index), load_index(small_index, fake_embedder), fake_embedder)
    assert not pipeline.refresh()
    build([Document("lib", "The city library opened a new wing on Monday.", "Library", None, None)],
                fake_embedder, small_index)
    answer = pipeline.ask("When did the city library open a new wing?")
    assert [q.doc_id for q in answer.quotes] == ["lib"] and len(pipeline.index.documents) == 1


def test_the_status_slack_shows_is_that_of_a_rebuilt_index_before_any_question(small_index, fake_embedder):
    pipeline = QAPipeline(Settings(index_dir=small_index), load_index(small_index, fake_embedder), fake_embedder)
    status = live_status(pipeline)
    before = status().articles
    build([Document("lib", "The city library opened a new wing on Monday.", "Library", date="2024-03-04")],
          fake_embedder, small_index)
    after = status()  # the App Home opened, or /ask status, with no question asked since the rebuild
    assert before != 1 and (after.articles, after.newest) == (1, "2024-03-04")


def test_a_damaged_rebuild_is_not_served_and_the_old_index_keeps_answering(small_index, fake_embedder, caplog):
    # Never abstaining, so that the answer shows which index served it (the fake embedder's confidence is low).
    settings = Settings(index_dir=small_index, abstain_threshold=0.0)
    pipeline = QAPipeline(settings, load_index(small_index, fake_embedder), fake_embedder)
    build([Document("lib", "The city library opened a new wing.", "Library", None, None)], fake_embedder, small_index)
    manifest = small_index / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "passages": 99}))
    answer = pipeline.ask("How many times did the council vote?")
    assert answer.quotes and len(pipeline.index.documents) == 5
    assert all(q.doc_id != "lib" for q in answer.quotes)
    assert "still answering from the previous one" in caplog.text
    assert pipeline.index.sentence_count > 0
    caplog.clear()
    pipeline.ask("How many times did the council vote?")  # the refused build is not tried again
    assert "could not be loaded" not in caplog.text and len(pipeline.index.documents) == 5
    build([Document("lib", "The city library opened a new wing.", "Library", None, None)], fake_embedder,
          small_index)  # a sound rebuild after the refused one is picked up
    assert [q.doc_id for q in pipeline.ask("What did the city library open?").quotes] == ["lib"]


def test_a_full_disk_fails_the_build_in_one_line_and_keeps_the_old_index(small_index, fake_embedder, monkeypatch):
    import errno

    from qa_bot.errors import IndexWriteError
    from qa_bot.index import writer

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer.np, "save", full)
    with pytest.raises(IndexWriteError, match="the disk is full; the previous index is untouched"):
        build([Document("x", "New text.", "X", None, None)], fake_embedder, small_index)
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




@pytest.mark.parametrize("what", ["file", "folder", "web app", "unreadable manifest", "link", "link to an index",
                                  "link loop"])
def test_a_build_over_something_that_is_not_an_index_is_refused_and_leaves_it_as_it_was(tmp_path, fake_embedder,
                                                                                         what):
    article = tmp_path / "article.txt"
    article.write_text("An article, not an index.", encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes", encoding="utf-8")
    if what == "web app":  # a manifest.json of another kind
        (mine / "manifest.json").write_text('{"name": "My app", "start_url": "/"}', encoding="utf-8")
    if what == "unreadable manifest":  # with none of an index's files beside it: the user's, not a damaged index
        (mine / "manifest.json").write_text('{"format": 3', encoding="utf-8")
    if what == "link to an index":  # a build here would re-point the link, leaving that index as it was
        build([Document("a", "One sentence here.", "A", None, None)], fake_embedder, tmp_path / "other")
    target = {"file": article, "link loop": tmp_path / "loop"}.get(what, tmp_path / "link" if "link" in what else mine)
    if what == "link":
        target.symlink_to(mine)
    elif what == "link to an index":
        target.symlink_to(tmp_path / "other")
    elif what == "link loop":
        target.symlink_to(target)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(IndexWriteError, match="nothing was changed"):
        build([Document("a", "One sentence here.", "A", None, None)], fake_embedder, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # not even a lock file beside it
    assert article.read_text(encoding="utf-8") == "An article, not an index."
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "my notes"
    if what == "link loop":  # a reader is told there is no index there, in one line
        with pytest.raises(IndexNotFoundError, match="cannot be read"):
            load_index(target)
    if what in ("web app", "unreadable manifest"):  # and never told to build over it
        with pytest.raises(IndexNotFoundError, match="is a folder that is not a qa-bot index.* in a new folder"):
            load_index(target)


@pytest.mark.parametrize("where", [".", ".."])
def test_a_build_into_the_current_folder_or_one_holding_it_is_refused(tmp_path, fake_embedder, monkeypatch, where):
    """An empty current folder would pass as an empty folder, and be replaced by a link under the user's shell."""
    here = tmp_path / "empty" / "inside"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    with pytest.raises(IndexWriteError, match="is the current folder or holds it.*nothing was changed"):
        build([Document("a", "One sentence here.", "A", None, None)], fake_embedder, Path(where))
    assert not (tmp_path / "empty").is_symlink() and here.is_dir() and not any(here.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_a_build_goes_into_an_empty_folder_a_new_one_or_over_its_own_index(tmp_path, fake_embedder):
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (empty, tmp_path / "new", tmp_path / "new"):
        build([Document("a", "One sentence here.", "A", None, None)], fake_embedder, folder)
        assert folder.is_symlink() and [d.doc_id for d in load_index(folder).documents] == ["a"]


def test_the_default_question_log_is_beside_the_index_folder_not_in_its_builds(small_index, tmp_path):
    assert small_index.is_symlink()
    assert default_log_path(small_index) == small_index.parent / "questions.sqlite"
    assert default_log_path(tmp_path / "not-built-yet") == tmp_path / "questions.sqlite"
    # A log an earlier version wrote inside the builds folder stays the log while it is the only one.
    earlier = store.builds_dir(small_index) / "questions.sqlite"
    earlier.write_bytes(b"")
    assert default_log_path(small_index) == earlier
    (small_index.parent / "questions.sqlite").write_bytes(b"")
    assert default_log_path(small_index) == small_index.parent / "questions.sqlite"
