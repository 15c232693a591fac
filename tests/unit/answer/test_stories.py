"""One story shown once (fake embedder): a copy or rewrite of an article folds into the quote it repeats,
an independent report of the same fact is shown as corroboration, and an update with other numbers is
quoted on its own."""

from __future__ import annotations

from qa_bot.records import Answer, Document, Quote
from qa_bot.render import answer_text

from ..conftest import build
from .test_quotes import ask

STORY = ("The mayor opened the new harbour bridge on Monday morning. The bridge cost 40 million dollars to build. "
         "Engineers spent three years on the steel arches. Traffic on the old ferry route is expected to fall. "
         "The mayor thanked the workers at a ceremony.")
# A rewrite: the same facts in the same order, a sentence cut, some words changed.
REWRITE = ("The mayor opened the new harbour bridge on Monday. The bridge cost 40 million dollars to build in all. "
           "Engineers spent three years on the steel arches of the bridge. The mayor thanked the workers.")
OTHER = ("Schools in the district will get new laptops this autumn. The council voted for the budget on Tuesday. "
         "Parents welcomed the decision at a meeting.")


def documents(*extra: Document) -> list[Document]:
    return [Document("wire", STORY, "Bridge opens", None, "2024-05-01", "Wire"),
            Document("rewrite", REWRITE, "New bridge opened", None, "2024-05-01", "Daily"),
            Document("schools", OTHER, "Laptops for schools", None, "2024-05-02", "Gazette"), *extra]


def test_a_rewrite_of_an_article_folds_into_the_quote_it_repeats(tmp_path, fake_embedder):
    build(documents(), fake_embedder, tmp_path / "i")
    folded = ask(tmp_path / "i", fake_embedder, "How much did the bridge cost to build?", abstain_threshold=0.0,
                 relative_floor=0.0)
    apart = ask(tmp_path / "i", fake_embedder, "How much did the bridge cost to build?", abstain_threshold=0.0,
                relative_floor=0.0, story_overlap=1.01, duplicate_similarity=1.01)
    cost = [q for q in folded.quotes if "40 million" in q.text]
    assert len(cost) == 1 and {r.doc_id for r in cost[0].also_in} == {"wire", "rewrite"} - {cost[0].doc_id}
    assert len([q for q in apart.quotes if "40 million" in q.text]) == 2  # without folding: the fact twice
    assert not cost[0].reported_by


def test_an_independent_report_of_the_same_fact_is_shown_as_corroboration(tmp_path, fake_embedder):
    report = Document("radio", "Listeners called in all day. The bridge cost 40 million dollars to build. "
                      "The station played music about bridges.", "Radio notes", None, "2024-05-03", "Radio")
    build(documents(report), fake_embedder, tmp_path / "i")
    answer = ask(tmp_path / "i", fake_embedder, "How much did the bridge cost to build?", abstain_threshold=0.0,
                 relative_floor=0.0)
    cost = [q for q in answer.quotes if "40 million" in q.text]
    assert len(cost) == 1
    quote = cost[0]
    copies = {quote.doc_id, *(r.doc_id for r in quote.also_in)}  # one story: the quote and its other versions
    assert copies | {r.doc_id for r in quote.reported_by} == {"wire", "rewrite", "radio"}
    assert not {"radio", "wire"} <= copies and quote.reported_by and quote.outlets == 3
    shown = answer_text(answer)
    assert "reported by 3 outlets" in shown and "Radio notes" in shown
    assert answer.to_json()["quotes"][0]["reported_by"] or answer.to_json()["quotes"][1]["reported_by"]


def test_an_update_with_other_numbers_is_never_folded_away(tmp_path, fake_embedder):
    update = Document("update", STORY.replace("40 million", "55 million"), "Bridge cost rises", None, "2024-06-01",
                      "Wire")
    build(documents(update), fake_embedder, tmp_path / "i")
    answer = ask(tmp_path / "i", fake_embedder, "How much did the bridge cost to build?", abstain_threshold=0.0,
                 relative_floor=0.0)
    assert {"40 million", "55 million"} <= {n for q in answer.quotes for n in ("40 million", "55 million")
                                             if n in q.text}


def test_outlets_are_counted_by_source_or_else_by_article():
    base = Quote("x", "a", "A", None, None, 1.0, 0, 1, source="Wire")
    ref = base.source_ref()
    assert base.outlets == 1
    two = Quote("x", "a", "A", None, None, 1.0, 0, 1, source="Wire",
                reported_by=(ref.__class__("b", "B", None, None, 0, 1, "x", "Wire"),
                             ref.__class__("c", "C", None, None, 0, 1, "x", None)))
    assert two.outlets == 2  # Wire twice is one outlet; an article without a source counts alone
    assert "reported by" not in answer_text(Answer("q?", quotes=(base,)))


def test_other_numbers_in_any_sentence_of_a_quote_are_an_update_never_folded(tmp_path, fake_embedder):
    docs = [Document("a", "The harbour bridge opened on Monday. It cost 40 million dollars to build, officials "
                     "said.", "A", None, "2024-05-01", "Wire"),
            Document("b", "Shops were closed all week in the town. It cost 55 million dollars to build, officials "
                     "said.", "B", None, "2024-06-01", "Daily")]
    build(docs, fake_embedder, tmp_path / "i")
    answer = ask(tmp_path / "i", fake_embedder, "How much did the harbour bridge cost to build?",
                 abstain_threshold=0.0, relative_floor=0.0)
    folded = [r.text for q in answer.quotes for r in (*q.also_in, *q.reported_by)]
    assert not any("55 million" in text for text in folded)
    assert any("55 million" in q.text for q in answer.quotes)


def test_the_same_outlet_is_never_its_own_corroboration():
    from qa_bot.records import SourceRef

    same = SourceRef("b", "B", None, None, 0, 1, "x", "Wire")
    quote = Quote("x", "a", "A", None, None, 1.0, 0, 1, source="Wire", reported_by=(same,))
    assert quote.outlets == 1 and "reported by" not in answer_text(Answer("q?", quotes=(quote,)))
