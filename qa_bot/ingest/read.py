"""Read articles from files and folders into ``Document`` records, skipping (and counting) bad files."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa_bot.errors import IngestError
from qa_bot.ingest.charset import by_bom, page_text
from qa_bot.ingest.dates import first_date, normalize_date
from qa_bot.ingest.htmltext import html_to_page
from qa_bot.ingest.metadata import extract_metadata
from qa_bot.records import Document

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSON_SUFFIXES = frozenset({".json", ".jsonl"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
MAX_FILE_BYTES = 50 * 1024 * 1024
"""An article file (or a .json file of articles) larger than this is skipped; .jsonl is read line by line."""
MAX_TEXT_CHARS = 5_000_000
"""A single article longer than this is skipped: it is not an article, and would take minutes to split."""
_OPTIONAL_FIELDS = ("title", "url", "source", "author")
DATE_FIELDS = ("date", "published", "published_at", "publishedAt", "published_date", "datePublished", "pubDate")
"""The fields of a JSON record that may hold its date, in the order they are tried."""
_MAX_SHOWN_DATE_CHARS = 80


@dataclass(slots=True)
class IngestReport:
    """What a read of articles found: documents, and the files or records skipped with why."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    files_read: int = 0
    unreadable_dates: list[tuple[str, str]] = field(default_factory=list)
    """Documents kept undated because their date could not be read: (file or file:line, the raw date)."""

    def skip(self, where: str, why: str) -> None:
        """Record that ``where`` (a file, or file:line) was skipped because ``why``."""
        log.warning("skipped %s: %s", where, why)
        self.skipped.append((where, why))

    def undated(self, where: str, raw_date: str) -> None:
        """Record that the document at ``where`` was kept undated: ``raw_date`` cannot be read as a date."""
        if len(raw_date) > _MAX_SHOWN_DATE_CHARS:
            raw_date = raw_date[: _MAX_SHOWN_DATE_CHARS - 1] + "…"
        log.warning("undated %s: cannot read the date %r", where, raw_date)
        self.unreadable_dates.append((where, raw_date))


def check_paths(paths: Iterable[Path]) -> None:
    """Refuse ``paths`` to read articles from when one is neither a file nor a folder.

    Raises:
        IngestError: naming the first such path.
    """
    for path in paths:
        if not (Path(path).is_file() or Path(path).is_dir()):
            raise IngestError(f"no such file or folder: {path}")


