"""Passage vector search chosen by corpus size: exact for small corpora, approximate past a threshold.

Small corpora get ``IndexFlatIP``: exact, and fast enough below a few tens of thousands of passages.
Larger ones get an inverted file with 8-bit scalar quantisation (``IVF<nlist>,SQ8``): a quarter of the
memory of float vectors and a fraction of the distance computations. Its ``nprobe`` is chosen at build
time on the corpus itself: the build measures recall@10 against exact search for a sample of the
corpus's sentence vectors (question-like probes that are not themselves in the index) and keeps the
smallest ``nprobe`` that reaches the target, times four for queries less typical than the sample
(a search stays well under a millisecond at a million passages). When no
``nprobe`` reaches the target, the build falls back to exact search rather than ship a worse index.

Both kinds are read memory-mapped, so loading is instant and only the pages a search touches are read.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

Kind = Literal["flat", "ivf-sq8"]
log = logging.getLogger(__name__)
TARGET_RECALL = 0.95
"""recall@10 against exact search that an approximate index must reach on the calibration probes."""
CALIBRATION_PROBES = 500
TRAINING_POINTS_PER_LIST = 40
NPROBE_MARGIN = 4


@dataclass(frozen=True, slots=True)
class VectorIndexSpec:
    """What was built and how it is searched; recorded in the manifest."""

    kind: Kind
    nlist: int = 0
    nprobe: int = 0
    recall_at_10: float | None = None
    """Measured at build time against exact search; ``None`` for exact search itself."""

    def to_manifest(self) -> dict[str, object]:
        """The manifest entry for this index."""
        return {"kind": self.kind, "nlist": self.nlist, "nprobe": self.nprobe, "recall_at_10": self.recall_at_10}

    @classmethod
    def from_manifest(cls, entry: object) -> VectorIndexSpec:
        """The spec recorded in a manifest; raises ``ValueError`` when it is not one."""
        if not isinstance(entry, dict) or entry.get("kind") not in ("flat", "ivf-sq8"):
            raise ValueError(f"unknown vector index {entry!r}")
        recall = entry.get("recall_at_10")
        return cls(
            kind=entry["kind"],
            nlist=int(entry.get("nlist", 0)),
            nprobe=int(entry.get("nprobe", 0)),
            recall_at_10=None if recall is None else float(recall),
        )


def exact_neighbours(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Ids of the ``k`` highest inner products of each query, by brute force."""
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return flat.search(np.ascontiguousarray(queries, dtype=np.float32), k)[1]


def recall_at_k(found: np.ndarray, exact: np.ndarray) -> float:
    """Mean share of each row of ``exact`` that appears in the same row of ``found``."""
    if len(exact) == 0:
        return 1.0
    k = exact.shape[1]
    return float(np.mean([len(set(f.tolist()) & set(e.tolist())) / k for f, e in zip(found, exact, strict=True)]))


def lists_for(count: int) -> int:
    """The number of inverted lists for ``count`` vectors: about 4 * sqrt(count)."""
    return max(1, int(4 * math.sqrt(count)))


def build_vector_index(
    vectors: np.ndarray,
    probes: np.ndarray,
    approximate_from: int,
    *,
    target_recall: float = TARGET_RECALL,
    seed: int = 0,
) -> tuple[Any, VectorIndexSpec]:
    """A searchable index of ``vectors`` (normalised, float32) and its spec.

    Args:
        vectors: the passage vectors, one row each.
        probes: question-like vectors (sentence vectors) used to measure recall; a sample is taken.
        approximate_from: build an approximate index from this many vectors on; 0 never does.
        target_recall: the recall@10 the approximate index must reach against exact search.
        seed: for the training sample and the probe sample.
    """
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    count, dimension = vectors.shape
    if approximate_from <= 0 or count < approximate_from:
        flat = faiss.IndexFlatIP(dimension)
        flat.add(vectors)
        return flat, VectorIndexSpec("flat")
    rng = np.random.default_rng(seed)
    nlist = lists_for(count)
    log.info("training an IVF-SQ8 index with %d lists over %d passages", nlist, count)
    quantizer = faiss.IndexFlatIP(dimension)
    ivf = faiss.IndexIVFScalarQuantizer(
        quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    training = min(count, nlist * TRAINING_POINTS_PER_LIST)
    ivf.train(vectors[np.sort(rng.choice(count, training, replace=False))])
    ivf.add(vectors)
    sample = probes[rng.choice(len(probes), min(len(probes), CALIBRATION_PROBES), replace=False)]
    sample = np.ascontiguousarray(sample, dtype=np.float32)
    k = min(10, count)
    exact = exact_neighbours(vectors, sample, k)
    nprobe, recall = _calibrate(ivf, sample, exact, target_recall)
    if nprobe == 0:  # no setting reaches the target: exact search is the honest choice
        log.warning("no nprobe reaches recall@10 %.2f on this corpus; passage search stays exact", target_recall)
        flat = faiss.IndexFlatIP(dimension)
        flat.add(vectors)
        return flat, VectorIndexSpec("flat")
    ivf.nprobe = nprobe
    log.info("passage search: IVF-SQ8, nprobe %d, recall@10 %.3f against exact search", nprobe, recall)
    return ivf, VectorIndexSpec("ivf-sq8", nlist=nlist, nprobe=nprobe, recall_at_10=round(recall, 4))


def _calibrate(ivf: Any, probes: np.ndarray, exact: np.ndarray, target_recall: float) -> tuple[int, float]:
    """(nprobe, its recall): the smallest nprobe reaching the target, times the margin; (0, 0) if none does."""
    k = exact.shape[1]
    nprobe = 1
    while True:
        ivf.nprobe = nprobe
        if recall_at_k(ivf.search(probes, k)[1], exact) >= target_recall:
            break
        if nprobe >= ivf.nlist:
            return 0, 0.0
        nprobe = min(nprobe * 2, ivf.nlist)
    nprobe = min(nprobe * NPROBE_MARGIN, ivf.nlist)
    ivf.nprobe = nprobe
    return nprobe, recall_at_k(ivf.search(probes, k)[1], exact)


def save_vector_index(index: Any, path: Path) -> None:
    """Write ``index`` to ``path``."""
    import faiss

    faiss.write_index(index, str(path))


def load_vector_index(path: Path, spec: VectorIndexSpec) -> Any:
    """Read the index at ``path`` memory-mapped, set up to search as ``spec`` says."""
    import faiss

    flags = faiss.IO_FLAG_MMAP_IFC if spec.kind == "flat" else faiss.IO_FLAG_MMAP
    index = faiss.read_index(str(path), flags | faiss.IO_FLAG_READ_ONLY)
    if spec.kind == "ivf-sq8":
        faiss.extract_index_ivf(index).nprobe = spec.nprobe
    return index
