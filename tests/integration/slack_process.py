"""The real ``qa-bot slack --http`` in a subprocess, sent signed events as Slack would send them."""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from slack_sdk.signature import SignatureVerifier

from ..helpers import cli_env, interruptible
from .slack_emulator import BOT_USER


class BotProcess:
    """``qa-bot [-v] slack --http`` on a free port of 127.0.0.1; ``output`` collects what it printed."""

    def __init__(self, tmp_path: Path, index: Path, api_url: str, tokens: dict[str, str], verbose: bool = False):
        self.secret = tokens["SLACK_SIGNING_SECRET"]
        env = {**cli_env(tmp_path), **tokens, "QA_BOT_SLACK_API_URL": api_url}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "qa_bot.cli", *(["-v"] if verbose else []), "slack", "--http", "--host",
             "127.0.0.1", "--port", "0", "--index", str(index)],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=interruptible,
        )
        self.output = ""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output += line
            if "/slack/events" in line:
                break
        found = re.search(r":(\d+)/slack/events", self.output)
        assert found, self.output
        self.port = int(found.group(1))

    def mention(self, event_id: str, channel: str, ts: str, question: str) -> int:
        """Send a signed app_mention; the HTTP status of the bot's reply."""
        body = json.dumps({"type": "event_callback", "event_id": event_id, "team_id": "T1", "event": {
            "type": "app_mention", "user": "U42", "text": f"<@{BOT_USER}> {question}", "channel": channel, "ts": ts}})
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
                   "X-Slack-Signature": SignatureVerifier(self.secret).generate_signature(timestamp=stamp, body=body)}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
            return connection.getresponse().status
        finally:
            connection.close()

    def stop(self, how: int = signal.SIGINT) -> int:
        """Send ``how``, collect the rest of the output; the exit code."""
        self.process.send_signal(how)
        rest, _ = self.process.communicate(timeout=60)
        self.output += rest
        return self.process.returncode
