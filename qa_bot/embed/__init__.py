"""Embedders turn texts into unit-length vectors: a ``Protocol``, so tests can use a fake, and the factory.

Two implementations: sentence-transformers (``torch`` backend, or ONNX through it) in :mod:`.sbert`, and a
light onnxruntime-only one for exported int8 models in :mod:`.onnx_runtime`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qa_bot.embed.protocol import Embedder, ProgressCallback

if TYPE_CHECKING:
    from qa_bot.config import Settings

__all__ = ["Embedder", "ProgressCallback", "embedder_from_settings"]

def embedder_from_settings(settings: Settings) -> Embedder:
    """The embedder the settings ask for: model, backend, batch size and export cache.

    For onnx-int8 on a mean-pooled model (all-MiniLM-L6-v2 is one) this is the light onnxruntime
    embedder, which loads without PyTorch; the export itself, on first use, needs sentence-transformers.
    """
    from qa_bot.embed.models import resolve_model
    from qa_bot.embed.sbert import SentenceTransformerEmbedder

    cache_dir = settings.model_cache()
    if settings.embed_backend == "onnx-int8":
        from qa_bot.embed.onnx_export import int8_model_folder
        from qa_bot.embed.onnx_runtime import OnnxEmbedder, supports_light_path

        target, model_id = resolve_model(settings.model)
        if Path(target).is_dir() and supports_light_path(Path(target)):
            folder, file_name = int8_model_folder(Path(target), cache_dir)
            return OnnxEmbedder(folder, file_name, model_id, batch_size=settings.batch_size,
                                threads=settings.threads)
    return SentenceTransformerEmbedder(
        settings.model, batch_size=settings.batch_size, backend=settings.embed_backend, cache_dir=cache_dir
    )
