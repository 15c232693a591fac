"""``qa-bot feeds add`` and ``remove`` edit feeds.toml in place: what a person wrote there (comments, commented-out
feeds, blank lines, the quoting of values) stays, and every feed reads back as it was."""

from __future__ import annotations

import itertools
import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_bot.errors import FeedError
from qa_bot.feeds.feedlist import add_feed, feeds_path, load_feeds, remove_feed

SPORTS = """\
# sports desk asked for this one
[[feed]]
url = "https://sports.example/rss.xml"  # the main sports feed
name = "Sports"
added = "2026-11-01T09:00:00+00:00"
"""
POLITICS = """\
# Politics, both desks
[[feed]]
url = "https://politics.example/rss.xml"
name = 'Politics \\ Both desks'
"""
OLD = """\
# [[feed]]
# url = "https://old.example/rss.xml"   # paywalled since March
"""
WEATHER = """\
[[feed]]
url = "https://weather.example/atom.xml"
"""
OPENING = "# Feeds for the newsroom bot. Ask Dana before removing one.\n"
PERSONS_FILE = f"{OPENING}\n{SPORTS}\n{POLITICS}\n{OLD}\n{WEATHER}"
"""A feed list a person edited: an opening comment, a note above a feed, an inline comment after a url, a
literal string, and a commented-out feed between two."""


def write(tmp_path, text: str) -> None:
    feeds_path(tmp_path).write_text(text, encoding="utf-8")


def text_of(tmp_path) -> str:
    return feeds_path(tmp_path).read_text(encoding="utf-8")


def test_add_appends_one_table_and_leaves_every_byte_before_it(tmp_path):
    write(tmp_path, PERSONS_FILE)
    before = load_feeds(tmp_path)
    feed = add_feed(tmp_path, "https://local.example/feed", "Local")
    assert text_of(tmp_path) == PERSONS_FILE + (
        f'\n[[feed]]\nurl = "https://local.example/feed"\nname = "Local"\nadded = "{feed.added}"\n')
    assert load_feeds(tmp_path) == [*before, feed]


@pytest.mark.parametrize(("which", "left"), [
    ("https://sports.example/rss.xml", f"{OPENING}\n{POLITICS}\n{OLD}\n{WEATHER}"),
    ("2", f"{OPENING}\n{SPORTS}\n{OLD}\n{WEATHER}"),
    ("3", f"{OPENING}\n{SPORTS}\n{POLITICS}\n{OLD}"),  # no blank line is left dangling at the end
], ids=["first", "middle", "last"])
def test_remove_takes_out_one_table_with_the_note_right_above_it_and_keeps_the_rest(tmp_path, which, left):
    write(tmp_path, PERSONS_FILE)
    before = load_feeds(tmp_path)
    removed = remove_feed(tmp_path, which)
    assert text_of(tmp_path) == left
    assert load_feeds(tmp_path) == [feed for feed in before if feed != removed]


def test_a_comment_opening_the_file_stays_when_the_feed_right_below_it_goes(tmp_path):
    write(tmp_path, f"# Our feeds\n{WEATHER}\n{OLD}\n{POLITICS}")
    remove_feed(tmp_path, "1")
    assert text_of(tmp_path) == f"# Our feeds\n\n{OLD}\n{POLITICS}"


@pytest.mark.parametrize("name", [
    'The "Daily" \\ Weekly',
    "Zürich — 日本語 \u2028 🚀",
    "two\nlines\twith a tab",
    "control \x07 and delete \x7f",
    "'''# not a comment\n[[feed]]'''",
])
def test_a_name_with_quotes_escapes_and_any_unicode_reads_back_the_same(tmp_path, name):
    write(tmp_path, PERSONS_FILE)
    feed = add_feed(tmp_path, "https://local.example/feed", name)
    assert feed.name == name
    assert load_feeds(tmp_path)[-1] == feed
    assert text_of(tmp_path).startswith(PERSONS_FILE)
    remove_feed(tmp_path, "https://politics.example/rss.xml")
    assert load_feeds(tmp_path)[-1] == feed
    assert OLD in text_of(tmp_path)


def test_lines_inside_a_multi_line_string_are_not_taken_for_headers_or_comments(tmp_path):
    tricky = 'url = "https://desk.example/rss.xml"\nname = """Desk\n\n# not a comment\n[[feed]]\n"""\n'
    write(tmp_path, f"[[feed]]\n{tricky}# about weather\n{WEATHER}\n{OLD}\n{POLITICS}")
    remove_feed(tmp_path, "https://weather.example/atom.xml")
    assert text_of(tmp_path) == f"[[feed]]\n{tricky}\n{OLD}\n{POLITICS}"
    assert load_feeds(tmp_path)[0].name == "Desk\n\n# not a comment\n[[feed]]\n"


