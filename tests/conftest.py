"""What both suites share: the fake embedder, paths, hypothesis profiles. The real model's fixtures are in
``tests/integration/conftest.py``; ``tests/unit`` never loads it."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import settings as hypothesis_settings

from qa_bot.cli import prepare_process

prepare_process()  # offline, as every entry point: no test can reach a model hub

# Property tests replay the same examples on every run (CI must not flake); HYPOTHESIS_PROFILE=explore searches anew.
hypothesis_settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("explore", deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "data" / "articles"
XQUAD = ROOT / "data" / "eval" / "xquad_en"
TEST_DATA = Path(__file__).resolve().parent / "data"
MODEL_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa-bot" / "test-models"
"""Where the integration suite keeps the int8 export of the model across test sessions: the export takes
about a minute, and its folder inside is keyed by the model folder (see ``qa_bot.embed.onnx_export``)."""


def load_script(name: str) -> ModuleType:
    """A module of scripts/ loaded from its file (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


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

    encode_queries = encode  # no prompts: a question is embedded as any text


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def copy_index(tmp_path):
    """Copy an index folder somewhere a test may damage it."""

    def copy(folder: Path) -> Path:
        target = tmp_path / "copied-index"
        shutil.copytree(folder, target)
        return target

    return copy
