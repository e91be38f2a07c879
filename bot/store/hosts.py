"""Politeness shared by every process: one request at a time per host, spaced.

The fetcher's own gate (bot.fetch.HostGate) spaces one process's requests; several
serving processes checking won links at once need the same rule between them. A turn
is taken with one atomic upsert in the app database: the host's row is held for the
request (a lease, so that a process that dies mid-request lets go of it) and, when the
request ends, freed from `spacing` seconds later. Waiting happens outside any
transaction.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import and_, case, literal, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, col

from bot.config import Settings
from bot.fetch import HOST_SPACING, Fetcher, FetchPolicy, HostGate

# How long a turn is held at most: longer than any request may take (bot.fetch's
# deadline), so that only a dead process's turn ever runs out.
HOLD = 60.0
# How often a host held by another process is asked again.
POLL = 0.05


class HostSlot(SQLModel, table=True):
    __tablename__ = "host_slot"

    host: str = Field(primary_key=True, max_length=255)
    # Wall-clock seconds (every process reads the same clock): when the host may be sent
    # its next request, and until when a request now under way holds it (None: none).
    free_at: float
    held_until: float | None = None
    held_by: str | None = Field(default=None, max_length=32)  # the turn under way


class SharedHostGate:
    """bot.fetch's gate across processes: one request at a time per host, `spacing`
    seconds from the end of one to the start of the next, whichever process sends them.
    `clock` and `sleep` are injectable for tests."""

    def __init__(
        self,
        engine: Engine,
        spacing: float | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        # Read when the gate is made, so that a test may shorten it for a whole app.
        self.spacing = HOST_SPACING if spacing is None else spacing
        self._clock = clock
        self._sleep = sleep
        # This process's threads queue here first: one of them at a time asks the database.
        self._local = HostGate(0.0, clock=clock, sleep=sleep)

    @contextmanager
    def turn(self, host: str, spacing: float | None = None) -> Iterator[None]:
        gap = max(self.spacing, spacing or 0.0)
        token = uuid.uuid4().hex
        with self._local.turn(host):
            while (wait := self.take(host, self._clock(), token)) > 0:
                self._sleep(wait)
            try:
                yield
            finally:
                self.release(host, token, self._clock() + gap)

    def take(self, host: str, now: float, token: str) -> float:
        """Hold the host for the turn `token` if it is free at `now`: 0. Otherwise, how long
        to wait."""
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        free_at, held_until = col(HostSlot.free_at), col(HostSlot.held_until)
        held_by = col(HostSlot.held_by)
        hold = now + HOLD
        free = and_(free_at <= now, or_(held_until.is_(None), held_until < now))
        statement = (
            insert(HostSlot)
            .values(host=host, free_at=now, held_until=hold, held_by=token)
            .on_conflict_do_update(
                index_elements=["host"],
                set_={
                    "held_until": case((free, literal(hold)), else_=held_until),
                    "held_by": case((free, literal(token)), else_=held_by),
                },
            )
            .returning(free_at, held_until, held_by)
        )
        with self.engine.begin() as connection:
            row = connection.execute(statement).one()
        if row.held_by == token:
            return 0.0
        if row.held_until is not None and row.held_until >= now:
            return POLL  # another request is under way
        return max(float(row.free_at) - now, POLL)

    def release(self, host: str, token: str, free_at: float) -> None:
        """The turn `token` is over: the host is free again from `free_at`. A turn that ran
        past its lease, and was taken over meanwhile, frees nothing."""
        with self.engine.begin() as connection:
            connection.execute(
                update(HostSlot)
                .where(col(HostSlot.host) == host, col(HostSlot.held_by) == token)
                .values(held_until=None, held_by=None, free_at=free_at)
            )


def shared_fetcher(settings: Settings, engine: Engine) -> Fetcher:
    """A fetcher whose requests to a host are spaced across every process that shares the
    app database (the checks of won links, the contact lookups)."""
    return Fetcher(FetchPolicy.from_settings(settings), gate=SharedHostGate(engine))
