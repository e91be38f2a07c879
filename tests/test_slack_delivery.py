"""Nothing lost: a result Slack will not take is announced with where to find it, and
buttons answer Slack before they call it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import SIGNING_SECRET, make_settings
from fake_slack import Call, FakeSlack, SlackDriver

from bot.config import ConfigError
from bot.slack.app import build_app
from bot.slack.mrkdwn import escape
from bot.slack.results.ids import ResultAction
from bot.store.db import make_engine, session_scope
from bot.store.settings import PaidSources, set_paid_sources


def notes_to(slack: SlackDriver, count: int = 1) -> list[str]:
    """The texts of the ephemeral notes the command's response URL received (after the ack)."""
    return [call.args.get("text", "") for call in slack.fake.wait_for("respond/*", count)]


@pytest.mark.parametrize("status", [500, 503])
def test_a_result_slack_will_not_take_is_announced_with_the_way_to_post_it_again(
    slack: SlackDriver, status: int
) -> None:
    # One try and the client's two retries, and one more: every attempt fails.
    slack.fake.server_error("chat.postMessage", status, times=4)
    slack.command("mysite.com vs a.com b.com c.com")

    note = notes_to(slack)[0]
    assert "would not let me post it in <#C1> (HTTP " + str(status) + ")" in note
    assert "<slack://app?team=T1&amp;id=A1&amp;tab=home|Gapbot's App Home>" in note
    assert "*Post again*" in note
    assert len(slack.fake.calls_to("chat.postMessage")) == 3  # retried by slack_sdk's handler


def test_when_the_response_url_fails_too_the_user_gets_a_dm(slack: SlackDriver) -> None:
    slack.fake.server_error("chat.postMessage", 500, times=3)
    slack.fake.expire_response_urls()
    slack.command("mysite.com vs a.com b.com c.com", user="U7")

    dm = slack.fake.wait_for("chat.postMessage", 4)[-1]
    assert dm.args["channel"] == "DU7"
    assert "would not let me post it in <#C1>" in dm.args["text"]


def test_not_in_channel_with_a_dead_response_url_is_not_claimed_as_sent(
    slack: SlackDriver,
) -> None:
    slack.fake.fail("chat.postMessage", "not_in_channel")
    slack.fake.expire_response_urls(times=2)
    slack.command("mysite.com vs a.com b.com c.com", user="U7")

    dm = slack.fake.wait_for("chat.postMessage", 2)[-1]
    assert dm.args["channel"] == "DU7"
    assert f"({escape('not_in_channel')})" in dm.args["text"] and "*Post again*" in dm.args["text"]
    assert not any("was sent with the" in call.args.get("text", "") for call in slack.fake.calls)


def test_a_failed_analysis_reaches_the_user_by_dm_when_the_response_url_is_gone(
    slack: SlackDriver,
) -> None:
    slack.fake.expire_response_urls()
    slack.command("mysite.com vs a.com --source webgraph", user="U7")

    dm = slack.fake.wait_for("chat.postMessage")[0]
    assert dm.args["channel"] == "DU7"
    assert "The gap analysis for *mysite.com* failed" in dm.args["text"]


def test_a_button_answers_slack_before_its_slow_update(slack: SlackDriver) -> None:
    slack.command("mysite.com vs a.com b.com c.com")
    message = slack.fake.wait_for("chat.postMessage")[0]
    slack.fake.slow("chat.update", 2.0)

    response = press(slack, message, ResultAction.PAGE_NEXT)

    # The fake records a call once it has answered it: the ack came before the update did.
    assert response.status_code == 200
    assert slack.fake.calls_to("chat.update") == []
    update = slack.fake.wait_for("chat.update")[0]
    assert "*11. " in str(update.args["blocks"])


def test_paid_sources_a_workspace_turned_off_are_refused_in_slack(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    settings = make_settings(
        tmp_path,
        f"sqlite:///{tmp_path / 'app.db'}",
        fake_slack.api_url,
        DATAFORSEO_LOGIN="login",
        DATAFORSEO_PASSWORD="password",
        DATAFORSEO_API_URL="http://127.0.0.1:9",  # never called
    )
    slack = SlackDriver.in_process(settings, fake_slack, SIGNING_SECRET)
    try:
        with session_scope(make_engine(settings.app_database_url)) as session:
            set_paid_sources(session, "T1", PaidSources(allowed=False, daily_budget_usd=None))
        slack.command("mysite.com vs a.com --source dataforseo")

        note = notes_to(slack)[0]
        assert "paid link sources are turned off for this workspace" in note
    finally:
        slack.stop()


def test_slack_not_answering_at_start_up_is_not_called_a_bad_token(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.server_error("auth.test", 500, times=3)
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", fake_slack.api_url)
    with pytest.raises(ConfigError, match=r"Slack is not answering at .* \(auth.test: HTTP 500"):
        build_app(settings)


def test_a_refused_token_is_named_at_start_up(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.fail("auth.test", "token_revoked")
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", fake_slack.api_url)
    with pytest.raises(ConfigError, match=r"SLACK_BOT_TOKEN was not accepted by Slack \(token_"):
        build_app(settings)


def press(slack: SlackDriver, message: Call, action: str, **options: Any) -> Any:
    blocks = message.args["blocks"]
    return slack.press(blocks, action, message_ts=message.response["ts"], **options)


def test_the_fake_slack_refuses_arguments_slack_does_not_document(fake_slack: FakeSlack) -> None:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token="xoxb-1", base_url=fake_slack.api_url)
    assert client.users_info(user="U1")["user"]["id"] == "U1"
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.conversations_history(channel="D1", include_metadata=True)  # not its name
