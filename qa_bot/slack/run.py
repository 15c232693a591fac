"""Serve the Slack bot: Socket Mode (with an app token) or an HTTP server for Slack's requests, until stopped.

On Ctrl-C or SIGTERM the bot stops taking questions and delivers the answers still waiting in its outbox;
with ``QA_BOT_STATE_URL``, those it cannot deliver stay in the shared outbox for the other replicas.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App

from qa_bot.config import SLACK_API_URL, Settings
from qa_bot.errors import ConfigError
from qa_bot.questionlog import NO_LOG, QuestionRecorder
from qa_bot.slack.app import bot_token, build_app, quiet, signing_secret, slack_error, unreachable, web_client
from qa_bot.slack.channels import CHANNEL_ID, ChannelSettings, read_channels_file
from qa_bot.slack.context import Ask
from qa_bot.slack.outbox import OutboxProtocol
from qa_bot.slack.state import check_state_url, open_state
from qa_bot.slack.status import StatusSource

if TYPE_CHECKING:
    from wsgiref.types import StartResponse

    from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)


class Printer(Protocol):
    """Where the bot's status lines go (a rich ``Console`` on stderr in the CLI)."""

    def print(self, *objects: Any) -> Any: ...


def check_settings(settings: Settings, http: bool) -> None:
    """Refuse settings the chosen mode cannot run with; cheap, so call it before loading the model.

    Raises:
        ConfigError: SLACK_APP_TOKEN is missing for Socket Mode, SLACK_BOT_TOKEN is missing,
            SLACK_SIGNING_SECRET is missing for HTTP mode, the channels file (QA_BOT_SLACK_CHANNELS_FILE)
            does not validate (the message names its line), or QA_BOT_STATE_URL is malformed or its server
            does not answer.
    """
    if not http and settings.slack_app_token is None:
        raise ConfigError(
            "SLACK_APP_TOKEN is empty or not set: give the app-level token (xapp-...) for Socket Mode, or use --http"
        )
    bot_token(settings)
    if http:
        signing_secret(settings)
    check_slack_settings(settings)
    if settings.slack_channels_file is not None:
        read_channels_file(settings.slack_channels_file)
    check_state_url(settings)


def check_slack_settings(settings: Settings) -> None:
    """Refuse a Web API URL that is not http(s) and an allowlist entry that is not a channel id. Checked here,
    not when settings are read, so that a Slack typo in a shared environment stops only the Slack bot.

    Raises:
        ConfigError: naming the variable and the value.
    """
    parts = urlsplit(settings.slack_api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"QA_BOT_SLACK_API_URL is not an http(s) URL: {settings.slack_api_url!r} (Slack's is "
                          f"{SLACK_API_URL})")
    wrong = sorted(c for c in settings.slack_channel_allowlist if not re.fullmatch(CHANNEL_ID, c))
    if wrong:
        raise ConfigError(f"QA_BOT_SLACK_CHANNELS holds {wrong[0]!r}, not a channel id: give ids such as C0123ABCD "
                          "(from the channel's link or its details), not names")


def serve(
    settings: Settings, ask: Ask, *, http: bool, host: str, port: int, console: Printer,
    claim_after: float | None = None, questions: QuestionRecorder = NO_LOG, status: StatusSource | None = None,
    channels: ChannelSettings | None = None,
) -> None:
    """Answer Slack with ``ask`` until Ctrl-C or SIGTERM, then deliver the answers still waiting.

    HTTP mode serves Slack's requests on ``http://host:port/slack/events`` (port 0: any free port);
    otherwise the bot connects over Socket Mode. One status line on ``console`` says which (and one more
    where the state shared with other replicas lives, with ``settings.state_url``). SIGTERM, how systemd
    and docker stop a service, stops the bot as Ctrl-C does (when this runs in the main thread).
    ``claim_after``: seconds a dead replica's waiting answer sits in the shared outbox before this one
    takes it over (default: ``settings.state_claim_after``). Answers and feedback clicks are recorded in
    ``questions`` (the caller opens and closes it). ``status`` tells ``/ask status`` and the App Home what
    the index holds; ``channels``, the per-channel settings (default: read from the file the settings name).

    Raises:
        ConfigError: as ``check_settings``; or Slack refused the token or cannot be reached.
        KeyboardInterrupt: the bot was stopped, after the waiting answers were delivered, handed to the
            other replicas, or logged as lost.
    """
    check_settings(settings, http)
    client = web_client(settings)
    state = open_state(settings, client, claim_after=claim_after)
    try:
        app = build_app(settings, ask, client=client, http=http, outbox=state.outbox, seen=state.seen,
                        questions=questions, status=status, threads=state.threads, channels=channels)
        if state.shared_by:
            console.print(f"Sharing answered events and waiting answers with the other replicas through "
                          f"{state.shared_by} (this one is {state.consumer})")
        with _sigterm_as_ctrl_c():
            try:
                if http:
                    _serve_http(app, host, port, console)
                else:
                    assert settings.slack_app_token is not None  # check_settings made sure
                    _serve_socket_mode(app, settings.slack_app_token.get_secret_value(), console)
            finally:
                _deliver_before_stopping(state.outbox, console)
    finally:
        state.close()


