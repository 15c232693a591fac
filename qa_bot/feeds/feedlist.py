"""The list of feeds an articles folder follows: ``feeds.toml`` beside the articles, edited by ``qa-bot feeds``.

The file is TOML a person may edit too::

    # sports desk asked for this one
    [[feed]]
    url = "https://news.example.org/rss.xml"
    name = "Example News"          # optional
    added = "2026-12-03T09:00:00+00:00"

``feeds add`` and ``feeds remove`` edit the file where it changes instead of writing it again, so what a person
wrote stays as written: comments, commented-out feeds, blank lines, the quoting of values. ``add`` appends one
``[[feed]]`` table at the end; ``remove`` takes out one table and the comment lines directly above it
(:func:`remove_feed` says which). The file is read with tomllib; tomlkit finds where each table begins and ends
(a multi-line string may hold a line that looks like a header or a comment) and writes the new table, and every
edit is read back before it is written.
"""

from __future__ import annotations

import fcntl
import os
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, Comment, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from qa_bot.errors import FeedError
from qa_bot.feeds.fetch import is_http_url
from qa_bot.feeds.state import write_atomically

FEEDS_FILE = "feeds.toml"
KNOWN_KEYS = "url, name, added"
HEADER = "# Feeds this articles folder follows; `qa-bot update` fetches them. Edit with `qa-bot feeds`.\n"
"""The first line of a feed list ``feeds add`` creates."""


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed followed: its URL, an optional name to show, and when it was added."""

    url: str
    name: str | None = None
    added: str | None = None

    @property
    def label(self) -> str:
        """The feed's name, else its URL."""
        return self.name or self.url


def feeds_path(articles_dir: Path) -> Path:
    """Where the feed list of ``articles_dir`` is kept."""
    return Path(articles_dir) / FEEDS_FILE


def check_url(url: str) -> str:
    """``url`` stripped, when it is an absolute http(s) URL with a host.

    Raises:
        FeedError: it is not.
    """
    url = url.strip()
    if not is_http_url(url):
        raise FeedError(f"not an http(s) URL: {url!r}")
    return url


def require_articles_dir(articles_dir: Path) -> None:
    """Refuse an articles folder that does not exist: a mistyped ``--articles`` follows no feeds, and should not
    say so calmly, nor be made (only ``feeds add`` and ``add`` start a folder).

    Raises:
        FeedError: there is no such folder.
    """
    if not Path(articles_dir).is_dir():
        raise FeedError(f"no articles folder at {articles_dir} (give --articles, or set QA_BOT_ARTICLES_DIR; "
                        "`qa-bot feeds add URL` starts one)")


def load_feeds(articles_dir: Path) -> list[Feed]:
    """The feeds followed by ``articles_dir`` (none when the file does not exist).

    Raises:
        FeedError: the file is not valid TOML (its line is named) or an entry is malformed.
    """
    path = feeds_path(articles_dir)
    return _parse(path, _read(path))


def _read(path: Path) -> str:
    """The text of the feed list at ``path``; empty when there is none."""
    try:
        return path.read_text(encoding="utf-8-sig")  # Notepad saves a byte order mark first
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None


