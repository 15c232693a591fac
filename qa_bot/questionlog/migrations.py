"""The question log's schema: numbered migrations, each applied once, in order, when a log opens.

The ``schema_version`` table holds one row per migration applied. A migration is never edited once
released; a change to the schema is a new migration at the end of ``MIGRATIONS``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema: its number, what it does, and its SQL."""

    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "questions, their answers' quotes, and the salt of user ids", """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE answers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            question TEXT NOT NULL,
            asked_at TEXT NOT NULL,
            as_of TEXT,
            channel TEXT NOT NULL,
            user_hash TEXT,
            answered INTEGER NOT NULL,
            confidence REAL NOT NULL
        );
        CREATE INDEX answers_by_time ON answers (asked_at);
        CREATE TABLE quotes (
            answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            title TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            score REAL NOT NULL,
            PRIMARY KEY (answer_id, position)
        );
    """),
    Migration(2, "feedback on answers and quotes, each click once", """
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('helpful', 'not_helpful', 'wrong_source')),
            quote_position INTEGER,
            user_hash TEXT,
            click_key TEXT NOT NULL UNIQUE,
            at TEXT NOT NULL,
            CHECK ((kind = 'wrong_source') = (quote_position IS NOT NULL))
        );
        CREATE INDEX feedback_by_answer ON feedback (answer_id, kind);
    """),
    Migration(3, "how a follow-up was read with its thread", """
        ALTER TABLE answers ADD COLUMN read_as TEXT;
    """),
    Migration(4, "why an answer never reached the asker", """
        ALTER TABLE answers ADD COLUMN undelivered TEXT;
    """),
)
LATEST = MIGRATIONS[-1].version


def schema_version(connection: sqlite3.Connection) -> int:
    """The highest migration applied to the database (0: an empty database)."""
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
    if not exists:
        return 0
    return int(connection.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0])


def foreign_tables(connection: sqlite3.Connection) -> list[str]:
    """The tables of a database that holds no question log (no ``schema_version``): another program's data,
    which opening it as a log would add tables to (and switch to WAL mode); empty for a new file or a log."""
    if schema_version(connection):
        return []
    return [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def migrate(connection: sqlite3.Connection, upto: int = LATEST) -> list[int]:
    """Apply the migrations not yet applied, up to ``upto``, in one transaction; the versions applied.

    ``connection`` must be in autocommit mode (``isolation_level=None``): this takes the write lock
    (``BEGIN IMMEDIATE``) first, so two processes opening one new log migrate it once between them.

    Raises:
        sqlite3.DatabaseError: the file is not a database, or is of a newer schema than this code knows.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute("CREATE TABLE IF NOT EXISTS schema_version "
                           "(version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)")
        current = schema_version(connection)
        if current > LATEST:
            raise sqlite3.DatabaseError(f"the log is of schema version {current}, newer than this qa-bot "
                                        f"knows ({LATEST}): upgrade qa-bot")
        applied = []
        for migration in MIGRATIONS:
            if current < migration.version <= upto:
                for statement in (s.strip() for s in migration.sql.split(";")):
                    if statement:
                        connection.execute(statement)
                connection.execute("INSERT INTO schema_version VALUES (?, ?, ?)", (
                    migration.version, migration.description, datetime.now(UTC).isoformat(timespec="seconds")))
                applied.append(migration.version)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return applied
