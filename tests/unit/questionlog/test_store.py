"""The question log on a real SQLite file: migrations, records, feedback once, retention, hashing, threads."""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from qa_bot.questionlog import NO_LOG, Click, Feedback, QuestionLog, QuestionLogError, Recorded, open_or_warn
from qa_bot.questionlog.export import unanswered
from qa_bot.questionlog.migrations import LATEST, MIGRATIONS, migrate, schema_version
from qa_bot.records import Answer, Quote

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
QUOTE_TEXT = "The minister said the bridge reopens on Monday."


def answer(question: str = "When does the bridge reopen?", quotes: int = 2) -> Answer:
    made = tuple(Quote(text=QUOTE_TEXT, doc_id=f"doc-{n}", title=f"Article {n}", url=None, date="2024-04-30",
                       score=0.5 + n / 10, start=10 * n, end=10 * n + len(QUOTE_TEXT), confidence=0.9)
                 for n in range(quotes))
    return Answer(question=question, quotes=made, confidence=0.9 if quotes else 0.1, as_of="2024-05-01T12:00:00+00:00")


def _execute(path, sql: str) -> None:
    """Run one statement on the database at ``path`` and commit it, as another program would."""
    connection = sqlite3.connect(path)
    connection.execute(sql)
    connection.commit()
    connection.close()


@pytest.fixture
def log_path(tmp_path):
    return tmp_path / "questions.sqlite"


def test_a_new_file_gets_every_migration_in_wal_mode(log_path):
    with QuestionLog.open(log_path, now=NOW):
        pass
    connection = sqlite3.connect(log_path)
    assert schema_version(connection) == LATEST == len(MIGRATIONS)
    assert [r[0] for r in connection.execute("SELECT version FROM schema_version ORDER BY version")] == [1, 2, 3, 4]
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with QuestionLog.open(log_path, now=NOW):  # opening again applies nothing twice
        pass
    assert connection.execute("SELECT count(*) FROM schema_version").fetchone()[0] == LATEST


def test_a_version_1_log_is_migrated_to_the_latest_keeping_its_questions(log_path):
    connection = sqlite3.connect(log_path, isolation_level=None)
    assert migrate(connection, upto=1) == [1]
    connection.execute("INSERT INTO answers (question, asked_at, channel, answered, confidence) "
                       "VALUES ('old question?', ?, 'C1', 1, 0.8)", (NOW.isoformat(timespec="seconds"),))
    connection.execute('INSERT INTO quotes VALUES (1, 0, "doc-a", "A", 0, 5, 0.7)')
    connection.close()
    with QuestionLog.open(log_path, now=NOW) as questions:
        assert schema_version(sqlite3.connect(log_path)) == LATEST
        assert questions.add_feedback(Click(1, Feedback.NOT_HELPFUL, "U1", "k")) is Recorded.NEW
        assert questions.quote_count(1) == 1


def test_a_newer_schema_or_a_file_that_is_no_database_is_refused_in_one_error(log_path, tmp_path):
    with QuestionLog.open(log_path, now=NOW):
        pass
    _execute(log_path, "INSERT INTO schema_version VALUES (99, 'from the future', 'x')")
    with pytest.raises(QuestionLogError, match="newer"):
        QuestionLog.open(log_path)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(QuestionLogError, match="junk.sqlite"):
        QuestionLog.open(junk)


def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path):
    import sqlite3

    other = tmp_path / "shop.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO customers (name) VALUES ('Ada')")
    connection.close()
    before = other.read_bytes()
    with pytest.raises(QuestionLogError, match=r"shop.db: it is not a qa-bot question log but another database "
                                               r"\(tables customers\)"):
        QuestionLog.open(other)
    assert other.read_bytes() == before and not (tmp_path / "shop.db-wal").exists()


