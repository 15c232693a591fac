"""Quote choice with the fake embedder (fast, no model): verbatim quotes, duplicates, disagreement, abstention."""

from __future__ import annotations

import numpy as np

from qa_bot.answer.quotes import best_window, make_answer, quote_span
from qa_bot.answer.retrieve import make_query, retrieve
from qa_bot.config import AnswerOptions
from qa_bot.index import load_index
from qa_bot.records import Document

from ..conftest import DOCS, build


def ask(folder, embedder, question, **options):
    index = load_index(folder, embedder)
    query = make_query(question, embedder.encode([question])[0])
    chosen = AnswerOptions(candidates=10, **options)
    return make_answer(index, query, retrieve(index, query, chosen), chosen)


def test_quotes_are_verbatim_with_offsets_and_sources(built, fake_embedder):
    folder = built
    answer = ask(folder, fake_embedder, "How much did the bridge cost?", abstain_threshold=0.0, relative_floor=0.0)
    assert answer.answered
    top = answer.quotes[0]
    assert top.text == "The bridge cost 40 million dollars."
    assert DOCS[0].text[top.start: top.end] == top.text
    assert (top.doc_id, top.title, top.url, top.date) == ("a", "Bridge opens", "https://ex.com/a", "2024-05-01")
    scores = [q.score for q in answer.quotes]
    assert len(scores) > 1 and scores == sorted(scores, reverse=True)  # ordered by confidence


def test_abstains_below_threshold(built, fake_embedder):
    folder = built
    answer = ask(folder, fake_embedder, "zebra quantum violin", abstain_threshold=0.3)
    assert not answer.answered and answer.quotes == ()


def test_near_duplicates_from_two_documents_shown_once(tmp_path, fake_embedder):
    docs = [
        Document("x", "Officials said the dam is safe. Nothing else happened.", "X", None, "2024-01-01"),
        Document("y", "Officials said the dam is safe. Rain is expected.", "Y", "https://y", "2024-01-02"),
    ]
    build(docs, fake_embedder, tmp_path / "i")
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


def test_disagreeing_articles_put_the_newest_first_and_say_so(tmp_path, fake_embedder):
    docs = [
        Document("old", "Officials counted 30 attacks on the base last month.", "Old report", None, "2024-01-05"),
        Document("new", "Officials counted 45 attacks on the base last month.", "New report", None, "2024-02-10"),
    ]
    build(docs, fake_embedder, tmp_path / "i")
    answer = ask(tmp_path / "i", fake_embedder, "How many attacks did officials count on the base?",
                 abstain_threshold=0.1, duplicate_similarity=1.01)
    assert [q.doc_id for q in answer.quotes[:2]] == ["new", "old"]
    assert answer.notice and "2024-02-10" in answer.notice


def test_agreeing_articles_keep_their_order_without_a_notice(tmp_path, fake_embedder):
    docs = [
        Document("a", "Officials counted 30 attacks on the base.", "A", None, "2024-01-05"),
        Document("b", "Officials counted 30 attacks at the base overall.", "B", None, "2024-02-10"),
    ]
    build(docs, fake_embedder, tmp_path / "i")
    answer = ask(tmp_path / "i", fake_embedder, "How many attacks did officials count on the base?",
                 abstain_threshold=0.1, duplicate_similarity=1.01, story_overlap=1.01)  # quoted apart, as sources
    # The older article matches the question better and stays first: the same number is no disagreement.
    assert [q.doc_id for q in answer.quotes] == ["a", "b"]
    assert answer.quotes[0].score > answer.quotes[1].score
    assert answer.notice is None


def test_a_reranker_reorders_candidate_sentences(built, fake_embedder):
    folder = built

    class PrefersTraffic:
        def score(self, question, texts):
            return np.array([1.0 if "Traffic" in t else 0.0 for t in texts], dtype=np.float32)

    index = load_index(folder, fake_embedder)
    question = "How much did the bridge cost?"
    query = make_query(question, fake_embedder.encode([question])[0])
    options = AnswerOptions(abstain_threshold=0.1, relative_floor=0.0, neighbour_ratio=9, rerank_weight=0.9,
                            candidates=10, rerank_margin=10.0)
    plain = make_answer(index, query, retrieve(index, query, options), options)
    reranked = make_answer(index, query, retrieve(index, query, options), options, PrefersTraffic())
    assert plain.quotes[0].text == "The bridge cost 40 million dollars."
    assert reranked.quotes[0].text == "Traffic is expected to ease."
    # A lead of the features this clear stands: the reranker is not even run.
    from qa_bot.answer.sentences import score_sentences

    scored = score_sentences(index, query, retrieve(index, query, options), options)
    lead = scored[0].score - scored[1].score
    clear = options.model_copy(update={"rerank_margin": lead / 2})
    reader = _Reading("Traffic")
    kept = make_answer(index, query, retrieve(index, query, clear), clear, reader)
    assert kept.quotes[0].text == plain.quotes[0].text and reader.read == [] and kept.evidence.reranked is None


