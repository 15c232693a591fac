"""A light embedder for an exported int8 ONNX model: onnxruntime and tokenizers only, no PyTorch.

It computes what sentence-transformers computes for a Transformer -> mean Pooling -> Normalize model,
with its query and passage prompts (``encode_query`` / ``encode_document``), so a cold ``qa-bot ask`` does
not pay for importing torch and sentence-transformers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa_bot.embed.prompts import Prompts, model_prompts
from qa_bot.errors import ModelLoadError


def supports_light_path(folder: Path) -> bool:
    """True when the model is Transformer -> mean pooling -> Normalize, which this class reproduces.

    A pooling that leaves the prompt's tokens out (``include_prompt: false``) is not reproduced here.
    """
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
        and pooling.get("include_prompt", True) is True
        and (folder / "tokenizer.json").is_file()
    )


def onnx_feed(encoded: Sequence[object], inputs: set[str]) -> dict[str, np.ndarray]:
    """The input arrays of a BERT-style ONNX model for a batch of padded ``tokenizers`` encodings."""
    feed = {
        "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),  # type: ignore[attr-defined]
        "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),  # type: ignore[attr-defined]
    }
    if "token_type_ids" in inputs:
        feed["token_type_ids"] = np.array([e.type_ids for e in encoded], dtype=np.int64)  # type: ignore[attr-defined]
    return feed


class OnnxEmbedder:
    """Mean-pooled, normalised embeddings from an ONNX file inside a sentence-transformers folder."""

    backend = "onnx-int8"

    def __init__(
        self,
        folder: Path,
        file_name: str,
        model_id: str,
        batch_size: int = 32,
        threads: int = 0,
        prompts: Prompts | None = None,
    ) -> None:
        """Load ``folder/file_name``; ``prompts`` default to the folder's own (or a known model's)."""
        try:
            import onnxruntime
            from tokenizers import Tokenizer

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads  # 0: onnxruntime uses every core
            self._session = onnxruntime.InferenceSession(
                str(folder / file_name), options, providers=["CPUExecutionProvider"]
            )
            config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
            max_length = int(config.get("max_seq_length", 256))
            self._encoder = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self._encoder.enable_truncation(max_length=max_length)
            self._encoder.enable_padding()
            self._counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self._counter.no_truncation()
            self._counter.no_padding()
        except Exception as exc:  # onnxruntime and tokenizers raise their own kinds
            raise ModelLoadError(f"cannot load the ONNX model in {folder} ({type(exc).__name__}: {exc})") from exc
        self.prompts = prompts if prompts is not None else model_prompts(folder, model_id)
        # Special tokens and the passage prompt come out of every text's share of the model's limit.
        self.max_tokens = max_length - 2 - self._prompt_tokens(self.prompts.passage)
        self.model_id = model_id
        self.batch_size = batch_size
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dimension = int(self._session.get_outputs()[0].shape[-1])

    def _prompt_tokens(self, prompt: str) -> int:
        return len(self._counter.encode(prompt, add_special_tokens=False).ids) if prompt else 0

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Token counts without special tokens (and without the passage prompt)."""
        if not texts:
            return []
        return [len(e.ids) for e in self._counter.encode_batch(texts, add_special_tokens=False)]

    def _embed(self, texts: list[str]) -> np.ndarray:
        feed = onnx_feed(self._encoder.encode_batch(texts), self._inputs)
        mask = feed["attention_mask"]
        hidden = self._session.run(None, feed)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def encode(self, texts: Sequence[str], progress: object | None = None) -> np.ndarray:
        """Normalised float32 embeddings of passages (passage prompt first); ``progress`` gets each batch's size."""
        return self._encode_with(self.prompts.passage, texts, progress)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 embeddings of questions, with the model's query prompt before each."""
        return self._encode_with(self.prompts.query, texts, None)

    def _encode_with(self, prompt: str, texts: Sequence[str], progress: object | None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        for lo in range(0, len(order), self.batch_size):
            rows = order[lo: lo + self.batch_size]
            out[rows] = self._embed([prompt + texts[i] for i in rows])
            if progress is not None:
                progress(len(rows))  # type: ignore[operator]
        return out
