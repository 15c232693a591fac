"""The eval's metrics on hand-made predictions, and how its questions file is read."""

from __future__ import annotations

import json
import re

import pytest

from qa_bot.errors import EvalDataError
from qa_bot.eval.metrics import EvalQuestion, Prediction, read_questions, score

from ...conftest import ROOT, TEST_DATA, XQUAD


def test_eval_reports_the_mean_length_of_first_quotes_of_answered_questions():
    questions = [EvalQuestion(str(i), "q?", ("gold",), "d") for i in range(3)]
    predictions = [
        Prediction(((("gold" + "x" * 6), frozenset({"d"})), ("y" * 50, frozenset({"d"})))),  # 10 chars first
        Prediction((("z" * 30, frozenset({"e"})),)),  # 30 chars, a miss
        Prediction(()),  # abstained: not counted
    ]
    report = score("s", questions, predictions)
    assert report.quote_chars == 20.0
    assert report.answer_hit_1 == 1 / 3 and report.abstain_rate == 1 / 3
    assert report.to_json()["quote_chars"] == 20.0


GOOD = {"id": "q1", "question": "How many points did the defense give up?", "answers": ["308"], "doc_id": "d1"}


def read_one(tmp_path, **record: object) -> list[EvalQuestion]:
    """The questions of a file of a good record, then one that is ``GOOD`` with ``record`` over it."""
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + json.dumps({**GOOD, **record}) + "\n", encoding="utf-8")
    return read_questions(path)


@pytest.mark.parametrize(
    ("record", "said"),
    [
        ({"answers": "308"}, '"answers" must be a list of strings (or numbers), not "308" (["308"] for one answer)'),
        ({"answers": ["308", True]}, '"answers" must be a list of strings (or numbers), not ["308", true]'),
        ({"answers": [["308"]]}, '"answers" must be a list of strings (or numbers), not [["308"]]'),
        ({"answerable": "false"}, '"answerable" must be true or false, not "false"'),
        ({"answerable": 0}, '"answerable" must be true or false, not 0'),
        ({"as_of": "13/11/2023"}, "cannot read the as-of date '13/11/2023': give YYYY-MM-DD or an ISO time"),
        ({"question_date": "last week"}, "cannot read the as-of date 'last week': give YYYY-MM-DD or an ISO time"),
        ({"question": ""}, '"question" is empty'),
        ({"question": "   "}, '"question" is empty'),
        ({"question": 12}, '"question" must be a non-empty string, not 12'),
        ({"question": None}, '"question" must be a non-empty string, not null'),
        ({"doc_id": ["d1"]}, '"doc_id" must be a string, a number or null, not ["d1"]'),
        ({"answers": []}, 'no "answers" for an answerable question (give the text a quote must hold, or '
                          '"answerable": false)'),
        ({"answers": ["308", " "]}, 'a blank answer in "answers" (it would match every quote)'),
        ({"answers": None}, '"answers" must be a list of strings (or numbers), not null'),
    ],
)
def test_a_record_of_the_wrong_shape_is_refused_with_its_line_when_the_file_is_read(tmp_path, record, said):
    with pytest.raises(EvalDataError) as refused:
        read_one(tmp_path, **record)
    assert str(refused.value) == f"{tmp_path / 'q.jsonl'}:3: {said}"


def test_a_record_without_a_question_or_not_a_json_object_is_refused_with_its_line(tmp_path):
    path = tmp_path / "q.jsonl"
    for line, said in (('{"answers": ["308"]}', 'no "question"'),
                       ("[1, 2]", "not a question record: not a JSON object"),
                       ('{"question": "Who?"', "not a question record: invalid JSON (Expecting ',' delimiter)")):
        path.write_text(line + "\n", encoding="utf-8")
        with pytest.raises(EvalDataError, match=re.escape(f"q.jsonl:1: {said}")):
            read_questions(path)


def test_well_formed_records_are_read_as_written(tmp_path):
    first, dated = read_one(tmp_path, id=7, doc_id=None, answers=[], answerable=False, as_of="2023-11-13T10:00",
                            kind="count")  # a field the eval does not read is left alone
    assert first == EvalQuestion("q1", GOOD["question"], ("308",), "d1")
    assert dated == EvalQuestion("7", GOOD["question"], (), None, answerable=False, as_of="2023-11-13T10:00")
    [_, counted] = read_one(tmp_path, answers=[308, "three hundred", 2.5])  # a number is an answer, as its text
    assert counted.answers == ("308", "three hundred", "2.5")
    _, other_name = read_one(tmp_path, question_date="2023-11-13")
    assert other_name.as_of == "2023-11-13"


def test_a_byte_order_mark_before_the_first_record_is_no_part_of_it(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("\ufeff" + json.dumps(GOOD) + "\n", encoding="utf-8")  # as Notepad saves UTF-8
    assert read_questions(path) == [EvalQuestion("q1", GOOD["question"], ("308",), "d1")]


def test_a_questions_file_that_is_not_there_is_said_as_a_missing_corpus_is(tmp_path):
    with pytest.raises(EvalDataError) as refused:
        read_questions(tmp_path / "nope.jsonl")
    assert str(refused.value) == f"no questions file at {tmp_path / 'nope.jsonl'}"
    with pytest.raises(EvalDataError) as refused:
        read_questions(tmp_path)  # a folder
    assert str(refused.value) == f"cannot read questions {tmp_path}: Is a directory"


def test_the_shipped_question_sets_read_whole():
    for path in (XQUAD / "questions.jsonl", ROOT / "data" / "eval" / "wikinews" / "questions.jsonl",
                 TEST_DATA / "bundled_questions.jsonl"):
        assert read_questions(path)
