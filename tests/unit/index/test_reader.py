"""Loading an index: what is refused, with which message, and what the reader's methods return."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa_bot.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError
from qa_bot.index import describe_index, load_index

from ..conftest import DOCS, build


def test_missing_index_is_reported(tmp_path, fake_embedder):
    with pytest.raises(IndexNotFoundError, match="qa-bot index build"):
        load_index(tmp_path / "nothing", fake_embedder)
    with pytest.raises(IndexNotFoundError):
        describe_index(tmp_path / "nothing")


def test_other_model_is_refused(built, fake_embedder):
    fake_embedder.model_id = "another-model"
    with pytest.raises(IndexMismatchError, match="rebuild"):
        load_index(built, fake_embedder)


def test_index_of_another_backend_is_refused(built, fake_embedder):
    assert json.loads((built / "manifest.json").read_text())["backend"] == "torch"
    fake_embedder.backend = "onnx-int8"
    with pytest.raises(IndexMismatchError, match="QA_BOT_EMBED_BACKEND=torch"):
        load_index(built, fake_embedder)


def test_an_index_of_an_older_format_is_refused_with_the_command_that_rebuilds_it(built, fake_embedder):
    manifest = json.loads((built / "manifest.json").read_text())
    (built / "manifest.json").write_text(json.dumps({**manifest, "format": 2}))
    with pytest.raises(IndexMismatchError, match=r"format 2, this qa-bot reads 3: rebuild it with `qa-bot index"):
        load_index(built, fake_embedder)


def test_manifest_disagreeing_with_files_is_refused(built, fake_embedder):
    manifest = json.loads((built / "manifest.json").read_text())
    manifest["passages"] += 1
    (built / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match="disagrees with its manifest"):
        load_index(built, fake_embedder)


def test_an_unknown_store_kind_is_refused_as_damage(built, fake_embedder):
    manifest = json.loads((built / "manifest.json").read_text())
    (built / "manifest.json").write_text(json.dumps({**manifest, "vector_store": {"kind": "hnswlib"}}))
    with pytest.raises(IndexCorruptError, match="damaged"):
        load_index(built, fake_embedder)


def test_the_reader_gives_rows_by_id_in_one_call(built, fake_embedder):
    index = load_index(built, fake_embedder)
    assert index.describe().documents == 3 == len(index.documents)
    spans = index.sentence_spans([0, 1, 3])
    assert spans.shape == (3, 3)
    assert index.sentence_texts([0, 1]) == ["The mayor opened a new bridge on Monday.",
                                             "The bridge cost 40 million dollars."]
    first, last = index.passage_sentences([0])[0]
    doc, start, end = index.passage_spans([0])[0]
    assert (doc, start) == tuple(index.sentence_spans([first])[0][:2]) and end == index.sentence_spans([last])[0][2]
    vectors = index.sentence_vectors([0, 1])
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    before, same = index.previous_in_document(np.arange(index.sentence_count))
    firsts = [int(i) for i in np.flatnonzero(~same)]
    assert [index.sentence_spans([i])[0][0] for i in firsts] == [0, 1, 2]  # each document's first sentence
    assert before[0] == 0 and all(before[1:] == np.arange(index.sentence_count - 1))
    ids, scores = index.search_sentences(fake_embedder.encode(["bridge cost dollars"])[0], 2)
    assert index.sentence_texts(ids[:1]) == ["The bridge cost 40 million dollars."] and scores[0] >= scores[1]


def test_the_passages_of_some_documents_are_a_mask_the_search_keeps_to(built, fake_embedder):
    index = load_index(built, fake_embedder)
    mask = index.document_passages({"b", "no such document"})
    assert mask.dtype == bool and mask.shape == (index.passage_count,) and mask.any() and not mask.all()
    assert {int(doc) for doc in index.passage_spans(np.flatnonzero(mask))[:, 0]} == {1}  # document "b" only
    ids, _ = index.search_passages(fake_embedder.encode(["bridge cost dollars"])[0], 5, mask)
    assert len(ids) and all(mask[ids])
    assert not index.document_passages(set()).any()


def test_the_passages_of_some_sources_are_a_shared_read_only_mask(built, fake_embedder):
    index = load_index(built, fake_embedder)  # the documents have no outlet: a doc id prefix names them
    mask = index.source_passages(["B"])
    assert mask.shape == (index.passage_count,) and mask.any()
    assert {int(doc) for doc in index.passage_spans(np.flatnonzero(mask))[:, 0]} == {1}  # document "b" only
    assert index.source_passages(["B"]) is mask and not mask.flags.writeable  # one mask a channel, kept
    assert not index.source_passages(["no such outlet"]).any()


def test_the_texts_of_some_documents_are_theirs_whole_and_unknown_ids_are_left_out(built, fake_embedder):
    index = load_index(built, fake_embedder)
    assert index.document_texts(["b", "no such id"]) == [index.document(1).text]
    assert index.document_texts([]) == []


def test_a_loaded_index_knows_when_a_rebuild_went_live(built, fake_embedder):
    index = load_index(built, fake_embedder)
    assert not index.is_stale()
    build(DOCS[:2], fake_embedder, built)
    assert index.is_stale() and not load_index(built, fake_embedder).is_stale()
