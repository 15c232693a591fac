"""The embedding backends: the light ONNX path agrees with sentence-transformers and needs no torch."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from qa_bot.embed.onnx_runtime import OnnxEmbedder
from qa_bot.embed.sbert import SentenceTransformerEmbedder

from ..conftest import ARTICLES, MODEL_CACHE
from ..helpers import cli_env

TEXTS = [
    "Who is David Schenker?",
    "David Schenker, a former U.S. assistant secretary of state, said the militias aim to harass.",
    "word " * 400,  # longer than the model's limit: truncated the same way by both
]


def test_light_onnx_embedder_matches_sentence_transformers_onnx(real_embedder):
    assert isinstance(real_embedder, OnnxEmbedder)
    reference = SentenceTransformerEmbedder("all-MiniLM-L6-v2", backend="onnx-int8", cache_dir=MODEL_CACHE)
    ours, theirs = real_embedder.encode(TEXTS), reference.encode(TEXTS)
    assert np.allclose((ours * theirs).sum(axis=1), 1.0, atol=1e-4)
    assert real_embedder.count_tokens(TEXTS) == reference.count_tokens(TEXTS)
    assert (real_embedder.dimension, real_embedder.max_tokens) == (reference.dimension, reference.max_tokens)


def test_int8_vectors_stay_close_to_torch(real_embedder):
    paragraphs = [p for f in sorted(ARTICLES.iterdir()) for p in f.read_text(encoding="utf-8").split("\n\n")]
    texts = [p for p in paragraphs if len(p) > 40]
    torch_vectors = SentenceTransformerEmbedder("all-MiniLM-L6-v2", cache_dir=MODEL_CACHE).encode(texts)
    cosines = (real_embedder.encode(texts) * torch_vectors).sum(axis=1)
    assert len(texts) > 20 and cosines.mean() > 0.98 and cosines.min() > 0.95


def test_cold_ask_loads_no_torch(tmp_path, bundled_index):
    code = (
        "import sys\nfrom qa_bot.cli import main\n"
        f"try:\n    main(['ask', 'Who is David Schenker?', '--json', '--index', {str(bundled_index)!r}])\n"
        "except SystemExit:\n    pass\n"
        "print('HEAVY', [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env=cli_env(tmp_path), timeout=120)
    assert "assistant secretary of state" in result.stdout, result.stderr
    assert "HEAVY []" in result.stdout


def test_missing_reranker_model_is_a_clear_error(tmp_path):
    from qa_bot.answer.rerank import load_reranker
    from qa_bot.errors import ModelLoadError

    assert load_reranker("") is None
    with pytest.raises(ModelLoadError, match="QA_BOT_RERANKER"):
        load_reranker(str(tmp_path / "no-such-cross-encoder"))


def test_the_bundled_reranker_prefers_the_sentence_that_answers():
    from qa_bot.answer.rerank import load_reranker

    reranker = load_reranker("bundled")
    cases = [
        ("Who is David Schenker?", ["David Schenker is the assistant secretary of state for Near Eastern affairs.",
                                    "The Pentagon said the drone was shot down near the base."]),
        ("When did the bridge open?", ["Traffic across the river is expected to ease.",
                                       "The bridge opened to traffic on 1 May 2024."]),
        ("Why did the device fail?", ["Investigators said a faulty detonator made the device fail.",
                                      "Soldiers arrested the driver at the gate."]),
    ]
    for (question, texts), right in zip(cases, (0, 1, 0), strict=True):
        scores = reranker.score(question, texts)
        assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
        assert int(np.argmax(scores)) == right, (question, scores)


def test_the_signed_weights_copy_scores_exactly_as_the_shipped_model(tmp_path):
    """On a CPU with VNNI the reranker reads a cached copy with signed weights: the same scores, once made."""
    from qa_bot.answer.rerank import BUNDLED_RERANKER, load_reranker
    from qa_bot.embed.onnx_export import quantization_config
    from qa_bot.embed.onnx_signed import signed_weights_file

    shipped = BUNDLED_RERANKER / "model.onnx"
    copy = signed_weights_file(shipped, tmp_path / "cache")
    if quantization_config() != "avx512_vnni":
        assert copy == shipped  # no VNNI: the portable model itself
        return
    assert copy.parent == tmp_path / "cache" and copy.is_file() and copy.stat().st_size > 10_000_000
    made = copy.stat().st_mtime_ns
    assert signed_weights_file(shipped, tmp_path / "cache") == copy and copy.stat().st_mtime_ns == made  # reused
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [copy.name]  # no staging file left
    question = "Why did the device fail?"
    texts = ["Investigators said a faulty detonator made the device fail.", "Soldiers arrested the driver.",
             "The bridge opened to traffic on 1 May 2024, two years after work began on the river crossing."]
    plain = load_reranker("bundled").score(question, texts)
    fast = load_reranker("bundled", cache_dir=tmp_path / "cache").score(question, texts)
    assert np.allclose(plain, fast, atol=1e-6)
    copy.write_bytes(b"not a model")  # a damaged copy: removed, and the shipped model read instead
    again = load_reranker("bundled", cache_dir=tmp_path / "cache").score(question, texts)
    assert np.allclose(plain, again, atol=1e-6) and not copy.exists()
