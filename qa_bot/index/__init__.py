"""The index: the door every stage goes through to reach passages, sentences, vectors and documents.

Readers get an :class:`Index` from :func:`load_index`; builds go through :class:`IndexWriter` (or
:func:`build_index`). The stores behind them (FAISS or NumPy vectors, bm25s keywords), the files of a
build and the live link are this package's internals: import from ``qa_bot.index`` only. (The store factory
and ``recall_at_k`` are exported for the scale benchmark, which measures the stores themselves.)
"""

from __future__ import annotations

from qa_bot.index.backend import LOCAL, Backend, backend_from
from qa_bot.index.builds import generation as live_generation
from qa_bot.index.manifest import IndexInfo, describe_index, require_index
from qa_bot.index.reader import Index, load_index
from qa_bot.index.stores import VECTOR_STORES, build_vector_store, recall_at_k
from qa_bot.index.writer import BuildSummary, IndexWriter, build_index

__all__ = [
    "LOCAL",
    "VECTOR_STORES",
    "Backend",
    "BuildSummary",
    "Index",
    "IndexInfo",
    "IndexWriter",
    "backend_from",
    "build_index",
    "build_vector_store",
    "describe_index",
    "live_generation",
    "load_index",
    "recall_at_k",
    "require_index",
]
