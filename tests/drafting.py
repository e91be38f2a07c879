"""Driving the outreach flow through the running app: a result, the draft modal, a saved draft."""

from __future__ import annotations

from typing import Any

import httpx
from fake_slack import Call, SlackDriver, find_element

from bot.slack.drafts.ids import DraftAction

DOMAIN = "gap00.example"
PERSONAL = {"recipient_email": "jane@gap00.example", "common_ground": "We met at MozCon."}


def post_result(slack: SlackDriver, text: str = "mysite.com vs a.com b.com c.com") -> Call:
    before = len(slack.fake.calls_to("chat.postMessage"))
    slack.command(text)
    return slack.fake.wait_for("chat.postMessage", count=before + 1)[-1]


def open_draft(slack: SlackDriver, message: Call, domain: str = DOMAIN, **options: Any) -> Call:
    """Press Draft email on `domain`'s row; the views.open call."""
    before = len(slack.fake.calls_to("views.open"))
    slack.press(message.args["blocks"], DraftAction.DRAFT_EMAIL, domain=domain, **options)
    return slack.fake.wait_for("views.open", count=before + 1)[-1]


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The modal's input elements by field name (`body:2` is the field `body`)."""
    return {
        block["block_id"].split(":")[0]: block["element"]
        for block in view["blocks"]
        if block["type"] == "input"
    }


def block_id(view: dict[str, Any], field: str) -> str:
    return next(
        block["block_id"]
        for block in view["blocks"]
        if block["type"] == "input" and block["block_id"].split(":")[0] == field
    )


def values_of(view: dict[str, Any], **changes: str) -> dict[str, dict[str, Any]]:
    """The state Slack would send: each input's initial value unless the user changed it."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, field = block["element"], block["block_id"].split(":")[0]
        if element["type"] == "static_select":
            chosen = element.get("initial_option")
            if field in changes:
                chosen = next(
                    item for item in element["options"] if item["value"] == changes[field]
                )
            state = {"type": "static_select", "selected_option": chosen}
        else:
            state = {
                "type": "plain_text_input",
                "value": changes.get(field, element.get("initial_value")),
            }
        values[block["block_id"]] = {element["action_id"]: state}
    return values


def submit(slack: SlackDriver, view: dict[str, Any], **changes: Any) -> httpx.Response:
    user = changes.pop("user", "U1")
    team = changes.pop("team", None)
    return slack.view_submission(view, values_of(view, **changes), user=user, team=team)


def save_draft(slack: SlackDriver, view: dict[str, Any], **changes: str) -> Call:
    """Submit the modal with the personal fields filled in; the DM with the draft."""
    before = len(slack.fake.calls_to("chat.postMessage"))
    response = submit(slack, view, **{**PERSONAL, **changes})
    assert response.status_code == 200 and not response.content, response.text
    return slack.fake.wait_for("chat.postMessage", count=before + 1)[-1]


def press_in_dm(slack: SlackDriver, dm: Call, action: str, **options: Any) -> Call:
    """Press a button of a DM; the chat.update that replaces it."""
    before = len(slack.fake.calls_to("chat.update"))
    element = find_element(dm.args["blocks"], action)
    slack.block_action(
        {"action_id": action, "type": "button", "value": element["value"]},
        channel=dm.args["channel"],
        message_ts=dm.response["ts"],
        **options,
    )
    return slack.fake.wait_for("chat.update", count=before + 1)[-1]


def texts(blocks: list[dict[str, Any]], kind: str = "mrkdwn") -> list[str]:
    """Every text of type `kind` in the blocks (sections and context elements)."""
    found = []
    for block in blocks:
        for item in [block.get("text") or {}, *block.get("elements", [])]:
            if item.get("type") == kind:
                found.append(item["text"])
    return found
