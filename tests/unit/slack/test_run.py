"""The settings check that runs before the slow model load."""

from __future__ import annotations

import os

import pytest

from qa_bot.config import Settings, load_settings
from qa_bot.errors import ConfigError
from qa_bot.slack.run import check_settings

TOKENS = {"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1", "slack_signing_secret": "s3cret"}


def settings(**missing: None) -> Settings:
    return Settings(_env_file=None, **{**TOKENS, "state_url": None, **missing})  # no shared state to reach


@pytest.mark.parametrize(
    ("http", "missing", "named"),
    [
        (False, "slack_app_token", "SLACK_APP_TOKEN is empty or not set"),
        (False, "slack_bot_token", "SLACK_BOT_TOKEN is empty or not set"),
        (True, "slack_bot_token", "SLACK_BOT_TOKEN is empty or not set"),
        (True, "slack_signing_secret", "SLACK_SIGNING_SECRET is empty or not set"),
    ],
)
@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_missing_or_empty_token_is_named(http, missing, named, value):
    with pytest.raises(ConfigError, match=named):
        check_settings(settings(**{missing: value}), http=http)


@pytest.mark.parametrize("url", ["notaurl", "ftp://x/api/", "https://"])
def test_a_web_api_url_that_is_not_http_is_refused_by_the_bot_and_an_empty_one_is_slacks(url):
    with pytest.raises(ConfigError, match=r"QA_BOT_SLACK_API_URL is not an http\(s\) URL"):
        check_settings(settings(slack_api_url=url), http=True)
    assert Settings(_env_file=None, slack_api_url="").slack_api_url == "https://slack.com/api/"
    load_settings(slack_api_url=url)  # the other commands do not use it: a typo there stops only the bot


def test_each_mode_needs_only_its_own_tokens():
    check_settings(settings(slack_app_token=None), http=True)
    check_settings(settings(slack_signing_secret=None), http=False)


def test_the_channel_allowlist_takes_ids_not_names():
    assert Settings(_env_file=None, slack_channels="C0123ABCD, G0456").slack_channel_allowlist == {"C0123ABCD", "G0456"}
    with pytest.raises(ConfigError, match=r"QA_BOT_SLACK_CHANNELS holds '#newsroom', not a channel id"):
        check_settings(settings(slack_channels="C0123ABCD,#newsroom"), http=True)


def test_a_bot_that_cannot_start_for_want_of_an_index_leaves_no_empty_question_log(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from qa_bot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    for name in [n for n in os.environ if n.startswith("QA_BOT_")]:
        monkeypatch.delenv(name)
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}
    result = CliRunner().invoke(main, ["slack", "--index", str(tmp_path / "index" / "default")], env=env)
    assert result.exit_code == 1 and "no index at" in result.output, result.output
    assert not list(tmp_path.rglob("*.sqlite*"))  # the default log is beside the index folder: not made
