"""A due reminder as a DM to its owner, posted once however often the scheduler tries.

Each DM carries Slack message metadata naming its reminder, so that a retry (after a
worker died, or an answer that never came) first looks in the DM's history and does
not post the reminder a second time (https://api.slack.com/metadata/using).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.reminders import Deliver
from bot.slack.delivery import delivered
from bot.slack.reminders.blocks import reminder_fallback, reminder_message
from bot.store.clock import as_utc
from bot.store.reminders import Reminder

log = logging.getLogger(__name__)

REMINDER_EVENT = "gapbot_reminder"
# Slack's clock and ours may disagree: the history is read from a little before the first try.
CLOCK_SKEW = timedelta(minutes=10)


def reminder_delivery(client_for: Callable[[str], WebClient]) -> Deliver:
    """The scheduler's `deliver`: one DM to the reminder's owner, in their workspace."""

    def deliver(reminder: Reminder) -> None:
        delivered(client_for, reminder.team_id, lambda client: _post_once(client, reminder))

    return deliver


def reminder_metadata(reminder: Reminder) -> dict[str, Any]:
    """The DM's key: one per reminder row (one due occurrence), and its due time."""
    due = as_utc(reminder.due_at).isoformat(timespec="seconds")
    return {
        "event_type": REMINDER_EVENT,
        "event_payload": {"reminder_id": reminder.id, "due_at": due},
    }


def _post_once(client: WebClient, reminder: Reminder) -> None:
    channel = client.conversations_open(users=reminder.owner_id)["channel"]["id"]
    metadata = reminder_metadata(reminder)
    # An earlier try may have posted the DM and then died, or lost Slack's answer.
    if reminder.attempts > 1 and _already_posted(client, channel, reminder, metadata):
        log.info("reminder %s was already posted; not sending it again", reminder.id)
        return
    client.chat_postMessage(
        channel=channel,
        blocks=reminder_message(reminder),
        text=reminder_fallback(reminder),
        metadata=metadata,
    )


def _already_posted(
    client: WebClient, channel: str, reminder: Reminder, metadata: dict[str, Any]
) -> bool:
    """Is a message with this reminder's key in the DM since its first try?"""
    first_try = as_utc(reminder.first_claimed_at or reminder.due_at)
    oldest = f"{(first_try - CLOCK_SKEW).timestamp():.6f}"
    try:
        # Iterating a response follows Slack's cursor to the next page.
        for page in client.conversations_history(
            channel=channel, oldest=oldest, include_all_metadata=True, limit=200
        ):
            for message in page.get("messages") or []:
                found = message.get("metadata") or {}
                if (found.get("event_type"), found.get("event_payload")) == (
                    metadata["event_type"],
                    metadata["event_payload"],
                ):
                    return True
    except SlackApiError as error:
        if error.response.get("error") != "missing_scope":
            raise
        # Installed before Gapbot asked for im:history: better a second DM than none.
        log.warning("cannot read the DM history (reinstall Gapbot to grant im:history)")
    return False
