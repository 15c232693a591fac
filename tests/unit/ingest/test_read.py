from __future__ import annotations

import json
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(("first_line", "date", "unreadable", "title"), [
    ("date Nov. 13, 2023", "2023-11-13", None, "Big News"),  # no colon, but it reads as a date
    ("date 03/01/2020", None, "03/01/2020", "Big News"),  # all digits: a date line, warned, never guessed
    ("Date palms grew in 2000 gardens", None, None, None),  # the article's own words, kept in its body
])
def test_a_date_line_without_its_colon_is_one_only_when_it_looks_like_a_date(first_line, date, unreadable, title):
    meta = extract_metadata(f"{first_line}\nBig News\n\nSomething happened.\n")
    assert (meta.date, meta.unreadable_date, meta.title) == (date, unreadable, title)
    assert meta.body.endswith("Something happened.") and (first_line in meta.body) == (title is None)


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


def _page(head: str = "", body: str = "<p>Body text.</p>") -> str:
    return f"<html><head><title>T</title>{head}</head><body>{body}</body></html>"


def _json_ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


DATED_FILES = {
    "line.txt": ("date 2020/01/03 The council met. It voted.", "2020-01-03"),
    "iso.txt": ("date 2023-11-13T08:30:00Z\nThe council met.", "2023-11-13T08:30:00+00:00"),
    "label.md": ("Date: Nov. 13, 2023\n\n# Heading\n\nThe council met.", "2023-11-13"),
    "meta.html": (
        _page('<meta property="article:published_time" content="2023-11-13T08:30:00-05:00">'),
        "2023-11-13T08:30:00-05:00",
    ),
    "name.html": (_page('<meta name="date" content="13 November 2023">'), "2023-11-13"),
    "pubdate.html": (_page('<meta name="pubdate" content="2023-1-3">'), "2023-01-03"),
    "time.html": (
        _page(
            body='<nav><time datetime="2001-01-01">old</time></nav>'
            '<article><p>Text <time datetime="2023-11-13T09:00+01:00">today</time>.</p></article>'
        ),
        "2023-11-13T09:00:00+01:00",
    ),
    "ld.html": (_page(_json_ld({"@type": "NewsArticle", "datePublished": "2023-11-13"})), "2023-11-13"),
    "graph.html": (
        _page(
            '<script type="application/ld+json">{not json</script>'
            + _json_ld(
                {
                    "@context": "https://schema.org",
                    "@graph": [
                        {"@type": "WebPage", "datePublished": "2001-01-01"},
                        {"@type": ["ReportageNewsArticle"], "datePublished": "Mon, 13 Nov 2023 08:30:00 GMT"},
                    ],
                }
            )
        ),
        "2023-11-13T08:30:00+00:00",
    ),
    "ldlist.html": (
        _page(_json_ld([{"@type": "BreadcrumbList"}, {"@type": "Article", "datePublished": "2023-11-13"}])),
        "2023-11-13",
    ),
    "textline.html": (_page(body="<p>date 2023-11-13</p><p>The council met.</p>"), "2023-11-13"),
    "fallback.html": (
        _page(
            '<meta property="article:published_time" content="soon">',
            '<p>Text <time datetime="2023-11-13">x</time></p>',
        ),
        "2023-11-13",
    ),
}


