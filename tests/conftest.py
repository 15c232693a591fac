"""Shared fixtures: a fake embedder for fast unit tests, the real model and indexes for integration tests."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Property tests replay the same examples on every run (CI must not flake); HYPOTHESIS_PROFILE=explore searches anew.
hypothesis_settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("explore", deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "data" / "articles"
XQUAD = ROOT / "data" / "eval" / "xquad_en"
TEST_DATA = Path(__file__).resolve().parent / "data"


class FakeEmbedder:
    """Deterministic bag-of-words vectors: each word hashed to a dimension, then normalised."""

    model_id = "fake-bow-256"
    backend = "torch"
    dimension = 256
    max_tokens = 40

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        if progress is not None:
            progress(len(texts))
        return out


SHARED_ROOT = Path(tempfile.mkdtemp(prefix="qa-bot-tests-"))
MODEL_CACHE = SHARED_ROOT / ".models"


@pytest.fixture(scope="session", autouse=True)
def _remove_shared_root():
    yield
    shutil.rmtree(SHARED_ROOT, ignore_errors=True)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    from qa_bot.config import Settings
    from qa_bot.embed import embedder_from_settings

    # The shipped default (int8 ONNX), exported once into a folder the CLI tests' indexes sit beside.
    return embedder_from_settings(Settings(index_dir=SHARED_ROOT / "index"))


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory, real_embedder) -> Path:
    """An index of the two bundled articles, built once with the real model."""
    from qa_bot.build import build_from_paths
    from qa_bot.config import Settings

    folder = SHARED_ROOT / "bundled-index"
    build_from_paths(Settings(index_dir=folder), [ARTICLES], embedder=real_embedder)
    return folder


@pytest.fixture(scope="session")
def bundled_pipeline(bundled_index, real_embedder):
    from qa_bot.config import Settings
    from qa_bot.pipeline import QAPipeline

    return QAPipeline.open(Settings(index_dir=bundled_index), real_embedder)


@pytest.fixture
def copy_index(tmp_path):
    """Copy an index folder somewhere a test may damage it."""

    def copy(folder: Path) -> Path:
        target = tmp_path / "copied-index"
        shutil.copytree(folder, target)
        return target

    return copy