def test_a_record_keeps_the_question_and_quote_places_never_their_text_nor_the_raw_user(log_path):
    with QuestionLog.open(log_path, now=NOW) as questions:
        answer_id = questions.record(answer(), channel="C1", user="U0SECRET", asked_at=NOW)
        assert answer_id is not None
        hashed = questions.hash_user("U0SECRET")
    connection = sqlite3.connect(log_path)
    row = connection.execute("SELECT question, asked_at, as_of, channel, user_hash, answered, confidence "
                             "FROM answers").fetchone()
    assert row == ("When does the bridge reopen?", "2024-05-01T12:00:00+00:00", "2024-05-01T12:00:00+00:00", "C1",
                   hashed, 1, 0.9)
    assert hashed != "U0SECRET" and len(hashed) == 64
    assert connection.execute('SELECT position, doc_id, title, start, "end", score FROM quotes').fetchall() == [
        (0, "doc-0", "Article 0", 0, len(QUOTE_TEXT), 0.5), (1, "doc-1", "Article 1", 10, 10 + len(QUOTE_TEXT), 0.6)]
    connection.close()
    everything = b"".join(p.read_bytes() for p in log_path.parent.iterdir())
    assert b"U0SECRET" not in everything and QUOTE_TEXT.encode() not in everything


def test_a_question_logged_on_arrival_reads_as_unanswered_until_its_answer_completes_it(log_path):
    from qa_bot.questionlog.export import unanswered

    with QuestionLog.open(log_path, now=NOW) as questions:
        begun = questions.begin("When does the bridge reopen?", channel="C1", user="U1", asked_at=NOW)
        failed = questions.begin("What did the mayor say?", channel="C1", user="U1", asked_at=NOW)
        assert begun is not None and failed is not None
        assert [r["question"] for r in unanswered(questions)] == ["What did the mayor say?",  # newest first
                                                                  "When does the bridge reopen?"]
        assert questions.finish(begun, answer()) is True
        assert questions.finish(begun, answer()) is False  # an answer is recorded once
        assert questions.finish(12345, answer()) is False  # no such question
        assert questions.quote_count(begun) == 2
        assert questions.quote_places(begun) == [("doc-0", 0, len(QUOTE_TEXT)), ("doc-1", 10, 10 + len(QUOTE_TEXT))]
        assert questions.quote_places(failed) == [] and questions.quote_places(12345) is None
        assert [r["question"] for r in unanswered(questions)] == ["What did the mayor say?"]  # never answered
        rows = questions.query("SELECT question, as_of, answered, confidence FROM answers ORDER BY id")
        assert [tuple(r) for r in rows] == [("When does the bridge reopen?", "2024-05-01T12:00:00+00:00", 1, 0.9),
                                            ("What did the mayor say?", None, 0, 0.0)]


def test_the_salt_is_the_files_own(tmp_path):
    with QuestionLog.open(tmp_path / "a.sqlite") as a, QuestionLog.open(tmp_path / "b.sqlite") as b:
        assert a.hash_user("U1") != b.hash_user("U1")
    with QuestionLog.open(tmp_path / "a.sqlite") as again, QuestionLog.open(tmp_path / "b.sqlite") as b:
        assert again.hash_user("U1") != b.hash_user("U1")
        assert again.hash_user(None) is None


def test_each_click_is_recorded_once_and_must_name_a_logged_answer_and_quote(log_path):
    with QuestionLog.open(log_path, now=NOW) as questions:
        answer_id = questions.record(answer(quotes=2), channel="C1", user="U1")
        assert answer_id is not None
        click = Click(answer_id, Feedback.HELPFUL, "U2", "trigger-1")
        assert questions.add_feedback(click) is Recorded.NEW
        assert questions.add_feedback(click) is Recorded.REPEATED  # Slack delivering the same click again
        assert questions.add_feedback(Click(answer_id, Feedback.HELPFUL, "U2", "trigger-2")) is Recorded.NEW
        assert questions.add_feedback(Click(answer_id, Feedback.WRONG_SOURCE, "U2", "t3", 1)) is Recorded.NEW
        assert questions.add_feedback(Click(answer_id, Feedback.WRONG_SOURCE, "U2", "t4", 2)) is Recorded.UNKNOWN
        assert questions.add_feedback(Click(answer_id + 1, Feedback.HELPFUL, "U2", "t5")) is Recorded.UNKNOWN
        with pytest.raises(ValueError):
            questions.add_feedback(Click(answer_id, Feedback.WRONG_SOURCE, "U2", "t6"))
    rows = sqlite3.connect(log_path).execute("SELECT kind, quote_position FROM feedback ORDER BY id").fetchall()
    assert rows == [("helpful", None), ("helpful", None), ("wrong_source", 1)]


