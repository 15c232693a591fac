"""Tokens never appear in logs, errors, tracebacks or --json output: each test greps for them."""

from __future__ import annotations

import io
import json
import logging

from qa_bot.redact import MASK, RedactingFilter, register_secrets

from ..helpers import assert_one_line_error, run_cli
from .slack_emulator import SlackEmulator
from .slack_process import BotProcess
from .test_slack import NO_LOG_BESIDE

BOT_TOKEN = "xoxb-1111-2222-grep-me-bot"
APP_TOKEN = "xapp-1-A111-grep-me-app"
SIGNING_SECRET = "grep-me-signing-secret-0123456789"
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret[:8]}… leaked"


def test_log_lines_and_tracebacks_are_redacted():
    register_secrets(BOT_TOKEN)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("qa_bot.test_secrets")
    logger.addHandler(handler)
    try:
        logger.warning("token is %s", BOT_TOKEN)
        try:
            raise RuntimeError(f"request failed with {BOT_TOKEN}")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert_no_secret(output)
    assert output.count(MASK) == 2 and "Traceback" in output  # the message and the exception text


def test_the_running_bot_never_prints_its_tokens_even_verbose_and_failing(tmp_path, bundled_index):
    emulator = SlackEmulator()
    # Slack's error text echoes the token back: it still must not reach the logs.
    emulator.fail("chat.postMessage", 1, 200, {"ok": False, "error": f"invalid_auth {BOT_TOKEN}"})
    tokens = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
              **NO_LOG_BESIDE}
    bot = BotProcess(tmp_path, bundled_index, emulator.api_url, tokens, verbose=True)
    try:
        for n, channel in enumerate(("C1", "C2")):
            assert bot.mention(f"EvS{n}", channel, f"170000000{n}.000100", "Who is David Schenker?") == 200
        emulator.wait_for(lambda: emulator.delivered("chat.postMessage"))
        assert all(c["auth"] == f"Bearer {BOT_TOKEN}" for c in emulator.calls_to("chat.postMessage"))
    finally:
        bot.stop()
        emulator.close()
    assert "invalid_auth" in bot.output and MASK in bot.output  # the failed post was logged, redacted
    assert_no_secret(bot.output)


def test_start_up_failures_and_json_output_never_show_tokens(tmp_path, bundled_index):
    emulator = SlackEmulator(auth_ok=False)
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "QA_BOT_SLACK_API_URL": emulator.api_url, **NO_LOG_BESIDE}
    try:
        refused = run_cli(tmp_path, "-v", "slack", "--index", str(bundled_index), env=env)
        assert_one_line_error(refused, "invalid_auth")
        unreachable = run_cli(tmp_path, "-v", "slack", "--index", str(bundled_index),
                              env={**env, "QA_BOT_SLACK_API_URL": "http://127.0.0.1:9/api/"})
        assert_one_line_error(unreachable, "cannot reach Slack")
        bad_setting = run_cli(tmp_path, "slack", env={**env, "QA_BOT_SLACK_RETRY_FOR": BOT_TOKEN})
        assert_one_line_error(bad_setting, "invalid setting")
        answered = run_cli(tmp_path, "ask", "--json", "Who is David Schenker?", "--index", str(bundled_index),
                           env=env)
        assert answered.returncode == 0 and json.loads(answered.stdout.splitlines()[0])["quotes"]
    finally:
        emulator.close()
    for result in (refused, unreachable, bad_setting, answered):
        assert_no_secret(result.stdout, result.stderr)
