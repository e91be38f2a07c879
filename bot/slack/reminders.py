"""Follow-up reminders in Slack: the DM a due reminder becomes, and its buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.scheduler import Deliver
from bot.slack import outreach_service
from bot.slack.draft_blocks import (
    reminder_answer_message,
    reminder_fallback,
    reminder_message,
)
from bot.slack.drafts import number_value, open_draft
from bot.slack.ids import Action
from bot.slack.messages import direct_message, replace_message, team_of, tell
from bot.slack.mrkdwn import escape
from bot.slack.service import services_of
from bot.store.outreach import Reminder

_CHOICES = {
    Action.GOT_REPLY: "reply",
    Action.WON: "won",
    Action.SNOOZE: "snooze",
    Action.STOP: "stop",
}
NOT_YOURS = "That reminder is not yours, or it is gone."


def register(app: App) -> None:
    app.action(Action.DRAFT_FOLLOW_UP)(draft_follow_up)
    for action in _CHOICES:
        app.action(action)(answer)


def reminder_delivery(client_for: Callable[[str], WebClient]) -> Deliver:
    """The scheduler's `deliver`: one DM to the reminder's owner, in their workspace."""

    def deliver(reminder: Reminder) -> None:
        client = client_for(reminder.team_id)
        direct_message(
            client, reminder.owner_id, reminder_message(reminder), reminder_fallback(reminder)
        )

    return deliver


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
    target = outreach_service.target_of_reminder(
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
    """Got a reply, Won, Snooze or Stop: apply it, then show the outcome in place of the buttons."""
    ack()
    done = outreach_service.answer_reminder(
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
