"""Who may ask: a valid signature, once, within 5 minutes, from the token's own workspace."""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlencode

import httpx
import pytest
from conftest import SIGNING_SECRET
from fake_slack import SlackDriver
from slack_bolt import BoltRequest
from sqlmodel import Session, select

from bot.slack.guard import Workspace
from bot.store.analyses import Analysis
from bot.store.db import make_engine


def command_fields(slack: SlackDriver, text: str, team: str = "T1") -> dict[str, str]:
    """A `/gaps` command's fields, fixed so that the same body can be sent again."""
    return {
        "team_id": team,
        "channel_id": slack.channel,
        "user_id": "U1",
        "command": "/gaps",
        "text": text,
        "api_app_id": "A1",
        "response_url": slack.fake.response_url(f"command-{uuid.uuid4().hex[:8]}"),
        "trigger_id": "1337.42.abcd",
    }


@pytest.fixture
def slack(slack_http: SlackDriver) -> SlackDriver:
    """Here requests go over real HTTP (uvicorn), their headers and bodies as sent."""
    return slack_http


def analyses(slack: SlackDriver) -> int:
    with Session(make_engine(slack.settings.app_database_url)) as session:
        return len(session.exec(select(Analysis)).all())


def test_a_correctly_signed_request_is_served(slack: SlackDriver) -> None:
    assert slack.command("help").status_code == 200


def test_a_wrong_signature_is_refused(slack: SlackDriver) -> None:
    response = slack.command("mysite.com vs a.com", secret="not-the-secret")

    assert response.status_code == 401
    assert analyses(slack) == 0


def test_a_request_older_than_five_minutes_is_refused(slack: SlackDriver) -> None:
    response = slack.command("mysite.com vs a.com", timestamp=int(time.time()) - 6 * 60)

    assert response.status_code == 401


def test_an_unsigned_request_is_refused(slack: SlackDriver) -> None:
    response = httpx.post(f"{slack.url}/slack/events", data=command_fields(slack, "help"))

    assert response.status_code == 401


@pytest.mark.parametrize("stamp", ["abc", "1764100000.5", "", "9" * 5000])
def test_a_timestamp_that_is_not_whole_seconds_is_refused(slack: SlackDriver, stamp: str) -> None:
    response = slack.command("mysite.com vs a.com", headers={"X-Slack-Request-Timestamp": stamp})

    assert response.status_code == 401
    assert analyses(slack) == 0


# -- replays ---------------------------------------------------------------------------------


def test_the_same_signed_request_is_served_once(slack: SlackDriver) -> None:
    fields, stamp = command_fields(slack, "mysite.com vs a.com"), int(time.time())

    assert slack.form(fields, timestamp=stamp).status_code == 200
    slack.fake.wait_for("chat.postMessage")
    replay = slack.form(fields, timestamp=stamp)

    assert replay.status_code == 401
    assert analyses(slack) == 1 and len(slack.fake.calls_to("chat.postMessage")) == 1


def test_a_replay_to_another_process_is_refused_too(slack: SlackDriver) -> None:
    other = SlackDriver.serve(slack.settings, slack.fake, SIGNING_SECRET)
    try:
        fields, stamp = command_fields(slack, "help"), int(time.time())

        assert slack.form(fields, timestamp=stamp).status_code == 200
        assert other.form(fields, timestamp=stamp).status_code == 401
        assert other.form({**fields, "text": "--help"}, timestamp=stamp).status_code == 200
    finally:
        other.stop()


def test_socket_mode_requests_carry_no_signature_and_are_all_served(slack: SlackDriver) -> None:
    body = urlencode(command_fields(slack, "help"))

    answers = [slack.app.dispatch(BoltRequest(body=body, mode="socket_mode")) for _ in range(2)]

    assert [answer.status for answer in answers] == [200, 200]
    assert all("SITE vs COMPETITOR" in answer.body for answer in answers)


# -- the token's workspace -------------------------------------------------------------------


def test_a_command_from_another_workspace_is_answered_and_not_run(slack: SlackDriver) -> None:
    response = slack.command("mysite.com vs a.com", team="T2")

    assert response.status_code == 200
    assert "another Slack workspace" in response.json()["text"]
    assert analyses(slack) == 0


def test_a_button_from_another_workspace_is_ignored_and_logged(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    response = slack.block_action(
        {"action_id": "gaps_page_next", "type": "button", "value": "{}"}, team="T2"
    )

    assert response.status_code == 200 and not response.content
    assert "team 'T2'" in caplog.text
    assert slack.fake.responses() == []


@pytest.mark.parametrize(
    ("team", "enterprise", "admitted"),
    [("T1", None, True), ("T1", "E1", True), ("T2", "E1", False), (None, "E1", False)],
)
def test_a_workspace_install_admits_its_own_team_only(
    team: str | None, enterprise: str | None, admitted: bool
) -> None:
    workspace = Workspace.of({"team_id": "T1", "enterprise_id": "E1"})

    assert workspace.admits(team, enterprise) is admitted


@pytest.mark.parametrize(
    ("team", "enterprise", "admitted"),
    [("T7", "E1", True), (None, "E1", True), ("T1", "E2", False), ("T1", None, False)],
)
def test_an_org_install_admits_every_team_of_its_org_only(
    team: str | None, enterprise: str | None, admitted: bool
) -> None:
    auth_test = {"team_id": "T1", "enterprise_id": "E1", "is_enterprise_install": True}

    assert Workspace.of(auth_test).admits(team, enterprise) is admitted
