"""The bolt app: a Web API client for the bot's token and an ``App`` with the bot's listeners."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt import App
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
from qa_bot.questionlog import NO_LOG, QuestionRecorder
from qa_bot.slack.channels import ChannelSettings
from qa_bot.slack.context import Ask, BotContext, DuplicateFilter, SeenEvents, ThreadMemory, Threads
from qa_bot.slack.listeners import register
from qa_bot.slack.outbox import Outbox, OutboxProtocol, describe
from qa_bot.slack.status import StatusSource


class _NotTheClientsToken(logging.Filter):
    """Drops bolt's warning that the token it read from SLACK_BOT_TOKEN is unused: the client was made with it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_BOLT_LOG = logging.getLogger("qa_bot.slack.bolt")
_BOLT_LOG.addFilter(_NotTheClientsToken())


@contextmanager
def quiet(logger: logging.Logger) -> Iterator[None]:
    """``logger`` says nothing below CRITICAL for the block."""
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def slack_error(exc: Exception) -> str:
    """Slack's error code in ``exc`` (``invalid_auth``), from its response or its message, else "refused"."""
    code = getattr(getattr(exc, "response", None), "get", lambda key: None)("error")
    found = re.search(r"""['"]error['"]: ?['"]([a-z_]+)['"]""", str(exc))
    return str(code or (found.group(1) if found else "refused"))


def unreachable(exc: Exception) -> str:
    """Why Slack could not be reached, in a few words (``Connection refused``), never a request or a token."""
    reason = getattr(exc, "reason", None)
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) if isinstance(reason, str) else describe(exc)


def bot_token(settings: Settings) -> str:
    """The bot token (xoxb-...) of ``settings``.

    Raises:
        ConfigError: it is not set.
    """
    if settings.slack_bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN is empty or not set: give the bot token (xoxb-...) of your Slack app")
    return settings.slack_bot_token.get_secret_value()


def signing_secret(settings: Settings) -> str:
    """The signing secret HTTP mode verifies Slack's requests with.

    Raises:
        ConfigError: it is not set.
    """
    if settings.slack_signing_secret is None:
        raise ConfigError("SLACK_SIGNING_SECRET is empty or not set: HTTP mode needs it to verify Slack's requests")
    return settings.slack_signing_secret.get_secret_value()


def web_client(settings: Settings) -> WebClient:
    """A Web API client for the bot token and API URL of ``settings``, retrying 429s and 5xx.

    Raises:
        ConfigError: the bot token is not set.
    """
    url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return WebClient(
        token=bot_token(settings),
        base_url=url,
        timeout=30,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=3),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(
    settings: Settings, ask: Ask, client: WebClient | None = None, http: bool = False,
    outbox: OutboxProtocol | None = None, seen: DuplicateFilter | None = None,
    questions: QuestionRecorder = NO_LOG, channels: ChannelSettings | None = None,
    status: StatusSource | None = None, threads: ThreadMemory | None = None,
) -> App:
    """The bolt ``App`` answering with ``ask``; calls ``auth.test`` to check the token.

    Answers Slack does not take at once wait in ``outbox``; ``seen`` drops deliveries already taken. Either
    one not given is made in this process's memory (``serve`` passes those of ``settings.state_url``, which
    ``qa_bot.slack.state.open_state`` opens). Every answer and feedback click is recorded in ``questions``.
    ``channels``: the per-channel settings (default: read from ``settings.slack_channels_file``, if set);
    ``status``: what the index holds, for ``/ask status`` and the App Home; ``threads``: each thread's
    question, for follow-ups (default: in memory; ``serve`` passes the shared one).

    Raises:
        ConfigError: a token or the signing secret is missing or refused by Slack, Slack cannot be reached,
            or the channels file does not validate.
    """
    channels = channels or ChannelSettings(settings.slack_channels_file)
    secret = signing_secret(settings) if http or settings.slack_signing_secret else None  # HTTP mode needs it
    client = client or web_client(settings)
    try:
        # Bolt's token check (auth.test) at start: a failure is our one error line below, not also the Web API
        # client's line per retry; and the token bolt finds in SLACK_BOT_TOKEN is the client's own.
        with quiet(logging.getLogger("slack_sdk.web.base_client")):
            app = App(
                client=client,
                signing_secret=secret,
                request_verification_enabled=http,
                logger=_BOLT_LOG,
            )
    except BoltError as exc:
        raise ConfigError(f"Slack refused the bot token ({slack_error(exc)}): check SLACK_BOT_TOKEN") from exc
    except (SlackClientError, OSError) as exc:
        raise ConfigError(f"cannot reach Slack at {settings.slack_api_url} ({unreachable(exc)})") from exc
    register(app, BotContext(settings, ask, outbox or Outbox(settings.slack_retry_for), seen or SeenEvents(),
                             questions=questions, channels=channels, status=status, threads=threads or Threads()))
    return app
