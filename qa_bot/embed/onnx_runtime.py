"""A light embedder for an exported int8 ONNX model: onnxruntime and tokenizers only, no PyTorch.

It computes what sentence-transformers computes for a Transformer -> mean Pooling -> Normalize model,
so a cold ``qa-bot ask`` does not pay for importing torch and sentence-transformers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa_bot.errors import ModelLoadError


def supports_light_path(folder: Path) -> bool:
    """True when the model is Transformer -> mean pooling -> Normalize, which this class reproduces."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        types = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_path = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((folder / pooling_path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, StopIteration):
        return False
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode_")}
    return (
        types == ["Transformer", "Pooling", "Normalize"]
        and modes.get("pooling_mode_mean_tokens") is True
        and sum(bool(v) for v in modes.values()) == 1
        and (folder / "tokenizer.json").is_file()
    )


class OnnxEmbedder:
    """Mean-pooled, normalised embeddings from an ONNX file inside a sentence-transformers folder."""

    backend = "onnx-int8"

    def __init__(self, folder: Path, file_name: str, model_id: str, batch_size: int = 32, threads: int = 0) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads  # 0: onnxruntime uses every core
            self._session = onnxruntime.InferenceSession(
                str(folder / file_name), options, providers=["CPUExecutionProvider"]
            )
            config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
            self.max_tokens = int(config.get("max_seq_length", 256)) - 2
            self._encoder = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self._encoder.enable_truncation(max_length=self.max_tokens + 2)
            self._encoder.enable_padding()
            self._counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self._counter.no_truncation()
            self._counter.no_padding()
        except Exception as exc:  # onnxruntime and tokenizers raise their own kinds
            raise ModelLoadError(f"cannot load the ONNX model in {folder} ({type(exc).__name__}: {exc})") from exc
        self.model_id = model_id
        self.batch_size = batch_size
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dimension = int(self._session.get_outputs()[0].shape[-1])

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Token counts without special tokens."""
        if not texts:
            return []
        return [len(e.ids) for e in self._counter.encode_batch(texts, add_special_tokens=False)]

    def _embed(self, texts: list[str]) -> np.ndarray:
        encoded = self._encoder.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in encoded], dtype=np.int64)
        hidden = self._session.run(None, feed)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def encode(self, texts: Sequence[str], progress: object | None = None) -> np.ndarray:
        """Normalised float32 embeddings of ``texts``; ``progress`` gets each batch's size."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        for lo in range(0, len(order), self.batch_size):
            rows = order[lo: lo + self.batch_size]
            out[rows] = self._embed([texts[i] for i in rows])
            if progress is not None:
                progress(len(rows))  # type: ignore[operator]
        return out
