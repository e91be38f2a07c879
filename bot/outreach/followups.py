"""Follow-up rules: when the next reminder is due, and when outreach ends with no response.

Days are business days (Saturday and Sunday skipped) in the time zone of the datetime
given; the time of day is kept. Gapbot passes UTC (it does not know each owner's zone), so
a weekend is UTC's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.outreach.moves import MAX_FOLLOW_UPS, Status, parse_status

FOLLOW_UP_AFTER_DAYS = 4
# The business days a workspace may choose between a send and its follow-up reminder.
FOLLOW_UP_DAYS_RANGE = range(1, 31)


def follow_up_days_problem(text: str) -> str | None:
    """Why `text` is not a number of follow-up days a workspace may choose (None if it is)."""
    # ASCII digits only: int() cannot read every character isdigit() accepts ("²"), nor
    # thousands of digits.
    if text.isascii() and text.isdigit() and len(text) <= 2 and int(text) in FOLLOW_UP_DAYS_RANGE:
        return None
    low, high = FOLLOW_UP_DAYS_RANGE[0], FOLLOW_UP_DAYS_RANGE[-1]
    return f"Enter a whole number of days from {low} to {high}."


SNOOZE_DAYS = 2
_AWAITING_REPLY = frozenset({Status.CONTACTED, Status.FOLLOWED_UP})


class NextAction(StrEnum):
    FOLLOW_UP = "follow_up"  # at due_at, remind the owner to send a follow-up
    CLOSE = "close"  # at due_at, still no reply after the last follow-up: no_response
    NONE = "none"  # nothing to schedule: not waiting for a reply


@dataclass(frozen=True)
class NextStep:
    action: NextAction
    due_at: datetime | None = None


def closing_status(action: NextAction) -> Status | None:
    """The status a due step of `action` sets before its reminder goes out (None: none)."""
    return Status.NO_RESPONSE if action is NextAction.CLOSE else None


def add_business_days(start: datetime, days: int = FOLLOW_UP_AFTER_DAYS) -> datetime:
    """`start` moved on by `days` weekdays; from a weekend, Monday is the first."""
    if days < 0:
        raise ValueError(f"days must be 0 or more, not {days}")
    result = start
    while days:
        result += timedelta(days=1)
        if result.weekday() < 5:
            days -= 1
    return result


def next_step(
    status: Status | str,
    follow_ups_sent: int,
    last_sent_at: datetime,
    days: int = FOLLOW_UP_AFTER_DAYS,
) -> NextStep:
    """What happens after the last email (first or follow-up) sent at `last_sent_at`.

    Up to MAX_FOLLOW_UPS follow-ups are reminded, `days` business days apart (a workspace
    setting); the same wait after the last one ends the outreach as no_response.
    """
    if parse_status(status) not in _AWAITING_REPLY:
        return NextStep(NextAction.NONE)
    due_at = add_business_days(last_sent_at, days)
    if follow_ups_sent < MAX_FOLLOW_UPS:
        return NextStep(NextAction.FOLLOW_UP, due_at)
    return NextStep(NextAction.CLOSE, due_at)


def snooze_until(now: datetime) -> datetime:
    """When a snoozed reminder comes back: SNOOZE_DAYS business days later."""
    return add_business_days(now, SNOOZE_DAYS)