def test_a_quote_never_joins_sentences_across_paragraphs(tmp_path, fake_embedder):
    docs = [Document("p", "The dam held firm overnight.\n\nThe dam held firm again today.", "P", None, None)]
    build(docs, fake_embedder, tmp_path / "i")
    index = load_index(tmp_path / "i", fake_embedder)
    assert quote_span(index, 0, {0: 1.0, 1: 1.0}, AnswerOptions()) == (0, 0)
    joined = [Document("q", "The dam held firm overnight. The dam held firm again today.", "Q", None, None)]
    build(joined, fake_embedder, tmp_path / "j")
    assert quote_span(load_index(tmp_path / "j", fake_embedder), 0, {0: 1.0, 1: 1.0}, AnswerOptions()) == (0, 1)


def test_no_quote_contains_or_overlaps_another(built, fake_embedder):
    """A later quote never takes an earlier quote's sentence as its neighbour (it used to repeat quote 1
    with the sentence before it appended)."""
    answer = ask(built, fake_embedder, "How much did the bridge cost?", abstain_threshold=0.0, relative_floor=0.0,
                 neighbour_ratio=0.0)
    assert len(answer.quotes) > 1
    spans = [(q.doc_id, q.start, q.end) for q in answer.quotes]
    for i, (doc, start, end) in enumerate(spans):
        for other_doc, other_start, other_end in spans[i + 1:]:
            assert doc != other_doc or end <= other_start or other_end <= start, spans


def test_why_question_quotes_the_sentence_after(tmp_path, fake_embedder):
    """The reason or outcome follows the sentence that matches a "why" question best."""
    from qa_bot.records import Document

    from ..conftest import build

    docs = [Document("t", "A truck crashed into the barracks gate at dawn. Fortunately, the device failed to "
                     "detonate. Soldiers arrested the driver.", "Attack", None, "2024-01-02")]
    build(docs, fake_embedder, tmp_path / "why", sentences_per_passage=3, passage_overlap=0)
    why = ask(tmp_path / "why", fake_embedder, "Why did the truck crash into the barracks gate?",
              abstain_threshold=0.0, neighbour_ratio=2.0)
    assert why.quotes[0].text == ("A truck crashed into the barracks gate at dawn. "
                                  "Fortunately, the device failed to detonate.")
    what = ask(tmp_path / "why", fake_embedder, "What crashed into the barracks gate?",
               abstain_threshold=0.0, neighbour_ratio=2.0)
    assert what.quotes[0].text == "A truck crashed into the barracks gate at dawn."


class _Reading:
    """A reranker that records what it reads and prefers texts holding ``word``."""

    def __init__(self, word: str) -> None:
        self.word, self.read = word, []

    def score(self, question, texts):
        self.read.extend(texts)
        return np.array([0.9 if self.word in t else 0.1 for t in texts], dtype=np.float32)


def test_the_reranker_reads_each_sentence_as_its_quote_reads(tmp_path, fake_embedder):
    """For a "why" question, with the sentence after it; a sentence referring back, with the one before."""
    docs = [Document("t", "A truck crashed into the barracks gate at dawn. Fortunately, the device failed to "
                     "detonate. Soldiers arrested the driver.", "Attack", None, "2024-01-02")]
    build(docs, fake_embedder, tmp_path / "why", sentences_per_passage=3, passage_overlap=0)
    index = load_index(tmp_path / "why", fake_embedder)
    options = AnswerOptions(abstain_threshold=0.0, candidates=10, neighbour_ratio=2.0,  # no neighbour joins by score
                            rerank_margin=10.0)
    for question, read_with_next in (("Why did the truck crash into the barracks gate?", True),
                                     ("What crashed into the barracks gate?", False)):
        reranker = _Reading("detonate")
        query = make_query(question, fake_embedder.encode([question])[0])
        answer = make_answer(index, query, retrieve(index, query, options), options, reranker)
        pair = "A truck crashed into the barracks gate at dawn. Fortunately, the device failed to detonate."
        alone = "A truck crashed into the barracks gate at dawn."
        assert (pair in reranker.read) if read_with_next else (alone in reranker.read), reranker.read
        assert "Soldiers arrested the driver." in reranker.read  # the last sentence has no next: read alone
        assert abs(answer.evidence.reranked - 0.9) < 1e-6  # the reranker's best probability goes to the confidence

    docs = [Document("k", "The Ineos 1:59 Challenge was held in Vienna. It featured 42 pacemakers in a formation. "
                     "Kipchoge finished in 1:59:40.", "Race", None, "2019-10-13")]
    build(docs, fake_embedder, tmp_path / "back", sentences_per_passage=3, passage_overlap=0)
    index = load_index(tmp_path / "back", fake_embedder)
    reranker = _Reading("pacemakers")
    question = "How many pacemakers featured in the challenge?"
    query = make_query(question, fake_embedder.encode([question])[0])
    answer = make_answer(index, query, retrieve(index, query, options), options, reranker)
    assert "The Ineos 1:59 Challenge was held in Vienna. It featured 42 pacemakers in a formation." in reranker.read
    assert "It featured 42 pacemakers in a formation." not in reranker.read
    assert answer.quotes[0].text.startswith("The Ineos 1:59 Challenge was held in Vienna. It featured 42")



