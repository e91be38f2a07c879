"""Sending in Slack: a note to the person who clicked, a DM, a message replaced, Slack's reasons."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

log = logging.getLogger(__name__)

# The bot is not a member (private channel, DM) or may not see the channel.
CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


def error_code(error: SlackApiError) -> str:
    """Slack's error code for a refused call (`http_503` when it gave none)."""
    return str(error.response.get("error") or f"http_{error.response.status_code}")


def slack_reason(error: SlackApiError | OSError) -> str:
    """Why Slack did not take a call, in a few words: its error code or HTTP status."""
    if not isinstance(error, SlackApiError):
        return "Slack could not be reached"
    status = error.response.status_code
    return f"HTTP {status}" if status != 200 else str(error.response.get("error"))


def replied(respond: Respond, **message: Any) -> bool:
    """Send through the response URL; False (logged) if Slack did not take it."""
    try:
        response = respond(replace_original=False, **message)
    except (OSError, ValueError) as error:
        log.warning("the response URL did not take the reply: %s", error)
        return False
    if response.status_code != 200:
        log.warning("the response URL answered HTTP %s: %s", response.status_code, response.body)
        return False
    return True


def tell_user(client: WebClient, respond: Respond | None, user_id: str, text: str) -> bool:
    """An ephemeral note through the response URL, else a DM; False if neither got through."""
    if respond is not None and replied(respond, response_type="ephemeral", text=text):
        return True
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.chat_postMessage(channel=channel, text=text)
    except (SlackApiError, OSError) as error:
        log.error("could not tell %s: %s (%s)", user_id, text, error)
        return False
    return True


def tell(respond: Respond, text: str) -> None:
    """An ephemeral note to the person who clicked, leaving the message as it is."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def direct_message(client: WebClient, user_id: str, blocks: list[Block], text: str) -> None:
    """Post to the user's DM with the app."""
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    client.chat_postMessage(channel=channel, blocks=blocks, text=text)


def replace_message(
    client: WebClient, body: dict[str, Any], blocks: list[Block], text: str
) -> None:
    """Replace the (bot's own) message a button was pressed in, e.g. a DM."""
    channel, ts = pressed_in(body)
    client.chat_update(channel=channel, ts=ts, blocks=blocks, text=text)


def pressed_in(body: dict[str, Any]) -> tuple[str, str]:
    """The channel and ts of the message a button was pressed in ("" where there is none)."""
    channel = str((body.get("channel") or {}).get("id", ""))
    ts = str((body.get("container") or {}).get("message_ts", ""))
    return channel, ts


def open_then_fill(
    client: WebClient, trigger_id: str, loading: View, filled: Callable[[], View]
) -> None:
    """Open `loading` at once (a trigger expires in 3 s), then put in its place the modal
    that `filled` draws, however long that takes."""
    modal = client.views_open(trigger_id=trigger_id, view=loading)["view"]
    client.views_update(view_id=modal["id"], hash=modal.get("hash"), view=filled())
