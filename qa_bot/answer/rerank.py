"""Optional reranking of candidate sentences by a cross-encoder that reads question and sentence together.

Off by default: it needs a cross-encoder model on disk (``QA_BOT_RERANKER``, a sentence-transformers
CrossEncoder folder), and no such model ships with the project.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from qa_bot.errors import ModelLoadError


class Reranker(Protocol):
    """Scores how well each text answers a question, in [0, 1]."""

    def score(self, question: str, texts: list[str]) -> np.ndarray:
        """One score per text, higher is better."""
        ...


class CrossEncoderReranker:
    """A sentence-transformers ``CrossEncoder`` loaded from disk only, on the CPU."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(model, device="cpu")
        except Exception as exc:  # the library raises many kinds
            raise ModelLoadError(
                f"cannot load reranker {model!r} offline: give a cross-encoder folder in QA_BOT_RERANKER, "
                f"or leave it empty ({type(exc).__name__})"
            ) from exc

    def score(self, question: str, texts: list[str]) -> np.ndarray:
        """Sigmoid of the cross-encoder's logits for each (question, text) pair."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        logits = np.asarray(self._model.predict([(question, t) for t in texts], show_progress_bar=False))
        if logits.ndim > 1:  # a model with several labels: take the last ("relevant") one
            logits = logits[:, -1]
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)


def load_reranker(model: str) -> Reranker | None:
    """The reranker for the ``reranker`` setting, or None when it is empty."""
    return CrossEncoderReranker(model) if model.strip() else None
