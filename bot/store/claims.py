"""Scheduled work as rows: claimed for a short lease, once, however many processes run.

A table of jobs (follow-up reminders, watches, won-link checks) shares the `Claimable`
columns. A worker claims due rows with one atomic UPDATE per workspace (the rows picked
with `FOR UPDATE SKIP LOCKED` on PostgreSQL), renews the lease while it works, and
settles each row: done, due again later, retried after a backoff, or given up. A lease
its holder stops renewing (the process died) runs out, and the row is claimed again.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import zip_longest
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Field, Session, SQLModel, col, select, update

from bot.store.clock import as_utc
from bot.store.columns import utc_time

# How long a claim holds without being renewed: a dead worker's rows come back after it.
LEASE = timedelta(seconds=90)
# Rows claimed at a time: small, so that several processes share the due rows.
CLAIM_BATCH = 10
MAX_ERROR = 200


class ClaimState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"  # given up: every try failed; `last_error` says why


class Claimable(SQLModel):
    """The columns of a claimable job: when it is due, who holds it, how its tries went."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    due_at: datetime = utc_time(nullable=False)
    state: str = Field(default=ClaimState.PENDING, max_length=16)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = utc_time(nullable=True)
    done_at: datetime | None = utc_time(nullable=True)
    # Tries so far (each claim is one), the lease of the current claim, when a failed try
    # may be retried, and the first claim (work may have gone out since then).
    attempts: int = 0
    lease_until: datetime | None = utc_time(nullable=True)
    retry_at: datetime | None = utc_time(nullable=True)
    first_claimed_at: datetime | None = utc_time(nullable=True)
    last_error: str | None = Field(default=None, max_length=MAX_ERROR)


Job = TypeVar("Job", bound=Claimable)


