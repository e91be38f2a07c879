"""No request ever gets a 500: malformed input, forged values and Slack failing.

Every request is signed and sent to the real app's HTTP entry point (the ASGI app uvicorn
serves, in process). What the user should hear arrives as one ephemeral sentence (in the
ack, or at the response URL); the rest is ignored and logged. Most of these inputs once
made the app answer 500 (issue 12).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from drafting import open_draft, post_result
from fake_slack import Call, SlackDriver, find_element
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

from bot.slack.drafts.ids import DraftAction, DraftCallback, DraftInput
from bot.slack.results.ids import ResultAction

FORM = "application/x-www-form-urlencoded"
SHORT = 500  # an answer is a sentence, not an echo of what was sent
HUGE_DOMAIN = "x" * 40_000 + ".example"


def sentence(slack: SlackDriver, response: httpx.Response) -> str:
    """What the user is told: the ack's ephemeral text, or the next response URL message."""
    assert response.status_code == 200, response.text
    answer = response.json() if response.content else slack.fake.wait_for("respond/*")[-1].args
    assert answer["response_type"] == "ephemeral"
    assert len(answer["text"]) < SHORT
    return str(answer["text"])


def button(message: Call, action: str, domain: str = "gap00.example") -> dict[str, Any]:
    """What pressing `action` on `domain`'s row of `message` sends."""
    element = find_element(message.args["blocks"], action, domain)
    return {"action_id": action, "type": "button", "value": element["value"]}


def forged(action: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"action_id": action, "type": "button", "value": json.dumps(value)}


# -- /gaps text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("mysite.com vs a.com --min-matches x", "--min-matches"),
        ("mysite.com vs a.com --limit x", "--limit"),
        ("mysite.com vs a.com --sort", "--sort"),
        ("mysite.com vs a.com --" + "z" * 3000, "unrecognized arguments"),
        ("mysite.com vs " + "x" * 3000, "bad domain"),
        ("mysite.com vs a.com " + "b" * 1_000_000, "too long"),
    ],
    ids=["min-matches-x", "limit-x", "sort-without-value", "long-option", "long-domain", "1MB"],
)
def test_bad_command_text_gets_one_short_sentence_at_once(
    slack: SlackDriver, text: str, named: str
) -> None:
    started = time.monotonic()
    response = slack.command(text)

    assert time.monotonic() - started < 2.5
    assert named in sentence(slack, response)
    slack.settle()
    assert slack.fake.calls_to("chat.postMessage") == []


# -- bodies Slack would never send -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (urlencode({"payload": "{not json"}), FORM),
        (urlencode({"payload": ""}), FORM),
        (urlencode({"payload": "[]"}), FORM),
        (urlencode({"payload": "null"}), FORM),
        ("[]", "application/json"),
        ("null", "application/json"),
        ('{"type": [], "team_id": "T1"}', "application/json"),
        (urlencode({"payload": '{"type": {}, "team": {"id": "T1"}}'}), FORM),
        ("[" * 100_000 + "]" * 100_000, "application/json"),
    ],
    ids=[
        "invalid",
        "empty",
        "array",
        "null",
        "json-array",
        "json-null",
        "type-a-list",
        "type-an-object",
        "nested-deep",
    ],
)
def test_an_unreadable_payload_is_refused_without_a_500(
    slack: SlackDriver, body: str, content_type: str
) -> None:
    assert slack.post(body, content_type).status_code == 400
    assert {call.method for call in slack.fake.calls} <= {"auth.test"}


def _without(payload: dict[str, Any], paths: list[tuple[str, ...]]) -> dict[str, Any]:
    copy = json.loads(json.dumps(payload))
    for *parents, last in paths:
        node = copy
        for key in parents:
            node = node[key]
        del node[last]
    return copy


