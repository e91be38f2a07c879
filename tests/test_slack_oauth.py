"""Multi-workspace (OAuth) mode: install pages, the redirect, and per-workspace tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import SIGNING_SECRET, sample_links
from fake_slack import FakeSlack, SlackDriver
from sqlmodel import Session, select

from bot.config import ConfigError, Settings
from bot.links.index import LinkIndex
from bot.slack.app import build_app, team_clients
from bot.slack.drafts.ids import DraftAction
from bot.slack.oauth import BOT_SCOPES
from bot.slack.results.ids import ResultAction
from bot.slack.server import serve
from bot.store.db import make_engine
from bot.store.installations import installation_store
from bot.store.pipeline import PipelineEntry

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


def install(driver: SlackDriver, code: str = "c0de") -> None:
    page = driver.http.get(f"{driver.url}/slack/install")
    state = re.search(r"state=([\w-]+)", page.text)
    assert state is not None
    # The state cookie is `Secure` (Slack apps are served over https); send it as a browser would.
    cookie = page.headers["set-cookie"].split(";", 1)[0]
    done = driver.http.get(
        f"{driver.url}/slack/oauth_redirect",
        params={"code": code, "state": state.group(1)},
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


def test_one_workspace_reaches_nothing_of_anothers(
    oauth_app: SlackDriver, fake_slack: FakeSlack
) -> None:
    install(oauth_app, "team-T3")
    install(oauth_app)  # T2
    export = oauth_app.settings.home / "links.csv"
    export.parent.mkdir(parents=True, exist_ok=True)
    export.write_text(sample_links())
    LinkIndex(oauth_app.settings.index_path, team="T3").import_file(export)
    oauth_app.command("mysite.com vs a.com b.com c.com", team="T3")
    result = fake_slack.wait_for("chat.postMessage")[0]
    assert "*26* gaps" in str(result.args["blocks"])
    blocks, ts = result.args["blocks"], result.response["ts"]

    # T2's own /gaps of the same site finds none of T3's imports...
    oauth_app.command("mysite.com vs a.com b.com c.com", team="T2")
    empty = fake_slack.wait_for("chat.postMessage", 2)[-1]
    assert "*0* gaps" in str(empty.args["blocks"])
    # ...and T3's buttons, pressed from T2, show, move and export nothing.
    for action, domain in [
        (ResultAction.PAGE_NEXT, None),
        (ResultAction.TARGET, "gap05.example"),
        (ResultAction.EXPORT_CSV, None),
        (DraftAction.DRAFT_EMAIL, "gap05.example"),
    ]:
        oauth_app.press(blocks, action, domain=domain, message_ts=ts, team="T2", user="U9")
    replies = fake_slack.wait_for("respond/*", 4)
    assert all("not available" in reply.args["text"] for reply in replies)
    oauth_app.press(blocks, ResultAction.LINKS, domain="gap05.example", message_ts=ts, team="T2")
    links = fake_slack.wait_for("views.update")[0].args["view"]
    assert "not available" in str(links) and "a.com" not in str(links)
    oauth_app.event({"type": "app_home_opened", "user": "U9", "tab": "home"}, team="T2")
    home = str(fake_slack.wait_for("views.publish")[0].args["view"]["blocks"])
    assert "0 gaps" in home and "26 gaps" not in home  # its own analysis only
    oauth_app.settle()
    assert fake_slack.calls_to("chat.update") == []
    shared = [
        str(item.get("title"))
        for call in fake_slack.calls_to("files.completeUploadExternal")
        for item in call.args.get("files", [])
    ]
    assert not any(title.startswith("Backlink gaps") for title in shared)  # no CSV export
    with Session(make_engine(oauth_app.settings.app_database_url)) as session:
        assert session.exec(select(PipelineEntry)).all() == []