def test_old_questions_and_their_feedback_go_when_the_log_opens_and_daily(log_path):
    with QuestionLog.open(log_path, retention_days=30, now=NOW) as questions:
        old = questions.record(answer("old?"), channel="C1", asked_at=NOW - timedelta(days=31))
        kept = questions.record(answer("recent?"), channel="C1", asked_at=NOW - timedelta(days=29))
        assert old and kept
        questions.add_feedback(Click(old, Feedback.NOT_HELPFUL, "U1", "k1"))
    with QuestionLog.open(log_path, retention_days=30, now=NOW) as questions:
        assert questions.quote_count(old) is None and questions.quote_count(kept) == 2
        # A bot running for days prunes as it writes, once a day.
        questions.record(answer("later?"), channel="C1", asked_at=NOW + timedelta(days=2))
        assert questions.quote_count(kept) is None
    connection = sqlite3.connect(log_path)
    assert connection.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0
    assert connection.execute("SELECT count(*) FROM quotes").fetchone()[0] == 2


def test_a_retention_not_asked_for_follows_the_logs_own(log_path):
    with QuestionLog.open(log_path, retention_days=365, now=NOW) as questions:  # the bot, set to a year
        kept = questions.record(answer("half a year ago?"), channel="C1", asked_at=NOW - timedelta(days=200))
    with QuestionLog.open(log_path, retention_days=90, now=NOW, set_retention=False):  # `ask`, on its default
        pass
    with QuestionLog.open(log_path, retention_days=90, now=NOW, set_retention=False) as questions:
        assert questions.quote_count(kept) == 2 and questions.retention_days == 365
    with QuestionLog.open(log_path, retention_days=90, now=NOW):  # asked for: it becomes the log's own
        pass
    with QuestionLog.open(log_path, retention_days=30, now=NOW, set_retention=False) as questions:
        assert questions.quote_count(kept) is None and questions.retention_days == 90


def test_a_log_opened_without_a_retention_deletes_nothing(log_path):
    """``qa-bot log`` opens the log so: a report must not delete what the bot keeps longer than its setting."""
    with QuestionLog.open(log_path, retention_days=3650, now=NOW) as questions:
        old = questions.record(answer("old?"), channel="C1", asked_at=NOW - timedelta(days=400))
    with QuestionLog.open(log_path, retention_days=None, now=NOW) as questions:
        assert questions.prune(NOW + timedelta(days=1)) == 0
        questions.record(answer("later?"), channel="C1", asked_at=NOW + timedelta(days=2))
        assert questions.quote_count(old) == 2


def test_a_log_opened_to_read_writes_nothing_and_an_older_one_is_migrated_first(log_path, tmp_path):
    with QuestionLog.open(log_path, now=NOW) as questions:
        questions.record(answer("When does the bridge reopen?", quotes=0), channel="C1", asked_at=NOW)
    before = log_path.read_bytes()
    with QuestionLog.open_to_read(log_path) as reader:
        assert [row["question"] for row in unanswered(reader)] == ["When does the bridge reopen?"]
        assert reader.record(answer("a write?"), channel="C1", asked_at=NOW) is None  # the file is read-only here
    assert log_path.read_bytes() == before
    older = tmp_path / "older.sqlite"
    connection = sqlite3.connect(older, isolation_level=None)
    migrate(connection, upto=2)
    connection.close()
    with QuestionLog.open_to_read(older) as reader:
        assert schema_version(sqlite3.connect(older)) == LATEST and unanswered(reader) == []
    with pytest.raises(QuestionLogError, match="cannot open the question log"):
        QuestionLog.open_to_read(tmp_path / "missing.sqlite")
    assert not (tmp_path / "missing.sqlite").exists()
    other = tmp_path / "other.db"  # another program's database: refused, and left as it was
    _execute(other, "CREATE TABLE mine (x)")
    with pytest.raises(QuestionLogError, match="is not a qa-bot question log"):
        QuestionLog.open_to_read(other)
    assert [row[0] for row in sqlite3.connect(other).execute("SELECT name FROM sqlite_master")] == ["mine"]


