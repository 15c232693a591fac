"""The feedback buttons on an answer: Helpful, Not helpful, and Wrong source beside each quote.

A click is written to the question log before Slack is acknowledged (the write waits at most the log's
busy timeout, well within Slack's 3 s), so an acknowledged click is on disk. The same click delivered
again (Slack retrying) is acknowledged and recorded no second time. Feedback is only recorded: it never
changes what the bot answers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from qa_bot.questionlog import Click, Feedback, Recorded
from qa_bot.slack.context import TAKEN, BotContext, taken_from
from qa_bot.slack.format import HELPFUL_ACTION, NOT_HELPFUL_ACTION, WRONG_SOURCE_ACTION

log = logging.getLogger(__name__)
FEEDBACK_ACTIONS = {HELPFUL_ACTION: Feedback.HELPFUL, NOT_HELPFUL_ACTION: Feedback.NOT_HELPFUL,
                    WRONG_SOURCE_ACTION: Feedback.WRONG_SOURCE}
THANKS = "Thanks — recorded."
UNKNOWN = "That answer (or that quote of it) is not in the question log, so nothing was recorded."
FAILED = "Sorry, your feedback could not be recorded just now."
_VALUE = re.compile(r"(\d{1,18})(?::(\d{1,4}))?")


def click_of(body: dict[str, Any], action: dict[str, Any]) -> Click | None:
    """The click a ``block_actions`` delivery describes; None when its value is not one the bot makes.

    The value is read, never trusted: it must be an answer id (and, for Wrong source, a quote position);
    whether that answer exists is the log's to say.
    """
    kind = FEEDBACK_ACTIONS.get(str(action.get("action_id")))
    found = _VALUE.fullmatch(str(action.get("value", "")))
    if kind is None or found is None or (found.group(2) is None) == (kind is Feedback.WRONG_SOURCE):
        return None
    container, message = body.get("container") or {}, body.get("message") or {}
    user = (body.get("user") or {}).get("id")
    # What makes this click this click: a retry of the delivery carries the same trigger and action time.
    key = "|".join(str(part) for part in (action.get("action_id"), action.get("value"),
                                           container.get("message_ts") or message.get("ts"), user,
                                           body.get("trigger_id") or action.get("action_ts")))
    position = int(found.group(2)) if found.group(2) is not None else None
    return Click(answer_id=int(found.group(1)), kind=kind, user=user, key=key, quote_position=position)


def record_click(ack: Ack, body: dict[str, Any], action: dict[str, Any], bot: BotContext) -> Recorded | None:
    """Record a feedback click in the question log, then acknowledge it; None when the log failed."""
    click = click_of(body, action)
    outcome = bot.questions.add_feedback(click) if click is not None else Recorded.UNKNOWN
    ack()
    return outcome


def recording_feedback(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any],
                       next_: Callable[[], Any], *, bot: BotContext) -> Any:
    """Listener middleware of a feedback button: record and acknowledge the click in the request's own thread,
    never behind questions waiting to be answered."""
    context[TAKEN] = record_click(ack, body, action, bot)
    return next_()


def on_feedback(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                context: dict[str, Any] | None = None, *, bot: BotContext) -> None:
    """A feedback button: record the click, acknowledge it, and thank the clicker with a private message."""
    outcome = taken_from(context, lambda: record_click(ack, body, action, bot))
    if outcome is Recorded.REPEATED:
        log.info("ignored a repeated delivery of a %s click", action.get("action_id"))
        return
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    user = (body.get("user") or {}).get("id")
    if not channel or not user:
        return
    reply = THANKS if outcome is Recorded.NEW else UNKNOWN if outcome is Recorded.UNKNOWN else FAILED
    thread = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
    bot.outbox.post(client.chat_postEphemeral, channel=channel, user=user, text=reply,
                    **({"thread_ts": thread} if thread else {}))
