"""`qa-bot index info` and `index verify`, run in-process with click's runner on a fake-embedder index."""

from __future__ import annotations

import json

from click.testing import CliRunner

from qa_bot.cli import main

from .conftest import DOCS, build


def test_index_info_prints_the_whole_manifest_with_its_folders(tmp_path, fake_embedder):
    build(DOCS, fake_embedder, tmp_path / "i")
    result = CliRunner().invoke(main, ["index", "info", "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["index"] == str(tmp_path / "i") and info["build"] == str((tmp_path / "i").resolve())
    assert info["documents"] == 3 and info["format"] == 3 and info["vector_store"] == {"kind": "numpy"}
    assert "documents.jsonl" in info["files"]


def test_index_verify_names_the_search_and_the_files_it_checked(tmp_path, fake_embedder):
    build(DOCS, fake_embedder, tmp_path / "i")
    result = CliRunner().invoke(main, ["index", "verify", "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    assert "is sound: 3 documents" in result.output and "(numpy search)" in result.output
    assert "files match their checksums" in result.output


def test_index_info_of_a_missing_index_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["index", "info", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no index at" in result.output and "Traceback" not in result.output