def test_every_file_type_yields_an_iso_date(tmp_path):
    for name, (content, _) in DATED_FILES.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    records = [
        {"id": "date", "text": "A.", "date": "2020/01/03"},
        {"id": "published", "text": "A.", "published": "Nov. 13, 2023"},
        {"id": "published_at", "text": "A.", "published_at": "2023-11-13T08:30:00Z"},
        {"id": "publishedAt", "text": "A.", "publishedAt": "2023-11-13T08:30:00+02:00"},
        {"id": "datePublished", "text": "A.", "datePublished": "13 November 2023"},
        {"id": "pubDate", "text": "A.", "pubDate": "Mon, 13 Nov 2023 08:30:00 +0000"},
        {"id": "first", "text": "A.", "date": None, "published": True, "pubDate": "Mon, 13 Nov 2023 08:30:00 GMT"},
    ]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps([{"id": "json", "text": "B.", "date": "2023-11-13 08:30"}]))

    report = read_articles([tmp_path])
    dates = {d.doc_id: d.date for d in report.documents}
    assert report.skipped == [] and report.unreadable_dates == []
    assert {name: dates[name] for name in DATED_FILES} == {name: iso for name, (_, iso) in DATED_FILES.items()}
    assert {k: v for k, v in dates.items() if k not in DATED_FILES} == {
        "date": "2020-01-03",
        "published": "2023-11-13",
        "published_at": "2023-11-13T08:30:00+00:00",
        "publishedAt": "2023-11-13T08:30:00+02:00",
        "datePublished": "2023-11-13",
        "pubDate": "2023-11-13T08:30:00+00:00",
        "first": "2023-11-13T08:30:00+00:00",
        "json": "2023-11-13",
    }
    by_id = {d.doc_id: d for d in report.documents}
    assert by_id["line.txt"].text == "The council met. It voted."  # the date is metadata, not text
    assert by_id["label.md"].title == "Heading" and by_id["label.md"].text == "The council met."
    assert by_id["textline.html"].text == "The council met."


def test_an_unreadable_date_leaves_the_document_undated_warned_and_counted(tmp_path, caplog):
    (tmp_path / "a.txt").write_text("date 2023-13-45 The council met.", encoding="utf-8")
    (tmp_path / "b.md").write_text("Date: 03/01/2020\n\nThe council met.", encoding="utf-8")
    (tmp_path / "c.html").write_text(
        _page(
            '<meta property="article:published_time" content="last Tuesday">'
            + _json_ld({"@type": "NewsArticle", "datePublished": "11/13/2023"})
        ),
        encoding="utf-8",
    )
    (tmp_path / "d.jsonl").write_text(
        json.dumps({"id": "d1", "text": "A.", "date": "1699864200"})
        + "\n"
        + json.dumps({"id": "d2", "text": "B.", "published_at": 1699864200})
        + "\n"
        + json.dumps({"id": "d3", "text": "C.", "date": "2023-11-13"})
        + "\n"
        + json.dumps({"id": "d3", "text": "duplicate, skipped: its date is not counted", "date": "nope"})
        + "\n"
        + json.dumps({"id": "d4", "text": "D.", "date": "x" * 500})
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "e.txt").write_text("No date at all.", encoding="utf-8")

    with caplog.at_level("WARNING", logger="qa_bot.ingest.read"):
        report = read_articles([tmp_path])
    docs = {d.doc_id: d for d in report.documents}
    assert set(docs) == {"a.txt", "b.md", "c.html", "d1", "d2", "d3", "d4", "e.txt"}  # all kept
    assert {k: d.date for k, d in docs.items()} == {k: "2023-11-13" if k == "d3" else None for k in docs}
    assert docs["a.txt"].text == "The council met." and docs["b.md"].text == "The council met."
    assert report.unreadable_dates == [
        ("a.txt", "2023-13-45"),
        ("b.md", "03/01/2020"),
        ("c.html", "last Tuesday"),
        ("d.jsonl:1", "1699864200"),
        ("d.jsonl:2", "1699864200"),
        ("d.jsonl:5", "x" * 79 + "…"),
    ]
    assert [(where, why) for where, why in report.skipped] == [("d.jsonl:4", "duplicate doc_id 'd3'")]
    warnings = [r.getMessage() for r in caplog.records if "undated" in r.getMessage()]
    assert len(warnings) == 6 and "b.md" in warnings[1] and "'03/01/2020'" in warnings[1]


def test_html_prefers_published_metadata_over_other_dates():
    from qa_bot.ingest.htmltext import html_to_page

    page = html_to_page(
        _page(
            '<meta name="date" content="2001-01-01">'
            + _json_ld({"@type": "WebPage", "datePublished": "2002-02-02"})
            + _json_ld({"@type": "NewsArticle", "datePublished": "2023-11-13"}),
            '<p><time datetime="2003-03-03">x</time></p>',
        )
    )
    assert (page.date, page.unreadable_date) == ("2023-11-13", None)
    assert html_to_page(_page()).date is None and html_to_page(_page()).unreadable_date is None


