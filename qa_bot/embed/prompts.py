"""The texts a model wants before a question and before a passage ("query: ", "passage: " for e5 models).

A sentence-transformers folder says them in ``config_sentence_transformers.json`` (``prompts``, and
``default_prompt_name``); models trained with prefixes whose folders do not say them are in
:data:`KNOWN_PROMPTS`. Both embedders resolve them the way sentence-transformers' ``encode_query`` and
``encode_document`` do, so the light ONNX path and the sentence-transformers path embed the same text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Prompts:
    """What is put before a question (``query``) and before an indexed text (``passage``)."""

    query: str = ""
    passage: str = ""


NO_PROMPTS = Prompts()

_E5 = Prompts(query="query: ", passage="passage: ")

KNOWN_PROMPTS: dict[str, Prompts] = {
    name: _E5
    for name in (
        "e5-small", "e5-base", "e5-large", "e5-small-v2", "e5-base-v2", "e5-large-v2",
        "multilingual-e5-small", "multilingual-e5-base", "multilingual-e5-large",
    )
}
"""Models trained with prefixes, by the last part of their name (lower case), for folders that carry no
``prompts``: the e5 family of intfloat, whose model cards ask for "query: " and "passage: "."""

_PASSAGE_NAMES = ("document", "passage", "corpus")  # sentence-transformers' encode_document order


def prompts_from_config(config: dict[str, object]) -> Prompts | None:
    """The prompts a ``config_sentence_transformers.json`` states, or None when it states none.

    The query prompt is ``prompts["query"]``; the passage prompt the first of ``document``, ``passage`` and
    ``corpus``; either falls back to the ``default_prompt_name`` prompt, as sentence-transformers does.
    """
    prompts = config.get("prompts")
    if not isinstance(prompts, dict) or not any(isinstance(v, str) and v for v in prompts.values()):
        return None
    default_name = config.get("default_prompt_name")
    default = prompts.get(default_name, "") if isinstance(default_name, str) else ""
    query = prompts.get("query", default)
    passage = next((prompts[name] for name in _PASSAGE_NAMES if name in prompts), default)
    return Prompts(query=str(query or ""), passage=str(passage or ""))


def known_prompts(model_id: str) -> Prompts:
    """The prefixes of a known model by its name or folder name (``intfloat/e5-small-v2``), else none."""
    return KNOWN_PROMPTS.get(model_id.rstrip("/").rsplit("/", 1)[-1].lower(), NO_PROMPTS)


def model_prompts(folder: Path | None, model_id: str) -> Prompts:
    """The prompts of the model in ``folder`` (its config first, then :data:`KNOWN_PROMPTS` by name).

    A folder's config decides when it states any prompt, even an empty one for passages; otherwise the
    model's name (``model_id``, or the folder's name) is looked up among the known models.
    """
    if folder is not None:
        try:
            config = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            config = {}
        stated = prompts_from_config(config) if isinstance(config, dict) else None
        if stated is not None:
            return stated
        by_folder = known_prompts(folder.name)
        if by_folder != NO_PROMPTS:
            return by_folder
    return known_prompts(model_id)
