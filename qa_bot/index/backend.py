"""Where an index's passages are searched: in the index folder (FAISS + bm25s) or in Milvus.

A :class:`Backend` is read from the settings once by an entry point and handed to :class:`IndexWriter`
and :func:`load_index`; with ``milvus``, a build's passage store lives in a Milvus collection named by
the prefix and the index folder's name (its alias), and the folder keeps the rest of the build (the
article texts quotes are cut from, the sentence spans and vectors, the manifest).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from qa_bot.config import Settings
from qa_bot.index.milvus_compat import Connection, is_lite


@dataclass(frozen=True, slots=True)
class Backend:
    """The index backend and, for Milvus, where it is and how passages are analysed for BM25."""

    name: str = "local"
    milvus_uri: str = ""
    milvus_token: str = field(default="", repr=False)
    prefix: str = "qa_bot"
    analyzer: str = "project"

    @property
    def is_milvus(self) -> bool:
        """True when passages are searched in Milvus."""
        return self.name == "milvus"

    def connection(self) -> Connection:
        """The Milvus connection (one per URI and token in a process: Milvus Lite allows one client a file)."""
        return _connection(self.milvus_uri, self.milvus_token)

    def alias(self, folder: Path) -> str:
        """The Milvus alias of the index ``folder``: the prefix and the folder's name."""
        name = re.sub(r"[^A-Za-z0-9_]", "_", Path(os.path.abspath(folder)).name) or "default"  # the link's name
        return f"{self.prefix}_{name}"


LOCAL = Backend()


def backend_from(settings: Settings) -> Backend:
    """The backend the settings choose (``QA_BOT_BACKEND``, ``QA_BOT_MILVUS_*``)."""
    if settings.backend != "milvus":
        return LOCAL
    token = settings.milvus_token.get_secret_value() if settings.milvus_token else ""
    return Backend("milvus", settings.milvus_uri, token, settings.milvus_prefix, settings.milvus_analyzer)


@lru_cache(maxsize=8)
def _connection(uri: str, token: str) -> Connection:
    return Connection(str(Path(uri).resolve()) if is_lite(uri) else uri, token)
