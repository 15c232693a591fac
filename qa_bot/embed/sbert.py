"""Embeddings from a sentence-transformers model on the CPU (PyTorch, or ONNX through sentence-transformers)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa_bot.embed.models import resolve_model
from qa_bot.embed.prompts import model_prompts
from qa_bot.errors import ModelLoadError

if TYPE_CHECKING:
    from qa_bot.embed.protocol import ProgressCallback


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded from disk only (never from a hub)."""

    def __init__(
        self, model: str, cache_dir: Path, batch_size: int = 32, backend: str = "torch"
    ) -> None:
        target, self.model_id = resolve_model(model, cache_dir)
        try:
            import transformers
            from sentence_transformers import SentenceTransformer

            # Token counts of long texts are taken on purpose; its "longer than the maximum" notice is noise.
            transformers.logging.set_verbosity_error()

            if backend == "onnx-int8":
                from qa_bot.embed.onnx_export import int8_model_folder

                if not Path(target).is_dir():
                    raise ModelLoadError(f"the onnx-int8 backend needs a model folder, not {model!r}")
                folder, file_name = int8_model_folder(Path(target), cache_dir)
                self._model = SentenceTransformer(
                    str(folder), device="cpu", backend="onnx", model_kwargs={"file_name": file_name}
                )
            elif backend == "torch":
                self._model = SentenceTransformer(target, device="cpu")
            else:
                raise ModelLoadError(f"unknown embedding backend {backend!r}: use torch or onnx-int8")
        except ModelLoadError:
            raise
        except Exception as exc:  # the library raises many kinds: OSError, ValueError, HF errors
            raise ModelLoadError(
                f"cannot load embedding model {model!r} offline: give a sentence-transformers folder "
                f"(QA_BOT_MODEL or --model) ({type(exc).__name__})"
            ) from exc
        self.batch_size = batch_size
        self.backend = backend
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        if dimension is None:
            raise ModelLoadError(f"model {model!r} does not say its embedding dimension")
        self.dimension = int(dimension)
        self._tokenizer = self._model.tokenizer
        # The prompts are read as the light ONNX path reads them, so both embed the same text.
        self.prompts = model_prompts(Path(target) if Path(target).is_dir() else None, self.model_id)
        prompt_tokens = self.count_tokens([self.prompts.passage])[0] if self.prompts.passage else 0
        self.max_tokens = int(self._model.max_seq_length) - 2 - prompt_tokens  # [CLS], [SEP], the prompt

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Token counts without special tokens, from the model's own tokenizer."""
        if not texts:
            return []
        encoded = self._tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def encode(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Normalised float32 embeddings of passages (passage prompt first); ``progress`` gets each batch's size."""
        return self._encode_with(self.prompts.passage, texts, progress)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 embeddings of questions, with the model's query prompt before each."""
        return self._encode_with(self.prompts.query, texts, None)

    def _encode_with(self, prompt: str, texts: Sequence[str], progress: ProgressCallback | None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Sorting by length keeps padding (and time) down; results go back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for lo in range(0, len(order), self.batch_size):
            rows = order[lo: lo + self.batch_size]
            vectors = self._model.encode(
                [texts[i] for i in rows],
                # Always given, "" included: otherwise a folder's default_prompt_name would apply to both.
                prompt=prompt,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[rows] = vectors
            if progress is not None:
                progress(len(rows))
        return out
