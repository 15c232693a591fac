"""The FAISS vector store: exact search for small corpora, approximate (IVF-SQ8) past a threshold.

Small corpora get ``IndexFlatIP``: exact, and fast enough below a few tens of thousands of passages.
Larger ones get an inverted file with 8-bit scalar quantisation (``IVF<nlist>,SQ8``): a quarter of the
memory of float vectors and a fraction of the distance computations. Its ``nprobe`` is chosen at build
time on the corpus itself: the build measures recall@10 against exact search for a sample of
question-like probe vectors (the corpus's sentence vectors, which are not themselves in the store) and
keeps the smallest ``nprobe`` that reaches the target, times four for queries less typical than the
sample (a search stays well under a millisecond at a million passages). When no ``nprobe`` reaches the
target, the build falls back to exact search rather than ship a worse store.

Both layouts are read memory-mapped, so loading is instant and only the pages a search touches are read.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from qa_bot.index.stores import Entry, recall_at_k

log = logging.getLogger(__name__)
FILE = "vectors.faiss"
TARGET_RECALL = 0.95
"""recall@10 against exact search that an approximate layout must reach on the calibration probes."""
CALIBRATION_PROBES = 500
TRAINING_POINTS_PER_LIST = 40
NPROBE_MARGIN = 4
LAYOUTS = ("flat", "ivf-sq8")


def exact_neighbours(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Ids of the ``k`` highest inner products of each query, by brute force."""
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return flat.search(np.ascontiguousarray(queries, dtype=np.float32), k)[1]


def lists_for(count: int) -> int:
    """The number of inverted lists for ``count`` vectors: about 4 * sqrt(count)."""
    return max(1, int(4 * math.sqrt(count)))


