"""Fixtures of the integration suite: the real model (int8 ONNX, exported once per machine) and indexes."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from ..conftest import ARTICLES, MODEL_CACHE
from .slack_emulator import SlackEmulator

SHARED_ROOT = Path(tempfile.mkdtemp(prefix="qa-bot-tests-"))


@pytest.fixture(scope="session", autouse=True)
def _remove_shared_root():
    yield
    shutil.rmtree(SHARED_ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def real_embedder():
    from qa_bot.config import Settings
    from qa_bot.embed import embedder_from_settings

    # The shipped default (int8 ONNX), exported once into the stable cache.
    return embedder_from_settings(Settings(index_dir=SHARED_ROOT / "index", model_cache_dir=MODEL_CACHE))


@pytest.fixture(scope="session")
def bundled_index(real_embedder) -> Path:
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
def emulator():
    """A loopback Slack (Web API over HTTP and a Socket Mode websocket), closed after the test."""
    emu = SlackEmulator()
    yield emu
    emu.close()
