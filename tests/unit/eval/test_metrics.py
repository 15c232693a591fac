"""The eval's metrics on hand-made predictions."""

from __future__ import annotations

from qa_bot.eval.metrics import EvalQuestion, Prediction, score


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
