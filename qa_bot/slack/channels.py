"""Per-channel settings from one TOML file: answer mode, private answers, sources, threshold, as-of.

The file (``QA_BOT_SLACK_CHANNELS_FILE``) has a ``[defaults]`` table and one ``[channels.C0123]`` table a
channel; a channel's table overrides only the keys it sets, and a channel without one takes the defaults.
A bad value is reported with the line of the file it is on. While the bot runs, the file is checked (its
modification time, at most once a second, when a message arrives) and re-read when it changed; an edit that
does not validate is logged once and the last good settings stay in force.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from qa_bot.errors import ConfigError
from qa_bot.records import Answer, Quote, SourceRef, from_sources

log = logging.getLogger(__name__)
CHECK_EVERY = 1.0
"""Seconds between two looks at the file's modification time."""
CHANNEL_ID = r"[CDG][A-Z0-9]+"
"""A Slack conversation id: a channel (C…), a private channel (G…) or a direct message (D…)."""
ChannelId = Annotated[str, StringConstraints(pattern=f"^{CHANNEL_ID}$")]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ChannelPolicy(BaseModel):
    """How the bot behaves in one channel (the ``[defaults]``, or a channel's table over them).

    Attributes:
        name: the channel's name, for people reading the file; not used.
        mode: ``mentions`` (answer when mentioned), ``questions`` (also every message ending in "?"), ``off``.
        private: answers are shown to the asker only (ephemeral), with a button to share them.
        sources: outlets (an article's ``source``) or doc id prefixes a quote may come from; None: any.
        abstain_threshold: below this confidence the bot abstains; None: ``QA_BOT_ABSTAIN_THRESHOLD``.
        as_of: ``message`` (answer as of the message's time) or ``now``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str | None = None
    mode: Literal["mentions", "questions", "off"] = "mentions"
    private: bool = False
    sources: list[Source] | None = Field(None, min_length=1)
    abstain_threshold: float | None = Field(None, ge=0.0, le=1.0)
    as_of: Literal["message", "now"] = "message"


class ChannelsFile(BaseModel):
    """The whole file: the defaults and the channels' own tables."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    defaults: ChannelPolicy = ChannelPolicy()
    channels: dict[ChannelId, ChannelPolicy] = {}

    def policy(self, channel: str) -> ChannelPolicy:
        """The settings in force in ``channel``: its own keys over the defaults (the defaults if it has none)."""
        own = self.channels.get(channel)
        if own is None:
            return self.defaults
        return self.defaults.model_copy(update={"name": None, **{k: getattr(own, k) for k in own.model_fields_set}})


def unmatched_sources(file: ChannelsFile, holds: Callable[[Sequence[str]], bool]) -> list[tuple[str, str]]:
    """(table, source) for each source of ``file`` that ``holds`` says no article is from: a typo, or an outlet
    the index does not have, which would leave its channel with nothing to quote."""
    tables = [("defaults", file.defaults), *((f"channels.{c}", p) for c, p in sorted(file.channels.items()))]
    return [(table, source) for table, policy in tables for source in policy.sources or () if not holds([source])]


def read_channels_file(path: Path) -> ChannelsFile:
    """Read and validate the channels file at ``path``.

    Raises:
        ConfigError: it cannot be read, is not TOML, or a value does not validate; the message names the
            file and the line of the value.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"channels file {path} cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"channels file {path} cannot be read: not UTF-8 ({exc.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)$", str(exc))
        what = re.sub(r"\s*\(at (?:line \d+, column \d+|end of document)\)$", "", str(exc))
        last = len(text.rstrip("\n").splitlines()) or 1  # "at end of document": the error is on the last line
        where = f", line {found.group(1) if found else last}"
        raise ConfigError(f"channels file {path}{where}: not valid TOML ({what})") from None
    try:
        return ChannelsFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"channels file {path}{_problem(text, errors[0])}{more}") from None


def _problem(text: str, error: object) -> str:
    """``, line N: [table] key: what is wrong`` for one pydantic error."""
    assert isinstance(error, dict)
    loc = [str(part) for part in error["loc"]]
    kind, given = error["type"], error.get("input")
    if loc[-1:] == ["[key]"]:  # a channel table whose name is not a channel id
        table, key, what = loc[:-1], None, "not a channel id (C…, G… or D…, as in the channel's link)"
    else:
        table, key = _split(loc)
        fields = ", ".join(ChannelPolicy.model_fields) if len(table) else "defaults, channels"
        if kind == "extra_forbidden":
            what = f"unknown key (known: {fields})"
        else:
            what = f"{error['msg']} (got {_short(given)})" if not isinstance(given, dict) else str(error["msg"])
    line = _line_of(text, table, key)
    header = f"[{'.'.join(table)}]" if table else "top level"
    named = f"{header} {key}" if key else header
    return f"{f', line {line}' if line else ''}: {named}: {what}"


def _split(loc: list[str]) -> tuple[list[str], str | None]:
    """(table path, key) of an error location, e.g. ``channels C1 sources 0`` -> (channels.C1, sources)."""
    if not loc:
        return [], None
    if loc[0] == "defaults":
        return ["defaults"], (loc[1] if len(loc) > 1 else None)
    if loc[0] == "channels" and len(loc) >= 2:
        return loc[:2], (loc[2] if len(loc) > 2 else None)
    return [], loc[0]


def _short(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*[=.]""")


