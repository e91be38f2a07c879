"""The reminder tick: claims due follow-up reminders and hands each to a delivery function once.

A tick claims small batches on short leases, renewed from a background thread while it
works, until nothing is due. A failed delivery waits its own backoff (so it never holds
up reminders due after it) and is given up after a bounded number of tries.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.outreach.followups import NextAction
from bot.outreach.pipeline import Status
from bot.store.clock import Clock, utc_now
from bot.store.outreach import (
    CLAIM_BATCH,
    LEASE,
    Reminder,
    claim_due,
    finish,
    give_up,
    renew_leases,
    retry_later,
)
from bot.store.pipeline import Move, move

log = logging.getLogger(__name__)

TICK_SECONDS = 60
Deliver = Callable[[Reminder], None]


class DeliveryFailed(Exception):
    """What a delivery function raises: a short reason (no secrets) and whether to keep trying.

    Permanent failures (the owner left, the workspace uninstalled Gapbot) will not mend
    by themselves, so they get fewer tries than transient ones (Slack down, a timeout).
    """

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, and how many tries before a reminder is given up."""

    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=1)
    permanent_tries: int = 3
    transient_tries: int = 8

    def gives_up(self, attempts: int, permanent: bool) -> bool:
        return attempts >= (self.permanent_tries if permanent else self.transient_tries)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try; jitter spreads a burst of failures."""
        base = min(self.max_delay, self.first_delay * 2 ** (attempts - 1))
        return base * random.uniform(0.75, 1.25)


DEFAULT_RETRY = RetryPolicy()


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
        lease: timedelta = LEASE,
        renew_seconds: float | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        batch: int = CLAIM_BATCH,
    ) -> None:
        self.engine = engine
        self.deliver = deliver
        self.worker = worker or worker_name()
        self.clock = clock
        self.lease = lease
        # Three renewals per lease: one lost to a busy database does not lose the claim.
        self.renew_seconds = renew_seconds or lease.total_seconds() / 3
        self.retry = retry
        self.batch = batch

    def __call__(self) -> int:
        """Run one tick; returns how many reminders were delivered."""
        delivered = 0
        with self._renewing():
            while True:
                with Session(self.engine) as session:
                    due = claim_due(
                        session, self.worker, self.clock(), lease=self.lease, limit=self.batch
                    )
                    session.expunge_all()
                if not due:
                    return delivered
                for reminder in due:
                    delivered += self._handle(reminder)

    def _handle(self, reminder: Reminder) -> int:
        assert reminder.id is not None
        try:
            if reminder.action == NextAction.CLOSE:
                self._close(reminder)
            self.deliver(reminder)
        except DeliveryFailed as failure:
            self._failed(reminder, failure.reason, failure.permanent)
            return 0
        except Exception as error:
            log.exception("reminder %s could not be delivered", reminder.id)
            self._failed(reminder, type(error).__name__, permanent=False)
            return 0
        with Session(self.engine) as session:
            if not finish(session, reminder.id, self.worker, self.clock()):
                # Its lease ran out meanwhile; the new holder finds the DM's key and stops there.
                log.warning("reminder %s was taken over while it was delivered", reminder.id)
        return 1

    def _failed(self, reminder: Reminder, reason: str, permanent: bool) -> None:
        rid, tries, now = reminder.id, reminder.attempts, self.clock()
        assert rid is not None
        with Session(self.engine) as session:
            if self.retry.gives_up(tries, permanent):
                log.warning("reminder %s given up after %s tries: %s", rid, tries, reason)
                give_up(session, rid, self.worker, now, reason)
            else:
                at = now + self.retry.delay(tries)
                log.info("reminder %s failed (%s); next try at %s", rid, reason, at)
                retry_later(session, rid, self.worker, at, reason)

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

    @contextmanager
    def _renewing(self) -> Iterator[None]:
        """Keep this worker's claims leased for as long as the tick runs, and no longer."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.renew_seconds):
                try:
                    with Session(self.engine) as session:
                        renew_leases(session, self.worker, self.clock(), self.lease)
                except Exception:
                    log.exception("could not renew the reminder leases of %s", self.worker)

        renewer = threading.Thread(target=renew, name="gapbot-reminder-lease", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            done.set()
            renewer.join()


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
