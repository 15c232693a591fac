"""Start the Slack bot: Socket Mode (with an app token) or an HTTP server for Slack's requests."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App

if TYPE_CHECKING:
    from wsgiref.types import StartResponse

log = logging.getLogger(__name__)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        log.debug("http: " + format, *args)


def make_http_server(app: App, host: str, port: int) -> WSGIServer:
    """A threaded WSGI server serving ``app`` on bolt's path ``/slack/events`` (port 0: any free port)."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    handler = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/slack/events":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        return handler(environ, start_response)  # type: ignore[no-any-return]

    return make_server(host, port, wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)


def socket_mode_handler(app: App, app_token: str) -> object:
    """A Socket Mode handler for ``app`` using the same Web API client (and base URL)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(app, app_token=app_token, web_client=app.client)
