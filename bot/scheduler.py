"""The reminder tick: claims due follow-up reminders and hands each to a delivery function once."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.outreach.followups import NextAction
from bot.outreach.pipeline import Status
from bot.store.clock import Clock, utc_now
from bot.store.outreach import Reminder, claim_due, finish, release
from bot.store.pipeline import Move, move

log = logging.getLogger(__name__)

TICK_SECONDS = 60
Deliver = Callable[[Reminder], None]


def worker_name() -> str:
    """Unique per process, so a claim says which process holds it."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class ReminderTick:
    """One pass: claim what is due, close what has run out of follow-ups, deliver the rest."""

    def __init__(
        self,
        engine: Engine,
        deliver: Deliver,
        *,
        worker: str | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.engine = engine
        self.deliver = deliver
        self.worker = worker or worker_name()
        self.clock = clock

    def __call__(self) -> int:
        """Run one tick; returns how many reminders were delivered."""
        now = self.clock()
        with Session(self.engine) as session:
            due = claim_due(session, self.worker, now)
            session.expunge_all()
        delivered = 0
        for reminder in due:
            delivered += self._handle(reminder, now)
        return delivered

    def _handle(self, reminder: Reminder, now: datetime) -> int:
        assert reminder.id is not None
        try:
            if reminder.action == NextAction.CLOSE:
                self._close(reminder)
            self.deliver(reminder)
        except Exception:
            log.exception("reminder %s could not be delivered; it will be retried", reminder.id)
            with Session(self.engine) as session:
                release(session, reminder.id, self.worker)
            return 0
        with Session(self.engine) as session:
            finish(session, reminder.id, self.worker, now)
        return 1

    def _close(self, reminder: Reminder) -> None:
        """No reply after the last follow-up: the outreach ends as no_response."""
        with Session(self.engine) as session:
            request = Move(
                reminder.team_id,
                reminder.site,
                reminder.refdomain,
                Status.NO_RESPONSE,
                reminder.owner_id,
            )
            move(session, request)
            session.commit()


def start_scheduler(tick: ReminderTick, seconds: int = TICK_SECONDS) -> BackgroundScheduler:
    """Run `tick` every `seconds` in a background thread (one at a time, missed runs merged)."""
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        tick,
        "interval",
        seconds=seconds,
        id="reminders",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    return scheduler