def _line_of(text: str, table: Sequence[str], key: str | None) -> int | None:
    """The line of ``key`` in ``table`` (or of the table's header), found by reading the text; None if unseen.

    tomllib keeps no positions, so this follows the headers: right for the usual layout (one header a
    table, one key a line); a key in an inline table is found on its table's line.
    """
    current: list[str] = []
    header_line: int | None = None
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        found = _HEADER.match(line)
        if found:
            current = [part.strip().strip("\"'") for part in found.group(1).split(".")]
            if current == list(table) and header_line is None:
                header_line = number
            if key is not None and current[: len(table) + 1] == [*table, key]:  # a table where a key should be
                return number
            continue
        name = _KEY.match(line)
        if not name:
            continue
        first = next(g for g in name.groups() if g is not None)
        if current == list(table) and key is not None and first == key:
            return number
        depth = len(current)  # an inline table, at any depth: C1 = { ... }, channels = { C1 = { ... } }
        if depth < len(table) and current == list(table[:depth]) and first == table[depth]:
            header_line = header_line or number
    return header_line


_NOTHING = object()


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


class ChannelSettings:
    """The per-channel settings in force: read from the file at start, re-read when the file changes.

    Without a file every channel gets the built-in defaults (today's behaviour: answer mentions, publicly,
    from every source, as of the message's time).
    """

    def __init__(self, path: Path | None = None, *, check_every: float = CHECK_EVERY,
                 clock: Callable[[], float] = time.monotonic,
                 holds: Callable[[Sequence[str]], bool] | None = None) -> None:
        """Read ``path`` (None: no file). With ``holds`` (whether the index has an article from any of some
        sources), each source no article is from is warned about, at start and after every edit: a typo there
        would leave its channel with nothing to quote.

        Raises:
            ConfigError: as ``read_channels_file``.
        """
        self.path = path
        self._check_every, self._clock, self._holds = check_every, clock, holds
        self._lock = threading.Lock()
        self._stamp = _stamp(path) if path else None
        self._file = read_channels_file(path) if path else ChannelsFile()
        self._refused: object = _NOTHING
        """The stamp of the last edit that did not validate (None: the file was gone), reported once."""
        self.refusal: str | None = None
        """Why the file as it is now is not in force (its last edit did not validate); None when it is."""
        self._checked = clock()
        self._warn_unmatched()

    def for_channel(self, channel: str) -> ChannelPolicy:
        """The settings of ``channel``, after re-reading the file if it changed (looked at once a second)."""
        return self.current().policy(channel)

    def current(self) -> ChannelsFile:
        """The whole file in force, re-read first if it changed."""
        if self.path is not None:
            self._reload_if_changed(self.path)
        return self._file

    def configured(self, channel: str) -> bool:
        """True when ``channel`` has a table of its own in the file."""
        return channel in self._file.channels

    def _reload_if_changed(self, path: Path) -> None:
        now = self._clock()
        with self._lock:
            if now - self._checked < self._check_every:
                return
            self._checked = now
            stamp = _stamp(path)
            if stamp == self._stamp or stamp == self._refused:
                return  # unchanged, or this bad edit (or the file's absence) already reported
            try:
                loaded = read_channels_file(path)
            except ConfigError as exc:
                log.warning("%s; keeping the channel settings read before", exc)
                self._refused, self.refusal = stamp, str(exc)
                return
            self._file, self._stamp, self._refused, self.refusal = loaded, stamp, _NOTHING, None
            log.info("channel settings re-read from %s (%d channels)", path, len(loaded.channels))
            self._warn_unmatched()

    def _warn_unmatched(self) -> None:
        if self._holds is None:
            return
        for table, source in unmatched_sources(self._file, self._holds):
            log.warning("channels file %s: [%s] source %r is no article's source in the index (an outlet such as "
                        "Reuters or reuters.com, or a doc id prefix): that channel quotes nothing from it",
                        self.path, table, source)


def _from_allowed(ref: Quote | SourceRef, sources: Sequence[str]) -> bool:
    return from_sources(ref.source, ref.doc_id, sources)


def limit_to_sources(answer: Answer, sources: Sequence[str] | None) -> Answer:
    """``answer`` with only the quotes (and other reports of them) from ``sources``; None: all of them.

    A quote is from a source when its article's ``source`` is one of them (ignoring case) or its doc id
    starts with one (:func:`~qa_bot.records.from_sources`). The pipeline already searches a channel's sources
    only (``sources``); this drops the copies and reports from other outlets folded into its quotes, and
    every quote of an answer asked of all sources (which then says only that other sources answer). The
    confidence is the best kept quote's when the best quote was dropped.
    """
    if not sources or not answer.quotes:
        return answer
    kept = tuple(
        replace(q, also_in=tuple(r for r in q.also_in if _from_allowed(r, sources)),
                reported_by=tuple(r for r in q.reported_by if _from_allowed(r, sources)))
        for q in answer.quotes if _from_allowed(q, sources)
    )
    best_kept = bool(kept) and kept[0].doc_id == answer.quotes[0].doc_id and kept[0].start == answer.quotes[0].start
    confidence = answer.confidence if best_kept else max((q.confidence for q in kept), default=0.0)
    return replace(answer, quotes=kept, confidence=confidence)
