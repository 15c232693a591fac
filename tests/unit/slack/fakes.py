"""Fakes for the listeners' unit tests: a Web API client and an ``ack`` that record calls, a fake ``ask``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from qa_bot.config import Settings
from qa_bot.records import Answer, Quote, from_sources
from qa_bot.slack.channels import ChannelSettings
from qa_bot.slack.context import BotContext
from qa_bot.slack.outbox import Outbox
from qa_bot.slack.status import StatusSource

BOT_USER = "UBOT"
BOT_ID = "BBOT"
SENTENCE = "David Schenker is the assistant secretary of state for Near Eastern affairs."
TITLE = "Reuters: U.S. forces under fire"


class FakeClient:
    """Any Web API method (``chat_postMessage``, ``reactions_add``...): records its arguments and returns ok."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Callable[..., dict[str, Any]]:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(**kwargs: Any) -> dict[str, Any]:
            self.calls.append((method, kwargs))
            return {"ok": True}

        call.__name__ = method  # as a real client's bound method: what the shared outbox stores
        return call

    def to(self, method: str) -> list[dict[str, Any]]:
        """The arguments of each call of ``method``, in order."""
        return [kwargs for name, kwargs in self.calls if name == method]


class FakeAck:
    """Bolt's ``ack``: records what it was called with."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def quote(text: str = SENTENCE, title: str = TITLE, source: str | None = None, doc_id: str = "doc-1",
          confidence: float = 0.95) -> Quote:
    """A quote of ``text`` from the article ``doc_id`` of the outlet ``source``."""
    return Quote(text=text, doc_id=doc_id, title=title, url="https://example.com/a", date="2023-10-30", score=0.8,
                 start=0, end=len(text), confidence=confidence, source=source)


class FakeAsk:
    """Answers every question with one quote of ``text`` from an article titled ``title`` (or with ``quotes``; only
    those of ``sources`` when given); records the questions, the moments, the answer options and sources it was
    given."""

    def __init__(self, text: str = SENTENCE, title: str = TITLE, quotes: tuple[Quote, ...] | None = None) -> None:
        self.text, self.title = text, title
        self.quotes = quotes
        self.questions: list[str] = []
        self.moments: list[object] = []
        self.options: list[object] = []
        self.threads: list[tuple[str, ...]] = []
        self.sources: list[object] = []

    def __call__(self, question: str, *, as_of: object = None, options: object = None, thread: tuple = (),
                 sources: object = None) -> Answer:
        self.questions.append(question)
        self.threads.append(tuple(thread))
        self.moments.append(as_of)
        self.options.append(options)
        self.sources.append(sources)
        quotes = self.quotes if self.quotes is not None else (quote(self.text, self.title),)
        if sources:  # searched in those sources' articles only, as the pipeline does
            quotes = tuple(q for q in quotes if from_sources(q.source, q.doc_id, sources))
        return Answer(question=question, quotes=quotes, confidence=max((q.confidence for q in quotes), default=0.0))


def make_bot(ask: Callable[[str], Answer] | None = None, channels: ChannelSettings | None = None,
             status: StatusSource | None = None, **settings: Any) -> BotContext:
    """A ``BotContext`` with ``settings``; the Slack ones not given are the defaults, whatever the environment says."""
    given = {"slack_channels": "", "slack_allow_bots": False, **settings}
    return BotContext(Settings(_env_file=None, **given), ask or FakeAsk(), Outbox(),
                      channels=channels or ChannelSettings(), status=status)


def shown(post: dict[str, Any]) -> str:
    """Everything a post shows: its blocks and its fallback text."""
    return json.dumps(post.get("blocks") or [], ensure_ascii=False) + post.get("text", "")


def buttons(post: dict) -> dict[str, list[str]]:
    """action id -> the values of its buttons, in the order they appear."""
    found: dict[str, list[str]] = {}
    for block in post["blocks"]:
        for element in [block.get("accessory") or {}, *block.get("elements", [])]:
            if element.get("type") == "button":
                found.setdefault(element["action_id"], []).append(element["value"])
    return found