def _parse(path: Path, text: str) -> list[Feed]:
    """The feeds ``text`` lists; ``path`` names the file in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FeedError(f"{path} is not valid TOML: {exc}") from None
    # What is not understood is refused, not ignored: a misspelt key would otherwise be passed by in silence.
    for key in data:
        if key != "feed":
            raise FeedError(f"{path}: unknown key {key!r} (the file holds [[feed]] tables, each with {KNOWN_KEYS})")
    entries = data.get("feed", [])
    if not isinstance(entries, list):
        raise FeedError(f"{path}: 'feed' must be a list of [[feed]] tables")
    feeds: list[Feed] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise FeedError(f"{path}: feed {number} has no url")
        unknown = sorted(set(entry) - {"url", "name", "added"})
        if unknown:
            raise FeedError(f"{path}: feed {number}: unknown key {unknown[0]!r} (known: {KNOWN_KEYS})")
        try:
            url = check_url(entry["url"])
        except FeedError as exc:
            raise FeedError(f"{path}: feed {number}: {exc}") from None
        if any(feed.url == url for feed in feeds):
            raise FeedError(f"{path}: feed {number}: {url} is listed twice")
        name, added = entry.get("name"), entry.get("added")
        feeds.append(Feed(url, str(name) if name else None, str(added) if added else None))
    return feeds


def add_feed(articles_dir: Path, url: str, name: str | None = None) -> Feed:
    """Follow the feed at ``url``; return it.

    Its ``[[feed]]`` table is appended to the file, after a blank line; the rest of the file is left as it was.
    A file that does not exist yet (or holds nothing) is written with a one-line header comment.

    Raises:
        FeedError: the URL is not http(s), the feed is followed already, or the file cannot be read or written.
    """
    url = check_url(url)
    path = feeds_path(articles_dir)
    with _editing(path, create=True):
        text = _read(path)
        feeds = _parse(path, text)
        if any(f.url == url for f in feeds):
            raise FeedError(f"already following {url}")
        feed = Feed(url, name.strip() if name and name.strip() else None,
                    datetime.now(UTC).isoformat(timespec="seconds"))
        _save(path, _with_feed(path, text, feed), [*feeds, feed])
    return feed


def remove_feed(articles_dir: Path, which: str) -> Feed:
    """Stop following a feed, named by its URL or its number in ``qa-bot feeds list``; return it.

    Its articles stay in the folder (and in the index): they were published, and remain true of their date.

    Its ``[[feed]]`` table goes from the file with the comments that are the feed's: those on and between its
    lines, and the comment lines directly above its ``[[feed]]`` line (no blank line between), which is where a
    note about it is written. Every other line stays: a comment after a blank line (a commented-out feed, a note
    on the list) and the comment lines after the table's last key, which may be about what follows; so does a
    comment that opens the file, even right above the first feed. The blank lines that separated the table from
    its neighbours are not doubled, and none are left at the end of the file.

    Raises:
        FeedError: no such feed, or the file cannot be read or written.
    """
    require_articles_dir(articles_dir)
    path = feeds_path(articles_dir)
    with _editing(path):
        text = _read(path)
        feeds = _parse(path, text)
        index = next((i for i, f in enumerate(feeds) if f.url == which.strip()), None)
        if index is None and re.fullmatch(r"[0-9]+", which.strip()) and 1 <= int(which) <= len(feeds):
            index = int(which) - 1  # ASCII digits only: "²" is a digit to str.isdigit, not to int()
        if index is None:
            raise FeedError(f"not following {which!r} (see `qa-bot feeds list`)")
        _save(path, _without_feed(path, text, index), feeds[:index] + feeds[index + 1:])
    return feeds[index]


@contextmanager
def _editing(path: Path, create: bool = False) -> Iterator[None]:
    """Hold the feed list's edit lock (on the folder the list is written in, a link's target's too, so no lock file
    is left) while it is read and written: two ``feeds add`` run at once would each write the list without the
    other's feed. ``create``: make the folder first (``feeds add`` starts one).

    Raises:
        FeedError: the folder cannot be made or opened.
    """
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        folder = os.open(path.resolve().parent, os.O_RDONLY)
    except OSError as exc:
        raise FeedError(f"cannot write the feed list {path}: {exc.strerror or exc}") from exc
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)  # released when the descriptor closes
        yield
    finally:
        os.close(folder)


def _uses_crlf(path: Path) -> bool:
    """True when the file at ``path`` ends its lines with CR LF (it is read with them folded to LF)."""
    try:
        return b"\r\n" in path.read_bytes()
    except OSError:
        return False


def _save(path: Path, text: str, feeds: list[Feed]) -> None:
    """Write ``text`` atomically (a crash leaves the old list or the new one, never half of one), once it is
    checked to read as ``feeds``: an edit that would change another feed is refused, never written."""
    try:
        written = _parse(path, text)
    except FeedError:
        written = None
    if written != feeds:
        raise _cannot_edit(path)
    if _uses_crlf(path):  # a list written on Windows keeps its line endings
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise FeedError(f"cannot write the feed list {path}: {exc.strerror or exc}") from exc


def _document(path: Path, text: str) -> TOMLDocument:
    """``text`` parsed by tomlkit (which keeps its comments and layout)."""
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:  # tomllib read it, so this is a disagreement between the two parsers
        raise _cannot_edit(path, f" ({exc})") from None


def _cannot_edit(path: Path, why: str = "") -> FeedError:
    """The error of an edit that would not keep the file as it was around the change (never seen: a safeguard)."""
    return FeedError(f"cannot edit {path} keeping its layout{why}; it is left as it was (edit it by hand)")


def _entry(feed: Feed) -> dict[str, str]:
    """The keys of ``feed``'s table, in the order they are written."""
    entry = {"url": feed.url}
    if feed.name:
        entry["name"] = feed.name
    if feed.added:
        entry["added"] = feed.added
    return entry


def _with_feed(path: Path, text: str, feed: Feed) -> str:
    """``text`` with ``feed``'s table appended."""
    document = _document(path, text)
    entries = document.get("feed")
    if isinstance(entries, Array):  # written inline, feed = [{url = "..."}, ...]: it stays so
        table = tomlkit.inline_table()
        table.update(_entry(feed))
        entries.append(table)
        return document.as_string()
    if not text.strip():
        text = HEADER
    if not text.endswith("\n"):
        text += "\n"
    if not _is_blank(_lines(text)[-1]):
        text += "\n"
    return text + tomlkit.dumps({"feed": [_entry(feed)]})


