"""The "never" rules of the README's architecture section, checked on the source (with ast) and on a live index.

Each rule is one test; each names the offending module and line, so a broken rule says where to look.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from ..conftest import ROOT

PACKAGE = ROOT / "qa_bot"
SCRIPTS = ROOT / "scripts"
ENGINES = ("faiss", "bm25s", "pymilvus")
ENTRY_POINTS = {"qa_bot.cli"}
"""Modules that may read or set environment variables (besides scripts/, which are entry points too)."""
STORE_BACKENDS = {"qa_bot.index.stores", "qa_bot.index.faiss_store", "qa_bot.index.numpy_store",
                  "qa_bot.index.bm25_store", "qa_bot.index.milvus_store", "qa_bot.index.milvus_compat"}
ENGINE_ALLOWED = STORE_BACKENDS | {"qa_bot.terms", "scripts.bench_scale"}
"""Besides the stores: qa_bot.terms reads bm25s's stop-word list, so that query terms are exactly what the
keyword store holds; the scale benchmark measures the FAISS layouts themselves and pins FAISS's threads."""


@dataclass(frozen=True)
class Import:
    module: str
    """The importing module."""
    target: str
    """What is imported: a module, or module.name for ``from module import name``."""
    line: int
    names: tuple[str, ...] = ()


def module_name(path: Path) -> str:
    if path.is_relative_to(PACKAGE):
        parts = path.relative_to(ROOT).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    return f"scripts.{path.stem}"


@cache
def sources() -> dict[str, tuple[Path, ast.Module]]:
    files = [*PACKAGE.rglob("*.py"), *SCRIPTS.glob("*.py")]
    return {module_name(f): (f, ast.parse(f.read_text(encoding="utf-8"), str(f))) for f in files}


def imports(name: str) -> list[Import]:
    """Every import in module ``name``, at module level or inside functions, relative ones resolved."""
    path, tree = sources()[name]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(name, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            names = tuple(alias.name for alias in node.names)
            found.append(Import(name, base, node.lineno, names))
    return found


def internal_targets(item: Import) -> set[str]:
    """The qa_bot modules an import makes its module depend on (a submodule named in ``from`` counts)."""
    modules = sources()
    targets = {item.target} | {f"{item.target}.{n}" for n in item.names}
    found = set()
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target.startswith("qa_bot") and target != item.module:
            found.add(target)
    return found


def package_modules() -> list[str]:
    return sorted(m for m in sources() if m.startswith("qa_bot"))


def test_there_is_no_import_cycle():
    graph = {m: {t for i in imports(m) for t in internal_targets(i)} for m in package_modules()}
    # A package's __init__ may import its own submodules; a submodule importing its package is the cycle.
    cycles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles)))


def test_only_the_index_package_imports_a_search_engine():
    wrong = [f"{i.module}:{i.line} imports {i.target}" for m in sources() for i in imports(m)
             if i.target.split(".")[0] in ENGINES and m not in ENGINE_ALLOWED]
    assert not wrong, "\n".join(wrong)


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for an attribute chain on a name, else empty."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else ""


def test_nothing_outside_the_index_package_imports_its_internals():
    wrong = []
    for m in sources():
        if m.startswith("qa_bot.index"):
            continue
        for item in imports(m):
            inside = {t for t in internal_targets(item) if t.startswith("qa_bot.index.")}
            if inside:
                wrong.append(f"{m}:{item.line} imports {', '.join(sorted(inside))} (use qa_bot.index)")
        for node in ast.walk(sources()[m][1]):  # import qa_bot.index, then qa_bot.index.reader.something
            if isinstance(node, ast.Attribute) and dotted(node).startswith("qa_bot.index.") \
                    and ".".join(dotted(node).split(".")[:3]) in sources():
                wrong.append(f"{m}:{node.lineno} reaches {dotted(node)} (use qa_bot.index)")
    assert not wrong, "\n".join(wrong)


def _private(attribute: str) -> bool:
    return attribute.startswith("_") and not attribute.startswith("__")