@pytest.mark.parametrize(
    ("paths", "missing"),
    [
        ([("team",), ("user", "team_id")], "team"),  # Bolt reads the team from either
        ([("user",)], "user"),
        ([("trigger_id",)], "trigger_id"),
    ],
    ids=["team", "user", "trigger_id"],
)
def test_a_button_press_missing_a_part_is_ignored_and_logged(
    slack: SlackDriver,
    caplog: pytest.LogCaptureFixture,
    paths: list[tuple[str, ...]],
    missing: str,
) -> None:
    message = post_result(slack)
    slack.fake.wait_for_upload("How the competitors")  # the result's chart, then nothing
    slack.fake.reset()
    payload = _button_payload(slack, button(message, ResultAction.LINKS))

    response = slack.form({"payload": json.dumps(_without(payload, paths))})

    assert response.status_code == 400 and f"no valid {missing}" in caplog.text
    assert {call.method for call in slack.fake.calls} <= {"auth.test"}


def test_an_empty_actions_list_is_ignored(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    payload = _button_payload(slack, {"action_id": ResultAction.PAGE_NEXT, "value": "{}"})
    payload["actions"] = []

    response = slack.form({"payload": json.dumps(payload)})

    assert response.status_code == 400 and "no valid actions" in caplog.text


@pytest.mark.parametrize(("field", "missing"), [("user_id", "user"), ("team_id", "team")])
def test_a_command_missing_its_user_or_team_runs_nothing(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture, field: str, missing: str
) -> None:
    fields = _command_fields(slack, "mysite.com vs a.com")
    del fields[field]

    response = slack.form(fields)

    assert response.status_code == 400 and f"no valid {missing}" in caplog.text
    assert {call.method for call in slack.fake.calls} <= {"auth.test"}


@pytest.mark.parametrize("event", ["app_home_opened", ["app_home_opened"], {"user": "U1"}])
def test_an_event_that_is_not_an_event_is_refused(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture, event: object
) -> None:
    body = {"type": "event_callback", "team_id": slack.team, "event": event}

    response = slack.post(json.dumps(body), "application/json")

    assert response.status_code == 400 and "no valid event" in caplog.text


def test_app_home_opened_without_a_user_is_acknowledged(slack: SlackDriver) -> None:
    response = slack.event({"type": "app_home_opened", "channel": "D1", "tab": "home"})
    assert response.status_code == 200

    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    assert [call.args["user_id"] for call in slack.fake.wait_for("views.publish")] == ["U1"]


# -- forged values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "value"),
    [
        (
            ResultAction.PAGE_NEXT,
            {"a": 1e30, "p": 0, "s": "matches", "m": 1, "f": False, "i": False},
        ),
        (ResultAction.PAGE_NEXT, {"a": 10**30, "p": 1e30, "s": "matches", "m": 1, "f": 0, "i": 0}),
        (
            ResultAction.TARGET,
            {"a": 1, "p": 0, "s": "matches", "m": 1e30, "f": 0, "i": 0, "d": "x.com"},
        ),
        (
            ResultAction.LINKS,
            {"a": 1, "p": 0, "s": "matches", "m": 1, "f": 0, "i": 0, "d": HUGE_DOMAIN},
        ),
        (
            DraftAction.DRAFT_EMAIL,
            {"a": 1, "p": 0, "s": "matches", "m": 1, "f": 0, "i": 0, "d": HUGE_DOMAIN},
        ),
    ],
    ids=["id-1e30", "id-10e30", "min-matches-1e30", "links-40KB-domain", "draft-40KB-domain"],
)
def test_a_forged_button_value_is_not_available(
    slack: SlackDriver, action: str, value: dict[str, Any]
) -> None:
    post_result(slack)

    response = slack.block_action(forged(action, value))

    assert "not available" in sentence(slack, response)
    slack.settle()
    assert slack.fake.calls_to("views.open") == slack.fake.calls_to("chat.update") == []


@pytest.mark.parametrize("action", [DraftAction.EDIT_DRAFT, DraftAction.MARK_SENT])
@pytest.mark.parametrize("value", ["1e30", "1" * 40, "-1", "²"])
def test_a_forged_draft_id_names_nothing(slack: SlackDriver, action: str, value: str) -> None:
    response = slack.block_action({"action_id": action, "type": "button", "value": value})

    assert sentence(slack, response)
    slack.settle()
    assert slack.fake.calls_to("views.open") == slack.fake.calls_to("chat.update") == []