def discover(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """Yield (file, root) for every supported file under ``paths``, sorted, never following links out.

    Raises:
        IngestError: a path is neither a file nor a folder (before anything is yielded).
    """
    paths = list(paths)
    check_paths(paths)
    for path in paths:
        if path.is_file():
            yield path, path.parent
            continue
        root = path.resolve()
        for file in sorted(path.rglob("*")):
            if file.suffix.lower() not in SUPPORTED_SUFFIXES or not file.is_file():
                continue
            if any(part.startswith(".") for part in file.relative_to(path).parts):
                continue
            if not file.resolve().is_relative_to(root):
                log.warning("skipped %s: link leads outside %s", file, path)
                continue
            yield file, path


def _file_id(file: Path, root: Path, roots: dict[str, Path]) -> str:
    """The name ``file`` is known by: its path inside ``root``; when a file of another folder given to the same
    read has that name (``--articles r1 --articles r2``, both holding story.txt), the folder's name goes first
    ("r2/story.txt"), so neither is lost as a duplicate. ``roots`` remembers the names taken."""
    rel = file.relative_to(root).as_posix()
    root = root.resolve()
    taken = roots.setdefault(rel, root)
    if taken == root:
        return rel
    for number in range(1, 1000):
        other = f"{root.name or 'root'}{'' if number == 1 else f'-{number}'}/{rel}"
        if roots.setdefault(other, root) == root:
            log.info("%s has the name of a file in %s: it is indexed as %s", file, taken, other)
            return other
    return rel  # a thousand folders of one name: skipped below as a duplicate


def _read_text(file: Path) -> str:
    """The text of ``file``: UTF-8, or what its byte order mark says (UTF-16 too); an HTML page is read as a
    browser reads it, by its ``<meta charset>`` (windows-1252 when it names none and is not UTF-8). Raises
    ValueError with a short reason when it is not usable."""
    size = file.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    data = file.read_bytes()
    try:  # a byte order mark is obeyed, but only for what then reads as text: binary data may start like one
        text = by_bom(data, errors="strict")
    except UnicodeDecodeError:
        raise ValueError("binary file") from None
    if text is not None and "\x00" in text:
        raise ValueError("binary file")
    if text is None:
        if b"\x00" in data[:8192]:
            raise ValueError("binary file")
        if file.suffix.lower() in HTML_SUFFIXES:
            text = page_text(data)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(f"not UTF-8 (byte {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _file_document(doc_id: str, file: Path, text: str) -> tuple[Document, str | None]:
    """The document in an article file, and its date's raw text when there is one that cannot be read."""
    suffix = file.suffix.lower()
    if suffix in HTML_SUFFIXES:
        page = html_to_page(text)
        meta = extract_metadata(page.text)
        date = page.date or meta.date
        document = Document(
            doc_id=doc_id,
            text=meta.body,
            title=page.title or meta.title or file.stem,
            url=page.url or meta.url,
            date=date,
            source=meta.source,
            path=str(file),
        )
        return document, None if date else page.unreadable_date or meta.unreadable_date
    meta = extract_metadata(text)
    document = Document(
        doc_id=doc_id,
        text=meta.body,
        title=meta.title or file.stem,
        url=meta.url,
        date=meta.date,
        source=meta.source,
        path=str(file),
    )
    return document, meta.unreadable_date


def _record_document(record: object, default_id: str, file: Path) -> tuple[Document, str | None]:
    """The document in a JSON record, and its date's raw text when there is one that cannot be read."""
    if not isinstance(record, dict):
        raise ValueError("record is not a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError('record has no "text" string')
    text = text.replace("\r\n", "\n").strip()
    extras = {k: record.get(k) for k in _OPTIONAL_FIELDS}
    extras = {k: str(v).strip() if v is not None else None for k, v in extras.items()}
    raw_id = record.get("doc_id", record.get("id"))
    doc_id = str(raw_id).strip() if raw_id is not None and str(raw_id).strip() else default_id
    dates = (record.get(k) for k in DATE_FIELDS)  # a true/false "published" flag is not a date
    date, unreadable_date = first_date(str(v) for v in dates if v is not None and not isinstance(v, bool))
    document = Document(
        doc_id=doc_id,
        text=text,
        title=extras["title"] or doc_id,
        url=extras["url"],
        date=date,
        source=extras["source"],
        path=str(file),
        author=extras["author"],
        updated=normalize_date(str(record["updated"])) if record.get("updated") else None,
    )
    return document, unreadable_date


def _jsonl_records(file: Path) -> Iterator[tuple[str, object | ValueError]]:
    """(line number, record or why the line is unusable) for each line of a .jsonl file, streamed."""
    with file.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            if len(raw) > MAX_TEXT_CHARS * 4:
                yield f"{number}", ValueError(f"line longer than {MAX_TEXT_CHARS * 4:,} bytes")
                continue
            try:
                yield f"{number}", json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
            except UnicodeDecodeError as exc:
                yield f"{number}", ValueError(f"not UTF-8 (byte {exc.start})")
            except json.JSONDecodeError as exc:
                yield f"{number}", ValueError(f"invalid JSON ({exc.msg})")
            except RecursionError:
                yield f"{number}", ValueError("invalid JSON (too deeply nested)")


def _json_records(text: str) -> Iterator[tuple[str, object | ValueError]]:
    """(number, record) for each article of a .json file: one object, or a list of them."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"invalid JSON ({getattr(exc, 'msg', 'too deeply nested')})") from None
    items = data if isinstance(data, list) else [data]
    for number, item in enumerate(items, start=1):
        yield f"{number}", item


def read_articles(paths: Iterable[Path]) -> IngestReport:
    """Read every supported article under ``paths`` (files or folders, recursively).

    Unreadable, binary, empty or non-UTF-8 files, and bad JSON records, are skipped, logged and
    counted in the report; one bad file never stops the read. Dates are ISO 8601 (see
    :func:`~qa_bot.ingest.dates.normalize_date`); a document whose date cannot be read is kept undated,
    logged and counted in ``unreadable_dates``.

    Raises:
        IngestError: a path does not exist.
    """
    report = IngestReport()
    seen: set[str] = set()

    def add(read: tuple[Document, str | None], where: str) -> None:
        document, unreadable_date = read
        if not document.text.strip():
            report.skip(where, "no text")
        elif len(document.text) > MAX_TEXT_CHARS:
            report.skip(where, f"longer than {MAX_TEXT_CHARS:,} characters; split it into articles")
        elif document.doc_id in seen:
            report.skip(where, f"duplicate doc_id {document.doc_id!r}")
        else:
            seen.add(document.doc_id)
            report.documents.append(document)
            if unreadable_date is not None:
                report.undated(where, unreadable_date)

    roots: dict[str, Path] = {}  # each file's name as an id, and the folder it was read from
    read: set[Path] = set()
    for file, root in discover(paths):
        try:
            real = file.resolve()
        except (OSError, RuntimeError):  # a link loop: read as it is, and skipped below with its reason
            real = file
        if real in read:  # one folder given twice (by two spellings, or a link to it): its files are read once
            continue
        read.add(real)
        report.files_read += 1
        rel = _file_id(file, root, roots)
        try:
            if file.suffix.lower() == ".jsonl":
                records = _jsonl_records(file)
            else:
                text = _read_text(file)
                if not text.strip():
                    report.skip(rel, "empty file")
                    continue
                if file.suffix.lower() not in JSON_SUFFIXES:
                    add(_file_document(rel, file, text), rel)
                    continue
                records = _json_records(text)
            empty = True
            for where, record in records:
                empty = False
                if isinstance(record, ValueError):
                    report.skip(f"{rel}:{where}", str(record))
                    continue
                try:
                    add(_record_document(record, f"{rel}#{where}", file), f"{rel}:{where}")
                except ValueError as exc:
                    report.skip(f"{rel}:{where}", str(exc))
            if empty:
                report.skip(rel, "empty file")
        except (OSError, ValueError) as exc:
            report.skip(rel, str(exc) if isinstance(exc, ValueError) else exc.strerror or str(exc))
        except Exception as exc:  # one strange file must never take the build down
            log.debug("reading %s failed", rel, exc_info=True)
            report.skip(rel, f"could not be read ({type(exc).__name__})")
    return report
