"""A reminder DM's buttons: Draft follow-up, and the answers Got a reply, Snooze and Stop
(Won asks for the linking page first: bot.slack.won)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.services import outreach
from bot.services.deps import Services
from bot.services.outreach import ReminderChoice
from bot.slack.drafts.listeners import open_draft
from bot.slack.listening import after_ack
from bot.slack.posting import replace_message, tell
from bot.slack.reminders.blocks import (
    NOT_YOURS,
    reminder_answer_fallback,
    reminder_answer_message,
)
from bot.slack.reminders.ids import ReminderAction, ReminderRef
from bot.slack.values import carrying

_CHOICES = {
    ReminderAction.GOT_REPLY: ReminderChoice.REPLY,
    ReminderAction.SNOOZE: ReminderChoice.SNOOZE,
    ReminderAction.STOP: ReminderChoice.STOP,
}


def register(app: App) -> None:
    reminders = carrying(ReminderRef, refused=NOT_YOURS)
    app.action(ReminderAction.DRAFT_FOLLOW_UP, middleware=reminders)(after_ack(draft_follow_up))
    for action in _CHOICES:
        app.action(action, middleware=reminders)(after_ack(answer))


def draft_follow_up(
    carried: ReminderRef,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    team: str,
) -> None:
    """Draft follow-up: the draft modal with the follow-up templates."""
    target = outreach.target_of_reminder(services, team, body["user"]["id"], carried.id)
    if target is None:
        tell(respond, NOT_YOURS)
        return
    open_draft(client, body, services, team, target)


def answer(
    carried: ReminderRef,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    team: str,
) -> None:
    """Got a reply, Snooze or Stop: apply it, then show the outcome in place of the buttons."""
    choice, user = _CHOICES[ReminderAction(action["action_id"])], body["user"]["id"]
    done = outreach.answer_reminder(services, team, user, carried.id, choice, datetime.now(UTC))
    if done is None:
        tell(respond, NOT_YOURS)
        return
    replace_message(client, body, reminder_answer_message(done), reminder_answer_fallback(done))
