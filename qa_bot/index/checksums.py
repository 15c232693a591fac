"""Checksums of an index's files, recorded in its manifest and checked on load and by ``index verify``."""

from __future__ import annotations

import hashlib
from pathlib import Path

LOAD_HASH_LIMIT = 64 * 1024 * 1024
"""Files up to this size are hashed on every load; larger ones (vectors of big corpora) only by verify."""

FileDigests = dict[str, dict[str, object]]
"""relative path -> {"bytes": size, "sha256": hex digest}"""


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of the file at ``path``."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def digest_tree(folder: Path, skip: frozenset[str] = frozenset({"manifest.json"})) -> FileDigests:
    """Size and SHA-256 of every file under ``folder`` but ``skip``, by path relative to ``folder``."""
    found: FileDigests = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name not in skip:
            found[name] = {"bytes": path.stat().st_size, "sha256": sha256_of(path)}
    return found


def find_damage(folder: Path, recorded: FileDigests, hash_limit: int | None = LOAD_HASH_LIMIT) -> list[str]:
    """What is wrong with the files under ``folder`` against ``recorded``: one phrase per problem.

    Every file's presence and size is checked; its SHA-256 too when it is at most ``hash_limit``
    bytes (``None``: always).
    """
    problems: list[str] = []
    for name, entry in recorded.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
            continue
        size = path.stat().st_size
        if size != entry.get("bytes"):
            problems.append(f"{name} has {size} bytes, the manifest says {entry.get('bytes')}")
        elif (hash_limit is None or size <= hash_limit) and sha256_of(path) != entry.get("sha256"):
            problems.append(f"{name} was changed after the build (checksum differs)")
    return problems
