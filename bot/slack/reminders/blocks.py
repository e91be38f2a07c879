"""A due reminder's DM, the DM once answered, and App Home's reminders that failed. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.outreach.followups import SNOOZE_DAYS, NextAction
from bot.services.outreach import ReminderAnswer, ReminderChoice
from bot.slack.blocks import context, section, slack_date
from bot.slack.mrkdwn import escape
from bot.slack.reminders.ids import ReminderAction, ReminderRef
from bot.slack.values import encode
from bot.store.clock import as_utc
from bot.store.pipeline import MoveOutcome
from bot.store.reminders import Reminder

NOT_YOURS = "That reminder is not yours, or it is gone."
MAX_FAILED_SHOWN = 10
# Slack's error codes for a reminder that could not be sent, as its owner would put them.
_FAILURE_REASONS = {
    "user_not_found": "the owner is not in the workspace any more",
    "user_disabled": "the owner's account is deactivated",
    "not_installed": "Gapbot is no longer installed in the workspace",
    "token_revoked": "Gapbot's access to the workspace was revoked",
    "account_inactive": "Gapbot's access to the workspace was revoked",
    "invalid_auth": "Slack no longer accepts Gapbot's token",
}
_ANSWERS = {
    ReminderChoice.REPLY: "Marked *replied*; no more reminders.",
    ReminderChoice.WON: "Marked *won* :tada:; no more reminders.",
    ReminderChoice.STOP: "Stopped: marked *no response*; no more reminders.",
}


def reminder_message(reminder: Reminder) -> list[Block]:
    """A due reminder as a DM: follow-up buttons, or the note that the outreach was closed."""
    domain, site = escape(reminder.refdomain), escape(reminder.site)
    if reminder.action == NextAction.CLOSE:
        return [
            section(
                f":zzz: No reply from *{domain}* after {reminder.follow_ups_sent} follow-ups, "
                f"so it is marked *no response* for {site}. If they write back, mark it "
                "from App Home."
            )
        ]
    value = encode(ReminderRef.of(reminder.id))
    sent = reminder.follow_ups_sent
    so_far = f"{sent} follow-up{'s' if sent != 1 else ''} sent so far"
    return [
        section(f":alarm_clock: Time to follow up with *{domain}* for {site} ({so_far})."),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Draft follow-up",
                    action_id=ReminderAction.DRAFT_FOLLOW_UP,
                    value=value,
                    style="primary",
                ),
                ButtonElement(text="Got a reply", action_id=ReminderAction.GOT_REPLY, value=value),
                ButtonElement(text="Won", action_id=ReminderAction.WON, value=value),
                ButtonElement(
                    text=f"Snooze {SNOOZE_DAYS} days", action_id=ReminderAction.SNOOZE, value=value
                ),
                ButtonElement(text="Stop", action_id=ReminderAction.STOP, value=value),
            ]
        ),
    ]


def reminder_fallback(reminder: Reminder) -> str:
    return f"Follow-up reminder: {escape(reminder.refdomain)}"


def reminder_answer_message(answer: ReminderAnswer) -> list[Block]:
    """The reminder DM after a button: what happened, without the buttons."""
    head = f"*{escape(answer.refdomain)}* for {escape(answer.site)}: "
    if answer.snoozed_until is not None:
        return [section(f"{head}snoozed until {slack_date(answer.snoozed_until)}.")]
    if answer.result.outcome is MoveOutcome.REFUSED:
        return [section(f"{head}{escape(answer.result.reason or 'not allowed')}")]
    return [section(head + _ANSWERS[answer.choice])]


def reminder_answer_fallback(answer: ReminderAnswer) -> str:
    return f"{escape(answer.refdomain)}: {answer.choice}"


def failed_reminders_blocks(reminders: Sequence[Reminder]) -> list[Block]:
    """App Home: the reminders Gapbot gave up sending, and why ([] when there are none)."""
    if not reminders:
        return []
    lines = [_failed_line(reminder) for reminder in reminders[:MAX_FAILED_SHOWN]]
    if len(reminders) > MAX_FAILED_SHOWN:
        lines.append(f"…and {len(reminders) - MAX_FAILED_SHOWN} more.")
    return [
        section("*Reminders that could not be sent*\n" + "\n".join(lines)),
        context(
            "Gapbot tried several times, then gave up. The next reminder is scheduled when "
            "the next email to that domain is marked as sent."
        ),
    ]


def _failed_line(reminder: Reminder) -> str:
    error = reminder.last_error or ""
    reason = _FAILURE_REASONS.get(error) or f"Slack answered {escape(error or 'nothing')}"
    tries = f"{reminder.attempts} {'try' if reminder.attempts == 1 else 'tries'}"
    return (
        f":warning: *{escape(reminder.refdomain)}* for {escape(reminder.site)}, due "
        f"{slack_date(as_utc(reminder.due_at))}, to <@{escape(reminder.owner_id)}>: {reason} "
        f"(gave up after {tries})"
    )
