"""How sure an answer is: a logistic model of its evidence, and the fit that sets the model's weights.

The model reads an answer's :class:`~qa_bot.records.Evidence` (the best-ranked sentence's cosine, the
share of the question's keyword terms in the best passage, and, when a reranker ran, its best
probability). Its weights are settings, one set for each case (``confidence_cosine``, ``_coverage``,
``_bias``; with the reranker ``confidence_rr_cosine``, ``_coverage``, ``_reranker``, ``_bias``), printed by
``scripts/fit_confidence.py``, which fits them with :func:`fit` on answerable against unanswerable questions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qa_bot.config import AnswerOptions
from qa_bot.records import Evidence


def calibrated_confidence(
    cosine: float, coverage: float, options: AnswerOptions, reranked: float | None = None
) -> float:
    """The probability, in [0, 1], that the articles answer the question, from the inputs of the model.

    With ``reranked`` (the reranker's probability), the model fitted with the reranker on is used
    (``confidence_rr_*``); without, the one fitted without it.
    """
    if reranked is None:
        z = options.confidence_cosine * cosine + options.confidence_coverage * coverage + options.confidence_bias
    else:
        z = (options.confidence_rr_cosine * cosine + options.confidence_rr_coverage * coverage
             + options.confidence_rr_reranker * reranked + options.confidence_rr_bias)
    return float(1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z)))))


def answer_confidence(evidence: Evidence, options: AnswerOptions) -> float:
    """The probability that the articles answer the question, from an answer's ``evidence``."""
    return calibrated_confidence(evidence.cosine, evidence.coverage, options, evidence.reranked)


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = 1e-3, steps: int = 50) -> np.ndarray:
    """Weights (one per column of ``x``, then the bias) of a logistic regression, by Newton's method."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ w))
        gradient = design.T @ (p - y) + ridge * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + ridge * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit(evidence: Sequence[Evidence | None], answerable: Sequence[bool]) -> dict[str, float]:
    """The confidence settings fitted to ``evidence``: ``confidence_cosine``, ``_coverage`` and ``_bias``,
    or, when the evidence carries the reranker's score, ``confidence_rr_cosine``, ``_coverage``,
    ``_reranker`` and ``_bias``.

    A question with no evidence (no candidate sentence at all) counts as evidence of zeros. With the
    reranker, only the questions it read are fitted: the others (a clear lead it was not asked about, see
    ``rerank_margin``) are judged by the model without it. The weights are rounded to one decimal, as the
    settings carry them; pass them to ``AnswerOptions.model_copy(update=...)``. A negative weight is
    returned as fitted (it says the input hurts); the settings refuse it.
    """
    reranked = any(e is not None and e.reranked is not None for e in evidence)
    labelled = [(e, a) for e, a in zip(evidence, answerable, strict=True)
                if not reranked or (e is not None and e.reranked is not None)]
    rows = [(e.cosine, e.coverage, e.reranked or 0.0) if e is not None else (0.0, 0.0, 0.0) for e, _ in labelled]
    x = np.array([row if reranked else row[:2] for row in rows], dtype=np.float64)
    weights = [round(float(w), 1) for w in fit_logistic(x, np.array([a for _, a in labelled], dtype=np.float64))]
    names: tuple[str, ...] = ("confidence_cosine", "confidence_coverage", "confidence_bias")
    if reranked:
        names = ("confidence_rr_cosine", "confidence_rr_coverage", "confidence_rr_reranker", "confidence_rr_bias")
    return dict(zip(names, weights, strict=True))