def claim_due(
    session: Session,
    model: type[Job],
    worker: str,
    now: datetime,
    *,
    lease: timedelta = LEASE,
    limit: int = CLAIM_BATCH,
    only: ColumnElement[bool] | None = None,
) -> list[Job]:
    """Claim up to `limit` due rows of `model` for `worker` until `now + lease`.

    Every workspace with due rows gets an equal share, in a random order, and the
    claimed rows come back interleaved by workspace: one workspace's pile of due (or
    failing) rows never keeps another's waiting behind it. `only` narrows the rows
    that may be claimed (a paused watch is never due).
    """
    claimable = _claimable(model, now)
    if only is not None:
        claimable = claimable & only
    teams = list(session.exec(select(model.team_id).where(claimable).distinct()).all())
    random.shuffle(teams)
    claimed: list[int] = []
    # Equal shares; what a workspace with fewer due rows leaves goes to the others.
    still_due = teams
    while still_due and len(claimed) < limit:
        share = -(-(limit - len(claimed)) // len(still_due))
        more_due = []
        for team_id in still_due:
            wanted = min(share, limit - len(claimed))
            if wanted == 0:
                break
            got = _claim(session, model, team_id, claimable, worker, now, lease, wanted)
            claimed += got
            if len(got) == wanted:
                more_due.append(team_id)
        still_due = more_due
    session.commit()
    rows = session.exec(select(model).where(col(model.id).in_(claimed))).all()
    by_team: dict[str, list[Job]] = {team_id: [] for team_id in teams}
    for row in sorted(rows, key=_queue_position):
        by_team[row.team_id].append(row)
    rounds = zip_longest(*by_team.values())
    return [row for one_round in rounds for row in one_round if row is not None]


def _claimable(model: type[Claimable], now: datetime) -> ColumnElement[bool]:
    """Due and not backing off after a failed try, or held by a lease that has run out."""
    pending = (
        (col(model.state) == ClaimState.PENDING)
        & (col(model.due_at) <= now)
        & or_(col(model.retry_at).is_(None), col(model.retry_at) <= now)
    )
    expired = (col(model.state) == ClaimState.CLAIMED) & (col(model.lease_until) < now)
    return or_(pending, expired)


def _queue_position(row: Claimable) -> tuple[datetime, int]:
    return as_utc(row.retry_at or row.due_at), row.id or 0


def _claim(
    session: Session,
    model: type[Claimable],
    team_id: str,
    claimable: ColumnElement[bool],
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[int]:
    """One atomic UPDATE: the workspace's next `limit` claimable rows become `worker`'s.

    On SQLite the statement holds the write lock, so a concurrent worker's statement
    takes the rows after these; PostgreSQL's SKIP LOCKED lets it pass over them at once.
    """
    pick = (
        select(model.id)
        .where(model.team_id == team_id, claimable)
        .order_by(func.coalesce(model.retry_at, model.due_at), col(model.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    # A CTE: PostgreSQL runs it once, where a subquery with LIMIT may be re-run per row.
    picked = pick.cte("picked")
    result = session.execute(
        update(model)
        # Tested again in the UPDATE: PostgreSQL re-checks it on a row claimed meanwhile.
        .where(col(model.id).in_(sa_select(picked.c.id)), claimable)
        .values(
            state=ClaimState.CLAIMED,
            claimed_by=worker,
            claimed_at=now,
            lease_until=now + lease,
            attempts=col(model.attempts) + 1,
            first_claimed_at=func.coalesce(model.first_claimed_at, now),
        )
        .returning(col(model.id))
        .execution_options(synchronize_session=False)
    )
    return [int(row_id) for row_id in result.scalars()]


def renew_leases(
    session: Session, model: type[Claimable], worker: str, now: datetime, lease: timedelta = LEASE
) -> int:
    """`worker` is alive and still busy with its claims: they hold until `now + lease`."""
    result = session.execute(
        update(model)
        .where(col(model.state) == ClaimState.CLAIMED, col(model.claimed_by) == worker)
        .values(lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def finish(
    session: Session, model: type[Claimable], row_id: int, worker: str, now: datetime
) -> bool:
    """A one-off job is done; False if another worker has taken it over."""
    return _settle(session, model, row_id, worker, state=ClaimState.DONE, done_at=now)


def due_again(
    session: Session,
    model: type[Claimable],
    row_id: int,
    worker: str,
    at: datetime,
    **values: Any,
) -> bool:
    """A recurring job ran: it is due again at `at`, with a fresh count of tries (`values`
    may keep a `last_error`: a job given up moves on to its next run, saying why)."""
    return _settle(session, model, row_id, worker, **(unclaimed(at) | values))


def unclaimed(due_at: datetime) -> dict[str, Any]:
    """The claim columns of a job due at `due_at`, held by no one, with no tries yet."""
    return {
        "state": ClaimState.PENDING,
        "due_at": due_at,
        "claimed_by": None,
        "lease_until": None,
        "retry_at": None,
        "attempts": 0,
        "first_claimed_at": None,
        "last_error": None,
    }


def retry_later(
    session: Session, model: type[Claimable], row_id: int, worker: str, at: datetime, error: str
) -> bool:
    """A try failed: the row waits until `at`, behind every row due before it."""
    return _failed(
        session,
        model,
        row_id,
        worker,
        error,
        state=ClaimState.PENDING,
        claimed_by=None,
        retry_at=at,
    )


def give_up(
    session: Session, model: type[Claimable], row_id: int, worker: str, now: datetime, error: str
) -> bool:
    """No more tries: the row is failed, with the last error, for people to see."""
    return _failed(session, model, row_id, worker, error, state=ClaimState.FAILED, done_at=now)


def _failed(
    session: Session, model: type[Claimable], row_id: int, worker: str, error: str, **values: Any
) -> bool:
    """End `worker`'s failed try with `values`, keeping (the start of) its error."""
    return _settle(
        session, model, row_id, worker, lease_until=None, last_error=error[:MAX_ERROR], **values
    )


def _settle(
    session: Session, model: type[Claimable], row_id: int, worker: str, **values: Any
) -> bool:
    """End `worker`'s claim with `values`, unless another worker has taken the row over."""
    result = session.execute(
        update(model)
        .where(
            col(model.id) == row_id,
            col(model.state) == ClaimState.CLAIMED,
            col(model.claimed_by) == worker,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
