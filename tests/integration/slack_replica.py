"""One bot replica in its own process, for the replica tests: ``python -m tests.integration.slack_replica``.

It is ``qa-bot slack --http`` with the fake ``ask`` in place of the pipeline (no model or index to load):
the settings are read from the environment as the command reads them (``SLACK_BOT_TOKEN``,
``SLACK_SIGNING_SECRET``, ``QA_BOT_SLACK_API_URL``, ``QA_BOT_STATE_URL``) and served by the real
``serve``, which opens the shared state. Its status lines and log go to stdout, one line each.
"""

from __future__ import annotations

import argparse
import logging
import sys

from qa_bot.config import load_settings
from qa_bot.errors import QABotError
from qa_bot.redact import install
from qa_bot.slack.run import serve

from ..unit.slack.fakes import FakeAsk


class Console:
    """``serve``'s status lines, on stdout at once."""

    def print(self, *objects: object) -> None:
        print(" ".join(str(o) for o in objects), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claim-after", type=float, default=30.0)
    args = parser.parse_args()
    handler = logging.StreamHandler(sys.stdout)
    logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("qa_bot").setLevel(logging.INFO)
    try:
        settings = load_settings()
        install()
        serve(settings, FakeAsk(), http=True, host="127.0.0.1", port=0, console=Console(),
              claim_after=args.claim_after)
    except QABotError as exc:
        print(f"error: {exc}", flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
