"""The follow-up forms scripts/train_reranker.py adds with --followups: a question naming its article's subject,
asked as a follow-up in a thread would ask it (the subject replaced by a pronoun)."""

from __future__ import annotations

import random

import pytest

from ..conftest import load_script

HE = ("he", "him", "his")
THEY = ("they", "them", "their")


@pytest.fixture(scope="module")
def script():
    return load_script("train_reranker")


@pytest.mark.parametrize(("question", "title", "pronoun", "form"), [
    ("When did Chopin leave Warsaw?", "Frédéric_Chopin", HE, "When did he leave Warsaw?"),  # the title's last word
    ("Who taught Chopin to play?", "Frédéric_Chopin", HE, "Who taught him to play?"),  # object form
    ("What was Chopin's first opus?", "Frédéric_Chopin", HE, "What was his first opus?"),  # possessive
    ("Where was the University of Notre Dame founded?", "University_of_Notre_Dame", THEY,
     "Where was they founded?"),  # the whole title, with its article; subject form after an auxiliary
    ("Spectre was released when?", "Spectre_(2015_film)", HE, "He was released when?"),  # parenthesis dropped
    ("What lake is to the east of Seattle?", "Seattle", THEY, "What lake is to the east of them?"),
])
def test_a_question_naming_its_subject_gets_a_pronoun(script, question, title, pronoun, form):
    assert script.followup_form(question, title, pronoun) == form


@pytest.mark.parametrize(("question", "title"), [
    ("In what year did the Seattle Metropolitans win the Stanley Cup?", "Seattle"),  # part of a longer name
    ("Who oversees the London Fire Brigade?", "London"),
    ("What was the Federal Republic of Germany created after?", "Germany"),
    ("Name six important Philadelphia architects.", "Philadelphia"),  # a word of a noun, not a noun phrase
    ("What was the 2009 defence budget?", "Defence"),  # a common word, not a name
    ("Who won the 1998 World Cup?", "Beyoncé"),  # the subject not named at all
])
def test_a_question_not_naming_its_subject_as_a_whole_name_has_no_form(script, question, title):
    assert script.followup_form(question, title, HE) is None


def test_followup_items_keep_the_answer_and_change_only_the_question(script):
    item = script.Item("When did Chopin leave Warsaw?", ("Chopin left Warsaw in 1830.", "He never returned."), 0, 0,
                       5, 0, "1830", 22)
    other = script.Item("What is the capital of Poland?", item.sentences, 0, 0, 5, 1, "Warsaw", 12)
    titles = {5: "Frédéric_Chopin"}
    forms = script.followup_items([item, other], titles, random.Random(1), 1.0)
    assert len(forms) == 1 and forms[0].question != item.question and "Chopin" not in forms[0].question
    assert forms[0].sentences == item.sentences and (forms[0].gold, forms[0].answer) == (0, "1830")
    assert script.followup_items([item], titles, random.Random(1), 0.0) == []