def test_the_candidate_readings_the_reranker_trains_on_are_what_it_reads(tmp_path, fake_embedder):
    """``candidate_readings`` (scripts/train_reranker.py mines them) gives the texts the answer stage hands the
    reranker, with their documents, each once."""
    from qa_bot.answer.quotes import candidate_readings

    docs = [Document("t", "A truck crashed into the barracks gate at dawn. Fortunately, the device failed to "
                     "detonate. Soldiers arrested the driver.", "Attack", None, "2024-01-02"),
            Document("u", "The barracks gate was rebuilt in May. It cost two million dollars.", "Gate", None, None)]
    build(docs, fake_embedder, tmp_path / "c", sentences_per_passage=3, passage_overlap=0)
    index = load_index(tmp_path / "c", fake_embedder)
    options = AnswerOptions(abstain_threshold=0.0, candidates=10, neighbour_ratio=2.0, rerank_margin=10.0)
    for question in ("Why did the truck crash into the barracks gate?", "How much did the barracks gate cost?"):
        reranker = _Reading("detonate")
        query = make_query(question, fake_embedder.encode([question])[0])
        hits = retrieve(index, query, options)
        make_answer(index, query, hits, options, reranker)
        readings = candidate_readings(index, query, hits, options, options.rerank_top)
        assert [r.text for r in readings] == list(dict.fromkeys(reranker.read)), question
        assert {index.document(r.doc_index).doc_id for r in readings} <= {"t", "u"}
        for r in readings:
            assert index.document(r.doc_index).text[r.start: r.end] == r.text  # verbatim, at its place
    assert len(candidate_readings(index, query, hits, options, 1)) == 1

def _bridge_candidates(built, fake_embedder, rerank_top: int):
    """(index, query, options, scored candidates) of "How much did the bridge cost?", the reranker always asked."""
    from qa_bot.answer.sentences import score_sentences

    index = load_index(built, fake_embedder)
    question = "How much did the bridge cost?"
    query = make_query(question, fake_embedder.encode([question])[0])
    options = AnswerOptions(candidates=10, rerank_top=rerank_top, rerank_weight=0.5, rerank_margin=10.0)
    return index, query, options, score_sentences(index, query, retrieve(index, query, options), options)


def test_sentences_the_reranker_did_not_read_stay_on_the_same_scale(built, fake_embedder):
    from qa_bot.answer.sentences import rerank

    index, query, options, scored = _bridge_candidates(built, fake_embedder, rerank_top=1)
    assert len(scored) > 2
    reranked = rerank(index, query, scored, _Reading("no such word"), options)
    # The one sentence read got the lowest probability, as the rest are assumed to: the order is unchanged.
    assert [s.sentence_id for s in reranked] == [s.sentence_id for s in scored]
    assert [s.reranked is not None for s in reranked] == [True] + [False] * (len(scored) - 1)
    assert all(abs(r.score - (0.5 * s.score + 0.05)) < 1e-6 for r, s in zip(reranked, scored, strict=True))


def test_the_reranker_never_dilutes_the_recency_prior(built, fake_embedder):
    """Only the reading of the text is blended with the reranker's; a newer article keeps its whole lead."""
    from qa_bot.answer.sentences import rerank

    index, query, options, scored = _bridge_candidates(built, fake_embedder, rerank_top=2)
    recent = [s._replace(score=s.score + 0.3, alone=s.alone + 0.3, recency=0.3) for s in scored]
    plain, dated = (rerank(index, query, found, _Reading("bridge"), options) for found in (scored, recent))
    for a, b in zip(plain, dated, strict=True):
        assert a.sentence_id == b.sentence_id
        assert abs((b.score - a.score) - 0.3) < 1e-6 and abs((b.alone - a.alone) - 0.3) < 1e-6