# -- modals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("metadata", ["{broken", "[]", "null", '{"s": "mysite.com"}', "1e400"])
def test_a_draft_modal_with_broken_private_metadata_is_answered_on_the_form(
    slack: SlackDriver, metadata: str
) -> None:
    view = open_draft(slack, post_result(slack)).args["view"]

    response = slack.view_submission({**view, "private_metadata": metadata}, {})

    assert response.status_code == 200
    assert "can no longer be read" in response.json()["errors"][DraftInput.TEMPLATE]


def test_a_template_change_in_a_broken_modal_is_ignored_and_logged(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    view = open_draft(slack, post_result(slack)).args["view"]
    action = {
        "action_id": DraftAction.DRAFT_RERENDER,
        "block_id": "template",
        "type": "static_select",
    }

    response = slack.view_action({**view, "private_metadata": "{broken"}, {}, action)

    assert response.status_code == 200
    deadline = time.monotonic() + 10
    while "private_metadata could not be read" not in caplog.text:
        assert time.monotonic() < deadline, "the broken modal was not logged"
        time.sleep(0.02)
    slack.settle()
    assert slack.fake.calls_to("views.update") == []


@pytest.mark.parametrize("days", ["²", "٣", "9" * 5000, "1.5", ""])
def test_follow_up_days_that_are_not_a_small_number_are_refused_on_the_field(
    slack: SlackDriver, days: str
) -> None:
    view = {"type": "modal", "callback_id": DraftCallback.SENDER_SETTINGS, "blocks": []}
    state = {"type": "plain_text_input", "value": days}
    values = {DraftInput.FOLLOW_UP_DAYS: {DraftAction.DRAFT_INPUT: state}}

    response = slack.view_submission(view, values)

    assert response.status_code == 200
    assert "whole number of days" in response.json()["errors"][DraftInput.FOLLOW_UP_DAYS]


# -- Slack failing ---------------------------------------------------------------------------


def failing_calls(slack: SlackDriver) -> int:
    """How many answers with HTTP 500 make a Web API call fail, after the client's retries."""
    retries = sum(
        handler.max_retry_count
        for handler in slack.app.client.retry_handlers
        if isinstance(handler, ServerErrorRetryHandler)
    )
    return 1 + retries


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("chat.update", ResultAction.PAGE_NEXT),
        ("views.open", ResultAction.LINKS),
        ("views.update", ResultAction.LINKS),
        ("files.getUploadURLExternal", ResultAction.EXPORT_CSV),
    ],
)
def test_slack_answering_500_is_told_to_the_user(
    slack: SlackDriver, method: str, action: str
) -> None:
    message = post_result(slack)
    slack.fake.wait_for_upload("How the competitors")  # the result's chart, before Slack fails
    slack.fake.server_error(method, 500, times=failing_calls(slack))

    response = slack.press(message.args["blocks"], action, message_ts=message.response["ts"])

    assert "Slack did not answer" in sentence(slack, response)


# -- what Slack sends, built here so that one part can be taken out --------------------------


def _button_payload(slack: SlackDriver, action: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": slack.team, "domain": "team"},
        "user": {"id": "U1", "username": "user-u1", "team_id": slack.team},
        "api_app_id": "A1",
        "trigger_id": "1337.42.mnop",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": slack.channel},
        "channel": {"id": slack.channel, "name": "link-building"},
        "response_url": slack.fake.response_url(f"forged-{time.monotonic_ns()}"),
        "actions": [{**action, "block_id": "b1", "action_ts": str(time.time())}],
    }


def _command_fields(slack: SlackDriver, text: str) -> dict[str, str]:
    return {
        "team_id": slack.team,
        "channel_id": slack.channel,
        "user_id": "U1",
        "command": "/gaps",
        "text": text,
        "api_app_id": "A1",
        "response_url": slack.fake.response_url(f"forged-{time.monotonic_ns()}"),
        "trigger_id": "1337.42.qrst",
    }