def test_threads_and_two_connections_write_at_once_and_nothing_is_lost(log_path):
    first, second = QuestionLog.open(log_path), QuestionLog.open(log_path)  # as two processes would
    ids: list[int | None] = []
    lock = threading.Lock()

    def write(questions: QuestionLog, worker: int) -> None:
        for n in range(25):
            answer_id = questions.record(answer(f"q {worker}-{n}?", quotes=1), channel="C1", user=f"U{worker}")
            questions.add_feedback(Click(answer_id or 0, Feedback.HELPFUL, f"U{worker}", f"k{worker}-{n}"))
            with lock:
                ids.append(answer_id)

    threads = [threading.Thread(target=write, args=(first if w % 2 else second, w)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first.close()
    second.close()
    assert None not in ids and len(set(ids)) == 200
    connection = sqlite3.connect(log_path)
    assert connection.execute("SELECT count(*) FROM answers").fetchone()[0] == 200
    assert connection.execute("SELECT count(*) FROM feedback").fetchone()[0] == 200
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_log_that_cannot_be_written_warns_once_and_answers_go_on(log_path, tmp_path, caplog):
    questions = QuestionLog.open(log_path)
    questions.close()
    with caplog.at_level(logging.WARNING, logger="qa_bot.questionlog"):
        assert questions.record(answer(), channel="cli") is None
        assert questions.record(answer(), channel="cli") is None
        assert questions.add_feedback(Click(1, Feedback.HELPFUL, "U1", "k")) is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage()
    caplog.clear()
    (tmp_path / "a-folder.sqlite").mkdir()
    with caplog.at_level(logging.WARNING, logger="qa_bot.questionlog"):
        assert open_or_warn(tmp_path / "a-folder.sqlite", 90) is NO_LOG
    assert len(caplog.records) == 1 and "a-folder.sqlite" in caplog.records[0].getMessage()
    assert open_or_warn(None, 90) is NO_LOG and NO_LOG.record(answer(), channel="cli") is None


def test_a_log_in_a_folder_that_may_not_be_written_says_so_and_other_refusals_say_theirs(tmp_path, monkeypatch):
    import qa_bot.questionlog.store as store

    other = tmp_path / "shop.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    connection.close()
    monkeypatch.setattr(store.os, "access", lambda path, mode: False)  # as a read-only folder (the tests run as root)
    with pytest.raises(QuestionLogError, match="another database"):  # its own reason, not the folder's
        QuestionLog.open(other)

    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(QuestionLogError, match="file is not a database"):  # its own reason too
        QuestionLog.open(junk)

    def refused(code: int, where: str):
        def connect(*args, **kwargs):  # as SQLite answers in a folder that may not be written
            error = sqlite3.OperationalError(where)
            error.sqlite_errorcode = code
            raise error
        return connect

    for code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY_DIRECTORY):
        monkeypatch.setattr(store.sqlite3, "connect", refused(code, "unable to open database file"))
        with pytest.raises(QuestionLogError, match=rf"its folder {re.escape(str(tmp_path))} may not be written"):
            QuestionLog.open(tmp_path / "q.sqlite")


def test_a_folder_given_as_the_log_is_named_as_a_folder(tmp_path):
    with pytest.raises(QuestionLogError, match=r"it is a folder \(give a file's path, such as .*questions\.sqlite\)"):
        QuestionLog.open(tmp_path)
