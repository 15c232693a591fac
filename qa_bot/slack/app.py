"""The bolt app: which Slack events the bot answers, once each, and how it answers them."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from qa_bot.config import Settings
from qa_bot.errors import ConfigError
from qa_bot.records import Answer
from qa_bot.slack.format import SHARE_ACTION, answer_blocks, escape, question_from_event_text
from qa_bot.slack.outbox import Outbox, describe

log = logging.getLogger(__name__)
Ask = Callable[[str], Answer]
WORKING_REACTION = "hourglass_flowing_sand"
APOLOGY = "Sorry, something went wrong while answering this question. Please try again in a moment."
_IGNORED_SUBTYPES = frozenset({"message_changed", "message_deleted", "message_replied", "bot_message",
                               "channel_join", "channel_leave", "thread_broadcast"})


class SeenEvents:
    """A bounded, thread-safe memory of deliveries already taken (event ids, channel+ts keys)."""

    def __init__(self, size: int = 10_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first_time(self, *keys: str) -> bool:
        """True, and remember them, when none of ``keys`` was seen before."""
        with self._lock:
            if any(k in self._seen for k in keys if k):
                return False
            for key in keys:
                if key:
                    self._seen[key] = None
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True


def web_client(settings: Settings) -> WebClient:
    """A Web API client for the bot token and API URL of ``settings``, retrying 429s and 5xx."""
    if settings.slack_bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN is not set: give the bot token (xoxb-...) of your Slack app")
    url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=url,
        timeout=30,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=3),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
    return client


def build_app(
    settings: Settings, ask: Ask, client: WebClient | None = None, http: bool = False, outbox: Outbox | None = None
) -> App:
    """The bolt ``App`` answering with ``ask``; calls ``auth.test`` to check the token.

    Answers Slack does not take at once wait in ``outbox`` (one is made from the settings if not given).

    Raises:
        ConfigError: a token or the signing secret is missing or refused by Slack.
    """
    if http and settings.slack_signing_secret is None:
        raise ConfigError("SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify Slack's requests")
    client = client or web_client(settings)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    try:
        app = App(
            client=client,
            signing_secret=secret,
            request_verification_enabled=http,
            logger=logging.getLogger("qa_bot.slack.bolt"),
        )
    except BoltError as exc:
        reason = str(exc).split(":")[-1].strip()
        raise ConfigError(f"Slack refused the bot token ({reason}): check SLACK_BOT_TOKEN") from exc
    except (SlackClientError, OSError) as exc:
        raise ConfigError(f"cannot reach Slack at {settings.slack_api_url} ({describe(exc)})") from exc
    register(app, settings, ask, outbox or Outbox(settings.slack_retry_for))
    return app


def register(app: App, settings: Settings, ask: Ask, outbox: Outbox) -> None:
    """Attach the bot's listeners and its duplicate filter to ``app``; posts go through ``outbox``."""
    seen = SeenEvents()
    allow = settings.slack_channel_allowlist
    answer_lock = threading.Lock()  # one question at a time on the CPU; Slack is acked before this

    @app.middleware
    def drop_duplicates(body: dict[str, Any], next: Callable[[], Any]) -> Any:  # noqa: A002 - bolt's name
        if body.get("type") == "event_callback" and not seen.first_time(f"id:{body.get('event_id', '')}"):
            log.info("ignored a repeated delivery of %s", body.get("event_id"))
            return BoltResponse(status=200, body="")  # acknowledged, not answered again
        return next()

    def allowed(channel: str, direct: bool) -> bool:
        return direct or not allow or channel in allow

    def wanted(event: dict[str, Any]) -> bool:
        subtype = event.get("subtype")
        if subtype in _IGNORED_SUBTYPES and not (settings.slack_allow_bots and subtype == "bot_message"):
            return False
        if event.get("bot_id") and not settings.slack_allow_bots:
            return False
        return bool(event.get("text")) and allowed(event.get("channel", ""), event.get("channel_type") == "im")

    def post_answer(
        call: Callable[..., Any], channel: str, question: str, answer: Answer | None, share_button: bool = False,
        **kwargs: Any,
    ) -> None:
        blocks, text = answer_blocks(answer, question, share_button) if answer else (None, APOLOGY)
        outbox.post(call, channel=channel, text=text, blocks=blocks, unfurl_links=False, **kwargs)

    def safe_ask(question: str, where: str) -> Answer | None:
        try:
            with answer_lock:
                return ask(question)
        except Exception:
            log.exception("answering a question in %s failed", where)
            return None

    def react(client: WebClient, method: str, channel: str, ts: str) -> None:
        try:
            getattr(client, method)(channel=channel, timestamp=ts, name=WORKING_REACTION)
        except Exception as exc:
            log.debug("reaction %s in %s failed: %s", method, channel, describe(exc))

    def answer_message(event: dict[str, Any], client: WebClient) -> None:
        if not wanted(event):
            return
        channel, ts = event["channel"], event["ts"]
        question = question_from_event_text(event["text"])
        # One Slack message can arrive as several events (a mention is also a message): answer it once.
        if not question or not seen.first_time(f"msg:{channel}:{ts}"):
            return
        react(client, "reactions_add", channel, ts)
        answer = safe_ask(question, channel)
        post_answer(client.chat_postMessage, channel, question, answer, thread_ts=event.get("thread_ts") or ts)
        react(client, "reactions_remove", channel, ts)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], client: WebClient) -> None:
        answer_message(event, client)

    @app.event("message")
    def on_message(event: dict[str, Any], client: WebClient) -> None:
        if event.get("channel_type") == "im":
            answer_message(event, client)

    @app.command("/ask")
    def on_ask(ack: Any, command: dict[str, Any], client: WebClient) -> None:
        question = question_from_event_text(command.get("text", ""))
        if not question:
            ack(text="Ask a question after /ask, for example: /ask Who is David Schenker?")
            return
        ack(text=f"Looking for _{escape(question)}_ in the articles…", response_type="ephemeral")
        channel, user = command["channel_id"], command["user_id"]
        if not allowed(channel, channel.startswith("D")):  # D…: a direct-message channel
            return
        post_answer(client.chat_postEphemeral, channel, question, safe_ask(question, channel), True, user=user)

    @app.action(SHARE_ACTION)
    def on_share(ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        question = action.get("value", "")
        if not channel or not question:
            return
        post_answer(client.chat_postMessage, channel, question, safe_ask(question, channel))
