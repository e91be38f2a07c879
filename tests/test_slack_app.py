"""Building and serving the app: configuration errors name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_settings
from fake_slack import FakeSlack

from bot.config import ConfigError
from bot.slack.app import build_app, web_client
from bot.slack.server import serve


@pytest.mark.parametrize("variable", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"])
def test_a_missing_slack_setting_is_named(tmp_path: Path, variable: str) -> None:
    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'app.db'}", "http://127.0.0.1:1/", **{variable: ""}
    )
    with pytest.raises(ConfigError, match=variable):
        build_app(settings)


def test_socket_mode_without_an_app_token_is_named(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", "http://127.0.0.1:1/")
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        serve(settings, socket=True, port=0)


def test_a_token_slack_refuses_is_a_config_error(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.fail("auth.test", "invalid_auth")
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", fake_slack.api_url)
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        build_app(settings)


def test_every_web_api_call_goes_to_slack_api_url(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "sqlite://", "http://127.0.0.1:9/api")
    client = web_client(settings, "xoxb-1")
    assert client.base_url == "http://127.0.0.1:9/api/"
    assert {type(handler).__name__ for handler in client.retry_handlers} >= {
        "RateLimitErrorRetryHandler"
    }
