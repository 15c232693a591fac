"""Export a local sentence-transformers model to int8-quantised ONNX once, without any hub access.

The export lives in a cache folder: a mirror of the model folder (files linked, not copied) with an
``onnx/`` subfolder, because sentence-transformers loads ONNX files from inside the model folder.
It is written to a temporary folder and renamed into place, so a killed export leaves no half file.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import warnings
from pathlib import Path

from qa_bot.errors import ModelLoadError


def quantization_config() -> str:
    """The onnxruntime quantisation target for this CPU: avx512_vnni, avx2, or arm64."""
    if platform.machine().lower() in {"arm64", "aarch64"}:
        return "arm64"
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        flags = ""
    return "avx512_vnni" if "avx512_vnni" in flags else "avx2"


def quantized_file_name(config: str) -> str:
    """The file sentence-transformers writes for ``config`` (avx2 is quint8, the others qint8)."""
    kind = "quint8" if config == "avx2" else "qint8"
    return f"onnx/model_{kind}_{config}.onnx"


def _mirror(model_dir: Path, target: Path) -> None:
    """Link (or copy) the files of ``model_dir`` into ``target``, never what is under ``target`` itself, nor the
    rest of the cache when it lies inside the model's folder."""
    # The export's cache (``target``'s folder) may lie inside the model's folder (an index kept there): then
    # none of it is the model's. Paths are compared with the links in their folders followed.
    cache, model = target.parent.resolve(), model_dir.resolve()
    inside = cache if model in cache.parents else target.resolve()

    def within(item: Path) -> bool:
        real = item.parent.resolve() / item.name
        return real == inside or inside in real.parents

    files = [item for item in model_dir.rglob("*") if not within(item)]  # listed before anything is made
    for item in files:
        if item.is_file() and "onnx" not in item.relative_to(model_dir).parts:
            dest = target / item.relative_to(model_dir)
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.symlink(item.resolve(), dest)
            except OSError:
                shutil.copy2(item, dest)


def staging_in_cache(cache_root: Path, name: str) -> Path:
    """An empty folder in ``cache_root`` (made if need be) to write ``name`` into before it is renamed into place.

    Made before anything slow starts, so that a cache that cannot be written (the default one, ``.models`` beside
    a read-only index) is reported in one line that says which setting moves it.

    Raises:
        ModelLoadError: the folder cannot be made there.
    """
    staging = cache_root / f".{name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        raise ModelLoadError(
            f"cannot write the model cache {cache_root} ({exc.strerror or type(exc).__name__}): set "
            "QA_BOT_MODEL_CACHE_DIR to a writable folder"
        ) from exc
    return staging


def int8_model_folder(model_dir: Path, cache_root: Path) -> tuple[Path, str]:
    """(folder, file name) of the int8 ONNX export of ``model_dir``, exporting it on first use.

    Raises:
        ModelLoadError: the export fails (optimum-onnx missing, or an unsupported model), or the cache cannot be
            written.
    """
    config = quantization_config()
    file_name = quantized_file_name(config)
    key = hashlib.sha256(str(model_dir.resolve()).encode()).hexdigest()[:10]
    folder = cache_root / f"{model_dir.name}-{key}-onnx"
    if (folder / file_name).is_file():
        return folder, file_name
    staging = staging_in_cache(cache_root, folder.name)
    try:
        import transformers
        from optimum.onnxruntime import ORTModelForFeatureExtraction
        from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

        _mirror(model_dir, staging)
        with warnings.catch_warnings():  # tracing the model warns about constants; they are constant
            warnings.simplefilter("ignore")
            transformers.logging.set_verbosity_error()  # deprecation notices of the libraries' own calls
            ORTModelForFeatureExtraction.from_pretrained(str(model_dir), export=True).save_pretrained(
                str(staging / "onnx")
            )
            fp32 = SentenceTransformer(str(staging), device="cpu", backend="onnx",
                                       model_kwargs={"file_name": "onnx/model.onnx"})
            export_dynamic_quantized_onnx_model(fp32, config, str(staging))
        (staging / "onnx" / "model.onnx").unlink(missing_ok=True)  # only the int8 file is used
        if not (staging / file_name).is_file():
            raise ModelLoadError(f"the int8 export did not write {file_name}")
        shutil.rmtree(folder, ignore_errors=True)  # an incomplete earlier export, if any
        try:
            os.replace(staging, folder)
        except OSError:
            if not (folder / file_name).is_file():  # another process finished the same export first
                raise
    except ModelLoadError:
        raise
    except ImportError as exc:
        raise ModelLoadError(
            "the onnx-int8 backend needs optimum-onnx: pip install 'optimum-onnx[onnxruntime]'"
        ) from exc
    except Exception as exc:  # export errors come from several libraries
        raise ModelLoadError(f"cannot export {model_dir} to int8 ONNX ({type(exc).__name__}: {exc})") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder, file_name
