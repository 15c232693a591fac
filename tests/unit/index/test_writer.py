"""Index builds: what they write, how they reuse unchanged documents, how they fail (fake embedder)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from qa_bot.errors import IndexLockedError, IngestError
from qa_bot.index import IndexWriter, load_index
from qa_bot.records import Document

from ...conftest import XQUAD
from ..conftest import DOCS, build


@pytest.fixture
def built(tmp_path, fake_embedder):
    folder = tmp_path / "idx"
    return folder, build(DOCS, fake_embedder, folder, sentences_per_passage=2, passage_overlap=1)


def test_build_writes_a_manifest_and_loads(built, fake_embedder):
    folder, summary = built
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model"] == "fake-bow-256" and manifest["dimension"] == 256
    assert manifest["documents"] == 3 and manifest["passages"] == summary.passages
    assert "faiss-cpu" in manifest["versions"] and manifest["built_at"]
    index = load_index(folder, fake_embedder)
    assert [d.doc_id for d in index.documents] == ["a", "b", "c"]
    assert folder.is_symlink() and summary.build_dir == str(folder.resolve())
    assert not list(folder.parent.glob(".idx.builds/*.partial"))  # no staging folder left behind
    assert manifest["vector_store"] == {"kind": "numpy"}
    assert manifest["passage_keywords"] == manifest["sentence_keywords"] == {"kind": "bm25s"}
    assert set(manifest["files"]) >= {"passage_store/vectors.npy", "documents.jsonl",
                                      "passage_keywords/params.index.json"}
    assert summary.search == "numpy" == index.describe().search


def test_each_document_is_stored_with_the_hash_of_its_text(built):
    import hashlib

    folder, _ = built
    rows = [json.loads(line) for line in (folder / "documents.jsonl").read_text().splitlines()]
    assert [r["content_hash"] for r in rows] == [hashlib.sha256(d.text.encode()).hexdigest() for d in DOCS]


def test_failed_build_keeps_the_old_index(built, fake_embedder):
    folder, _ = built

    class Boom(Exception):
        pass

    def explode(*args, **kwargs):
        raise Boom

    fake_embedder.encode = explode
    with pytest.raises(Boom):
        build(DOCS[:1], fake_embedder, folder)
    assert len(load_index(folder).documents) == 3
    with pytest.raises(IngestError):
        build([], fake_embedder, folder)


def test_rebuild_embeds_only_changed_and_new_articles(tmp_path, fake_embedder):
    folder = tmp_path / "idx"
    first = build(DOCS, fake_embedder, folder, sentences_per_passage=2, passage_overlap=1)
    assert first.reused == 0 and first.embedded > 0
    changed = replace(DOCS[1], text="The city council rejected the budget. Schools get less money.")
    added = Document("d", "A new library opened downtown. It has a cafe.", "Library", None, "2024-06-01")
    fake_embedder.encoded.clear()
    second = build([DOCS[0], changed, added], fake_embedder, folder, sentences_per_passage=2, passage_overlap=1)
    embedded = set(fake_embedder.encoded)
    assert embedded and all(t in changed.text or t in added.text for t in embedded)  # DOCS[0] reused
    assert second.embedded == len(fake_embedder.encoded) and second.reused > 0
    index = load_index(folder, fake_embedder)
    assert [d.doc_id for d in index.documents] == ["a", "b", "d"]  # the deleted article is gone
    fresh = tmp_path / "fresh"
    build([DOCS[0], changed, added], fake_embedder, fresh, sentences_per_passage=2, passage_overlap=1)
    scratch = load_index(fresh, fake_embedder)
    passages = range(index.passage_count)
    assert np.allclose(index.passage_vectors(passages), scratch.passage_vectors(passages))
    every = range(index.sentence_count)
    assert np.allclose(index.sentence_vectors(every), scratch.sentence_vectors(every))


def test_rebuild_with_other_passage_settings_embeds_everything(built, fake_embedder):
    folder, first = built
    fake_embedder.encoded.clear()
    again = build(DOCS, fake_embedder, folder, sentences_per_passage=3, passage_overlap=1)
    assert again.reused == 0 and again.embedded == len(fake_embedder.encoded)


@pytest.mark.slow
def test_changing_one_xquad_article_re_embeds_only_its_passages(tmp_path, fake_embedder):
    from qa_bot.ingest.read import read_articles

    documents = read_articles([XQUAD / "corpus.jsonl"]).documents
    assert len(documents) == 240
    build(documents, fake_embedder, tmp_path / "x")
    target = 17
    documents[target] = replace(documents[target], text=documents[target].text + " A sentence added later.")
    fake_embedder.encoded.clear()
    summary = build(documents, fake_embedder, tmp_path / "x")
    index = load_index(tmp_path / "x", fake_embedder)
    own_sentences = int((index.sentence_spans(range(index.sentence_count))[:, 0] == target).sum())
    own_passages = int((index.passage_spans(range(index.passage_count))[:, 0] == target).sum())
    assert summary.embedded == len(fake_embedder.encoded) == own_sentences + own_passages
    assert all(text in documents[target].text for text in fake_embedder.encoded)


def test_the_lock_is_taken_once_for_a_whole_build_and_refuses_a_second(tmp_path, fake_embedder):
    from qa_bot.config import BuildOptions

    folder = tmp_path / "i"
    with IndexWriter(folder) as writer:
        with pytest.raises(IndexLockedError, match="wait for it"):
            build([Document("a", "One sentence here.", "A")], fake_embedder, folder)
        writer.build([Document("a", "One sentence here.", "A")], fake_embedder, BuildOptions(vector_store="numpy"))
        with pytest.raises(IndexLockedError), IndexWriter(folder):  # still held after the build, until the end
            pass
    with pytest.raises(RuntimeError, match="needs the build lock"):  # never a build outside the lock
        IndexWriter(folder).build([Document("c", "Third.", "C")], fake_embedder, BuildOptions(vector_store="numpy"))
    build([Document("b", "Another sentence here.", "B")], fake_embedder, folder)
    assert [d.doc_id for d in load_index(folder).documents] == ["b"]


class ClusteredEmbedder:
    """Each text gets a fixed vector near one of 50 centres (seeded by its hash): structured, few ties."""

    model_id = "clustered-64"
    backend = "torch"
    dimension = 64
    max_tokens = 40

    def count_tokens(self, texts):
        return [len(t.split()) for t in texts]

    def encode(self, texts, progress=None):
        import hashlib

        centres = np.random.default_rng(0).normal(size=(50, self.dimension))
        rows = []
        for text in texts:
            rng = np.random.default_rng(int(hashlib.md5(text.encode()).hexdigest()[:8], 16))
            rows.append(centres[rng.integers(50)] + rng.normal(0, 0.4, self.dimension))
        out = np.array(rows, dtype=np.float32)
        if progress is not None:
            progress(len(texts))
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    encode_queries = encode  # the Embedder protocol's question path; this model has no prompts


@pytest.mark.slow
def test_a_faiss_build_records_its_layout_and_finds_what_exact_search_finds(tmp_path):
    from qa_bot.config import BuildOptions
    from qa_bot.index import build_index, recall_at_k

    embedder = ClusteredEmbedder()
    documents = [Document(f"d{i}", f"Report {i} one. Report {i} two. Report {i} three.", f"T{i}")
                 for i in range(1500)]
    options = {"sentences_per_passage": 1, "passage_overlap": 0}
    exact = build_index(documents, embedder, tmp_path / "exact", BuildOptions(**options))
    approx = build_index(documents, embedder, tmp_path / "approx", BuildOptions(**options, approximate_from=1000))
    assert exact.search == "faiss flat" and approx.search.startswith("faiss ivf-sq8 (nprobe ")
    manifest = json.loads((tmp_path / "approx" / "manifest.json").read_text())
    assert manifest["vector_store"]["layout"] == "ivf-sq8" and manifest["vector_store"]["recall_at_10"] >= 0.95
    a, b = load_index(tmp_path / "exact", embedder), load_index(tmp_path / "approx", embedder)
    queries = embedder.encode([f"question {i}" for i in range(200)])
    found = np.array([b.search_passages(q, 10)[0] for q in queries])
    assert recall_at_k(found, np.array([a.search_passages(q, 10)[0] for q in queries])) >= 0.95


def test_an_unknown_vector_store_is_one_clear_error(tmp_path, fake_embedder):
    from qa_bot.errors import ConfigError

    expected = r"unknown vector store 'hnsw' \(QA_BOT_VECTOR_STORE\): known are faiss, numpy"
    with pytest.raises(ConfigError, match=expected):
        build(DOCS, fake_embedder, tmp_path / "i", vector_store="hnsw")