@pytest.mark.parametrize(("text", "after_add"), [
    ('[[feed]]\nurl = "https://a.example/"', '[[feed]]\nurl = "https://a.example/"\n\n'),  # no final newline
    ('  [[feed]]  # indented\n\turl = "https://a.example/"\n# end note\n',
     '  [[feed]]  # indented\n\turl = "https://a.example/"\n# end note\n\n'),
    ("\n\n", "# Feeds this articles folder follows; `qa-bot update` fetches them. Edit with `qa-bot feeds`.\n\n"),
])
def test_add_fits_the_new_table_to_how_the_file_ends(tmp_path, text, after_add):
    write(tmp_path, text)
    feed = add_feed(tmp_path, "https://b.example/rss.xml")
    assert text_of(tmp_path) == f'{after_add}[[feed]]\nurl = "https://b.example/rss.xml"\nadded = "{feed.added}"\n'


def test_feeds_written_as_an_inline_array_stay_one(tmp_path):
    write(tmp_path, '# ours\nfeed = [\n  {url = "https://a.example/"},  # first\n  {url = "https://b.example/"},\n]\n')
    added = add_feed(tmp_path, "https://c.example/", "C").added
    remove_feed(tmp_path, "1")
    assert text_of(tmp_path) == ('# ours\nfeed = [\n  {url = "https://b.example/"},\n'
                                 f'  {{url = "https://c.example/", name = "C", added = "{added}"}},\n]\n')


def test_a_new_list_starts_with_the_header_comment_and_a_blank_line_between_feeds(tmp_path):
    one = add_feed(tmp_path / "articles", "https://a.example/rss.xml", "A")
    two = add_feed(tmp_path / "articles", "https://b.example/atom.xml")
    assert text_of(tmp_path / "articles") == (
        "# Feeds this articles folder follows; `qa-bot update` fetches them. Edit with `qa-bot feeds`.\n\n"
        f'[[feed]]\nurl = "https://a.example/rss.xml"\nname = "A"\nadded = "{one.added}"\n\n'
        f'[[feed]]\nurl = "https://b.example/atom.xml"\nadded = "{two.added}"\n')


def test_a_list_that_cannot_be_written_says_so_and_stays_as_it_was(tmp_path):
    write(tmp_path, PERSONS_FILE)
    # write_atomically's temporary file cannot be made where a folder has its name
    feeds_path(tmp_path).with_name(f".feeds.toml.{os.getpid()}.tmp").mkdir()
    with pytest.raises(FeedError, match="cannot write the feed list"):
        add_feed(tmp_path, "https://b.example/rss.xml")
    assert text_of(tmp_path) == PERSONS_FILE


def test_a_list_saved_with_a_byte_order_mark_reads_and_edits(tmp_path):
    """Notepad writes one first; tomllib refused the file as not TOML at line 1."""
    feeds_path(tmp_path).write_bytes(b"\xef\xbb\xbf" + PERSONS_FILE.encode())
    before = load_feeds(tmp_path)
    assert before and before == [*load_feeds(tmp_path)]
    added = add_feed(tmp_path, "https://b.example/rss.xml")
    assert load_feeds(tmp_path) == [*before, added] and text_of(tmp_path).startswith(PERSONS_FILE)


def test_a_list_with_windows_line_endings_keeps_them(tmp_path):
    feeds_path(tmp_path).write_bytes(PERSONS_FILE.replace("\n", "\r\n").encode())
    added = add_feed(tmp_path, "https://b.example/rss.xml")
    remove_feed(tmp_path, "1")
    raw = feeds_path(tmp_path).read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") and added in load_feeds(tmp_path)


def test_a_failed_write_leaves_no_temporary_copy_beside_the_list(tmp_path, monkeypatch):
    write(tmp_path, PERSONS_FILE)

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(FeedError, match="cannot write the feed list .*No space left on device"):
        add_feed(tmp_path, "https://b.example/rss.xml")
    assert text_of(tmp_path) == PERSONS_FILE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feeds.toml"]


# A generated feed list: its lines, each with the feed it is part of (None: a comment or blank line between).
Line = tuple[str, int | None]
BLANKS = st.sampled_from(["\n", "  \n", "\t\n"])
INDENTS = st.sampled_from(["", "  ", "\t"])
NAMES = st.sampled_from(['"Sports"', "'C:\\feeds'", '"Qu\\"ote é \\u00e9"', '"a #~ b"',
                         '"""\nline\n#~ not a comment\n[[feed]]\n"""', "'''\n[[feed]]\n\n#~ x'''"])
ADDED = st.sampled_from(['"2026-11-01T09:00:00+00:00"', "2026-11-01T09:00:00Z"])


