"""The confidence model and its fit."""

from __future__ import annotations

import numpy as np

from qa_bot.answer.confidence import answer_confidence, calibrated_confidence, fit, fit_logistic
from qa_bot.config import AnswerOptions
from qa_bot.records import Evidence


def test_confidence_is_a_probability_rising_with_evidence():
    from qa_bot.answer.confidence import calibrated_confidence

    options = AnswerOptions()
    values = [calibrated_confidence(c, k, options) for c, k in ((0.0, 0.0), (0.3, 0.2), (0.5, 0.6), (0.9, 1.0))]
    assert values == sorted(values) and 0.0 <= values[0] < 0.01 and 0.99 < values[-1] <= 1.0
    assert calibrated_confidence(0.45, 0.2, options) < calibrated_confidence(0.45, 0.8, options)


def test_an_answer_confidence_reads_its_evidence():
    options = AnswerOptions()
    assert answer_confidence(Evidence(0.5, 0.6), options) == calibrated_confidence(0.5, 0.6, options)


def test_the_fit_recovers_a_known_logistic_model():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (4000, 2))
    truth = np.array([8.0, 4.0, -6.0])
    y = rng.uniform(0, 1, 4000) < 1 / (1 + np.exp(-(x @ truth[:2] + truth[2])))
    assert np.allclose(fit_logistic(x, y.astype(float)), truth, atol=1.0)
    weights = fit([Evidence(*row) for row in x] + [None], [*y.tolist(), False])
    assert set(weights) == {"confidence_cosine", "confidence_coverage", "confidence_bias"}
    assert abs(weights["confidence_cosine"] - 8.0) < 1.2 and weights["confidence_bias"] < -4
    fitted = AnswerOptions().model_copy(update=weights)
    assert answer_confidence(Evidence(0.9, 0.9), fitted) > 0.9 > 0.1 > answer_confidence(Evidence(0.1, 0.1), fitted)
