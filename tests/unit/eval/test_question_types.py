"""Question types for eval reports: the classifier on real-looking questions, and metrics per type."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from qa_bot.cli import main
from qa_bot.eval.metrics import EvalQuestion, Prediction, score
from qa_bot.eval.question_types import BY_TYPE_HEADER, QUESTION_TYPES, by_type_rows, question_type, score_by_type


@pytest.mark.parametrize(("question", "kind"), [
    ("Who founded McKinsey & Company?", "who"),
    ("Most aspects of transport safety is a subject dealt with by whom?", "who"),
    ("Who played Doctor Who on stage in the 70's?", "who"),
    ("Whose plea fell on deaf ears?", "who"),
    ("When was this edict declared?", "when"),
    ("In what year did the Broncos win their first Super Bowl?", "when"),
    ("What year was the university founded?", "when"),
    ("On what date was the treaty signed?", "when"),
    ("In what century did missionaries notably establish church schools in South Africa?", "when"),
    ("Where did the attack on the base take place?", "where"),
    ("How many nations contain \"Amazonas\" in their names?", "how many"),
    ("How much time remained on the clock when the Broncos made the interception?", "how many"),
    ("The rate of clearing of forest from 2000 to 2005 was how many square miles per year?", "how many"),
    ("Why was Tanaghrisson supporting British efforts?", "why"),
    ("What does chloroplastidan mean?", "what"),
    ("Which team did the Panthers defeat in the NFC Championship?", "what"),
    ("Since 2005, what is the gender of Doctor Who's primary traveling companion?", "what"),
    ("How old was Manning when he played Super Bowl 50?", "what"),
    ("What's Thomas Piketty's job?", "what"),
    ("WHat does UserDatagram Protocol gaurentee", "what"),
    ("Name the prime minister of Iraq.", "what"),
])
def test_question_type(question, kind):
    assert question_type(question) == kind


def question(kind_question, qid, answerable=True):
    return EvalQuestion(qid, kind_question, ("gold",), "d", answerable=answerable)


HIT = Prediction((("the gold answer", frozenset({"d"})),))
SECOND = Prediction((("wrong", frozenset({"d"})), ("gold again", frozenset({"e"}))))
MISS = Prediction((("nothing here", frozenset({"e"})),))
ABSTAIN = Prediction(())


def test_metrics_per_type_are_fractions_of_that_types_questions():
    questions = [
        question("Who said it?", "1"), question("Who won?", "2"), question("Who lost?", "3"),
        question("When did it end?", "4"), question("When did it start?", "5"),
        question("How many died?", "6"),
        question("What is it?", "7", answerable=False),
    ]
    predictions = [HIT, SECOND, ABSTAIN, MISS, HIT, HIT, ABSTAIN]
    reports = score_by_type("s", questions, predictions)
    assert list(reports) == ["who", "when", "how many", "what"]  # report order; absent types left out
    who = reports["who"]
    assert (who.questions, who.doc_hit_1, who.answer_hit_1, who.answer_hit_3, who.abstain_rate) == (
        3, 2 / 3, 1 / 3, 2 / 3, 1 / 3
    )
    when = reports["when"]
    assert (when.questions, when.doc_hit_1, when.answer_hit_1, when.abstain_rate) == (2, 0.5, 0.5, 0.0)
    assert reports["how many"].answer_hit_1 == 1.0
    assert reports["what"].abstain_rate == 1.0 and reports["what"].answer_hit_1 == 1.0  # abstaining is right
    assert sum(r.questions for r in reports.values()) == len(questions)
    # The per-type counts add back up to the overall ones.
    overall = score("s", questions, predictions)
    hits = sum(r.answer_hit_3 * r.questions for r in reports.values())
    assert hits == pytest.approx(overall.answer_hit_3 * overall.questions)


def test_by_type_rows_follow_the_header():
    reports = score_by_type("s", [question("Why?", "1")], [HIT], threshold=None)
    assert by_type_rows(reports) == [["why", "1", "1.000", "1.000", "1.000", "0.000"]]
    assert len(BY_TYPE_HEADER) == len(by_type_rows(reports)[0])
    assert set(reports) <= set(QUESTION_TYPES)


def test_threshold_counts_unsure_answers_as_abstentions_per_type():
    reports = score_by_type("s", [question("Who?", "1")], [Prediction(HIT.quotes, confidence=0.1)], threshold=0.5)
    assert reports["who"].abstain_rate == 1.0 and reports["who"].answer_hit_1 == 0.0


def test_eval_help_mentions_by_type():
    result = CliRunner().invoke(main, ["eval", "--help"])
    assert result.exit_code == 0 and "--by-type" in result.output
