from __future__ import annotations

import pytest

from qa_bot.answer.answer_type import AnswerType, expected_type, offers_answer


@pytest.mark.parametrize(("question", "wanted"), [
    ("How many attacks were there?", AnswerType.NUMBER),
    ("What percentage of voters agreed?", AnswerType.NUMBER),
    ("When did the drone crash?", AnswerType.DATE),
    ("In what year was the bridge built?", AnswerType.DATE),
    ("Who is David Schenker?", AnswerType.PERSON),
    ("Where did the drone crash?", AnswerType.PLACE),
    ("Why did the militias attack?", None),
])
def test_expected_type(question, wanted):
    assert expected_type(question) is wanted


def test_a_sentence_that_only_repeats_the_question_offers_nothing():
    question = "How many attacks have US forces faced?"
    assert offers_answer("There were at least 40 attacks on US forces.", question, AnswerType.NUMBER)
    assert not offers_answer("US forces have faced attacks.", question, AnswerType.NUMBER)
    assert not offers_answer("Tell me about 2023 attacks.", "What happened in 2023?", AnswerType.DATE)
    assert offers_answer("It crashed on October 26.", "When did the drone crash?", AnswerType.DATE)
    assert offers_answer("David Schenker, a former assistant secretary of state, said so.",
                         "Who is David Schenker?", AnswerType.PERSON)


def test_a_month_is_a_month_only_as_written():
    """ "may require" was the month May, so a sentence with no date offered one and the articles "disagreed"."""
    from qa_bot.answer.answer_type import candidates

    question = "When did the WHO declare a pandemic?"
    assert candidates("Containing COVID-19 may require a different approach.", question, AnswerType.DATE) == set()
    assert candidates("Thousands march on the capital.", question, AnswerType.DATE) == set()
    assert candidates("It was declared on May 3, after a week in March.", question, AnswerType.DATE) == {
        "may 3", "march."}
