"""Sending messages: a result (with the fallbacks Slack makes necessary), a DM, an update."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.services.paging import ResultPage, ResultView, ViewError, decode_value
from bot.slack.blocks import gone_text, invite_text, result_fallback, result_message

log = logging.getLogger(__name__)

# The bot is not a member (private channel, DM) or may not see the channel.
CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
_CANNOT_UPDATE = CANNOT_POST | {"message_not_found", "cant_update_message"}


def post_result(
    client: WebClient, respond: Respond | None, channel: str, page: ResultPage
) -> str | None:
    """Post the result in `channel`; if the bot may not, reply through the command instead.

    Returns the message's ts when it was posted in the channel (None through the command).
    Raises SlackApiError (or OSError) when neither reached Slack: the caller tells the user.
    """
    blocks, text = result_message(page), result_fallback(page.analysis)
    try:
        return str(client.chat_postMessage(channel=channel, blocks=blocks, text=text)["ts"])
    except SlackApiError as error:
        if _error_code(error) not in CANNOT_POST or respond is None:
            raise
        if not replied(respond, response_type="in_channel", blocks=blocks, text=text):
            raise
        replied(respond, response_type="ephemeral", text=invite_text(channel))
        return None


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


def update_result(
    client: WebClient, respond: Respond, body: dict[str, Any], page: ResultPage
) -> None:
    """Replace the message a button was pressed in with `page`."""
    blocks, text = result_message(page), result_fallback(page.analysis)
    channel = (body.get("channel") or {}).get("id")
    ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
    if channel and ts:
        try:
            client.chat_update(channel=channel, ts=ts, blocks=blocks, text=text)
            return
        except SlackApiError as error:
            if _error_code(error) not in _CANNOT_UPDATE:
                raise
    # A message posted through a response URL can only be replaced through one.
    respond(blocks=blocks, text=text, replace_original=True)


def direct_message(client: WebClient, user_id: str, blocks: list[Block], text: str) -> None:
    """Post to the user's DM with the app."""
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    client.chat_postMessage(channel=channel, blocks=blocks, text=text)


def replace_message(
    client: WebClient, body: dict[str, Any], blocks: list[Block], text: str
) -> None:
    """Replace the (bot's own) message a button was pressed in, e.g. a DM."""
    channel = str((body.get("channel") or {}).get("id", ""))
    ts = str((body.get("container") or {}).get("message_ts", ""))
    client.chat_update(channel=channel, ts=ts, blocks=blocks, text=text)


def tell(respond: Respond, text: str) -> None:
    """An ephemeral note to the person who clicked, leaving the message as it is."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def row_of(action: dict[str, Any], respond: Respond) -> tuple[ResultView, str] | None:
    """The result view and domain a row's button carries; None (and a note) if it is gone."""
    try:
        view, extra = decode_value(str(action.get("value", "")))
        return view, extra["d"]
    except (ViewError, KeyError):
        tell(respond, gone_text())
        return None


def _error_code(error: SlackApiError) -> str:
    return str(error.response.get("error", ""))
