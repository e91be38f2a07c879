"""Follow-up reminders falling due: the last one closes the outreach as no_response, each
is delivered once (by the Slack DM that `deliver` sends)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from bot.outreach.followups import NextAction, closing_status
from bot.outreach.moves import Status
from bot.scheduler import ClaimTick
from bot.store.db import session_scope
from bot.store.pipeline import Move, move
from bot.store.reminders import Reminder

# Sends one due reminder (bot.slack.reminders.delivery); raises DeliveryFailed if it cannot.
Deliver = Callable[[Reminder], None]


class ReminderTick(ClaimTick[Reminder]):
    """Due follow-up reminders: close what has run out of follow-ups, deliver the rest."""

    def __init__(self, engine: Engine, deliver: Deliver, **options: Any) -> None:
        super().__init__(engine, Reminder, self._remind, **options)
        self.deliver = deliver

    def _remind(self, reminder: Reminder) -> None:
        closing = closing_status(NextAction(reminder.action))
        if closing is not None:
            self._close(reminder, closing)
        self.deliver(reminder)

    def _close(self, reminder: Reminder, status: Status) -> None:
        """No reply after the last follow-up: the outreach ends (as no_response)."""
        request = Move(
            reminder.team_id, reminder.site, reminder.refdomain, status, reminder.owner_id
        )
        with session_scope(self.engine) as session:
            move(session, request)
