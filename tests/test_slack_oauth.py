"""Multi-workspace (OAuth) mode: install pages, the redirect, and per-workspace tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import SIGNING_SECRET
from fake_slack import FakeSlack, SlackDriver

from bot.config import ConfigError, Settings
from bot.slack.app import build_app, team_clients
from bot.slack.oauth import BOT_SCOPES
from bot.slack.server import serve
from bot.store.db import make_engine
from bot.store.installations import installation_store

CLIENT_ID = "111.222"


def oauth_settings(tmp_path: Path, api_url: str, **extra: str) -> Settings:
    values = {
        "GAPBOT_HOME": str(tmp_path / "home"),
        "GAPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_API_URL": api_url,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def oauth_app(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[SlackDriver]:
    driver = SlackDriver.serve(
        oauth_settings(tmp_path, fake_slack.api_url), fake_slack, SIGNING_SECRET
    )
    yield driver
    driver.stop()


def install(driver: SlackDriver) -> None:
    page = driver.http.get(f"{driver.url}/slack/install")
    state = re.search(r"state=([\w-]+)", page.text)
    assert state is not None
    # The state cookie is `Secure` (Slack apps are served over https); send it as a browser would.
    cookie = page.headers["set-cookie"].split(";", 1)[0]
    done = driver.http.get(
        f"{driver.url}/slack/oauth_redirect",
        params={"code": "c0de", "state": state.group(1)},
        headers={"Cookie": cookie},
    )
    assert done.status_code == 200, done.text


def test_install_page_asks_for_the_manifest_scopes(oauth_app: SlackDriver) -> None:
    page = oauth_app.http.get(f"{oauth_app.url}/slack/install")
    assert page.status_code == 200
    assert "https://slack.com/oauth/v2/authorize?state=" in page.text
    assert f"client_id={CLIENT_ID}" in page.text
    assert "scope=" + ",".join(BOT_SCOPES) in page.text.replace("%3A", ":").replace("%2C", ",")


def test_manifest_declares_the_same_scopes() -> None:
    manifest = yaml.safe_load((Path(__file__).parents[1] / "manifest.yml").read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES


def test_redirect_stores_the_installation_and_requests_use_its_token(
    oauth_app: SlackDriver, fake_slack: FakeSlack
) -> None:
    install(oauth_app)
    [access] = fake_slack.calls_to("oauth.v2.access")
    assert access.args["code"] == "c0de"
    store = installation_store(make_engine(oauth_app.settings.app_database_url), CLIENT_ID)
    bot = store.find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and bot.bot_token == "xoxb-installed-c0de"
    oauth_app.event({"type": "app_home_opened", "user": "U9", "tab": "home"}, team="T2")
    [publish] = fake_slack.wait_for("views.publish")
    assert publish.headers["authorization"] == "Bearer xoxb-installed-c0de"
    assert team_clients(oauth_app.app, oauth_app.settings)("T2").token == "xoxb-installed-c0de"


def test_a_redirect_without_a_valid_state_installs_nothing(
    oauth_app: SlackDriver, fake_slack: FakeSlack
) -> None:
    response = oauth_app.http.get(
        f"{oauth_app.url}/slack/oauth_redirect", params={"code": "c0de", "state": "forged"}
    )
    assert response.status_code >= 400
    assert fake_slack.calls_to("oauth.v2.access") == []


def test_reminders_for_a_workspace_without_an_install_fail_clearly(oauth_app: SlackDriver) -> None:
    with pytest.raises(LookupError, match="not installed in workspace T7"):
        team_clients(oauth_app.app, oauth_app.settings)("T7")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "either SLACK_BOT_TOKEN"),
        ({"SLACK_CLIENT_SECRET": ""}, "SLACK_CLIENT_SECRET is not set"),
    ],
)
def test_contradictory_settings_name_the_variable(
    tmp_path: Path, fake_slack: FakeSlack, extra: dict[str, str], message: str
) -> None:
    settings = oauth_settings(tmp_path, fake_slack.api_url, **extra)
    with pytest.raises(ConfigError, match=message):
        build_app(settings)


def test_oauth_mode_refuses_socket_mode(tmp_path: Path, fake_slack: FakeSlack) -> None:
    settings = oauth_settings(tmp_path, fake_slack.api_url, SLACK_APP_TOKEN="xapp-1")
    with pytest.raises(ConfigError, match="--http"):
        serve(settings, socket=None)
