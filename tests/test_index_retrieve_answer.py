"""Index, retrieval and quote choice with the fake embedder (fast, no model)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa_bot.answer import QuoteOptions, best_window, make_answer
from qa_bot.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError, IngestError
from qa_bot.index import build_index, load_index
from qa_bot.records import Document
from qa_bot.retrieve import fuse, make_query, retrieve

DOCS = [
    Document("a", "The mayor opened a new bridge on Monday. The bridge cost 40 million dollars. "
             "Traffic is expected to ease.", "Bridge opens", "https://ex.com/a", "2024-05-01"),
    Document("b", "The city council approved the budget. Schools get more money this year. "
             "Parks get less.", "Budget passed", None, "2024-05-02"),
    Document("c", "A storm hit the coast on Friday. Thousands lost power. Crews worked overnight.",
             "Storm", None, None),
]


@pytest.fixture
def built(tmp_path, fake_embedder):
    folder = tmp_path / "idx"
    summary = build_index(DOCS, fake_embedder, folder, sentences_per_passage=2, overlap=1)
    return folder, summary


def ask(folder, embedder, question, **options):
    index = load_index(folder, embedder)
    query = make_query(question, embedder.encode([question])[0])
    return make_answer(index, query, retrieve(index, query, 10), QuoteOptions(**options))


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
    assert manifest["vector_index"]["kind"] == "flat"
    assert set(manifest["files"]) >= {"passages.faiss", "documents.jsonl", "keyword_passages/params.index.json"}


def test_quotes_are_verbatim_with_offsets_and_sources(built, fake_embedder):
    folder, _ = built
    answer = ask(folder, fake_embedder, "How much did the bridge cost?", abstain_threshold=0.1, relative_floor=0.0)
    assert answer.answered
    top = answer.quotes[0]
    assert top.text == "The bridge cost 40 million dollars."
    assert DOCS[0].text[top.start: top.end] == top.text
    assert (top.doc_id, top.title, top.url, top.date) == ("a", "Bridge opens", "https://ex.com/a", "2024-05-01")
    scores = [q.score for q in answer.quotes]
    assert len(scores) > 1 and scores == sorted(scores, reverse=True)  # ordered by confidence


def test_abstains_below_threshold(built, fake_embedder):
    folder, _ = built
    answer = ask(folder, fake_embedder, "zebra quantum violin", abstain_threshold=0.3)
    assert not answer.answered and answer.quotes == ()


def test_near_duplicates_from_two_documents_shown_once(tmp_path, fake_embedder):
    docs = [
        Document("x", "Officials said the dam is safe. Nothing else happened.", "X", None, "2024-01-01"),
        Document("y", "Officials said the dam is safe. Rain is expected.", "Y", "https://y", "2024-01-02"),
    ]
    build_index(docs, fake_embedder, tmp_path / "i")
    answer = ask(tmp_path / "i", fake_embedder, "Is the dam safe?", abstain_threshold=0.1)
    top = answer.quotes[0]
    assert top.text == "Officials said the dam is safe."
    assert [ref.doc_id for ref in top.also_in] == [{"x": "y", "y": "x"}[top.doc_id]]
    assert sum(q.text == top.text for q in answer.quotes) == 1


def test_long_sentence_is_cut_around_its_best_part():
    text = " ".join(["filler"] * 100) + " the budget vote passed " + " ".join(["filler"] * 100)
    start, end = best_window(text, {"budget", "vote"}, 120)
    assert end - start <= 120 and "budget vote" in text[start:end]
    assert text[start] != " " and text[end - 1] != " "


def test_fuse_weighted_and_rrf_agree_on_a_clear_winner():
    dense = (np.array([1, 2, 3]), np.array([0.9, 0.5, 0.1], dtype=np.float32))
    keyword = (np.array([1, 3]), np.array([10.0, 2.0], dtype=np.float32))
    for method in ("weighted", "rrf"):
        hits = fuse(dense, keyword, method, 0.5)
        assert hits[0].passage_id == 1
        assert {h.passage_id for h in hits} == {1, 2, 3}
        assert fuse(dense, keyword, method, 0.5, limit=2) == hits[:2]
    weighted = fuse(dense, keyword, "weighted", 0.5)
    assert weighted[0].score == pytest.approx(0.5 * 0.9 + 0.5 * 1.0)


def test_missing_index_is_reported(tmp_path, fake_embedder):
    with pytest.raises(IndexNotFoundError, match="qa-bot index build"):
        load_index(tmp_path / "nothing", fake_embedder)


def test_other_model_is_refused(built, fake_embedder):
    folder, _ = built
    fake_embedder.model_id = "another-model"
    with pytest.raises(IndexMismatchError, match="rebuild"):
        load_index(folder, fake_embedder)


def test_manifest_disagreeing_with_files_is_refused(built, fake_embedder):
    folder, _ = built
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["passages"] += 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError):
        load_index(folder, fake_embedder)


def test_failed_build_keeps_the_old_index(built, fake_embedder):
    folder, _ = built

    class Boom(Exception):
        pass

    def explode(*args, **kwargs):
        raise Boom

    fake_embedder.encode = explode
    with pytest.raises(Boom):
        build_index(DOCS[:1], fake_embedder, folder)
    assert len(load_index(folder).documents) == 3
    with pytest.raises(IngestError):
        build_index([], fake_embedder, folder)


def test_disagreeing_articles_put_the_newest_first_and_say_so(tmp_path, fake_embedder):
    docs = [
        Document("old", "Officials counted 30 attacks on the base last month.", "Old report", None, "2024-01-05"),
        Document("new", "Officials counted 45 attacks on the base last month.", "New report", None, "2024-02-10"),
    ]
    build_index(docs, fake_embedder, tmp_path / "i")
    answer = ask(tmp_path / "i", fake_embedder, "How many attacks did officials count on the base?",
                 abstain_threshold=0.1, duplicate_similarity=1.01)
    assert [q.doc_id for q in answer.quotes[:2]] == ["new", "old"]
    assert answer.notice and "2024-02-10" in answer.notice


def test_agreeing_articles_keep_their_order_without_a_notice(tmp_path, fake_embedder):
    docs = [
        Document("a", "Officials counted 30 attacks on the base.", "A", None, "2024-01-05"),
        Document("b", "Officials counted 30 attacks at the base overall.", "B", None, "2024-02-10"),
    ]
    build_index(docs, fake_embedder, tmp_path / "i")
    answer = ask(tmp_path / "i", fake_embedder, "How many attacks did officials count?",
                 abstain_threshold=0.1, duplicate_similarity=1.01)
    assert answer.notice is None


def test_a_reranker_reorders_candidate_sentences(built, fake_embedder):
    from qa_bot.answer import make_answer

    folder, _ = built

    class PrefersTraffic:
        def score(self, question, texts):
            return np.array([1.0 if "Traffic" in t else 0.0 for t in texts], dtype=np.float32)

    index = load_index(folder, fake_embedder)
    question = "How much did the bridge cost?"
    query = make_query(question, fake_embedder.encode([question])[0])
    options = QuoteOptions(abstain_threshold=0.1, relative_floor=0.0, neighbour_ratio=9, rerank_weight=0.9)
    plain = make_answer(index, query, retrieve(index, query, 10), options)
    reranked = make_answer(index, query, retrieve(index, query, 10), options, PrefersTraffic())
    assert plain.quotes[0].text == "The bridge cost 40 million dollars."
    assert reranked.quotes[0].text == "Traffic is expected to ease."


def test_missing_reranker_model_is_a_clear_error(tmp_path):
    from qa_bot.errors import ModelLoadError
    from qa_bot.rerank import load_reranker

    assert load_reranker("") is None
    with pytest.raises(ModelLoadError, match="QA_BOT_RERANKER"):
        load_reranker(str(tmp_path / "no-such-cross-encoder"))


def test_confidence_is_a_probability_rising_with_evidence():
    from qa_bot.answer import calibrated_confidence

    options = QuoteOptions()
    values = [calibrated_confidence(c, k, options) for c, k in ((0.0, 0.0), (0.3, 0.2), (0.5, 0.6), (0.9, 1.0))]
    assert values == sorted(values) and 0.0 <= values[0] < 0.01 and 0.99 < values[-1] <= 1.0
    assert calibrated_confidence(0.45, 0.2, options) < calibrated_confidence(0.45, 0.8, options)


def test_index_of_another_backend_is_refused(built, fake_embedder):
    folder, _ = built
    assert json.loads((folder / "manifest.json").read_text())["backend"] == "torch"
    fake_embedder.backend = "onnx-int8"
    with pytest.raises(IndexMismatchError, match="QA_BOT_EMBED_BACKEND=torch"):
        load_index(folder, fake_embedder)


def test_a_quote_never_joins_sentences_across_paragraphs(tmp_path, fake_embedder):
    from qa_bot.answer import quote_span

    docs = [Document("p", "The dam held firm overnight.\n\nThe dam held firm again today.", "P", None, None)]
    build_index(docs, fake_embedder, tmp_path / "i")
    index = load_index(tmp_path / "i", fake_embedder)
    assert quote_span(index, 0, {0: 1.0, 1: 1.0}, QuoteOptions()) == (0, 0)
    joined = [Document("q", "The dam held firm overnight. The dam held firm again today.", "Q", None, None)]
    build_index(joined, fake_embedder, tmp_path / "j")
    assert quote_span(load_index(tmp_path / "j", fake_embedder), 0, {0: 1.0, 1: 1.0}, QuoteOptions()) == (0, 1)


def test_rebuild_embeds_only_changed_and_new_articles(tmp_path, fake_embedder):
    from dataclasses import replace

    folder = tmp_path / "idx"
    first = build_index(DOCS, fake_embedder, folder, sentences_per_passage=2, overlap=1)
    assert first.reused == 0 and first.embedded > 0
    changed = replace(DOCS[1], text="The city council rejected the budget. Schools get less money.")
    added = Document("d", "A new library opened downtown. It has a cafe.", "Library", None, "2024-06-01")
    fake_embedder.encoded.clear()
    second = build_index([DOCS[0], changed, added], fake_embedder, folder, sentences_per_passage=2, overlap=1)
    embedded = set(fake_embedder.encoded)
    assert embedded and all(t in changed.text or t in added.text for t in embedded)  # DOCS[0] reused
    assert second.embedded == len(fake_embedder.encoded) and second.reused > 0
    index = load_index(folder, fake_embedder)
    assert [d.doc_id for d in index.documents] == ["a", "b", "d"]  # the deleted article is gone
    fresh = tmp_path / "fresh"
    build_index([DOCS[0], changed, added], fake_embedder, fresh, sentences_per_passage=2, overlap=1)
    scratch = load_index(fresh, fake_embedder)
    n = index.passage_vectors.ntotal
    assert np.allclose(index.passage_vectors.reconstruct_n(0, n), scratch.passage_vectors.reconstruct_n(0, n))
    assert np.allclose(index.sentence_vectors, scratch.sentence_vectors)


def test_rebuild_with_other_passage_settings_embeds_everything(built, fake_embedder):
    folder, first = built
    fake_embedder.encoded.clear()
    again = build_index(DOCS, fake_embedder, folder, sentences_per_passage=3, overlap=1)
    assert again.reused == 0 and again.embedded == len(fake_embedder.encoded)


def test_changing_one_xquad_article_re_embeds_only_its_passages(tmp_path, fake_embedder):
    from dataclasses import replace

    from qa_bot.ingest import read_articles

    from .conftest import XQUAD

    documents = read_articles([XQUAD / "corpus.jsonl"]).documents
    assert len(documents) == 240
    build_index(documents, fake_embedder, tmp_path / "x")
    target = 17
    documents[target] = replace(documents[target], text=documents[target].text + " A sentence added later.")
    fake_embedder.encoded.clear()
    summary = build_index(documents, fake_embedder, tmp_path / "x")
    index = load_index(tmp_path / "x", fake_embedder)
    own = int((index.passages[:, 0] == target).sum() + (index.sentences[:, 0] == target).sum())
    assert summary.embedded == len(fake_embedder.encoded) == own
    assert all(text in documents[target].text for text in fake_embedder.encoded)


def test_query_terms_match_the_keyword_index_tokenizer():
    import bm25s

    from qa_bot.keyword import _stemmer, terms

    texts = [d.text for d in DOCS] + ["Who is Al-Sudani's ally? The U.S. said 40% of 2,000 troops…", ""]
    expected = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)
    assert terms(texts) == expected


def test_a_sentence_is_read_alone_or_with_the_sentence_before_it_in_its_article(built, fake_embedder):
    from qa_bot.answer import read_in_context

    index = load_index(built[0], fake_embedder)
    question = fake_embedder.encode(["How much did the bridge the mayor opened cost?"])[0]
    vectors = np.asarray(index.sentence_vectors, dtype=np.float32)
    ids = np.arange(len(index.sentences))
    cosines = vectors @ question
    keyword = np.linspace(0.1, 1.0, len(ids)).astype(np.float32)
    dense, keyword_read = read_in_context(index, ids, cosines, keyword, question)
    firsts = 0
    for i in ids:
        expected_dense, expected_keyword = cosines[i], keyword[i]
        if i > 0 and index.sentences[i - 1][0] == index.sentences[i][0]:
            pair = vectors[i] + vectors[i - 1]
            expected_dense = max(expected_dense, float(pair @ question / np.linalg.norm(pair)))
            expected_keyword = max(expected_keyword, (keyword[i] + keyword[i - 1]) / 2)
        else:  # the first sentence of an article is read alone, never with the last of the one before
            firsts += 1
            assert dense[i] == cosines[i] and keyword_read[i] == keyword[i]
        assert dense[i] == pytest.approx(expected_dense, abs=1e-5)
        assert keyword_read[i] == pytest.approx(expected_keyword, abs=1e-6)
    assert firsts == len(DOCS)
    # "The bridge cost 40 million dollars." gains from the sentence before it, which names the mayor.
    cost = next(i for i in ids if "40 million" in index.sentence_text(int(i)))
    assert dense[cost] > cosines[cost]
