"""A question that describes its story and asks one detail of it: what it asks beyond the story's opening is asked
inside the story, and the reranker reading that judges the quotes found there against the first."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from qa_bot.answer.details import asked_beyond, detail_first
from qa_bot.config import Settings
from qa_bot.index import load_index
from qa_bot.pipeline import QAPipeline
from qa_bot.records import Answer, Document, Quote

from ..conftest import build

BOAT_OPENING = ("Deadly boat fire off Santa Cruz Island. A deadly boat fire earlier this week near Santa Cruz Island "
                "resulted in the death of all 33 passengers.")


def test_what_a_question_asks_beyond_its_storys_opening_is_the_words_the_opening_lacks():
    detail = asked_beyond("Who owned the boat that caught fire off Santa Cruz Island?", BOAT_OPENING)
    assert detail is not None
    assert "owned" in detail and not {"boat", "fire", "Santa", "Cruz", "Island"} & set(detail.rstrip("?").split())
    assert detail.startswith("Who") and detail.endswith("?")  # question words stay: they say what kind of answer
    # An opening that holds none of its words is not its story's; one that holds all of them answers it.
    assert asked_beyond("What is the capital of France?", BOAT_OPENING) is None
    assert asked_beyond("How many passengers were there in the deadly boat fire?", BOAT_OPENING) is None


def _quote(doc: str, start: int, text: str, **kwargs) -> Quote:
    return Quote(text=text, doc_id=doc, title=doc, url=None, date=None, score=0.9, start=start,
                 end=start + len(text), **kwargs)


def test_a_quote_from_inside_the_story_goes_first_when_the_reranker_reads_it_clearly_better():
    opening = _quote("a", 0, "A deadly boat fire near Santa Cruz Island killed 33.")
    other = _quote("b", 0, "Another boat sank.")
    owner = _quote("a", 80, "The Conception was owned by Truth Aquatics.")
    answer = Answer("Who owned the boat?", quotes=(opening, other), confidence=0.9)
    inside = Answer("Who owned?", quotes=(replace(opening), owner))  # the opening again: no candidate
    reading = {opening.text: 0.1, owner.text: 0.8, other.text: 0.1}

    def scores(texts: list[str]) -> list[float]:
        return [reading[t] for t in texts]

    assert detail_first(answer, inside, scores, max_quotes=3).quotes == (owner, opening, other)
    assert detail_first(answer, inside, scores, max_quotes=2).quotes == (owner, opening)
    reading[owner.text] = 0.15  # not clearly better: the first quote stays first
    assert detail_first(answer, inside, scores, max_quotes=3) is answer
    reading[owner.text], reading[opening.text] = 0.9, 0.5  # a first quote read as answering already stays first
    assert detail_first(answer, inside, scores, max_quotes=3) is answer
    reading[owner.text], reading[opening.text] = 0.8, 0.1
    older = replace(owner, outside_window=True)  # from before the dates asked for: never before one inside them
    assert detail_first(answer, replace(inside, quotes=(older,)), scores, max_quotes=3) is answer
    noticed = replace(answer, notice="Nothing from last week answers this; the best answer from another date: "
                                     "The articles disagree; the newest (2019-07-23) comes first, then ...")
    moved = detail_first(noticed, inside, scores, max_quotes=3)
    assert moved.quotes[0] == owner and moved.notice == ("Nothing from last week answers this; the best answer "
                                                         "from another date:")


class _Overlap:
    """A reranker that reads word overlap, as one trained on SQuAD does: the text sharing most words with the
    question scores best."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def score(self, question: str, texts: list[str]) -> np.ndarray:
        self.asked.append(question)
        words = {w.strip("?.,").lower() for w in question.split()}
        return np.array([len(words & {w.strip("?.,").lower() for w in t.split()}) / 10 for t in texts],
                        dtype=np.float32)


def test_the_pipeline_asks_a_detail_of_a_described_story_inside_that_story(tmp_path, fake_embedder):
    docs = [Document("boat", "A deadly boat fire near Santa Cruz Island killed all 33 passengers. Divers searched "
                             "the wreck for days. The Conception was owned by Truth Aquatics.",
                     "Boat fire off Santa Cruz Island", None, None),
            Document("bridge", "The bridge opened in May. It cost 40 million dollars.", "Bridge", None, None)]
    build(docs, fake_embedder, tmp_path / "i", sentences_per_passage=3, passage_overlap=0)
    reranker = _Overlap()
    settings = Settings(index_dir=tmp_path / "i", abstain_threshold=0.0, rerank_margin=10.0, neighbour_ratio=2.0)
    pipeline = QAPipeline(settings, load_index(tmp_path / "i", fake_embedder), fake_embedder, reranker)
    question = "Who owned the boat that caught fire near Santa Cruz Island?"
    plain = pipeline.ask(question, options=pipeline.options.model_copy(update={"story_details": False}))
    assert "Santa Cruz" in plain.quotes[0].text  # the opening holds the most words of the question
    detailed = pipeline.ask(question)
    assert "Truth Aquatics" in detailed.quotes[0].text and detailed.question == question
    assert any("owned" in q and "Santa" not in q for q in reranker.asked)  # the judge read the detail alone
    assert plain.quotes[0].text in {q.text for q in detailed.quotes}  # the opening stays, after it
    # Without a reranker nothing judges the detail: the answer is the plain one.
    bare = QAPipeline(settings, load_index(tmp_path / "i", fake_embedder), fake_embedder)
    assert bare.ask(question).quotes[0].text == bare.ask(
        question, options=bare.options.model_copy(update={"story_details": False})).quotes[0].text
