"""The exceptions qa-bot raises; interfaces turn each into one readable line."""

from __future__ import annotations


class QABotError(Exception):
    """Root of every error qa-bot reports to a person."""


class ConfigError(QABotError):
    """A setting or command-line option is invalid."""


class ModelLoadError(QABotError):
    """The embedding model could not be loaded."""


class IngestError(QABotError):
    """No usable article could be read."""


class IndexNotFoundError(QABotError):
    """The index folder does not exist or is not an index."""


class IndexMismatchError(QABotError):
    """The index was built with another model or format than the one asked for."""


class IndexCorruptError(QABotError):
    """The index files are unreadable or disagree with each other."""


class EvalDataError(QABotError):
    """An evaluation corpus or question file is malformed."""


class IndexLockedError(QABotError):
    """Another build of the same index is running."""


class QuestionLogError(QABotError):
    """The question log cannot be opened or read (not a database, a newer schema, no permission)."""


class BackendUnavailableError(QABotError):
    """The index's search engine (Milvus) cannot be reached, refuses the connection, or lacks the build's data."""


class IndexWriteError(QABotError):
    """The new index could not be written (disk full, permissions); the previous one is untouched."""


class FeedError(QABotError):
    """The feed list cannot be read or changed, or a URL given to fetch is not usable."""


class UpdateLockedError(QABotError):
    """Another update of the same articles folder is running."""
