from __future__ import annotations

import json
from pathlib import Path

from qa_bot.ingest.metadata import extract_metadata
from qa_bot.ingest.read import read_articles

from ...conftest import ARTICLES


def test_bundled_articles_read_with_metadata():
    report = read_articles([ARTICLES])
    assert report.skipped == []
    by_id = {d.doc_id: d for d in report.documents}
    second = by_id["001_cd7baeb93980b5b0.txt"]
    assert second.date == "2023-11-13"
    assert second.url.startswith("https://www.reuters.com/world/us/us-forces-under-fire")
    assert second.title.startswith("Reuters: U.S. forces under fire")
    assert second.source == "reuters.com"
    assert second.text.startswith("Amidst the escalating tensions")  # the date line is metadata, not text
    assert "Sources:" not in second.text and "reuters.com" not in second.text
    first = by_id["000_2f9257486780408a.txt"]
    assert first.title == "000_2f9257486780408a" and first.date is None and first.url is None


def test_markdown_heading_and_date_line():
    meta = extract_metadata("date 2024-01-02\n# Big News\n\nSomething happened. Then more.\n")
    assert (meta.title, meta.date, meta.body) == ("Big News", "2024-01-02", "Something happened. Then more.")


def test_formats_and_bad_files_are_skipped_and_counted(tmp_path):
    (tmp_path / "a.txt").write_text("Short title\n\nThe council met on Monday. It voted.", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Heading\n\nMarkdown body here.", encoding="utf-8")
    (tmp_path / "c.html").write_text(
        "<html><head><title>Page</title><link rel='canonical' href='https://ex.com/c'>"
        "<script>alert('x')</script><style>p{}</style></head>"
        "<body><p>Visible <b>text</b> only.</p><p>Second block.</p></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "d.jsonl").write_text(
        json.dumps({"doc_id": "d1", "text": "JSON line one.", "title": "T1", "date": "2020-01-01"}) + "\n"
        + "{not json\n"
        + json.dumps({"title": "no text"}) + "\n"
        + json.dumps({"text": "Second record without id."}) + "\n",
        encoding="utf-8",
    )
    (tmp_path / "e.json").write_text(json.dumps([{"text": "From a JSON list.", "url": "https://ex.com/e"}]))
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    sub = tmp_path / "nested"
    sub.mkdir()
    (sub / "f.txt").write_text("Nested article text.", encoding="utf-8")

    report = read_articles([tmp_path])
    docs = {d.doc_id: d for d in report.documents}
    assert set(docs) == {"a.txt", "b.md", "c.html", "d1", "d.jsonl#4", "e.json#1", "nested/f.txt"}
    assert docs["a.txt"].title == "Short title" and docs["a.txt"].text.startswith("The council")
    assert docs["c.html"].text == "Visible text only.\n\nSecond block."
    assert docs["c.html"].title == "Page" and docs["c.html"].url == "https://ex.com/c"
    assert docs["d1"].date == "2020-01-01" and docs["d1"].title == "T1"
    skipped = dict(report.skipped)
    assert set(skipped) == {"d.jsonl:2", "d.jsonl:3", "empty.txt", "latin1.txt", "binary.txt", "broken.json"}
    assert "UTF-8" in skipped["latin1.txt"] and "binary" in skipped["binary.txt"]


def test_doc_ids_are_stable_across_reads(tmp_path):
    (tmp_path / "x.txt").write_text("One. Two.", encoding="utf-8")
    assert [d.doc_id for d in read_articles([tmp_path]).documents] == ["x.txt"]
    assert [d.doc_id for d in read_articles([tmp_path]).documents] == ["x.txt"]


def test_symlink_out_of_the_folder_is_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("Secret text.", encoding="utf-8")
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "link.txt").symlink_to(outside)
    (folder / "ok.txt").write_text("Fine text.", encoding="utf-8")
    assert [d.doc_id for d in read_articles([folder]).documents] == ["ok.txt"]


def test_nothing_outside_the_given_folders_is_read_or_written(tmp_path, fake_embedder):
    from qa_bot.index import build_index

    secret_dir = tmp_path / "private"
    secret_dir.mkdir()
    (secret_dir / "secret.txt").write_text("Private text never to be indexed.", encoding="utf-8")
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "linked-dir").symlink_to(secret_dir, target_is_directory=True)
    (folder / "a.jsonl").write_text(
        '{"id": "../../etc/passwd", "path": "../../outside.txt", "title": "../x", "text": "Plain news text here."}\n',
        encoding="utf-8",
    )
    report = read_articles([folder])
    assert [d.text for d in report.documents] == ["Plain news text here."]
    assert Path(report.documents[0].path) == folder / "a.jsonl"
    before = {p for p in tmp_path.rglob("*") if "index" not in p.parts}
    build_index(report.documents, fake_embedder, tmp_path / "index" / "default")
    after = {p for p in tmp_path.rglob("*") if "index" not in p.parts}
    assert after == before  # the build wrote only under the index folder's parent
    assert not (tmp_path.parent / "outside.txt").exists()
