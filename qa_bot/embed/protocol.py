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
    max_tokens: int

    def encode(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def count_tokens(self, texts: list[str]) -> list[int]:
        """How many model tokens each text takes (special tokens excluded)."""
        ...
