"""Signed Slack requests already served, kept for Slack's 5-minute window to refuse replays."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import BigInteger, bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, col

from bot.store.db import session_scope

# Slack (and Bolt's check) refuse a request signed more than 5 minutes from now, so a
# signature needs remembering only that long; a minute more covers clock skew between
# the processes that share the table.
WINDOW_SECONDS = 5 * 60
KEEP_SECONDS = WINDOW_SECONDS + 60
PURGE_EVERY_SECONDS = 60


class SeenRequest(SQLModel, table=True):
    """One signed request served: its signature and the timestamp it was signed with."""

    __tablename__ = "seen_request"

    # `v0=` and a hex HMAC-SHA256: only signatures Bolt has verified are stored.
    signature: str = Field(primary_key=True, max_length=80)
    signed_at: int = Field(sa_type=BigInteger, index=True)


class SeenRequests:
    """Records each signature once, atomically across processes (the primary key decides)."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock
        self._lock = threading.Lock()
        self._next_purge = 0.0
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        # Built once: this runs before every ack, so it is kept to one round trip.
        self._record = (
            insert(SeenRequest)
            .values(signature=bindparam("signature"), signed_at=bindparam("signed_at"))
            .on_conflict_do_nothing(index_elements=["signature"])
            .returning(col(SeenRequest.signature))
        )

    def first_time(self, signature: str, signed_at: int) -> bool:
        """Record the signature; False if it was recorded before (the request is a replay)."""
        self._purge_if_due()
        with self.engine.begin() as connection:
            # A row comes back only if this insert made it (rowcount is not reliable here).
            found = connection.execute(
                self._record, {"signature": signature, "signed_at": signed_at}
            )
            inserted = found.first()
        return inserted is not None

    def _purge_if_due(self) -> None:
        """At most once a minute per process, drop what Slack's window no longer lets through."""
        now = self.clock()
        with self._lock:
            if now < self._next_purge:
                return
            self._next_purge = now + PURGE_EVERY_SECONDS
        cutoff = int(now) - KEEP_SECONDS
        with session_scope(self.engine) as session:
            session.connection().execute(
                delete(SeenRequest).where(col(SeenRequest.signed_at) < cutoff)
            )
