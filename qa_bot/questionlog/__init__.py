"""The question log: what was asked, what was answered, and what people said of the answers (SQLite, stdlib only)."""

from __future__ import annotations

from qa_bot.questionlog.recorder import NO_LOG, NoQuestionLog, QuestionRecorder, default_log_path, open_or_warn
from qa_bot.questionlog.store import Click, Feedback, QuestionLog, QuestionLogError, Recorded

__all__ = ["NO_LOG", "Click", "Feedback", "NoQuestionLog", "QuestionLog", "QuestionLogError", "QuestionRecorder",
           "Recorded", "default_log_path", "open_or_warn"]
