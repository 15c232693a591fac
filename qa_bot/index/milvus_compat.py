"""What differs between Milvus Lite and a Milvus server, in one place, so the Milvus store reads the same on both.

Measured with pymilvus 3.0.2 and milvus-lite 3.2.2 (the versions pinned in pyproject.toml):

- **BM25 scores come back negative on Lite** (best first, most negative best); a server returns them
  positive. :func:`bm25_scores` makes both positive and decreasing, so a fusion that divides by the best
  score (or ranks) can never be inverted by the sign.
- **Lite has no ``english`` analyzer** (only ``standard`` and ``jieba``; stemming is silently ignored).
  :func:`analyzer_params` picks ``english`` on a server and ``standard`` with lowercasing and an English
  stop list on Lite. The default analysis (``project``) sidesteps the difference: the text field holds
  the project's own terms (:func:`qa_bot.terms.terms`: stop words out, Snowball stems), which both read
  the same way with a plain ``standard`` tokenizer.
- **Index build parameters are dropped on Lite unless nested** as ``params={"params": {...}}``;
  :func:`index_params` nests them there and passes them flat to a server.
- **Lite has no ``AllocTimestamp``**, which pymilvus calls to wait for an index build (logging an error
  for each): :func:`index_wait` does not wait on Lite, where indexes are built at once.
- **IVF_PQ and DISKANN fail only at load on Lite**, and its search time grows linearly with the rows:
  :func:`vector_index` uses ``FLAT`` on Lite (exact) and ``HNSW`` on a server.
- **Filter templates and ``run_analyzer`` are unsupported on Lite**: filters are written out as plain
  expressions (:func:`key_filter`, :func:`date_filter`), and no analyzer is run client-side.
- **One process per Lite file**: a second process opening the same file is refused ("Open local milvus
  failed"); :class:`Connection` says so in one line. A build and a bot cannot share one Lite file at the
  same time; a server has no such limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from qa_bot.errors import BackendUnavailableError
from qa_bot.redact import first_line

UNDATED = -(2**62)
"""The ``date`` of a row whose document has no date (a filter on dates never reaches it by accident)."""
PINNED = {"pymilvus": "3.0.2", "milvus-lite": "3.2.2"}
"""The versions this layer was written and tested against."""
ENGLISH_STOP_WORDS = (
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with"
).split()


SCHEMES = ("http://", "https://", "tcp://", "grpc://", "unix://")
"""The URI schemes of a Milvus server; anything else is a Milvus Lite file path."""


def is_lite(uri: str) -> bool:
    """True when ``uri`` names a Milvus Lite file rather than a server (no server scheme)."""
    return not uri.startswith(SCHEMES)


@dataclass(frozen=True)  # no slots: the client is cached on the instance
class Connection:
    """Where Milvus is: a file path (Milvus Lite) or ``http(s)://host:19530`` (a server or cluster)."""

    uri: str
    token: str = field(default="", repr=False)

    @property
    def is_lite(self) -> bool:
        """True for Milvus Lite: the URI is a local file path, not a server address."""
        return is_lite(self.uri)

    @cached_property
    def client(self) -> Any:
        """One ``MilvusClient`` for this connection (opened on first use; a Lite file's folder is made)."""
        try:
            from pymilvus import MilvusClient
        except ImportError as exc:
            raise BackendUnavailableError('the Milvus backend needs pymilvus: pip install "qa-bot[milvus]"') from exc
        if self.is_lite:
            return self._lite(MilvusClient)
        try:
            return MilvusClient(uri=self.uri, token=self.token) if self.token else MilvusClient(uri=self.uri)
        except Exception as exc:  # pymilvus raises its own kinds for a refused or unreachable engine
            raise BackendUnavailableError(f"cannot reach Milvus at {self.describe()}: {first_line(exc)}") from exc

    def _lite(self, client_type: Any) -> Any:
        path = Path(self.uri)
        if path.suffix != ".db":
            raise BackendUnavailableError(
                f"QA_BOT_MILVUS_URI={self.uri} is neither a server (http://, https://, tcp://, unix://) nor a Milvus "
                "Lite file (a path ending in .db)"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return client_type(self.uri)
        except OSError as exc:
            raise BackendUnavailableError(f"cannot make Milvus Lite's folder {path.parent}: {exc.strerror}") from exc
        except Exception as exc:
            if "Open local milvus failed" in str(exc):
                raise BackendUnavailableError(
                    f"cannot open Milvus Lite at {self.uri}: a Lite file takes one process at a time (is a bot or "
                    "another build using it?); stop it, or use a Milvus server"
                ) from exc
            raise BackendUnavailableError(f"cannot open Milvus Lite at {self.uri}: {first_line(exc)}") from exc

    def describe(self) -> str:
        """The URI without credentials, for messages."""
        head, sep, rest = self.uri.partition("://")
        return f"{head}{sep}{rest.rpartition('@')[2]}" if sep else self.uri


def bm25_scores(distances: Sequence[float], lite: bool) -> np.ndarray:
    """BM25 scores as a server gives them (positive, best first) from what a search returned."""
    scores = np.asarray(distances, dtype=np.float32)
    return -scores if lite else scores


def analyzer_params(analyzer: str, lite: bool) -> dict[str, Any]:
    """The analyzer of the text field: ``project`` (pre-analysed terms), ``english``, or ``standard``.

    ``english`` on Lite, which lacks it, becomes ``standard`` with the stop list (stemming is then lost;
    the ``project`` analysis keeps it).
    """
    if analyzer == "project":
        return {"tokenizer": "standard"}
    if analyzer == "english" and not lite:
        return {"type": "english"}
    return {"tokenizer": "standard", "filter": ["lowercase", {"type": "stop", "stop_words": ENGLISH_STOP_WORDS}]}


def index_params(params: dict[str, Any], lite: bool) -> dict[str, Any]:
    """Build parameters as the engine reads them: nested under ``params`` on Lite, flat on a server."""
    return {"params": dict(params)} if lite else dict(params)


def index_wait(lite: bool) -> dict[str, Any]:
    """How ``create_index`` is called: not waited for on Lite (it lacks ``AllocTimestamp``, which the wait
    calls, and builds at once), waited for on a server."""
    return {"sync": False} if lite else {}


def vector_index(lite: bool) -> tuple[str, dict[str, Any], float]:
    """(index type, build parameters, stated recall@10) of the dense field: exact on Lite, HNSW on a server."""
    if lite:
        return "FLAT", {}, 1.0
    return "HNSW", {"M": 32, "efConstruction": 200}, 0.95


def search_params(lite: bool, k: int) -> dict[str, Any]:
    """Search parameters of the dense field (HNSW's ``ef`` at least ``k``, with room)."""
    return {"metric_type": "IP"} if lite else {"metric_type": "IP", "params": {"ef": max(64, 2 * k)}}


def key_filter(keys: Sequence[str]) -> str:
    """A plain ``key in [...]`` expression (Lite has no filter templates)."""
    quoted = ", ".join('"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"' for k in keys)
    return f"key in [{quoted}]"


def date_filter(since: int | None, until: int | None, undated: bool) -> str:
    """``since <= date <= until`` (either bound may be open), or an undated row when ``undated``."""
    parts = [f"date >= {since}" if since is not None else f"date > {UNDATED}"]
    if until is not None:
        parts.append(f"date <= {until}")
    dated = " and ".join(parts)
    return f"({dated}) or date == {UNDATED}" if undated else dated


def installed_versions() -> dict[str, str]:
    """The installed pymilvus and milvus-lite versions (absent ones left out)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in PINNED:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found
