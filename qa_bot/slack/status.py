"""The status view: what the index holds, how to ask, and a channel's settings (``/ask status``, the App Home)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from qa_bot.printable import plural
from qa_bot.records import Document, moment_of
from qa_bot.slack.channels import ChannelPolicy, ChannelSettings
from qa_bot.slack.format import SECTION_LIMIT, TEXT_LIMIT, escape

if TYPE_CHECKING:
    from qa_bot.index import IndexInfo

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]+$")
HOME_CHANNELS = 30
"""Channels listed on the App Home at most."""


@dataclass(frozen=True, slots=True)
class IndexStatus:
    """What the index in service holds, for people."""

    articles: int
    passages: int
    newest: str | None
    """The date of the newest dated article (ISO), None when no article is dated."""
    built_at: str
    """When the index was last built (the manifest's time)."""
    loading: bool = False
    """A rebuilt index was found and is being loaded in its place."""


class DescribedIndex(Protocol):
    """What ``index_status`` reads of an index: ``qa_bot.index.Index`` is one."""

    @property
    def documents(self) -> Sequence[Document]: ...

    def describe(self) -> IndexInfo: ...

    def is_stale(self) -> bool: ...


class Refreshing(Protocol):
    """What ``live_status`` reads of a pipeline: ``qa_bot.pipeline.QAPipeline`` is one."""

    @property
    def index(self) -> DescribedIndex: ...

    def refresh(self) -> bool: ...


StatusSource = Callable[[], IndexStatus]
"""Gives the status of the index in service now (the CLI passes one reading the pipeline's index)."""


def index_status(index: DescribedIndex) -> IndexStatus:
    """The status of ``index``: its counts and build time (``describe``) and its newest article's date."""
    info = index.describe()
    dated = [(moment, d.date) for d in index.documents if d.date and (moment := moment_of(d.date)) is not None]
    newest = max(dated)[1] if dated else None
    return IndexStatus(articles=info.documents, passages=info.passages, newest=newest, built_at=info.built_at)


def live_status(pipeline: Refreshing, wait: float = 1.0) -> StatusSource:
    """The status of the index ``pipeline`` answers from, a rebuild loaded first: the App Home and ``/ask
    status`` name the index that the next answer will come from, not the one of the last question.

    ``/ask status`` is answered inside Slack's 3 seconds, and a large index takes longer to load: the
    rebuild is loaded beside it, and when that takes more than ``wait`` seconds the status is the index
    in service, marked as about to be replaced (``loading``).
    """

    def status() -> IndexStatus:
        if pipeline.index.is_stale():
            loader = threading.Thread(target=pipeline.refresh, name="qa-bot-reload", daemon=True)
            loader.start()
            loader.join(wait)
            if loader.is_alive():
                return replace(index_status(pipeline.index), loading=True)
        return index_status(pipeline.index)

    return status


def policy_words(policy: ChannelPolicy, threshold: float, allowlisted: bool = True, direct: bool = False) -> str:
    """One line for people saying what ``policy`` does (``threshold``: the global one, when it sets none) in a
    channel, or in a direct message (``direct``: every message is answered there, in its thread)."""
    if direct:
        mode, where = "every message", "in the thread"
    elif not allowlisted:
        return "off: this channel is not in QA_BOT_SLACK_CHANNELS"
    elif policy.mode == "off":
        return "off: the bot does not answer here (ask in a direct message)"
    else:
        mode = "mentions of the bot" if policy.mode == "mentions" else 'mentions, and every message ending in "?"'
        where = "privately (only the asker sees it, with a button to share it)" if policy.private else "in the thread"
    sources = f"only from {', '.join(policy.sources)}" if policy.sources else "from every source"
    shown = policy.abstain_threshold if policy.abstain_threshold is not None else threshold
    moment = "as of each message's time" if policy.as_of == "message" else "as of now"
    return f"answers {mode} · {where} · {sources} · abstains below confidence {shown:.2f} · {moment}"


def _index_lines(status: StatusSource | None) -> str:
    if status is None:
        return "*The index:* not known to this bot."
    info = status()
    newest = f"newest article dated {info.newest}" if info.newest else "no article is dated"
    loading = " A newer build was found and is loading; it answers in a moment." if info.loading else ""
    held = f"{plural(info.articles, 'article')}, {plural(info.passages, 'passage')}"
    return f"*The index:* {held}; {newest}; last built {info.built_at}.{loading}"


def _how_to_ask(policy: ChannelPolicy | None) -> str:
    questions = policy is not None and policy.mode == "questions"
    extra = ' In this channel, a message ending in "?" is answered too.' if questions else ""
    return ("*How to ask:* mention the bot in a channel, write to it in a direct message, or type "
            "`/ask QUESTION` (only you see the answer; `/ask status` shows this)." + extra)


def _origin(channels: ChannelSettings, channel: str | None) -> str:
    if channels.path is None:
        return "built-in defaults (no QA_BOT_SLACK_CHANNELS_FILE)"
    table = f"[channels.{channel}]" if channel and channels.configured(channel) else "[defaults]"
    if channels.refusal:  # the editor learns here, not only from the bot's log, that the file is not in force
        return f"{table} of {channels.path} as read before its last edit, which was refused: {channels.refusal}"
    return f"{table} of {channels.path}"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def _sections(lines: list[str]) -> list[dict[str, Any]]:
    """``lines`` in as few sections as Slack's size limit allows, each cut between lines, never inside one."""
    packed: list[str] = []
    for line in lines:
        if packed and len(packed[-1]) + 1 + len(line) <= SECTION_LIMIT:
            packed[-1] += "\n" + line
        else:
            packed.append(line)
    return [_section(text) for text in packed]


def status_blocks(
    status: StatusSource | None, channels: ChannelSettings, channel: str, threshold: float, allowlisted: bool,
    direct: bool = False,
) -> tuple[list[dict[str, Any]], str]:
    """(blocks, fallback) of ``/ask status`` in ``channel`` (``direct``: a direct message): the index, how to
    ask, the channel's settings."""
    policy = channels.for_channel(channel)
    here = f"<#{channel}>" if _CHANNEL_ID.match(channel) else "this conversation"
    named = f" ({escape(policy.name)})" if policy.name else ""
    words = policy_words(policy, threshold, allowlisted, direct)
    settings = (f"*Here* ({here}{named}): {escape(words)}.\n"
                f"_Settings from {escape(_origin(channels, channel))}._")
    texts = [_index_lines(status), _how_to_ask(policy), settings]
    return [_section(t) for t in texts], "\n".join(texts)[:TEXT_LIMIT]


def home_view(
    status: StatusSource | None, channels: ChannelSettings, threshold: float, allowlist: frozenset[str]
) -> dict[str, Any]:
    """The App Home tab: the index, how to ask, the defaults and each configured channel's settings."""
    current = channels.current()
    defaults = f"*Every other channel:* {escape(policy_words(current.defaults, threshold))}."
    if allowlist:
        defaults += " Only the channels in QA_BOT_SLACK_CHANNELS are answered."
    listed = []
    for channel_id in sorted(current.channels)[:HOME_CHANNELS]:
        policy = current.policy(channel_id)
        words = policy_words(policy, threshold, not allowlist or channel_id in allowlist)
        named = f" ({escape(policy.name)})" if policy.name else ""
        listed.append(f"• <#{channel_id}>{named}: {escape(words)}")
    if len(current.channels) > HOME_CHANNELS:
        listed.append(f"• and {len(current.channels) - HOME_CHANNELS} more channels")
    blocks = [_section(_index_lines(status)), _section(_how_to_ask(None)), _section(defaults), *_sections(listed),
              _section(f"_Settings from {escape(_origin(channels, None))}._")]
    return {"type": "home", "blocks": blocks}