def test_files_of_one_name_in_two_folders_are_both_read_the_later_under_its_folders_name(tmp_path):
    """``--articles r1 --articles r2`` with a story.txt in each: both stories are indexed (one was dropped as a
    duplicate), the first under its usual id, so adding a folder renames nothing already indexed."""
    for folder, text in (("r1", "The bridge in Bergen opened in May."), ("r2", "The harbour in Oslo closed."),
                         ("r3/r2", "The airport in Tromso reopened.")):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "story.txt").write_text(text, encoding="utf-8")
        (tmp_path / folder / "feed.jsonl").write_text(json.dumps({"text": f"{text} Records say so."}) + "\n",
                                                      encoding="utf-8")
    report = read_articles([tmp_path / "r1", tmp_path / "r2", tmp_path / "r3" / "r2"])
    assert report.skipped == []
    assert {d.doc_id: d.text for d in report.documents if d.doc_id.endswith(".txt")} == {
        "story.txt": "The bridge in Bergen opened in May.", "r2/story.txt": "The harbour in Oslo closed.",
        "r2-2/story.txt": "The airport in Tromso reopened."}
    assert sorted(d.doc_id for d in report.documents if ".jsonl" in d.doc_id) == [
        "feed.jsonl#1", "r2-2/feed.jsonl#1", "r2/feed.jsonl#1"]
    alone = read_articles([tmp_path / "r2"])  # one folder: ids as before
    assert sorted(d.doc_id for d in alone.documents) == ["feed.jsonl#1", "story.txt"]


def test_an_html_file_is_read_by_its_declared_charset_and_a_byte_order_mark_is_obeyed(tmp_path):
    """As a page fetched from a feed is: an HTML file saved from a browser in windows-1252 was skipped as not UTF-8,
    and a UTF-16 text with its byte order mark as a binary file."""
    pages = {
        "meta.html": '<meta charset="windows-1252"><title>Café Müller</title><p>The café on Müller Street reopened '
                     "after repairs costing €3 million.</p>".encode("cp1252"),
        "unlabelled.htm": "<p>Renée Dubois said “no” to the plan on Tuesday.</p>".encode("cp1252"),
        "says-utf16.html": b'<meta charset="utf-16"><p>The bridge in Bergen opened in May.</p>',
        "u16.txt": "The harbour in Tromsø closed for repairs in June.".encode("utf-16"),
        "u16be.md": "\ufeffThe airport in Bodø reopened on Friday.".encode("utf-16-be"),
        "latin1.txt": "The café closed.".encode("latin-1"),  # plain text names no charset: not guessed
        "u32.txt": "The ferry to Bergen sailed at noon.".encode("utf-32"),
        "looks-marked.txt": b"\xff\xfe\x00\x00binary",  # binary data that starts like a mark
        "marked-nul.txt": b"\xff\xfeb\x00\x00\x00",
    }
    for name, data in pages.items():
        (tmp_path / name).write_bytes(data)
    report = read_articles([tmp_path])
    texts = {d.doc_id: d.text for d in report.documents}
    assert "The café on Müller Street reopened after repairs costing €3 million." in texts["meta.html"]
    assert "Renée Dubois said “no” to the plan" in texts["unlabelled.htm"]
    assert "The bridge in Bergen opened in May." in texts["says-utf16.html"]
    assert texts["u16.txt"] == "The harbour in Tromsø closed for repairs in June."
    assert texts["u16be.md"].endswith("The airport in Bodø reopened on Friday.")
    assert texts["u32.txt"] == "The ferry to Bergen sailed at noon."
    assert sorted(report.skipped) == [("latin1.txt", "not UTF-8 (byte 7)"), ("looks-marked.txt", "binary file"),
                                      ("marked-nul.txt", "binary file")]


def test_one_folder_given_twice_is_read_once(tmp_path, monkeypatch):
    """By two spellings, or through a link to it: its articles were indexed twice, every quote doubled."""
    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "story.txt").write_text("The bridge in Bergen opened in May.", encoding="utf-8")
    (tmp_path / "link").symlink_to(folder)
    monkeypatch.chdir(tmp_path)
    report = read_articles([Path("arts"), folder, tmp_path / "link", folder / "story.txt"])
    assert [d.doc_id for d in report.documents] == ["story.txt"] and report.skipped == []
    assert report.files_read == 1