def _deliver_before_stopping(outbox: OutboxProtocol, console: Printer) -> None:
    if outbox.settle():  # posts inside the client's own retries first join the waiting ones
        waiting = outbox.waiting
        console.print(f"Delivering {waiting} waiting answer{'' if waiting == 1 else 's'} before stopping…")
    outbox.drain()  # in memory: nothing to do if nothing waits; shared: hands the rest to the other replicas
    if outbox.in_flight:
        log.error("stopping: %d answers were still being posted and may be lost", outbox.in_flight)


def _serve_http(app: App, host: str, port: int, console: Printer) -> None:
    server = make_http_server(app, host, port)
    console.print(f"qa-bot answers Slack on http://{host}:{server.server_port}/slack/events (Ctrl-C stops)")
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _serve_socket_mode(app: App, app_token: str, console: Printer) -> None:
    from slack_sdk.errors import SlackApiError, SlackClientError

    handler = socket_mode_handler(app, app_token)
    try:
        with quiet(app.logger):  # the failure is the one line below, not also the client's own ERROR lines
            handler.connect()
            # A failed websocket handshake is logged by the client, not raised, and retried every 10 s for ever
            # while the bot would claim to serve: closed here, still quiet, and said in one line.
            opened = handler.client.is_connected()
            if not opened:
                handler.close()
    except SlackApiError as exc:
        raise ConfigError(f"Slack refused the app token ({slack_error(exc)}): check SLACK_APP_TOKEN (xapp-..., "
                          "with the connections:write scope)") from exc
    except (SlackClientError, OSError) as exc:
        raise ConfigError(f"cannot open Slack's Socket Mode connection ({unreachable(exc)})") from exc
    if not opened:
        raise ConfigError("cannot open Slack's Socket Mode connection (the websocket handshake failed; a proxy "
                          "or firewall that blocks websockets does this): try again, or serve with --http")
    console.print("qa-bot answers Slack over Socket Mode (Ctrl-C stops)")
    threading.Event().wait()  # the connection's own threads answer; this one waits for Ctrl-C or SIGTERM


def _stop_as_on_ctrl_c(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt while inside; the previous handler is put back after."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGTERM, _stop_as_on_ctrl_c)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        log.debug("http: " + format, *args)


def make_http_server(app: App, host: str, port: int) -> WSGIServer:
    """A threaded WSGI server serving ``app`` on bolt's path ``/slack/events`` (port 0: any free port), and
    ``GET /health`` (200 ``ok`` while it serves) for a load balancer. A request bolt cannot read (a body that
    is not the JSON or form it claims) is answered 400 with one log line, not a traceback."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    handler = SlackRequestHandler(app)

    def reply(start_response: StartResponse, status: str, body: bytes) -> list[bytes]:
        start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/health" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return reply(start_response, "200 OK", b"ok")
        if path != "/slack/events":
            return reply(start_response, "404 Not Found", b"not found")
        try:
            return handler(environ, start_response)  # type: ignore[no-any-return]
        except Exception as exc:  # bolt reads the body before it checks the signature: not JSON, not an object
            log.warning("a request to /slack/events could not be read (%s); answered 400", type(exc).__name__)
            return reply(start_response, "400 Bad Request", b"bad request")

    return make_server(host, port, wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)


def socket_mode_handler(app: App, app_token: str) -> SocketModeHandler:
    """A Socket Mode handler for ``app`` using the same Web API client (and base URL)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(app, app_token=app_token, web_client=app.client)
