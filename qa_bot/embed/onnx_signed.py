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
    try:
        cache_root.mkdir(parents=True, exist_ok=True)
        staging = copy.with_name(f".{copy.name}.tmp-{os.getpid()}")
        if not _write_signed(model_file, staging):
            return model_file
        os.replace(staging, copy)
    except Exception as exc:  # onnx and the file system raise their own kinds; the original still answers
        log.debug("kept the unsigned model %s: %s", model_file, exc)
        return model_file
    return copy


def _write_signed(model_file: Path, out: Path) -> bool:
    """Write ``model_file`` with every unsigned MatMulInteger weight and weight zero point made signed;
    False (nothing written) when it has none."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_file))
    initializers = {t.name: t for t in model.graph.initializer}
    names = {node.input[i] for node in model.graph.node if node.op_type == "MatMulInteger"
             for i in (1, 3) if i < len(node.input)}
    changed = 0
    for name in names & initializers.keys():
        values = numpy_helper.to_array(initializers[name])
        if values.dtype == np.uint8:
            signed = (values.astype(np.int16) - 128).astype(np.int8)
            initializers[name].CopyFrom(numpy_helper.from_array(signed, name))
            changed += 1
    if not changed:
        return False
    onnx.save(model, str(out))
    return True
