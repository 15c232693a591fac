"""What the index and retrieval need from an embedding model: the ``Embedder`` protocol."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

ProgressCallback = Callable[[int], None]


class Embedder(Protocol):
    """What the index and retrieval need from an embedding model."""

    model_id: str
    backend: str
    dimension: int
    max_tokens: int  # tokens a text may take: the model's limit less its special tokens and passage prompt

    def encode(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Unit-length float32 vectors of texts to be searched (passages, sentences), one row per text.

        The model's passage prompt, if it has one ("passage: " for e5), is put before each text.
        """
        ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors of questions, one row per text, with the model's query prompt.

        For a model without prompts this is :meth:`encode`.
        """
        ...

    def count_tokens(self, texts: list[str]) -> list[int]:
        """How many model tokens each text takes (special tokens excluded)."""
        ...
