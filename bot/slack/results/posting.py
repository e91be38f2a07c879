"""Posting a result message, with the fallbacks Slack makes necessary, and redrawing it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.paging import ResultPage
from bot.slack.posting import CANNOT_POST, error_code, replied
from bot.slack.results.blocks import invite_text, result_fallback, result_message

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
        if error_code(error) not in CANNOT_POST or respond is None:
            raise
        if not replied(respond, response_type="in_channel", blocks=blocks, text=text):
            raise
        replied(respond, response_type="ephemeral", text=invite_text(channel))
        return None


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
            if error_code(error) not in _CANNOT_UPDATE:
                raise
    # A message posted through a response URL can only be replaced through one.
    respond(blocks=blocks, text=text, replace_original=True)