def _without_feed(path: Path, text: str, index: int) -> str:
    """``text`` without the table of feed ``index`` (from 0) and its comments, as :func:`remove_feed` says."""
    document = _document(path, text)
    entries = document["feed"]
    if isinstance(entries, Array):  # tomlkit takes an inline table out with its comment
        del entries[index]
        return document.as_string()
    layout = _Layout.of(document, text)
    if layout is None:
        raise _cannot_edit(path)
    before = layout.opening if index == 0 else layout.after[index - 1]
    above = _comment_lines_at_end(before)
    if index == 0 and above == before:
        above = ""  # the comment that opens the file is the file's, not the first feed's
    kept, following = before[: len(before) - len(above)], layout.after[index]
    if (index == 0 and not kept) or (kept and _is_blank(_lines(kept)[-1])):
        following = _strip_blank_lines(following, at_start=True)  # one gap between the neighbours, not two
    joined = kept + following
    if index == len(layout.tables) - 1 and not following.strip():
        joined = _strip_blank_lines(joined, at_start=False)  # no blank lines left at the end of the file
    after = [*layout.after]
    if index == 0:
        opening = joined
    else:
        opening, after[index - 1] = layout.opening, joined
    del after[index]
    return _Layout(opening, (*layout.tables[:index], *layout.tables[index + 1:]), tuple(after)).text()


@dataclass(frozen=True, slots=True)
class _Layout:
    """A feed list's text cut at its ``[[feed]]`` tables: ``opening``, then each table followed by what is after it."""

    opening: str
    """What comes before the first table: the file's opening comment, blank lines, notes on the first feed."""
    tables: tuple[str, ...]
    """Each table's own text: its ``[[feed]]`` line through its last key, with the comments on and among them."""
    after: tuple[str, ...]
    """The comment and blank lines after each table, up to the next table's ``[[feed]]`` line or the file's end."""

    @classmethod
    def of(cls, document: TOMLDocument, text: str) -> _Layout | None:
        """The layout of ``text``, parsed as ``document``; None if its pieces would not give ``text`` back."""
        opening, position = "", 0
        tables: list[str] = []
        after: list[str] = []
        for key, item in document.body:
            if key is None and not tables:  # a comment or blank line before the first table
                opening += item.as_string()
                position = len(opening)
                continue
            if not isinstance(item, AoT):  # never: after a [[feed]] line, everything is in some table
                return None
            for table in item.body:
                header_end = text.find("\n", position) + 1 or len(text)  # a [[feed]] line is one line
                body = table.as_string()  # tomlkit renders a table's keys and comments without its header line
                trailing = _trailing_comments(table)
                tables.append(text[position:header_end] + body[: len(body) - len(trailing)])
                after.append(trailing)
                position = header_end + len(body)
        layout = cls(opening, tuple(tables), tuple(after))
        return layout if layout.text() == text else None

    def text(self) -> str:
        """The pieces joined: the file's text."""
        return self.opening + "".join(table + after for table, after in zip(self.tables, self.after, strict=True))


def _trailing_comments(table: Table) -> str:
    """The comment and blank lines at the end of ``table``'s body: tomlkit counts what precedes the next
    ``[[feed]]`` line as the table's, a note about the next feed included."""
    trailing: list[str] = []
    for key, item in reversed(table.value.body):
        if key is not None or not isinstance(item, Comment | Whitespace):
            break
        trailing.append(item.as_string())
    return "".join(reversed(trailing))


def _lines(text: str) -> list[str]:
    """``text``'s lines, each with its newline (``str.splitlines`` would also cut at a form feed or U+2028)."""
    return re.findall(r"[^\n]*\n|[^\n]+", text)


def _is_blank(line: str) -> bool:
    """``line`` is a whole line of whitespace (not the indentation before a header on the same line)."""
    return line.endswith("\n") and not line.strip()


def _comment_lines_at_end(text: str) -> str:
    """The end of ``text`` after its last blank line: the comment lines written right above what follows it."""
    lines = _lines(text)
    count = 0
    while count < len(lines) and not _is_blank(lines[len(lines) - 1 - count]):
        count += 1
    return "".join(lines[len(lines) - count:])


def _strip_blank_lines(text: str, *, at_start: bool) -> str:
    """``text`` without the blank lines at its start (or at its end)."""
    lines = _lines(text)
    while lines and _is_blank(lines[0 if at_start else -1]):
        lines.pop(0 if at_start else -1)
    return "".join(lines)