def private_uses(name: str) -> list[str]:
    """``something._private`` where something is not self or cls, or ``getattr(x, "_private")``: a reach past a door."""
    path, tree = sources()[name]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in {"self", "cls"}):
                found.append(f"{name}:{node.lineno} uses .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"getattr", "setattr"}:
            named = node.args[1] if len(node.args) > 1 else None
            if isinstance(named, ast.Constant) and isinstance(named.value, str) and _private(named.value):
                found.append(f"{name}:{node.lineno} uses {node.func.id}(..., {named.value!r})")
    return found


def test_stages_and_interfaces_never_reach_past_a_door():
    wrong = [use for m in sources() if not m.startswith("qa_bot.index") for use in private_uses(m)]
    assert not wrong, "\n".join(wrong)


def test_store_backends_import_neither_settings_nor_records():
    wrong = [f"{i.module}:{i.line} imports {t}" for m in STORE_BACKENDS for i in imports(m)
             for t in internal_targets(i) if t in {"qa_bot.config", "qa_bot.records"}]
    assert not wrong, "\n".join(wrong)


def environment_uses(name: str) -> list[str]:
    path, tree = sources()[name]
    names_of_os = {"os"} | {a.asname for n in ast.walk(tree) if isinstance(n, ast.Import)
                            for a in n.names if a.name == "os" and a.asname}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "putenv", "unsetenv"} \
                and isinstance(node.value, ast.Name) and node.value.id in names_of_os:
            found.append(f"{name}:{node.lineno} uses os.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "os" \
                and {a.name for a in node.names} & {"environ", "getenv", "putenv", "unsetenv"}:
            found.append(f"{name}:{node.lineno} imports from os what reads the environment")
    return found


def test_only_entry_points_read_or_set_the_environment():
    wrong = [use for m in package_modules() if m not in ENTRY_POINTS for use in environment_uses(m)]
    assert not wrong, "\n".join(wrong)


def test_scripts_import_no_private_names():
    wrong = []
    for m in (m for m in sources() if m.startswith("scripts.")):
        wrong += [f"{i.module}:{i.line} imports {n} from {i.target}" for i in imports(m) for n in i.names
                  if n.startswith("_")]
        wrong += private_uses(m)
    assert not wrong, "\n".join(wrong)


ANSWER_PATH = ("qa_bot.pipeline", "qa_bot.answer", "qa_bot.repl", "qa_bot.slack", "qa_bot.render", "qa_bot.index",
               "qa_bot.embed")
"""What runs while a question is answered: none of it may fetch from the web (the feeds package)."""


def test_the_answer_path_never_fetches():
    wrong = [f"{i.module}:{i.line} imports {t}" for m in sources() if m.startswith(ANSWER_PATH)
             for i in imports(m) for t in internal_targets(i) if t.startswith("qa_bot.feeds")]
    wrong += [f"{i.module}:{i.line} imports {i.target}" for m in sources() if m.startswith(ANSWER_PATH)
              for i in imports(m) if i.target.split(".")[0] in {"urllib3", "feedparser", "trafilatura", "requests"}]
    assert not wrong, "\n".join(wrong)


def test_the_index_reader_exposes_no_raw_arrays_or_engine_objects(tmp_path, fake_embedder):
    from qa_bot.index import load_index
    from qa_bot.records import Document

    from .conftest import build

    build([Document("a", "One sentence. Another one here.", "A")], fake_embedder, tmp_path / "i")
    index = load_index(tmp_path / "i", fake_embedder)
    exposed = {name: getattr(index, name) for name in dir(index) if not name.startswith("_")}
    values = {name: value for name, value in exposed.items() if not callable(value)}
    assert values, "the reader has no public values at all?"
    for name, value in values.items():
        assert isinstance(value, (int, str, Path, tuple)), f"Index.{name} is a {type(value).__name__}"
    info = index.describe()  # what it says of itself holds no raw manifest either
    assert all(not isinstance(getattr(info, f), (dict, np.ndarray)) for f in type(info).__dataclass_fields__
               if not f.startswith("_"))


@pytest.mark.parametrize("rule", [
    test_there_is_no_import_cycle,
    test_only_the_index_package_imports_a_search_engine,
    test_nothing_outside_the_index_package_imports_its_internals,
    test_stages_and_interfaces_never_reach_past_a_door,
    test_store_backends_import_neither_settings_nor_records,
    test_only_entry_points_read_or_set_the_environment,
    test_scripts_import_no_private_names,
    test_the_answer_path_never_fetches,
], ids=lambda rule: rule.__name__.removeprefix("test_"))
def test_each_rule_catches_a_violation(rule, monkeypatch):
    """Every rule fails on a module written to break it (so none of them passes whatever the code does)."""
    breaking = {
        "there_is_no_import_cycle": ("qa_bot.index.layout", "import qa_bot.pipeline\n"),
        "only_the_index_package_imports_a_search_engine": ("qa_bot.answer.quotes", "import faiss\n"),
        "nothing_outside_the_index_package_imports_its_internals": (
            "qa_bot.repl", "import qa_bot.index\nx = qa_bot.index.reader.load_index\n"),
        "stages_and_interfaces_never_reach_past_a_door": (
            "qa_bot.answer.quotes", "x = getattr(index, '_sentences')[0]\n"),
        "store_backends_import_neither_settings_nor_records": (
            "qa_bot.index.numpy_store", "from qa_bot.config import Settings\n"),
        "only_entry_points_read_or_set_the_environment": (
            "qa_bot.embed.sbert", "import os as system\nsystem.environ['X'] = '1'\n"),
        "scripts_import_no_private_names": ("scripts.bench", "from qa_bot.ingest.segment import _blocks\n"),
        "the_answer_path_never_fetches": ("qa_bot.slack.listeners", "from qa_bot.feeds.update import Updater\n"),
    }
    module, code = breaking[rule.__name__.removeprefix("test_")]
    real = sources()
    path, tree = real[module]
    broken = ast.parse(ast.unparse(tree) + "\n" + code)
    monkeypatch.setitem(real, module, (path, broken))
    with pytest.raises(AssertionError, match=module.replace(".", r"\.")):
        rule()
