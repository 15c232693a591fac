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


def test_with_a_reranker_the_fit_and_the_model_read_its_score():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, (4000, 3))
    truth = np.array([2.0, 1.0, 9.0, -6.0])  # the reranker's score carries most of the signal
    y = rng.uniform(0, 1, 4000) < 1 / (1 + np.exp(-(x @ truth[:3] + truth[3])))
    weights = fit([Evidence(*row) for row in x], y.tolist())
    assert set(weights) == {"confidence_rr_cosine", "confidence_rr_coverage", "confidence_rr_reranker",
                            "confidence_rr_bias"}
    assert abs(weights["confidence_rr_reranker"] - 9.0) < 1.5
    fitted = AnswerOptions().model_copy(update=weights)
    sure, unsure = Evidence(0.5, 0.5, 0.95), Evidence(0.5, 0.5, 0.05)
    assert answer_confidence(sure, fitted) > 0.8 > 0.2 > answer_confidence(unsure, fitted)
    # Without the reranker's score the model fitted without a reranker answers, whatever the rr weights say.
    assert answer_confidence(Evidence(0.5, 0.5), fitted) == calibrated_confidence(0.5, 0.5, AnswerOptions())
    # Questions the reranker did not read (a clear lead) are left out of its fit: the plain model judges them.
    skipped = [Evidence(0.9, 0.9)] * 500
    assert fit([Evidence(*row) for row in x] + skipped, [*y.tolist()] + [False] * 500) == weights
