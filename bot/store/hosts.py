"""Politeness shared by every process: when each host may next be sent a request.

The fetcher's own gate (bot.fetch.HostGate) spaces one process's requests; several
serving processes checking won links at once need the same rule between them. Each
request reserves the host's next free slot with one atomic upsert in the app database,
then waits outside any transaction until its slot comes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import case, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, col

from bot.fetch import HOST_SPACING


class HostSlot(SQLModel, table=True):
    __tablename__ = "host_slot"

    host: str = Field(primary_key=True, max_length=255)
    # Wall-clock seconds (every process reads the same clock) from which it is free again.
    free_at: float


class SharedHostGate:
    """bot.fetch's gate across processes: at most one request per host per `spacing`
    seconds, whichever process sends it. `clock` and `sleep` are injectable for tests."""

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

    def wait(self, host: str, spacing: float | None = None) -> None:
        """Return when `host` may be sent a request; the next one waits `spacing` after it
        (at least the gate's own)."""
        now = self._clock()
        start = self.reserve(host, now, max(self.spacing, spacing or 0.0))
        if start > now:
            self._sleep(start - now)

    def reserve(self, host: str, now: float, spacing: float) -> float:
        """Take the host's next free slot (now, or when the last one's spacing ends) and
        hold the one after it; returns the slot's start."""
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        current = col(HostSlot.free_at)
        start = case((current > now, current), else_=literal(now))
        statement = (
            insert(HostSlot)
            .values(host=host, free_at=now + spacing)
            .on_conflict_do_update(index_elements=["host"], set_={"free_at": start + spacing})
            .returning(current)
        )
        with self.engine.begin() as connection:
            free_at = float(connection.execute(statement).scalar_one())
        return free_at - spacing
