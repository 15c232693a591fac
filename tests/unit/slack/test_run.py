"""The settings check that runs before the slow model load."""

from __future__ import annotations

import pytest

from qa_bot.config import Settings
from qa_bot.errors import ConfigError
from qa_bot.slack.run import check_settings

TOKENS = {"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1", "slack_signing_secret": "s3cret"}


def settings(**missing: None) -> Settings:
    return Settings(_env_file=None, **{**TOKENS, "state_url": None, **missing})  # no shared state to reach


@pytest.mark.parametrize(
    ("http", "missing", "named"),
    [
        (False, "slack_app_token", "SLACK_APP_TOKEN is not set"),
        (False, "slack_bot_token", "SLACK_BOT_TOKEN is not set"),
        (True, "slack_bot_token", "SLACK_BOT_TOKEN is not set"),
        (True, "slack_signing_secret", "SLACK_SIGNING_SECRET is not set"),
    ],
)
def test_a_missing_token_is_named(http, missing, named):
    with pytest.raises(ConfigError, match=named):
        check_settings(settings(**{missing: None}), http=http)


def test_each_mode_needs_only_its_own_tokens():
    check_settings(settings(slack_app_token=None), http=True)
    check_settings(settings(slack_signing_secret=None), http=False)
