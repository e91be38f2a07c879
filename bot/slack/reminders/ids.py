"""A reminder DM's action ids, and what its buttons carry."""

from __future__ import annotations

from enum import StrEnum

from bot.slack.values import BareId


class ReminderAction(StrEnum):
    DRAFT_FOLLOW_UP = "reminder_draft_follow_up"
    GOT_REPLY = "reminder_got_reply"
    WON = "reminder_won"  # asks for the linking page first (bot.slack.won)
    SNOOZE = "reminder_snooze"
    STOP = "reminder_stop"


class ReminderRef(BareId):
    """Every button of a reminder DM: the reminder's id."""
