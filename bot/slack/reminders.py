"""Follow-up reminders in Slack: the DM a due reminder becomes, and its buttons.

Each DM carries Slack message metadata naming its reminder, so that a retry (after a
worker died, or an answer that never came) first looks in the DM's history and does
not post the reminder a second time (https://api.slack.com/metadata/using).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.scheduler import Deliver, DeliveryFailed
from bot.services import outreach
from bot.services.outreach import ReminderChoice
from bot.slack.context import services_of, team_of
from bot.slack.draft_blocks import (
    reminder_answer_message,
    reminder_fallback,
    reminder_message,
)
from bot.slack.drafts import number_value, open_draft
from bot.slack.ids import Action
from bot.slack.listening import after_ack
from bot.slack.mrkdwn import escape
from bot.slack.posting import replace_message, tell
from bot.store.clock import as_utc
from bot.store.outreach import Reminder

log = logging.getLogger(__name__)

# Won asks for the linking page first (bot.slack.won).
_CHOICES = {
    Action.GOT_REPLY: ReminderChoice.REPLY,
    Action.SNOOZE: ReminderChoice.SNOOZE,
    Action.STOP: ReminderChoice.STOP,
}
NOT_YOURS = "That reminder is not yours, or it is gone."
REMINDER_EVENT = "gapbot_reminder"
# Slack's clock and ours may disagree: the history is read from a little before the first try.
CLOCK_SKEW = timedelta(minutes=10)
# Errors that trying again will not mend: the owner is gone, or so is Gapbot's token.
PERMANENT_ERRORS = frozenset(
    {
        "not_installed",
        "user_not_found",
        "user_not_visible",
        "user_disabled",
        "cannot_dm_bot",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "invalid_auth",
        "not_authed",
    }
)


def register(app: App) -> None:
    app.action(Action.DRAFT_FOLLOW_UP)(after_ack(draft_follow_up))
    for action in _CHOICES:
        app.action(action)(after_ack(answer))


def reminder_delivery(client_for: Callable[[str], WebClient]) -> Deliver:
    """The scheduler's `deliver`: one DM to the reminder's owner, in their workspace."""

    def deliver(reminder: Reminder) -> None:
        delivered(client_for, reminder.team_id, lambda client: _post_once(client, reminder))

    return deliver


def delivered(
    client_for: Callable[[str], WebClient], team_id: str, send: Callable[[WebClient], None]
) -> None:
    """`send` with the workspace's client, for a scheduled job: Slack's refusals become
    `DeliveryFailed` with Slack's error code, permanent or not."""
    try:
        client = client_for(team_id)
    except LookupError:
        raise DeliveryFailed("not_installed", permanent=True) from None
    try:
        send(client)
    except SlackApiError as error:
        code = str(error.response.get("error") or f"http_{error.response.status_code}")
        raise DeliveryFailed(code, permanent=code in PERMANENT_ERRORS) from None


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


def draft_follow_up(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Draft follow-up: the draft modal with the follow-up templates."""
    ack()
    target = outreach.target_of_reminder(
        services_of(context), team_of(context), body["user"]["id"], number_value(action)
    )
    if target is None:
        tell(respond, NOT_YOURS)
        return
    open_draft(client, body, context, target)


def answer(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Got a reply, Snooze or Stop: apply it, then show the outcome in place of the buttons."""
    ack()
    done = outreach.answer_reminder(
        services_of(context),
        team_of(context),
        body["user"]["id"],
        number_value(action),
        _CHOICES[Action(action["action_id"])],
        datetime.now(UTC),
    )
    if done is None:
        tell(respond, NOT_YOURS)
        return
    text = f"{escape(done.refdomain)}: {done.choice}"
    replace_message(client, body, reminder_answer_message(done), text)