@st.composite
def feed_lists(draw) -> tuple[list[Line], list[int]]:
    """Lines of a feed list, and where each [[feed]] line is. Every comment holds ``# c<number>``, unique; the
    strings hold ``#~`` instead, so the comments left in a file can be counted."""
    numbers = itertools.count()

    def comment() -> str:
        return f"{draw(INDENTS)}# c{next(numbers)}"

    def between() -> list[Line]:  # comment blocks and blank lines, in any order
        lines: list[Line] = []
        for part in draw(st.lists(st.sampled_from(["comments", "blank"]), max_size=3)):
            count = draw(st.integers(1, 2)) if part == "comments" else 1
            lines += [(f"{comment()}\n", None) if part == "comments" else (draw(BLANKS), None) for _ in range(count)]
        return lines

    def inline() -> str:
        return draw(st.sampled_from(["", f"  {comment().strip()}"]))

    lines, headers = between(), []
    for number in range(draw(st.integers(1, 4))):
        lines += between()
        headers.append(len(lines))
        lines.append((f"{draw(INDENTS)}[[feed]]{inline()}\n", number))
        keys = [("url", f'"https://f{number}.example/rss.xml"')]
        keys += [("name", draw(NAMES))] if draw(st.booleans()) else []
        keys += [("added", draw(ADDED))] if draw(st.booleans()) else []
        for index, (key, value) in enumerate(draw(st.permutations(keys))):
            if index:  # between two keys: comments and blank lines inside the table
                lines += [(text, number) for text, _ in between()]
            lines.append((f"{draw(INDENTS)}{key} = {value}{inline()}\n", number))
    lines += between()
    return lines, headers


def comments_in(text: str) -> list[str]:
    return re.findall(r"# c\d+", text)


@settings(max_examples=200)
@given(feed_lists(), st.booleans(), st.data())
def test_remove_keeps_every_comment_but_the_feeds_own_and_add_keeps_all(tmp_path_factory, generated, final_newline,
                                                                        data):
    lines, headers = generated
    text = "".join(line for line, _ in lines)
    text = text if final_newline else text[:-1]
    which = data.draw(st.integers(0, len(headers) - 1))
    header = start = headers[which]
    while start > 0 and lines[start - 1][1] is None and lines[start - 1][0].strip():
        start -= 1  # the comment lines right above its [[feed]] line go with it...
    if start == 0:
        start = header  # ...unless they open the file
    gone = {i for i, (_, feed) in enumerate(lines) if feed == which} | set(range(start, header))
    kept = comments_in("".join(line for i, (line, _) in enumerate(lines) if i not in gone))
    folder = tmp_path_factory.mktemp("feeds")
    write(folder, text)
    before = load_feeds(folder)
    assert len(before) == len(headers)

    removed = remove_feed(folder, str(which + 1))
    assert load_feeds(folder) == before[:which] + before[which + 1:]
    assert comments_in(text_of(folder)) == kept
    added = add_feed(folder, removed.url, removed.name)
    assert load_feeds(folder) == [*before[:which], *before[which + 1:], added]
    assert comments_in(text_of(folder)) == kept


@pytest.mark.parametrize("linked", [False, True], ids=["one folder", "two folders linking one list"])
def test_feeds_added_at_once_by_several_commands_are_all_kept(tmp_path, linked):
    import threading

    start = threading.Barrier(8)
    folders = [tmp_path]
    if linked:  # two articles folders whose feeds.toml is one shared file
        folders = [tmp_path / "a", tmp_path / "b"]
        for folder in folders:
            folder.mkdir()
            feeds_path(folder).symlink_to(feeds_path(tmp_path))

    def follow(number: int) -> None:
        start.wait()
        add_feed(folders[number % len(folders)], f"https://x{number}.example/rss.xml")

    workers = [threading.Thread(target=follow, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(f.url for f in load_feeds(tmp_path)) == [f"https://x{n}.example/rss.xml" for n in range(8)]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["feeds.toml"]  # no lock file left behind


def test_a_linked_feed_list_stays_a_link_and_a_number_is_ascii_digits(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "feeds.toml").write_text(PERSONS_FILE, encoding="utf-8")
    articles = tmp_path / "articles"
    articles.mkdir()
    feeds_path(articles).symlink_to(shared / "feeds.toml")
    add_feed(articles, "https://b.example/rss.xml")
    assert feeds_path(articles).is_symlink() and "https://b.example/rss.xml" in text_of(shared)
    with pytest.raises(FeedError, match="not following '²'"):
        remove_feed(articles, "²")
    with pytest.raises(FeedError, match="no articles folder at .*typo"):
        remove_feed(tmp_path / "typo", "1")
    assert not (tmp_path / "typo").exists()  # a mistyped folder is not made
