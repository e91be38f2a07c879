"""The ticks that run scheduled jobs (reminders, watches, won-link checks: each a ClaimTick
in bot/services/), each job once.

A tick claims small batches on short leases (bot.store.claims), renewed from a
background thread while it works, until nothing is due. A failed run waits its own
backoff (so it never holds up jobs due after it) and is given up after a bounded
number of tries.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import ColumnElement
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.store import claims
from bot.store.claims import CLAIM_BATCH, LEASE, Job
from bot.store.clock import Clock, utc_now

log = logging.getLogger(__name__)

TICK_SECONDS = 60


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
    """Exponential backoff with jitter, and how many tries before a job is given up."""

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


@dataclass(frozen=True)
class DueAgain:
    """What a recurring job's run returns: when it is next due, and columns to store."""

    at: datetime
    values: Mapping[str, Any] = field(default_factory=dict)


# A job's run: None when a one-off job is done, DueAgain for a recurring one.
Run = Callable[[Job], DueAgain | None]


class ClaimTick(Generic[Job]):
    """One pass over a table of jobs: claim what is due, run each, settle it."""

    def __init__(
        self,
        engine: Engine,
        model: type[Job],
        run: Run[Job],
        *,
        worker: str | None = None,
        clock: Clock = utc_now,
        lease: timedelta = LEASE,
        renew_seconds: float | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        batch: int = CLAIM_BATCH,
        gave_up: Callable[[Job], DueAgain | None] = lambda _row: None,
        only: ColumnElement[bool] | None = None,
        parallel: int = 1,
    ) -> None:
        self.engine = engine
        self.model = model
        self.run = run
        self.worker = worker or worker_name()
        self.clock = clock
        self.lease = lease
        # Three renewals per lease: one lost to a busy database does not lose the claim.
        self.renew_seconds = renew_seconds or lease.total_seconds() / 3
        self.retry = retry
        self.batch = batch
        # Where a job goes when it is given up: None leaves it failed, for people to see.
        self.gave_up = gave_up
        self.only = only
        # Jobs of one batch run at once: a job that waits (on a host's politeness slot, on
        # a slow page) does not hold up the others.
        self.parallel = parallel

    @property
    def kind(self) -> str:
        return str(self.model.__tablename__)

    def __call__(self) -> int:
        """Run one tick; returns how many jobs ran to the end."""
        with self._renewing():
            return self._side_by_side()

    def _side_by_side(self) -> int:
        """Up to `parallel` jobs at once, claiming more as soon as one ends: a job that
        waits holds up no batch."""
        ran, running = 0, set[Future[int]]()
        with ThreadPoolExecutor(self.parallel, f"gapbot-{self.kind}") as pool:
            while True:
                due = self._claim() if len(running) < self.parallel else []
                running |= {pool.submit(self._handle, row) for row in due}
                if not running:
                    return ran
                ended, running = wait(running, return_when=FIRST_COMPLETED)
                ran += sum(future.result() for future in ended)

    def _claim(self) -> list[Job]:
        with Session(self.engine) as session:
            due = claims.claim_due(
                session,
                self.model,
                self.worker,
                self.clock(),
                lease=self.lease,
                limit=self.batch,
                only=self.only,
            )
            session.expunge_all()
        return due

    def _handle(self, row: Job) -> int:
        assert row.id is not None
        try:
            outcome = self.run(row)
        except DeliveryFailed as failure:
            self._failed(row, failure.reason, failure.permanent)
            return 0
        except Exception as error:
            log.exception("%s %s failed", self.kind, row.id)
            self._failed(row, type(error).__name__, permanent=False)
            return 0
        with Session(self.engine) as session:
            if not self._settle(session, row, outcome):
                # Its lease ran out meanwhile; the new holder finds what this run left.
                log.warning("%s %s was taken over while it ran", self.kind, row.id)
        return 1

    def _settle(self, session: Session, row: Job, outcome: DueAgain | None) -> bool:
        assert row.id is not None
        if outcome is None:
            return claims.finish(session, self.model, row.id, self.worker, self.clock())
        return claims.due_again(
            session, self.model, row.id, self.worker, outcome.at, **outcome.values
        )

    def _failed(self, row: Job, reason: str, permanent: bool) -> None:
        row_id, tries, now = row.id, row.attempts, self.clock()
        assert row_id is not None
        with Session(self.engine) as session:
            if not self.retry.gives_up(tries, permanent):
                at = now + self.retry.delay(tries)
                log.info("%s %s failed (%s); next try at %s", self.kind, row_id, reason, at)
                claims.retry_later(session, self.model, row_id, self.worker, at, reason)
                return
            log.warning("%s %s given up after %s tries: %s", self.kind, row_id, tries, reason)
            later = self.gave_up(row)
            if later is None:
                claims.give_up(session, self.model, row_id, self.worker, now, reason)
            else:
                values = {**later.values, "last_error": reason[: claims.MAX_ERROR]}
                claims.due_again(session, self.model, row_id, self.worker, later.at, **values)

    @contextmanager
    def _renewing(self) -> Iterator[None]:
        """Keep this worker's claims leased for as long as the tick runs, and no longer."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.renew_seconds):
                try:
                    with Session(self.engine) as session:
                        claims.renew_leases(
                            session, self.model, self.worker, self.clock(), self.lease
                        )
                except Exception:
                    log.exception("could not renew the %s leases of %s", self.kind, self.worker)

        renewer = threading.Thread(target=renew, name=f"gapbot-{self.kind}-lease", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            done.set()
            renewer.join()


def start_scheduler(*ticks: ClaimTick[Any], seconds: int = TICK_SECONDS) -> BackgroundScheduler:
    """Run each tick every `seconds` in a background thread (one at a time per kind of job,
    missed runs merged)."""
    scheduler = BackgroundScheduler(timezone=UTC)
    for tick in ticks:
        scheduler.add_job(
            tick,
            "interval",
            seconds=seconds,
            id=tick.kind,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
    scheduler.start()
    return scheduler
