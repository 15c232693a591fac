"""Reranking of candidate sentences by a cross-encoder that reads question and sentence together.

The project ships one (``qa_bot/models/reranker``, made by ``scripts/train_reranker.py``): MiniLM layers
fine-tuned on SQuAD v1.1 train, int8 ONNX, read with onnxruntime and tokenizers only (no PyTorch on the
answer path). ``QA_BOT_RERANKER`` chooses: ``bundled`` (the default), ``off``, a folder of the same kind,
or any sentence-transformers ``CrossEncoder`` folder (read with PyTorch).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Protocol

import numpy as np

from qa_bot.config import OFF
from qa_bot.embed.onnx_runtime import onnx_feed
from qa_bot.errors import ModelLoadError

log = logging.getLogger(__name__)
BUNDLED_RERANKER = Path(__file__).resolve().parent.parent / "models" / "reranker"


class Reranker(Protocol):
    """Scores how well each text answers a question, in [0, 1]."""

    name: str

    def score(self, question: str, texts: list[str]) -> np.ndarray:
        """One score per text, higher is better."""
        ...


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))).astype(np.float32)


class OnnxCrossEncoder:
    """An int8 ONNX cross-encoder folder (``model.onnx``, ``tokenizer.json``, ``reranker.json``).

    With ``cache_dir``, a CPU with VNNI reads a copy with signed weights kept there (the same scores, about
    a third faster; see :mod:`qa_bot.embed.onnx_signed`).
    """

    def __init__(self, folder: Path, max_length: int | None = None, threads: int = 0,
                 cache_dir: Path | None = None) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer

            from qa_bot.embed.onnx_signed import signed_weights_file

            facts = json.loads((folder / "reranker.json").read_text(encoding="utf-8")) \
                if (folder / "reranker.json").is_file() else {}
            self.max_length = int(max_length or facts.get("max_length", 128))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            def session(model_file: Path) -> onnxruntime.InferenceSession:
                return onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])

            shipped = folder / "model.onnx"
            model_file = shipped if cache_dir is None else signed_weights_file(shipped, cache_dir)
            try:
                self._session = session(model_file)
            except Exception:
                if model_file == shipped:
                    raise
                log.warning("the reranker's copy %s does not load; removed, reading %s instead", model_file, shipped)
                model_file.unlink(missing_ok=True)
                self._session = session(shipped)
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            # As in training: the longer of question and text loses tokens first (a long question too).
            self._tokenizer.enable_truncation(max_length=self.max_length, strategy="longest_first")
            self._tokenizer.enable_padding()
        except Exception as exc:  # onnxruntime, tokenizers and json raise their own kinds
            raise ModelLoadError(
                f"cannot load the reranker in {folder} ({type(exc).__name__}: {exc}); "
                "set QA_BOT_RERANKER=off to answer without it"
            ) from exc
        self.name = folder.name
        self._inputs = {i.name for i in self._session.get_inputs()}

    def score(self, question: str, texts: list[str]) -> np.ndarray:
        """Sigmoid of the cross-encoder's logit for each (question, text) pair."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        feed = onnx_feed(self._tokenizer.encode_batch([(question, t) for t in texts]), self._inputs)
        logits = np.asarray(self._session.run(None, feed)[0], dtype=np.float32)
        return _sigmoid(logits.reshape(len(texts), -1)[:, -1])


class CrossEncoderReranker:
    """Any sentence-transformers ``CrossEncoder`` folder, loaded from disk only, on the CPU (PyTorch)."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(model, device="cpu")
        except Exception as exc:  # the library raises many kinds
            raise ModelLoadError(
                f"cannot load reranker {model!r} offline: give a cross-encoder folder in QA_BOT_RERANKER, "
                f"or set it to off ({type(exc).__name__})"
            ) from exc
        self.name = Path(model).name

    def score(self, question: str, texts: list[str]) -> np.ndarray:
        """Sigmoid of the cross-encoder's logits for each (question, text) pair."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        logits = np.asarray(self._model.predict([(question, t) for t in texts], show_progress_bar=False))
        if logits.ndim > 1:  # a model with several labels: take the last ("relevant") one
            logits = logits[:, -1]
        if logits.min() < 0 or logits.max() > 1:  # raw logits rather than probabilities
            return _sigmoid(logits)
        return logits.astype(np.float32)


def load_reranker(model: str, threads: int = 0, cache_dir: Path | None = None) -> Reranker | None:
    """The reranker for the ``reranker`` setting, or None when it is off (``cache_dir``: where a faster copy
    for this CPU is kept, see :class:`OnnxCrossEncoder`).

    Raises:
        ModelLoadError: the folder or model cannot be loaded.
    """
    choice = model.strip()
    if choice.lower() in OFF:
        return None
    folder = BUNDLED_RERANKER if choice.lower() == "bundled" else Path(choice).expanduser()
    if (folder / "model.onnx").is_file() and (folder / "tokenizer.json").is_file():
        return OnnxCrossEncoder(folder, threads=threads, cache_dir=cache_dir)
    if choice.lower() == "bundled":
        raise ModelLoadError(f"the bundled reranker is missing from {folder}; "
                             "set QA_BOT_RERANKER=off, or run scripts/train_reranker.py")
    return CrossEncoderReranker(choice)