class FaissVectorStore:
    """Passage vectors in a FAISS index: ``flat`` (exact) or ``ivf-sq8`` (approximate, calibrated)."""

    kind = "faiss"

    def __init__(self, engine: Any, layout: str, nlist: int = 0, nprobe: int = 0,
                 recall_at_10: float | None = None, target_recall: float = TARGET_RECALL) -> None:
        self._engine = engine
        self.layout = layout
        self.target_recall = target_recall
        self.nlist = nlist
        self.nprobe = nprobe
        self.recall_at_10 = recall_at_10
        """Measured at build time against exact search; ``None`` for exact search itself."""

    @property
    def stated_recall(self) -> float:
        """1.0 for exact search; the target an approximate layout was calibrated to reach."""
        return 1.0 if self.layout == "flat" else self.target_recall

    def __len__(self) -> int:
        return int(self._engine.ntotal)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(row ids, inner products) of the ``k`` nearest rows to ``query``, best first.

        ``allowed`` is applied inside FAISS (an ``IDSelectorBitmap``), so the results are the best allowed rows.
        """
        k = min(k, len(self) if allowed is None else int(np.count_nonzero(allowed)))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if allowed is None:
            scores, ids = self._engine.search(query.reshape(1, -1), k)
        else:
            scores, ids = self._engine.search(query.reshape(1, -1), k, params=self._only(allowed, self.nprobe))
            if self.layout == "ivf-sq8" and int((ids[0] >= 0).sum()) < k:
                # The lists probed held fewer than k allowed rows (a narrow date window): search them all.
                scores, ids = self._engine.search(query.reshape(1, -1), k, params=self._only(allowed, self.nlist))
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def _only(self, allowed: np.ndarray, nprobe: int) -> Any:
        """FAISS search parameters that admit only the ``allowed`` rows, probing ``nprobe`` lists (IVF)."""
        import faiss

        bits = np.packbits(np.asarray(allowed, dtype=bool), bitorder="little")
        selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
        params: Any = (
            faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)  # type: ignore[call-arg]
            if self.layout == "ivf-sq8"
            else faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        )
        params.keep_alive = (bits, selector)  # FAISS holds raw pointers: keep what they point at alive
        return params

    def entry(self) -> Entry:
        """The manifest entry of this store."""
        return {"kind": self.kind, "layout": self.layout, "nlist": self.nlist, "nprobe": self.nprobe,
                "recall_at_10": self.recall_at_10}

    def save(self, folder: Path) -> Entry:
        """Write the FAISS file into ``folder``; return the manifest entry."""
        import faiss

        faiss.write_index(self._engine, str(folder / FILE))
        return self.entry()

    @classmethod
    def load(cls, folder: Path, entry: Entry) -> FaissVectorStore:
        """Read the store memory-mapped, set up to search as ``entry`` says; ``ValueError`` if it is not one."""
        import faiss

        layout = entry.get("layout")
        if layout not in LAYOUTS:
            raise ValueError(f"unknown FAISS layout {layout!r}")
        recall = entry.get("recall_at_10")
        store = cls(None, str(layout), int(str(entry.get("nlist") or 0)), int(str(entry.get("nprobe") or 0)),
                    None if recall is None else float(str(recall)))
        flags = faiss.IO_FLAG_MMAP_IFC if layout == "flat" else faiss.IO_FLAG_MMAP
        store._engine = faiss.read_index(str(folder / FILE), flags | faiss.IO_FLAG_READ_ONLY)
        if layout == "ivf-sq8":
            faiss.extract_index_ivf(store._engine).nprobe = store.nprobe
        return store

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        probes: np.ndarray,
        *,
        approximate_from: int,
        target_recall: float = TARGET_RECALL,
        seed: int = 0,
    ) -> FaissVectorStore:
        """A store of ``vectors`` (normalised, float32): exact below ``approximate_from`` rows, else IVF-SQ8.

        Args:
            vectors: one row each.
            probes: question-like vectors used to measure recall; a sample is taken.
            approximate_from: build an approximate layout from this many vectors on; 0 never does.
            target_recall: the recall@10 the approximate layout must reach against exact search.
            seed: for the training sample and the probe sample.
        """
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        count = len(vectors)
        if approximate_from <= 0 or count < approximate_from:
            return cls(_flat(vectors), "flat")
        return _approximate(vectors, probes, target_recall, seed) or cls(_flat(vectors), "flat")


def _flat(vectors: np.ndarray) -> Any:
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    return flat


def _approximate(vectors: np.ndarray, probes: np.ndarray, target_recall: float, seed: int) -> FaissVectorStore | None:
    """An IVF-SQ8 store calibrated to ``target_recall``, or None when no ``nprobe`` reaches it."""
    import faiss

    count, dimension = vectors.shape
    rng = np.random.default_rng(seed)
    nlist = lists_for(count)
    log.info("training an IVF-SQ8 index with %d lists over %d passages", nlist, count)
    quantizer = faiss.IndexFlatIP(dimension)
    ivf = faiss.IndexIVFScalarQuantizer(
        quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    ivf.train(vectors[np.sort(rng.choice(count, min(count, nlist * TRAINING_POINTS_PER_LIST), replace=False))])
    ivf.add(vectors)
    sample = probes[rng.choice(len(probes), min(len(probes), CALIBRATION_PROBES), replace=False)]
    sample = np.ascontiguousarray(sample, dtype=np.float32)
    exact = exact_neighbours(vectors, sample, min(10, count))
    nprobe, recall = _calibrate(ivf, sample, exact, target_recall)
    if nprobe == 0:  # no setting reaches the target: exact search is the honest choice
        log.warning("no nprobe reaches recall@10 %.2f on this corpus; passage search stays exact", target_recall)
        return None
    ivf.nprobe = nprobe
    log.info("passage search: IVF-SQ8, nprobe %d, recall@10 %.3f against exact search", nprobe, recall)
    return FaissVectorStore(ivf, "ivf-sq8", nlist=nlist, nprobe=nprobe, recall_at_10=round(recall, 4),
                            target_recall=target_recall)


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
