"""Follow-up questions read with their thread: which lean on it, how they are read, and the pipeline's answer."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

import qa_bot.pipeline as pipeline_module
from qa_bot.answer.followup import (
    leans_on_thread,
    misses_own_words,
    put_new_first,
    read_in_thread,
    sets_subject,
    story_of,
    told_in,
)
from qa_bot.config import Settings
from qa_bot.index import load_index
from qa_bot.pipeline import QAPipeline
from qa_bot.records import Answer, Document, Quote, SourceRef

from ..conftest import build


def test_a_question_leans_on_its_thread_by_a_pronoun_a_leading_and_or_no_content_of_its_own():
    for question in ("When did it crash?", "What does he think?", "How many were injured there?",
                     "And the Pentagon?", "Why?", "What was the House vote on the first one?",
                     "Who voted against that one?", "When was the latter signed?", "Over what period?"):
        assert leans_on_thread(question), question
    # Question words, auxiliaries and prepositions are no content of a question's own (most are keyword terms).
    assert leans_on_thread("What day did that happen?", "Who was stabbed in a prison in August?")
    for question in ("Where did the defective drone crash?", "Who is David Schenker?",
                     "How many people won one of the Nobel prizes?", "Which company was the first one to land?",
                     "What did the former prime minister of Iraq say?", "When did the latter half of the Tour begin?",
                     "Who was the one who called the strike?"):  # inside a question such words name a thing
        assert not leans_on_thread(question), question


def test_a_question_that_names_its_own_subject_stands_alone_though_it_has_a_pronoun_or_one_word():
    """In the REPL, "How old was Kobe Bryant when he died?" after a question about someone else was read with
    it, and then every later question too; "Who was Soleimani?" leaned for having one content word."""
    earlier = "Who is Abu Mahdi al-Muhandis?"
    for question in ("How old was Kobe Bryant when he died?", "Who was Soleimani?", "Where is Erbil?",
                     "Where was Soleimani when his convoy was hit?"):
        assert not leans_on_thread(question, earlier), question
    # A pronoun before the name, an object pronoun, a fragment, a describing word: these still lean.
    for question in ("Did he meet Putin?", "What did Trump tell them?", "In Iowa?", "And Warren?",
                     "Which Iranian leader did he appeal to?", "Who did the Chinese-backed group say it paid?",
                     "Who won?"):
        assert leans_on_thread(question, earlier), question


def test_a_question_asking_who_someone_new_is_becomes_the_subject_though_read_with_its_thread():
    drone = ["Where did the defective drone crash?"]
    quoted = (Quote("A sentence.", "d", "T", None, None, 0.9, 0, 11),)

    def answered(read_as: str | None = "... (defective drone crash)", quotes=quoted) -> Answer:
        return Answer("q", quotes=quotes, confidence=0.9, read_as=read_as)

    assert sets_subject("Who is David Schenker?", drone, answered())  # "What did he say?" then means him
    assert sets_subject("who is david schenker?", drone, answered())  # as Slack users type
    assert sets_subject("Who's the former US assistant secretary of state?", drone, answered())
    assert sets_subject("What is Hezbollah?", drone, answered())
    assert sets_subject("When did it crash?", drone, answered(read_as=None))  # read alone: the subject, as before
    assert not sets_subject("When did it crash?", drone, answered())
    assert not sets_subject("How many drones were there?", drone, answered())  # asks about no one new
    assert not sets_subject("What did the Pentagon say?", drone, answered())  # names, but does not ask who
    assert not sets_subject("How many Americans were hurt?", drone, answered())
    assert not sets_subject("What is the death toll?", drone, answered())  # a thing of the story, not a name
    assert not sets_subject("Who is David Schenker?", ["Who is David Schenker?"], answered())  # asked again
    assert sets_subject("What is Iran?", ["What did the Iranian-backed militias do?"], answered())  # a whole word
    assert not sets_subject("ok thanks", drone, answered(read_as=None, quotes=()))  # unanswered: the drone stays
    for leaning in ("Who was behind it?", "Who was killed?", "who's responsible?", "Who is he?", "Who are they?"):
        assert not sets_subject(leaning, drone, answered()), leaning  # asks about the drone crash still


def test_an_elliptical_follow_up_misses_its_own_words_in_a_quote_that_never_names_them():
    drone = "Where did the defective drone crash?"
    lead = "One of the most notable incidents occurred when a defective drone crashed into the barracks."
    assert misses_own_words("and the Pentagon?", drone, lead)
    assert not misses_own_words("and the Pentagon?", drone, "According to Pentagon data, it was one of 40.")
    assert not misses_own_words("and the drone?", drone, lead)  # nothing of its own
    # Only an ellipsis: another follow-up may be answered in other words ("a former assistant secretary").
    assert not misses_own_words("What position did he hold?", "Who is David Schenker?", "Schenker, a former official")


def test_a_follow_up_is_read_with_the_latest_earlier_questions_content_words():
    assert read_in_thread("When did it crash?", ["Where did the defective drone crash?"]) == \
        "When did it crash? (defective drone crash)"
    assert read_in_thread("When did it crash?", []) is None
    assert read_in_thread("Who is David Schenker?", ["Where did the drone crash?"]) is None  # stands alone
    assert read_in_thread("Who is David Schenker?", ["Who is David Schenker?"], leans=True) is None  # asked again
    assert read_in_thread("And what did David Schenker say?", ["Who is David Schenker?"]) is None  # nothing to lend
    assert read_in_thread("Why?", ["Who is the prime minister of Iraq?"]) == "Why? (prime minister Iraq)"
    drone = ["Where did the defective drone crash?"]
    assert read_in_thread("Is there a ceasefire in Gaza?", drone) is None  # "there" that only says it exists
    assert read_in_thread("How many people died in the flood that hit Texas?", drone) is None
    assert read_in_thread("How many were injured there?", drone) == \
        "How many were injured there? (defective drone crash)"


DRONE_AND_BRIDGE = [
    Document("d", "The drone crashed at Erbil air base. It crashed on October 26 at dawn.", "Drone", None, None),
    Document("e", "The bridge opened in May. It cost 40 million dollars.", "Bridge", None, None),
]


def _pipeline_over(docs: list[Document], tmp_path, fake_embedder) -> QAPipeline:
    """A pipeline (never abstaining) over an index of ``docs`` made with the fake embedder."""
    build(docs, fake_embedder, tmp_path / "i")
    return QAPipeline(Settings(index_dir=tmp_path / "i", abstain_threshold=0.0),
                      load_index(tmp_path / "i", fake_embedder), fake_embedder)


def test_the_pipeline_answers_a_follow_up_with_its_thread_and_says_how_it_read_it(tmp_path, fake_embedder):
    pipeline = _pipeline_over(DRONE_AND_BRIDGE, tmp_path, fake_embedder)
    alone = pipeline.ask("When did it happen?")
    followed = pipeline.ask("When did it happen?", thread=["Where did the drone crash?"])
    assert followed.question == "When did it happen?" and followed.read_as == "When did it happen? (drone crash)"
    again = pipeline.ask("Why did it happen?", thread=["Where did the drone crash?"])
    assert again.read_as == "Why did it happen? (drone crash)"  # a chain of follow-ups never grows
    assert followed.quotes[0].doc_id == "d" and alone.read_as is None
    assert followed.to_json()["read_as"] == followed.read_as


class _Reading:
    """A reranker that records each question it is asked with and, asked ``question``, prefers texts holding
    ``word`` (any other question: every text alike)."""

    def __init__(self, question: str, word: str) -> None:
        self.question, self.word, self.asked = question, word, []

    def score(self, question, texts):
        self.asked.append(question)
        return np.array([0.9 if question == self.question and self.word in t else 0.1 for t in texts],
                        dtype=np.float32)


def test_the_pipeline_judges_a_repeated_first_quote_by_the_reranker_reading_the_follow_up_alone(tmp_path,
                                                                                                 fake_embedder):
    docs = [Document("d", "The drone crashed at Erbil air base. Officials said the drone crashed near a gate. "
                     "The attack happened on October 26 at dawn.", "Drone", None, None)]
    build(docs, fake_embedder, tmp_path / "i", sentences_per_passage=3, passage_overlap=0)
    reranker = _Reading("When did it crash?", "October")
    settings = Settings(index_dir=tmp_path / "i", abstain_threshold=0.0, rerank_margin=10.0, neighbour_ratio=2.0)
    pipeline = QAPipeline(settings, load_index(tmp_path / "i", fake_embedder), fake_embedder, reranker)
    earlier = pipeline.ask("Where did the drone crash?")
    followed = pipeline.ask("When did it crash?", thread=["Where did the drone crash?"])
    assert followed.read_as == "When did it crash? (drone crash)"
    assert "When did it crash?" in reranker.asked  # the judge reads the follow-up alone
    thread_order = pipeline.ask("When did it crash? (drone crash)")
    assert "October 26" not in thread_order.quotes[0].text  # the thread's reading alone puts another first
    assert "October 26" in followed.quotes[0].text and earlier.quotes[0].text in {q.text for q in followed.quotes}
    reranker.word = "nothing of the kind"  # no candidate is clearly better: the thread reading's order stands
    kept = pipeline.ask("When did it crash?", thread=["Where did the drone crash?"])
    assert "October 26" not in kept.quotes[0].text


def test_a_follow_up_is_answered_in_its_threads_story_by_its_own_words(tmp_path, fake_embedder):
    docs = [Document("d", "The drone crashed at Erbil air base. The drone was made by Shahed in Iran.", "Drone",
                     None, None),
            Document("e", "Who made the boat? The boat was made by a yard in Maine.", "Boat", None, None)]
    pipeline = _pipeline_over(docs, tmp_path, fake_embedder)
    assert pipeline.ask("Who made it?").quotes[0].doc_id == "e"  # alone, another story answers
    followed = pipeline.ask("Who made it?", thread=["Where did the drone crash?"])
    assert followed.read_as == "Who made it? (drone crash)"
    assert "Shahed" in followed.quotes[0].text and {q.doc_id for q in followed.quotes} == {"d"}


def test_a_question_limited_to_some_sources_is_searched_in_their_articles_follow_ups_too(tmp_path, fake_embedder):
    docs = [Document("bbc-1", "The drone crashed at Erbil air base. The drone was made by Shahed in Iran.", "Drone",
                     None, None, source="BBC"),
            Document("r-1", "A drone crash hit a barracks in Erbil. It was made by a firm in Tehran, officials said.",
                     "Erbil strike", None, None, source="Reuters"),
            Document("r-2", "Who made the boat? The boat was made by a yard in Maine.", "Boat", None, None,
                     source="Reuters")]
    pipeline = _pipeline_over(docs, tmp_path, fake_embedder)
    assert pipeline.ask("Where did the drone crash?").quotes[0].doc_id == "bbc-1"  # the best answer of all
    limited = pipeline.ask("Where did the drone crash?", sources=["reuters"])
    assert limited.quotes and {q.doc_id for q in limited.quotes} <= {"r-1", "r-2"}
    assert limited.quotes[0].doc_id == "r-1"  # the sources' own best answer, not what is left of the best
    # The thread's story is taken from the sources' answer, so a follow-up stays in their articles too.
    followed = pipeline.ask("Who made it?", thread=["Where did the drone crash?"], sources=["Reuters"])
    assert followed.quotes and followed.quotes[0].doc_id == "r-1"
    assert pipeline.ask("Where did the drone crash?", sources=["r-1"]).quotes[0].doc_id == "r-1"  # a doc id prefix
    assert not pipeline.ask("Where did the drone crash?", sources=["AP"]).quotes  # no article of theirs


def test_a_follow_up_that_abstains_inside_its_story_is_answered_by_the_thread_reading(tmp_path, fake_embedder,
                                                                                       monkeypatch):
    pipeline = _pipeline_over(DRONE_AND_BRIDGE, tmp_path, fake_embedder)
    real, stories = pipeline_module.answer_as_of, []

    def abstaining_inside_a_story(*args):  # the follow-up's own words find nothing sure enough in the story
        answer = real(*args)
        stories.append(args[7] if len(args) > 7 else None)
        return replace(answer, quotes=()) if stories[-1] is not None else answer

    monkeypatch.setattr(pipeline_module, "answer_as_of", abstaining_inside_a_story)
    followed = pipeline.ask("And the first one?", thread=["Where did the drone crash?"])
    assert any(story is not None for story in stories)  # the story was tried first
    assert followed.quotes and followed.quotes[0].doc_id == "d"
    assert followed.read_as == "And the first one? (drone crash)"


def _quote(doc: str, start: int, text: str) -> Quote:
    return Quote(text=text, doc_id=doc, title=doc, url=None, date=None, score=0.9, start=start, end=start + len(text))


def test_a_follow_up_whose_first_quote_repeats_the_earlier_answer_puts_the_closest_new_quote_first():
    repeated = _quote("a", 0, "Johnson won the leadership ballot with 92,153 votes.")
    beat = _quote("a", 60, "Johnson competed for the role against Jeremy Hunt.")
    other = _quote("b", 0, "The pound rose on the news.")
    earlier = Answer("How many votes did Johnson win?", quotes=(repeated,))
    answer = Answer("Who did he beat?", quotes=(repeated, other, beat))
    closeness = {repeated.text: 0.2, other.text: 0.1, beat.text: 0.6}

    def similarity(texts: list[str]) -> list[float]:
        return [closeness[t] for t in texts]

    assert put_new_first("Who did he beat?", answer, earlier, similarity).quotes == (beat, repeated, other)
    closeness[beat.text] = 0.15  # no other quote is closer to the follow-up than the repeated one: kept
    assert put_new_first("Who did he beat?", answer, earlier, similarity).quotes == answer.quotes
    closeness[beat.text] = 0.6
    fresh = Answer("Who did he beat?", quotes=(beat, repeated))  # a first quote that is new: kept
    assert put_new_first("Who did he beat?", fresh, earlier, similarity) is fresh
    # "why" follow-ups: the reason is the sentence after the earlier answer's, in the repeated quote already
    assert put_new_first("Why did he win?", answer, earlier, similarity) is answer
    noticed = replace(answer, notice="No articles from last week answer this; the best answer from another date: "
                                     "The articles disagree; the newest (2019-07-23) comes first, then ...")
    moved = put_new_first("Who did he beat?", noticed, earlier, similarity)
    assert moved.quotes[0] == beat  # the notice of the order goes with the order; the rest of it stays
    assert moved.notice == "No articles from last week answer this; the best answer from another date:"
    copy = replace(repeated, doc_id="b", also_in=(repeated.source_ref(),))  # the other copy of the same story
    folded = Answer("Who did he beat?", quotes=(copy, other, beat))
    closeness[copy.text] = 0.2
    assert put_new_first("Who did he beat?", folded, earlier, similarity).quotes[0] == beat


def test_a_follow_up_asked_alone_offers_a_new_first_quote_from_the_threads_articles_only():
    ballot = _quote("a", 0, "Johnson won the leadership ballot with 92,153 votes.")
    turnout = _quote("a", 60, "Turnout was 87.4%.")
    earlier = Answer("How many votes did Johnson win?", quotes=(turnout, ballot))
    answer = Answer("Who did he beat?", quotes=(ballot,))  # repeats the earlier answer's second quote
    beat = _quote("a", 120, "Johnson competed for the role against Jeremy Hunt.")
    elsewhere = _quote("c", 0, "Hunt beat Johnson at chess in 1990.")  # an article the thread never quoted
    closeness = {ballot.text: 0.3, turnout.text: 0.1, beat.text: 0.9, elsewhere.text: 0.95}

    def similarity(texts: list[str]) -> list[float]:
        return [closeness[t] for t in texts]

    def alone(*quotes: Quote):
        return lambda: Answer("Who did he beat?", quotes=quotes)

    moved = put_new_first("Who did he beat?", answer, earlier, similarity, alone(elsewhere, beat))
    assert moved.quotes == (beat, ballot)  # the new quote first, from the thread's article; the repeated one kept
    assert put_new_first("Who did he beat?", answer, earlier, similarity, alone(elsewhere)) is answer
    # a quote the answer holds already is not offered twice
    closeness[ballot.text] = 0.99
    assert put_new_first("Who did he beat?", answer, earlier, similarity, alone(ballot)) is answer
    closeness[ballot.text] = 0.3
    # one the earlier answer showed may answer the follow-up as well
    closeness[turnout.text] = 0.8
    assert put_new_first("Who did he beat?", answer, earlier, similarity, alone(turnout)).quotes[0] == turnout
    closeness[turnout.text] = 0.1
    # with a margin, a near tie keeps the repeated quote first
    closeness[beat.text] = 0.35
    assert put_new_first("Who did he beat?", answer, earlier, similarity, alone(beat), margin=0.1) is answer
    assert put_new_first("Who did he beat?", answer, earlier, similarity, alone(beat)).quotes[0] == beat
    full = Answer("Who did he beat?", quotes=(ballot, turnout, elsewhere))
    assert len(put_new_first("Who did he beat?", full, earlier, similarity, alone(beat), 3).quotes) == 3


def test_a_follow_up_keeps_the_thread_readings_news_over_older_news_of_its_story(tmp_path, fake_embedder,
                                                                                  monkeypatch):
    pipeline = _pipeline_over(DRONE_AND_BRIDGE, tmp_path, fake_embedder)
    real = pipeline_module.answer_as_of

    def only_older_news_inside_a_story(*args):  # the story answers only from before the question's window
        answer = real(*args)
        inside = len(args) > 7 and args[7] is not None
        return replace(answer, quotes=tuple(replace(q, outside_window=True) for q in answer.quotes)) if inside \
            else answer

    monkeypatch.setattr(pipeline_module, "answer_as_of", only_older_news_inside_a_story)
    followed = pipeline.ask("When did it crash?", thread=["Where did the drone crash?"])
    assert followed.quotes and not any(q.outside_window for q in followed.quotes)


def test_a_follow_ups_story_answer_from_the_window_stands_when_only_a_later_quote_is_older(
        tmp_path, fake_embedder, monkeypatch):
    """Its first quote is from the dates asked for (the window's answer): a later older quote changes nothing."""
    drone = Document("d", "The drone crashed at Erbil air base. It crashed on October 26 at dawn. The drone crash "
                     "was the third at the base. It crashed after a defect.", "Drone", None, None)
    pipeline = _pipeline_over([drone, DRONE_AND_BRIDGE[1]], tmp_path, fake_embedder)
    real = pipeline_module.answer_as_of
    story_answers: list[Answer] = []

    def older_news_after_the_first_quote(*args):
        answer = real(*args)
        if len(args) > 7 and args[7] is not None:  # asked inside the thread's story
            answer = replace(answer, quotes=(*answer.quotes[:1], *(replace(q, outside_window=True)
                                                                     for q in answer.quotes[1:])))
            story_answers.append(answer)
        return answer

    monkeypatch.setattr(pipeline_module, "answer_as_of", older_news_after_the_first_quote)
    followed = pipeline.ask("When did it crash?", thread=["Where did the drone crash?"])
    assert story_answers and len(story_answers[-1].quotes) > 1 and followed.quotes == story_answers[-1].quotes


def test_a_threads_story_is_the_articles_of_each_answers_first_quote_with_their_folded_copies():
    first = replace(_quote("a", 0, "The drone crashed at Erbil."),
                    also_in=(SourceRef("copy", "Copy", None, None, 0, 27, "The drone crashed at Erbil."),))
    later = _quote("far", 0, "A drone show lit up Sydney.")  # a third quote sharing a word is not the story
    assert story_of(Answer("q", quotes=(first, later)), Answer("q", quotes=(_quote("b", 5, "It was made in Iran."),)),
                    Answer("q")) == {"a", "copy", "b"}


def test_a_question_is_told_in_a_story_that_holds_every_content_word_of_its_own():
    jet = ["The jet was shot down near Tehran. All 176 people on board were killed."]
    assert told_in("How many people were on board?", jet)
    assert not told_in("How many people were on board the ferry?", jet)  # names what the story lacks
    assert not told_in("Why?", jet)  # no content of its own: it leans by the rules, not by this
    assert not told_in("How many people were on board?", [])


JET_AND_FERRY = [
    Document("j", "Iran shot down the passenger jet by mistake, officials said. All 176 people on board were killed.",
             "Jet", None, None),
    Document("f", "How many people were on board the ferry? There were 40 people on board the ferry.", "Ferry",
             None, None),
]


def test_a_question_whose_words_the_threads_story_holds_is_asked_about_that_story(tmp_path, fake_embedder):
    pipeline = _pipeline_over(JET_AND_FERRY, tmp_path, fake_embedder)
    thread = ["Why did Iran shoot down the passenger jet?"]
    assert pipeline.ask("How many people were on board?").quotes[0].doc_id == "f"  # alone: the ferry
    followed = pipeline.ask("How many people were on board?", thread=thread)
    assert followed.read_as == "How many people were on board? (Iran shoot down passenger jet)"
    assert followed.quotes[0].doc_id == "j" and "176" in followed.quotes[0].text
    # A question naming what the jet's story lacks stands alone, as it would without the thread.
    ferry = pipeline.ask("How many people were on board the ferry?", thread=thread)
    assert ferry.read_as is None and ferry.quotes[0].doc_id == "f"


def test_a_thread_that_lends_no_words_costs_no_answer_of_its_own(tmp_path, fake_embedder, monkeypatch):
    pipeline = _pipeline_over(JET_AND_FERRY, tmp_path, fake_embedder)
    asked = []
    real = pipeline_module.answer_as_of
    monkeypatch.setattr(pipeline_module, "answer_as_of", lambda index, question, *rest: asked.append(question) or
                        real(index, question, *rest))
    # Earlier "questions" that clean to nothing, or lend no words: the question is answered once, alone.
    for thread in (["\x07", "   "], ["\u200b"], ["Is it?"]):
        asked.clear()
        answer = pipeline.ask("How many people were on board?", thread=thread)
        assert asked == ["How many people were on board?"] and answer.read_as is None, thread
