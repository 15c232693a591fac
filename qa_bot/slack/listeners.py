"""The bot's listeners: which Slack events it answers, once each, and how it answers them.

Each listener is a plain function of the arguments bolt injects by name (``event``, ``client``, ``ack``...)
plus a keyword-only ``bot``, the ``BotContext`` that ``register`` binds to it. Tests call them directly.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient

from qa_bot.answer.followup import sets_subject
from qa_bot.config import AnswerOptions, Settings
from qa_bot.errors import BackendUnavailableError
from qa_bot.records import Answer
from qa_bot.slack.channels import ChannelPolicy, limit_to_sources
from qa_bot.slack.context import TAKEN, BotContext, message_time, taken_from
from qa_bot.slack.feedback import FEEDBACK_ACTIONS, on_feedback, recording_feedback
from qa_bot.slack.format import (
    SHARE_ACTION,
    answer_blocks,
    escape,
    outside_sources_blocks,
    question_from_event_text,
    shared_answer_id,
    small_talk,
)
from qa_bot.slack.outbox import describe, respond_instead
from qa_bot.slack.status import home_view, status_blocks

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
WORKING_REACTION = "hourglass_flowing_sand"
APOLOGY = "Sorry, something went wrong while answering this question. Please try again in a moment."
MENTION_HINT = ("Ask me a question about the news in the same message, for example: Who is David Schenker? "
                "(`/ask status` says what I know.)")
ASK_HINT = "Ask a question after /ask, for example: /ask Who is David Schenker? (/ask status: what I know)"
NOT_HERE = "I don't answer questions in this channel; ask me in a direct message. (/ask status says more.)"
STATUS_WORD = "status"
_IGNORED_SUBTYPES = frozenset({"message_changed", "message_deleted", "message_replied", "bot_message",
                               "channel_join", "channel_leave"})
"""Never questions. A thread reply also sent to the channel ("thread_broadcast") is one: the person asked it."""


def register(app: App, bot: BotContext) -> None:
    """Attach the duplicate filter and the listeners to ``app``, each bound to ``bot``.

    Each listener's middleware does, in the request's own thread, what must be done before Slack is
    acknowledged: a question is logged (so a killed bot loses none it acknowledged), a click recorded, an
    ``/ask`` or a button acknowledged. The listener, which bolt runs later on one of its few worker
    threads, only answers and posts. So a click is acknowledged at once even while every worker waits
    for its turn to answer (one question at a time, ``answer_lock``).
    """
    app.middleware(_bind(drop_duplicates, bot))
    app.event("app_mention", middleware=[_bind(taking_mention, bot)])(_bind(on_mention, bot))
    app.event("message", middleware=[_bind(taking_message, bot)])(_bind(on_message, bot))
    app.command("/ask", middleware=[_bind(taking_command, bot)])(_bind(on_ask, bot))
    app.event("app_home_opened")(_bind(on_home_opened, bot))
    app.action(SHARE_ACTION, middleware=[acking])(_bind(on_share, bot))
    for action_id in FEEDBACK_ACTIONS:
        app.action(action_id, middleware=[_bind(recording_feedback, bot)])(_bind(on_feedback, bot))


def _bind(listener: F, bot: BotContext) -> F:
    # Bolt injects a function's positional-or-keyword parameters by name (inspect.getfullargspec(...).args),
    # so the keyword-only ``bot`` is left to the partial. update_wrapper keeps the name in bolt's logs.
    return functools.update_wrapper(functools.partial(listener, bot=bot), listener)  # type: ignore[return-value]


def drop_duplicates(body: dict[str, Any], next_: Callable[[], Any], *, bot: BotContext) -> Any:
    """Global middleware: acknowledge a repeated delivery of an event (same ``event_id``) and go no further."""
    if body.get("type") == "event_callback" and not bot.seen.first_time(f"id:{body.get('event_id', '')}"):
        log.info("ignored a repeated delivery of %s", body.get("event_id"))
        return BoltResponse(status=200, body="")  # acknowledged, not answered again
    return next_()


def allowed(channel: str, direct: bool, settings: Settings) -> bool:
    """True when the allowlist lets the bot answer in ``channel``: always in a direct message, else as it says.

    The allowlist is checked first; in a channel it lets through, the channel's mode decides.
    """
    allow = settings.slack_channel_allowlist
    return direct or not allow or channel in allow


def from_a_person(event: dict[str, Any], settings: Settings) -> bool:
    """True for a new message with text, from a person (or a bot, if the settings allow), wherever it is.

    Edits, deletions and joins never are. Where it is decides the rest (:func:`allowed`, the channel's mode).
    """
    subtype = event.get("subtype")
    if subtype in _IGNORED_SUBTYPES and not (settings.slack_allow_bots and subtype == "bot_message"):
        return False
    if event.get("bot_id") and not settings.slack_allow_bots:
        return False
    return bool(event.get("text"))


@dataclass(frozen=True, slots=True)
class Taken:
    """A question the bot has taken on to answer, logged on arrival (``pending``: its id in the log)."""

    question: str
    channel: str
    policy: ChannelPolicy
    pending: int | None
    asker: str | None = None
    ts: str | None = None  # the message's (events only)
    thread: str | None = None  # the thread the answer goes to (events only)
    follow_up: bool = False  # asked in a conversation (a thread, a direct message), so read with its subject
    direct: bool = False
    refused: bool = False  # a mention where the bot does not answer: the asker is told so, privately
    reply: str | None = None  # small talk ("thanks!"): this line instead of an answer
    about: str | None = None  # where the conversation's subject is kept: its thread, or a whole direct message


DIRECT = "dm"
"""The key of a direct message's own subject: its messages outside threads are one conversation, as in the REPL,
until it falls silent for CONVERSATION_GAP (kept with the time of its last message: "<ts> <question>")."""
CONVERSATION_GAP = 30 * 60
"""Seconds of silence after which a direct message's next message starts a new conversation (a question asked
on Monday is not read with Friday's)."""


def _subject(bot: BotContext, channel: str, about: str, ts: str) -> list[str]:
    """The question a conversation is about: its thread's, or a direct message's while it has not fallen silent."""
    earlier = bot.threads.earlier(channel, about)
    if about != DIRECT:
        return earlier
    kept = []
    for said in earlier:
        stamp, _, question = said.partition(" ")
        then, now = message_time(stamp), message_time(ts)
        if then and now and 0 <= (now - then).total_seconds() <= CONVERSATION_GAP and question:
            kept.append(question)
    return kept


def taking_mention(event: dict[str, Any], context: dict[str, Any], next_: Callable[[], Any], *,
                   bot: BotContext) -> Any:
    """Listener middleware of ``app_mention``: take the question on, and log it, before Slack is acknowledged."""
    context[TAKEN] = take_message(event, bot, mentioned=True)
    return next_()


def taking_message(event: dict[str, Any], context: dict[str, Any], next_: Callable[[], Any], *,
                   bot: BotContext) -> Any:
    """Listener middleware of ``message``: as :func:`taking_mention`, for the messages the bot answers unasked."""
    context[TAKEN] = _take_unasked(event, bot)
    return next_()


def on_mention(event: dict[str, Any], client: WebClient, context: dict[str, Any] | None = None, *,
               bot: BotContext) -> None:
    """``app_mention``: answer the question in the message's thread (unless the channel's mode is ``off``)."""
    _answer_message(taken_from(context, lambda: take_message(event, bot, mentioned=True)), client, bot)


def on_message(event: dict[str, Any], client: WebClient, context: dict[str, Any] | None = None, *,
               bot: BotContext) -> None:
    """``message``: answer a direct message in its thread; in a channel, only in ``questions`` mode, a message
    ending in "?" (every other message waits for a mention)."""
    _answer_message(taken_from(context, lambda: _take_unasked(event, bot)), client, bot)


def _take_unasked(event: dict[str, Any], bot: BotContext) -> Taken | None:
    """:func:`take_message` for a message the bot answers without a mention: a direct message, or a question
    (ending in "?") in a channel whose mode is ``questions``; None for any other message."""
    unasked = event.get("channel_type") == "im" or (
        bot.channels.for_channel(event.get("channel", "")).mode == "questions"
        and question_from_event_text(event.get("text") or "").endswith("?"))
    return take_message(event, bot) if unasked else None


def on_home_opened(event: dict[str, Any], client: WebClient, *, bot: BotContext) -> None:
    """``app_home_opened``: publish the status view on the bot's Home tab for the person who opened it."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    view = home_view(bot.status, bot.channels, bot.settings.abstain_threshold, bot.settings.slack_channel_allowlist)
    try:
        client.views_publish(user_id=event["user"], view=view)
    except Exception as exc:
        log.warning("could not publish the App Home: %s", describe(exc))


def take_command(ack: Ack, command: dict[str, Any], bot: BotContext) -> Taken | None:
    """Acknowledge an ``/ask``: a question is logged and taken on (its answer comes later, privately);
    ``/ask status``, an empty ``/ask`` and a channel the bot does not answer in are answered by the
    acknowledgement itself (None)."""
    question = question_from_event_text(command.get("text", ""))
    channel, user = command.get("channel_id", ""), command.get("user_id")
    direct = channel.startswith("D")  # D…: a direct-message channel
    if question.casefold().rstrip(" ?.!") == STATUS_WORD:  # "status?" and "Status." ask for it too
        blocks, text = status_blocks(bot.status, bot.channels, channel, bot.settings.abstain_threshold,
                                     allowed(channel, direct, bot.settings), direct)
        ack(text=text, blocks=blocks, response_type="ephemeral")
        return None
    if not question:
        ack(text=ASK_HINT)
        return None
    policy = bot.channels.for_channel(channel)
    if not allowed(channel, direct, bot.settings) or (policy.mode == "off" and not direct):
        ack(text=NOT_HERE, response_type="ephemeral")
        return None
    pending = bot.questions.begin(question, channel=channel, user=user)  # logged before it is acknowledged
    ack(text=f"Looking for “{escape(question)}” in the articles…", response_type="ephemeral")
    return Taken(question, channel, policy, pending, asker=user, direct=direct)


def taking_command(ack: Ack, command: dict[str, Any], context: dict[str, Any], next_: Callable[[], Any], *,
                   bot: BotContext) -> Any:
    """Listener middleware of ``/ask``: acknowledge it at once (see :func:`take_command`)."""
    context[TAKEN] = take_command(ack, command, bot)
    return next_()


def acking(ack: Ack, next_: Callable[[], Any]) -> Any:
    """Listener middleware of a button whose work can wait: acknowledge the click at once."""
    ack()
    return next_()


def on_ask(ack: Ack, command: dict[str, Any], client: WebClient, context: dict[str, Any] | None = None, *,
           bot: BotContext) -> None:
    """``/ask``: acknowledge at once, then answer privately to the asker, with a button to share the answer.

    ``/ask status`` answers at once, privately, with what the index holds, how to ask, and this channel's
    settings. In a channel whose mode is ``off`` (or outside the allowlist) the acknowledgement says so.
    """
    taken: Taken | None = taken_from(context, lambda: take_command(ack, command, bot))
    if taken is None:
        return
    answer = _safe_ask(bot, taken.question, taken.channel, taken.policy)
    # Where the bot may not post (a channel it is not in, a DM between others) the answer goes to the command's
    # response_url, which Slack takes from anywhere the command was typed.
    _post_answer(bot, client.chat_postEphemeral, taken.channel, taken.question, answer, taken.policy,
                 share_button=True, user=taken.asker, asker=taken.asker, pending=taken.pending,
                 respond=respond_instead(command.get("response_url")))


def on_share(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, *, bot: BotContext) -> None:
    """The share button of an ``/ask`` answer: post the answer to the same question in the channel."""
    ack()  # done already by its middleware (``acking``) when bolt calls it; a second call changes nothing
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    question = action.get("value", "")
    if not channel or not question:
        return
    asker = (body.get("user") or {}).get("id")
    policy = bot.channels.for_channel(channel)
    container = body.get("container") or {}
    thread = container.get("thread_ts")  # a private answer in a thread is shared there
    earlier = bot.threads.earlier(channel, thread) if thread else []  # shared as it was read: with its thread
    # ... and as of when it was shown (the private answer's own time), not of the click: a later article or one
    # rebuilt since would make the shared answer another than the one its sharer read.
    answer = _safe_ask(bot, question, channel, policy, container.get("message_ts"), earlier)
    # Shared from an answer the bot could only give through /ask's response_url (it is not in the channel):
    # the click's own response_url posts it for everyone there.
    _post_answer(bot, client.chat_postMessage, channel, question, answer, policy, asker=asker,
                 logged=shared_answer_id(action.get("block_id")),
                 respond=respond_instead(body.get("response_url"), "in_channel"),
                 **({"thread_ts": thread} if thread else {}))


def take_message(event: dict[str, Any], bot: BotContext, mentioned: bool = False) -> Taken | None:
    """The question a message asks, logged, when the bot is to answer it (None: not wanted here, no question,
    or taken already). A message that ``mentioned`` the bot where it does not answer (a channel whose mode is
    ``off``, or outside the allowlist) is taken only to tell the asker so."""
    if not from_a_person(event, bot.settings):
        return None
    channel, ts = event["channel"], event["ts"]
    direct = event.get("channel_type") == "im"
    policy = bot.channels.for_channel(channel)
    answers_here = allowed(channel, direct, bot.settings) and (direct or policy.mode != "off")
    if not answers_here and not mentioned:
        return None
    question = question_from_event_text(event["text"])
    talk = small_talk(question) if answers_here else None
    if talk and not mentioned and not direct:  # "thanks?" said to colleagues in a questions channel: not to the bot
        return None  # (before it counts as taken: the same message may still come as a mention)
    # One Slack message can arrive as several events (a mention is also a message): answer it once.
    if not bot.seen.first_time(f"msg:{channel}:{ts}"):
        return None
    asker = event.get("user")
    thread = event.get("thread_ts") or ts
    if not question or not answers_here or talk:  # say how to ask, or where, or answer small talk: log nothing
        return Taken("", channel, policy, None, asker=asker, ts=ts, thread=thread, direct=direct,
                     refused=not answers_here, reply=talk)
    pending = bot.questions.begin(question, channel=channel, user=asker)  # logged before it is acknowledged
    # A direct message outside a thread goes on the conversation, as the next question in the REPL does.
    about = event.get("thread_ts") or (DIRECT if direct else ts)
    return Taken(question, channel, policy, pending, asker=asker, ts=ts, thread=thread,
                 follow_up=about != ts, direct=direct, about=about)


def _answer_message(taken: Taken | None, client: WebClient, bot: BotContext) -> None:
    if taken is None:
        return
    channel, ts, thread, policy, asker = taken.channel, taken.ts or "", taken.thread, taken.policy, taken.asker
    if not taken.question:  # how to ask; or, where the bot does not answer, to the asker alone, where to ask
        private = (policy.private or taken.refused) and not taken.direct and asker
        call = client.chat_postEphemeral if private else client.chat_postMessage
        to_asker: dict[str, Any] = {"user": asker} if private else {}
        said = NOT_HERE if taken.refused else taken.reply or MENTION_HINT
        bot.outbox.post(call, channel=channel, text=said, thread_ts=thread, **to_asker)
        if taken.direct and taken.reply and thread == ts:  # "thanks!" is part of the conversation: it stays awake
            _keep_subject(bot, channel, DIRECT, thread, ts, _subject(bot, channel, DIRECT, ts), None)
        return
    _react(client, "reactions_add", channel, ts)
    about = taken.about or thread
    earlier = _subject(bot, channel, about, ts) if taken.follow_up and about else []
    answer = _safe_ask(bot, taken.question, channel, policy, ts, earlier)
    if answer is not None and about and thread:
        shown = limit_to_sources(answer, policy.sources)  # what this channel got, not all sources' answer
        _keep_subject(bot, channel, about, thread, ts, earlier,
                      taken.question if sets_subject(taken.question, earlier, shown) else None)
    if policy.private and not taken.direct and asker:  # shown to the asker only, who may share it
        _post_answer(bot, client.chat_postEphemeral, channel, taken.question, answer, policy, share_button=True,
                     asker=asker, pending=taken.pending, user=asker, thread_ts=thread)
    else:
        _post_answer(bot, client.chat_postMessage, channel, taken.question, answer, policy, asker=asker,
                     pending=taken.pending, thread_ts=thread)
    _react(client, "reactions_remove", channel, ts)


def _keep_subject(bot: BotContext, channel: str, about: str, thread: str, ts: str, earlier: list[str],
                  new: str | None) -> None:
    """Remember what the conversation ``about`` and the answer's ``thread`` are about after a message at ``ts``:
    ``new``, the question that sets it, else the ``earlier`` subject, which a direct message's next message keeps
    awake and which an answer's own thread there (replies under a follow-up) takes on."""
    subject = new or (earlier[-1] if earlier else None)
    if subject is None:
        return
    for key in {about, thread}:
        if key == DIRECT:
            bot.threads.add(channel, DIRECT, f"{ts} {subject}")
        elif new or key != about:  # a thread keeps its own subject unless a question moves it
            bot.threads.add(channel, key, subject)


def _options(settings: Settings, threshold: float) -> AnswerOptions:
    return settings.answer_options().model_copy(update={"abstain_threshold": threshold})


def _safe_ask(bot: BotContext, question: str, where: str, policy: ChannelPolicy, ts: str | None = None,
              earlier: list[str] | None = None) -> Answer | None:
    """The answer as ``policy`` says (as of the message's time ``ts``, or now; its own abstain threshold; from
    its sources only), read with the ``earlier`` questions of its thread, or None when answering failed."""
    as_of = message_time(ts) if policy.as_of == "message" else None
    extra: dict[str, Any] = {}
    if policy.abstain_threshold is not None:
        extra["options"] = _options(bot.settings, policy.abstain_threshold)
    if earlier:
        extra["thread"] = tuple(earlier)
    try:
        with bot.answer_lock:
            if not policy.sources:
                return bot.ask(question, as_of=as_of, **extra)
            answer = bot.ask(question, as_of=as_of, sources=policy.sources, **extra)
            if answer.quotes:
                return answer
            # Its sources do not answer: the answer from all of them, which the post shows only to say that
            # other sources would have (see _post_answer), or that none does. If that fails, its own stands.
            # The question stays read as its sources' search read it (with the thread or not): that reading,
            # not the other one, says whether it sets the thread's subject.
            try:
                return replace(bot.ask(question, as_of=as_of, **extra), read_as=answer.read_as)
            except Exception as exc:
                log.warning("could not ask all sources about a question in %s: %s", where, describe(exc))
                return answer
    except BackendUnavailableError as exc:  # the search engine is away: one line, not a traceback a question
        log.warning("could not answer a question in %s: %s", where, exc)
        return None
    except Exception:
        log.exception("answering a question in %s failed", where)
        return None


def _post_answer(
    bot: BotContext, call: Callable[..., Any], channel: str, question: str, answer: Answer | None,
    policy: ChannelPolicy, share_button: bool = False, asker: str | None = None, logged: int | None = None,
    pending: int | None = None, **kwargs: Any,
) -> None:
    """Keep only the quotes from ``policy``'s sources, log what is left (asked by ``asker`` in ``channel``),
    then post it, with feedback buttons if it was logged.

    ``pending`` is the question's id when it was logged on arrival: the answer completes that entry (a
    failed answer leaves it unanswered). A shared answer (``logged``: the id it was logged under when
    asked) is not logged again when it still has that answer's quotes (the same places in the same
    articles): its buttons record feedback on that answer, and the question counts once.

    A logged answer whose post Slack never takes (refused for good, or for longer than the outbox's patience)
    is marked undelivered in the log, so ``qa-bot log --unanswered`` lists it: the asker got nothing.
    """
    shown = limit_to_sources(answer, policy.sources) if answer else None
    answer_id = None
    shared = False  # an answer logged before, and delivered then: this post's fate is not its own
    if shown is not None:
        if logged is not None and bot.questions.quote_places(logged) == [(q.doc_id, q.start, q.end)
                                                                          for q in shown.quotes]:
            answer_id, shared = logged, True
        elif pending is not None:
            answer_id = pending if bot.questions.finish(pending, shown) else None
        else:
            answer_id = bot.questions.record(shown, channel=channel, user=asker)
    blocks: list[dict[str, Any]] | None
    if answer is None or shown is None:
        blocks, text = None, APOLOGY
    elif answer.quotes and not shown.quotes and policy.sources:
        blocks, text = outside_sources_blocks(question, policy.sources)
    else:
        blocks, text = answer_blocks(shown, question, share_button, answer_id)
    on_lost = None if answer_id is None or shared else functools.partial(bot.questions.undelivered, answer_id)
    bot.outbox.post(call, channel=channel, text=text, blocks=blocks, unfurl_links=False, on_lost=on_lost, **kwargs)


def _react(client: WebClient, method: str, channel: str, ts: str) -> None:
    try:
        getattr(client, method)(channel=channel, timestamp=ts, name=WORKING_REACTION)
    except Exception as exc:
        log.debug("reaction %s in %s failed: %s", method, channel, describe(exc))
