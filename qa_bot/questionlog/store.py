"""The question log: questions asked, what was answered, and feedback on the answers, in one SQLite file.

Every write is its own transaction, committed with ``synchronous=FULL`` in WAL mode before the call
returns: what the bot has acknowledged survives a crash of the process or the machine. One connection is
shared by the threads of a process behind a lock; other processes wait for the file's write lock up to a
busy timeout. User ids are stored only as salted SHA-256 hashes (the salt lives in the file), and no text
is stored but the question and the quoted articles' titles.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from qa_bot.errors import QuestionLogError
from qa_bot.questionlog.migrations import LATEST, foreign_tables, migrate, schema_version

if TYPE_CHECKING:
    from qa_bot.records import Answer

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 2_000
"""How long a write waits for another process's lock: short, so a click is still acked within Slack's 3 s."""
PRUNE_EVERY = timedelta(days=1)


class Feedback(StrEnum):
    """What a person said about an answer (``helpful``, ``not_helpful``) or one of its quotes (``wrong_source``)."""

    HELPFUL = "helpful"
    NOT_HELPFUL = "not_helpful"
    WRONG_SOURCE = "wrong_source"


class Recorded(StrEnum):
    """What became of a feedback click."""

    NEW = "new"
    """Recorded now."""
    REPEATED = "repeated"
    """Recorded before: Slack delivered the same click again."""
    UNKNOWN = "unknown"
    """Names no logged answer (or quote): deleted by the retention, or a value not made by the bot."""


@dataclass(frozen=True, slots=True)
class Click:
    """One click on a feedback button, as Slack delivers it.

    Attributes:
        answer_id: the logged answer the button belongs to.
        kind: which button.
        user: the clicker's Slack user id (stored hashed).
        key: what makes this click this click (Slack's trigger id, message ts...): a delivery of the same
            key again is the same click, recorded once. Stored hashed with the salt.
        quote_position: the quote marked, for ``wrong_source`` (0: the first quote).
    """

    answer_id: int
    kind: Feedback
    user: str | None
    key: str
    quote_position: int | None = None


def utc_iso(moment: datetime) -> str:
    """``moment`` in UTC, ISO 8601 to the second: the form every time in the log has, so they sort as text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class QuestionLog:
    """An open question log. Thread-safe; several processes may open the same file.

    Writes (``record``, ``begin``, ``finish``, ``add_feedback``) never raise: a failure is logged once as a
    warning and the call returns None (False), so a log that cannot be written never stops the bot answering.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path, retention_days: int | None) -> None:
        self.path = path
        self.retention_days = retention_days
        self._connection = connection
        self._lock = threading.Lock()
        self._warned = False
        self._salt = self._read_salt()
        self._pruned_at = datetime.now(UTC)

    @classmethod
    def open(cls, path: Path, retention_days: int | None = 90, *, now: datetime | None = None,
             set_retention: bool = True) -> QuestionLog:
        """Open (or create) the log at ``path``, migrate it to the latest schema, and delete what is too old.

        Args:
            path: the SQLite file; its folder is made if missing.
            retention_days: questions (and their feedback) older than this many days are deleted; None: nothing
                is (a reader, such as ``qa-bot log``, which cannot know the retention of the bot that writes).
            now: the present moment (tests); default: the clock.
            set_retention: ``retention_days`` was asked for (``QA_BOT_QUESTION_LOG_RETENTION_DAYS``): it becomes the
                log's own, kept in the file. Otherwise the retention the file keeps is followed, and
                ``retention_days`` only where it keeps none: ``ask`` or the REPL pointed at the bot's log never
                deletes what the bot keeps longer.

        Raises:
            QuestionLogError: the file cannot be created or opened, is not a database, or is of a newer schema.
        """
        if path.is_dir():
            raise QuestionLogError(f"cannot open the question log {path}: it is a folder (give a file's path, such "
                                   f"as {path / 'questions.sqlite'})")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                         check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise _cannot_open(path, exc) from exc
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            others = foreign_tables(connection)
            if others:  # another program's database: nothing of it is changed
                connection.close()
                shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
                raise QuestionLogError(f"cannot open the question log {path}: it is not a qa-bot question log but "
                                       f"another database (tables {shown})")
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.DatabaseError(f"cannot use WAL mode (journal mode stays {mode})")
            connection.execute("PRAGMA synchronous = FULL")  # a commit is on disk before it returns
            connection.execute("PRAGMA foreign_keys = ON")
            migrate(connection)
            if retention_days is not None:
                retention_days = _retention(connection, retention_days, set_retention)
            questions = cls(connection, path, retention_days)
            questions.prune(now)
        except sqlite3.Error as exc:
            connection.close()
            raise _cannot_open(path, exc) from exc
        return questions

    @classmethod
    def open_to_read(cls, path: Path) -> QuestionLog:
        """Open the log at ``path`` to read it, changing nothing in it, so a log the reader may not write opens
        too (``qa-bot log`` run by another user than the bot, or on a copy). When no bot has it open and its
        folder may not be written, SQLite cannot make the shared-memory file WAL readers need, and the file is
        read as immutable (nothing writes it then). A log of an older schema is migrated as :meth:`open` does
        (its reports need the new columns); a file that is not there is not made.

        Raises:
            QuestionLogError: the file is missing, not a database, not a question log (no schema: another
                program's database, or an empty file), of a newer schema, or of an older one that cannot be
                written.
        """
        uri = path.resolve().as_uri()
        version = None
        for mode in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                connection = sqlite3.connect(uri + mode, uri=True, isolation_level=None,
                                             timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
                connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                version = schema_version(connection)
                break
            except sqlite3.OperationalError as exc:
                error: sqlite3.Error = exc
            except sqlite3.Error as exc:
                raise QuestionLogError(f"cannot open the question log {path}: {exc}") from exc
        if version is None:
            raise QuestionLogError(f"cannot open the question log {path}: {error}") from error
        if version == 0:
            connection.close()
            raise QuestionLogError(f"{path} is not a qa-bot question log (it has no schema_version table)")
        if version == LATEST:
            return cls(connection, path, None)
        connection.close()
        return cls.open(path, retention_days=None)

    def close(self) -> None:
        """Close the file; later writes fail (and are warned about once)."""
        with self._lock:
            self._connection.close()

    def __enter__(self) -> QuestionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def hash_user(self, user: str | None) -> str | None:
        """The salted SHA-256 of a user id, as stored (None for no user: the command line, the REPL)."""
        if user is None:
            return None
        return hashlib.sha256(f"{self._salt}:{user}".encode()).hexdigest()

    def record(self, answer: Answer, *, channel: str, user: str | None = None,
               asked_at: datetime | None = None) -> int | None:
        """Log one question and its answer; the answer's id (for feedback), or None when the log failed.

        Args:
            answer: what was answered: the question (and how it was read with its thread, if it was), its
                as-of moment, confidence and quotes (doc id, title, offsets, score; never the quoted text).
            channel: where it was asked: a Slack channel id, ``repl`` or ``cli``.
            user: who asked (a Slack user id), stored hashed; None when there is no user.
            asked_at: when (default: now).
        """
        return self._write(answer.question, channel, user, asked_at, answer)

    def begin(self, question: str, *, channel: str, user: str | None = None,
              asked_at: datetime | None = None) -> int | None:
        """Log a question as it arrives, before it is answered; its id for :meth:`finish`, or None.

        Until it is finished it reads as unanswered, which is what it is if the bot dies answering it:
        a question Slack was told was received is never lost.
        """
        return self._write(question, channel, user, asked_at, None)

    def finish(self, answer_id: int, answer: Answer) -> bool:
        """Record ``answer`` for the question :meth:`begin` logged as ``answer_id``; False when the log failed
        (or holds no such question, or already holds quotes for it)."""
        try:
            with self._lock, self._transaction():
                done = self._connection.execute(
                    "UPDATE answers SET as_of = ?, answered = ?, confidence = ?, read_as = ? WHERE id = ? "
                    "AND NOT EXISTS (SELECT 1 FROM quotes WHERE answer_id = ?)",
                    (answer.as_of, int(answer.answered), float(answer.confidence), answer.read_as, answer_id,
                     answer_id)).rowcount
                if done:
                    self._insert_quotes(answer_id, answer)
            return bool(done)
        except Exception as exc:  # whatever goes wrong with the log, answering goes on
            self._warn(exc)
            return False

    def undelivered(self, answer_id: int, reason: str) -> bool:
        """Mark the answer ``answer_id`` as never delivered to the asker (Slack refused its post for good, or
        for longer than the bot's patience), with Slack's ``reason``: it is then listed as unanswered, as it
        was for the asker. False when the log failed or holds no such answer."""
        try:
            with self._lock, self._transaction():
                return bool(self._connection.execute("UPDATE answers SET undelivered = ? WHERE id = ?",
                                                     (reason, answer_id)).rowcount)
        except Exception as exc:  # whatever goes wrong with the log, answering goes on
            self._warn(exc)
            return False

    def _write(self, question: str, channel: str, user: str | None, asked_at: datetime | None,
               answer: Answer | None) -> int | None:
        """One question (with ``answer``, or as not yet answered) in one transaction; its id, or None."""
        moment = asked_at or datetime.now(UTC)
        try:
            with self._lock:
                self._prune_daily(moment)
                with self._transaction():
                    cursor = self._connection.execute(
                        "INSERT INTO answers (question, asked_at, as_of, channel, user_hash, answered, confidence, "
                        "read_as) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (question, utc_iso(moment), answer and answer.as_of, channel, self.hash_user(user),
                         int(bool(answer and answer.answered)), float(answer.confidence if answer else 0.0),
                         answer and answer.read_as))
                    answer_id = int(cursor.lastrowid or 0)
                    if answer is not None:
                        self._insert_quotes(answer_id, answer)
            return answer_id
        except Exception as exc:  # whatever goes wrong with the log, answering goes on
            self._warn(exc)
            return None

    def _insert_quotes(self, answer_id: int, answer: Answer) -> None:
        self._connection.executemany(
            'INSERT INTO quotes (answer_id, position, doc_id, title, start, "end", score) VALUES (?, ?, ?, ?, ?, ?, ?)',
            [(answer_id, n, q.doc_id, q.title, q.start, q.end, float(q.score)) for n, q in enumerate(answer.quotes)])

    def quote_count(self, answer_id: int) -> int | None:
        """How many quotes the logged answer ``answer_id`` has; None when there is no such answer (or on failure)."""
        places = self.quote_places(answer_id)
        return None if places is None else len(places)

    def quote_places(self, answer_id: int) -> list[tuple[str, int, int]] | None:
        """Where each quote of the logged answer ``answer_id`` stands (doc id, start, end), in order; None
        when there is no such answer (or on failure)."""
        try:
            with self._lock:
                if self._connection.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                    return None
                rows = self._connection.execute(
                    'SELECT doc_id, start, "end" FROM quotes WHERE answer_id = ? ORDER BY position',
                    (answer_id,)).fetchall()
        except sqlite3.Error as exc:
            self._warn(exc)
            return None
        return [(str(d), int(a), int(b)) for d, a, b in rows]

    def add_feedback(self, click: Click, *, at: datetime | None = None) -> Recorded | None:
        """Record ``click`` once, however often it is delivered; what became of it, or None when the log failed."""
        if click.kind is Feedback.WRONG_SOURCE and click.quote_position is None:
            raise ValueError("a wrong-source click names a quote")
        position = click.quote_position if click.kind is Feedback.WRONG_SOURCE else None
        key = hashlib.sha256(f"{self._salt}:{click.key}".encode()).hexdigest()
        try:
            with self._lock, self._transaction():
                known = self._connection.execute(
                    "SELECT 1 FROM answers WHERE id = ? AND (? IS NULL OR EXISTS "
                    "(SELECT 1 FROM quotes WHERE answer_id = answers.id AND position = ?))",
                    (click.answer_id, position, position)).fetchone()
                if not known:
                    return Recorded.UNKNOWN
                cursor = self._connection.execute(
                    "INSERT OR IGNORE INTO feedback (answer_id, kind, quote_position, user_hash, click_key, at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (click.answer_id, click.kind.value, position, self.hash_user(click.user), key,
                     utc_iso(at or datetime.now(UTC))))
                return Recorded.NEW if cursor.rowcount == 1 else Recorded.REPEATED
        except Exception as exc:  # whatever goes wrong with the log, answering goes on
            self._warn(exc)
            return None

    def prune(self, now: datetime | None = None) -> int:
        """Delete the questions (with their quotes and feedback) older than the retention; how many.

        Raises:
            sqlite3.Error: the log cannot be written.
        """
        with self._lock:
            return self._delete_old(now or datetime.now(UTC))

    def _delete_old(self, moment: datetime) -> int:
        if self.retention_days is None:
            return 0
        cutoff = utc_iso(moment - timedelta(days=self.retention_days))
        with self._transaction():
            deleted = self._connection.execute("DELETE FROM answers WHERE asked_at < ?", (cutoff,)).rowcount
        self._pruned_at = moment
        if deleted:
            log.info("question log: deleted %d questions older than %d days", deleted, self.retention_days)
        return deleted

    def query(self, sql: str, parameters: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        """Rows of a read-only query (``qa_bot.questionlog.export`` builds them).

        Raises:
            QuestionLogError: the log cannot be read.
        """
        try:
            with self._lock:
                cursor = self._connection.execute(sql, parameters)
                cursor.row_factory = sqlite3.Row
                return list(cursor.fetchall())
        except sqlite3.Error as exc:
            raise QuestionLogError(f"cannot read the question log {self.path}: {exc}") from exc

    def _prune_daily(self, moment: datetime) -> None:
        if moment - self._pruned_at >= PRUNE_EVERY:
            self._delete_old(moment)

    def _read_salt(self) -> str:
        found = self._connection.execute("SELECT value FROM meta WHERE key = 'user_salt'").fetchone()
        if found:  # no write at all, so a log opened only to read (or a read-only file) opens
            return str(found[0])
        with self._transaction():
            self._connection.execute("INSERT OR IGNORE INTO meta VALUES ('user_salt', ?)", (secrets.token_hex(16),))
            return str(self._connection.execute("SELECT value FROM meta WHERE key = 'user_salt'").fetchone()[0])

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connection)

    def _warn(self, exc: BaseException) -> None:
        if not self._warned:
            self._warned = True
            log.warning("the question log %s cannot be written (%s); answering goes on without it", self.path, exc)
        else:
            log.debug("question log write failed: %s", exc)


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on an error): the write lock taken before anything is read."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is None:
            self.connection.execute("COMMIT")
        elif self.connection.in_transaction:
            self.connection.execute("ROLLBACK")


def _retention(connection: sqlite3.Connection, days: int, set_retention: bool) -> int:
    """The days a log keeps a question: ``days`` when ``set_retention`` (and stored as the log's own), else what
    the log keeps (``days`` when it keeps none)."""
    if set_retention:
        connection.execute("INSERT OR REPLACE INTO meta VALUES ('retention_days', ?)", (str(days),))
        return days
    stored = connection.execute("SELECT value FROM meta WHERE key = 'retention_days'").fetchone()
    return int(stored[0]) if stored and str(stored[0]).isdigit() else days


def _cannot_open(path: Path, exc: Exception) -> QuestionLogError:
    """The error of a log that cannot be opened: SQLite's own words, except where its folder may not be written,
    where SQLite says only "unable to open database file" (a new log) or "attempt to write a readonly database"
    (the WAL files of a log there)."""
    code = getattr(exc, "sqlite_errorcode", None)
    folder = code is not None and (code & 0xFF == sqlite3.SQLITE_CANTOPEN or code == sqlite3.SQLITE_READONLY_DIRECTORY)
    if folder and not os.access(path.parent, os.W_OK):
        return QuestionLogError(f"cannot open the question log {path}: its folder {path.parent} may not be written "
                                "(the log, and the WAL files beside it, are made there)")
    return QuestionLogError(f"cannot open the question log {path}: {exc}")
