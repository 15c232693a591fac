"""A faster copy of a portable int8 ONNX model for CPUs with VNNI: the same numbers, signed weights.

The shipped reranker is quantised for every x86-64 CPU: unsigned 8-bit weights (onnxruntime's u8u8
kernels), because a CPU without VNNI can saturate on signed ones. A CPU with VNNI (``avx512_vnni``) has
fast and exact u8s8 kernels instead. Shifting each unsigned weight and its zero point down by 128 gives
signed weights with exactly the same dequantised values (``(w - z) == (w - 128) - (z - 128)``), so the
outputs are the same and a question is read about a third faster. The copy is made once into the model
cache (through a temporary file, renamed into place) and reused.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

from qa_bot.embed.onnx_export import quantization_config

log = logging.getLogger(__name__)


def signed_weights_file(model_file: Path, cache_root: Path) -> Path:
    """The model to load on this CPU: a cached copy of ``model_file`` with signed weights when the CPU has
    VNNI and the model has unsigned ones, else ``model_file`` itself (also when the copy cannot be made)."""
    if quantization_config() != "avx512_vnni":
        return model_file
    facts = model_file.stat()
    key = hashlib.sha256(f"{model_file.resolve()}:{facts.st_size}:{facts.st_mtime_ns}".encode()).hexdigest()[:10]
    copy = cache_root / f"{model_file.parent.name}-{key}-s8.onnx"
    if copy.is_file():
        return copy
    staging = copy.with_name(f".{copy.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        cache_root.mkdir(parents=True, exist_ok=True)
        if not _write_signed(model_file, staging):
            return model_file
        _check_same_scores(model_file, staging)
        os.replace(staging, copy)
    except Exception as exc:  # onnx, onnxruntime and the file system raise their own kinds; the original answers
        log.warning("reading the shipped model %s (no faster copy for this CPU: %s)", model_file, exc)
        return model_file
    finally:
        staging.unlink(missing_ok=True)
    return copy


def _write_signed(model_file: Path, out: Path) -> bool:
    """Write ``model_file`` with the weights and weight zero points of its MatMulInteger nodes made signed;
    False (nothing written) when there is nothing to change, or something it cannot change safely: a weight
    without its own zero point, or a weight or zero point that another kind of node reads too."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_file))
    initializers = {t.name: t for t in model.graph.initializer}
    readers: dict[str, list[tuple[str, int]]] = {}
    for node in model.graph.node:
        for position, name in enumerate(node.input):
            readers.setdefault(name, []).append((node.op_type, position))
    wanted: set[str] = set()
    for node in model.graph.node:
        if node.op_type != "MatMulInteger" or node.input[1] not in initializers:
            continue  # a weight computed in the graph (attention) is quantised there: nothing to change
        if numpy_helper.to_array(initializers[node.input[1]]).dtype != np.uint8:
            continue
        if len(node.input) < 4 or node.input[3] not in initializers:
            return False
        wanted |= {node.input[1], node.input[3]}
    if not wanted:
        return False
    for name in wanted:
        if any(kind != "MatMulInteger" or position not in (1, 3) for kind, position in readers[name]):
            return False
        values = numpy_helper.to_array(initializers[name])
        if values.dtype != np.uint8:
            return False
        initializers[name].CopyFrom(numpy_helper.from_array((values.astype(np.int16) - 128).astype(np.int8), name))
    with open(out, "wb") as handle:
        handle.write(model.SerializeToString())
        handle.flush()
        os.fsync(handle.fileno())
    return True


def _check_same_scores(model_file: Path, copy: Path) -> None:
    """Raise unless ``copy`` loads and gives ``model_file``'s outputs on a small input."""
    import numpy as np
    import onnxruntime

    sessions = [onnxruntime.InferenceSession(str(f), providers=["CPUExecutionProvider"]) for f in (model_file, copy)]
    ids = np.array([[101, 2054, 2003, 1996, 3160, 1029, 102, 1996, 3437, 2003, 2182, 1012, 102]], dtype=np.int64)
    feed = {i.name: (ids if i.name == "input_ids" else np.ones_like(ids) if i.name == "attention_mask"
                     else np.zeros_like(ids)) for i in sessions[0].get_inputs()}
    first, second = (np.asarray(s.run(None, feed)[0]) for s in sessions)
    if first.shape != second.shape or not np.allclose(first, second, atol=1e-5):
        raise ValueError("the signed copy scores differently")
