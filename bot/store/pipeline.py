"""The outreach pipeline: one status per (team, site, referring domain), and its event log.

Writes are idempotent: asking for the status a domain already has (a double
click, a retried request) changes nothing and logs nothing. Concurrent writers
are serialised by the unique key and a compare-and-set update, so two clicks
racing each other produce one change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import UniqueConstraint, func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Field, Session, SQLModel, col, select, update

from bot.outreach.moves import PipelineError, Status, check_move, owned_by_another, owner_after
from bot.outreach.report import StatusSeries
from bot.store.clock import as_utc, utc_now
from bot.store.columns import READ_ONLY, of_domain

# Writers racing for one domain: a move tries this often before it gives up as too busy.
MOVE_ATTEMPTS = 5


class _Standing(SQLModel):
    """Where one referring domain stands for one site, and whose it is."""

    site: str = Field(max_length=255)
    refdomain: str = Field(max_length=255)
    status: str = Field(max_length=32)
    owner_id: str | None = Field(default=None, max_length=32)
    updated_at: datetime = Field(default_factory=utc_now)


class PipelineEntry(_Standing, table=True):
    __tablename__ = "pipeline_entry"
    __table_args__ = (UniqueConstraint("team_id", "site", "refdomain"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)


class PipelineEvent(SQLModel, table=True):
    __tablename__ = "pipeline_event"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    site: str = Field(max_length=255)
    refdomain: str = Field(max_length=255)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    at: datetime = Field(default_factory=utc_now)


class PipelineMark(_Standing):
    """A pipeline entry, read-only."""

    model_config = READ_ONLY

    status: Status


class MoveOutcome(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"  # it already had that status (double click, retry)
    OWNED = "owned"  # someone else owns the domain; `mark.owner_id` says who
    REFUSED = "refused"  # the pipeline does not allow that move


@dataclass(frozen=True)
class MoveResult:
    outcome: MoveOutcome
    mark: PipelineMark | None
    reason: str | None = None


@dataclass(frozen=True)
class Move:
    team_id: str
    site: str
    refdomain: str
    status: Status
    user_id: str


def move(session: Session, request: Move) -> MoveResult:
    """Move a domain to `request.status` for `request.user_id`, at most once.

    The caller's session must not hold other pending work: a lost race rolls it back
    and tries again from the new state.
    """
    for _ in range(MOVE_ATTEMPTS):
        current = _entry(session, request)
        result = _decide(current, request)
        if result is not None:
            return result
        if _write(session, current, request):
            mark = _entry(session, request)
            assert mark is not None
            return MoveResult(MoveOutcome.CHANGED, _mark(mark))
        session.rollback()
    raise RuntimeError(f"could not update the pipeline for {request.refdomain}: too busy")


def _decide(current: PipelineEntry | None, request: Move) -> MoveResult | None:
    """The answer when nothing should be written; None when the move goes ahead."""
    status = Status(current.status) if current else Status.NEW
    mark = _mark(current) if current else None
    if current and owned_by_another(status, current.owner_id, request.user_id):
        return MoveResult(MoveOutcome.OWNED, mark)
    if current and status == request.status:
        return MoveResult(MoveOutcome.UNCHANGED, mark)
    try:
        check_move(status, request.status)
    except PipelineError as error:
        return MoveResult(MoveOutcome.REFUSED, mark, str(error))
    return None


def _write(session: Session, current: PipelineEntry | None, request: Move) -> bool:
    """Insert or compare-and-set the entry and log the event; False if another writer won."""
    owner = owner_after(Status(request.status), request.user_id)
    now = utc_now()
    # Read before the update expires `current` (a read after it would give the new status).
    before = current.status if current else None
    try:
        if current is None:
            session.add(
                PipelineEntry(
                    team_id=request.team_id,
                    site=request.site,
                    refdomain=request.refdomain,
                    status=request.status,
                    owner_id=owner,
                    updated_at=now,
                )
            )
            session.flush()
        else:
            changed = session.execute(
                update(PipelineEntry)
                .where(
                    col(PipelineEntry.id) == current.id,
                    col(PipelineEntry.status) == current.status,
                )
                .values(status=request.status, owner_id=owner, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                return False
            session.expire(current)
    except (IntegrityError, OperationalError):
        # A unique-key clash, or SQLite refusing to upgrade a stale read to a write:
        # either way another writer got there first.
        return False
    log_event(session, request, before, now)
    session.flush()
    return True


def log_event(session: Session, request: Move, from_status: str | None, at: datetime) -> None:
    """Add `request` (from `from_status` to its status, by its user) to the event log."""
    session.add(
        PipelineEvent(
            team_id=request.team_id,
            site=request.site,
            refdomain=request.refdomain,
            from_status=from_status,
            to_status=request.status,
            user_id=request.user_id,
            at=at,
        )
    )


def _entry(session: Session, request: Move) -> PipelineEntry | None:
    return session.exec(
        select(PipelineEntry).where(
            of_domain(PipelineEntry, request.team_id, request.site, request.refdomain)
        )
    ).first()


def reassign(session: Session, team_id: str, site: str, refdomain: str, user_id: str) -> bool:
    """Hand an owned domain to `user_id` ("Contact anyway"), logged as an event.

    False if the domain has no owner to take it from, or `user_id` already owns it.
    """
    entry = _entry(session, Move(team_id, site, refdomain, Status.TARGETED, user_id))
    if entry is None or entry.owner_id in (None, user_id):
        return False
    now = utc_now()
    entry.owner_id, entry.updated_at = user_id, now
    session.add(entry)
    kept = Move(team_id, site, refdomain, Status(entry.status), user_id)
    log_event(session, kept, entry.status, now)
    session.flush()
    return True


def marks_for(
    session: Session, team_id: str, site: str, refdomains: Iterable[str] | None = None
) -> dict[str, PipelineMark]:
    """The pipeline marks of a site's referring domains (all of them, or those named)."""
    query = select(PipelineEntry).where(
        PipelineEntry.team_id == team_id, PipelineEntry.site == site
    )
    if refdomains is not None:
        query = query.where(col(PipelineEntry.refdomain).in_(list(refdomains)))
    return {row.refdomain: _mark(row) for row in session.exec(query).all()}


def ignored_domains(session: Session, team_id: str, site: str) -> list[str]:
    """The referring domains the team ignores for `site` (hidden from its results)."""
    return list(
        session.exec(
            select(PipelineEntry.refdomain).where(
                PipelineEntry.team_id == team_id,
                PipelineEntry.site == site,
                PipelineEntry.status == Status.IGNORED,
            )
        ).all()
    )


def counts_by_status(session: Session, team_id: str) -> dict[Status, int]:
    rows = session.exec(
        select(PipelineEntry.status, func.count())
        .where(PipelineEntry.team_id == team_id)
        .group_by(col(PipelineEntry.status))
    ).all()
    return {Status(status): count for status, count in rows}


def _mark(row: PipelineEntry) -> PipelineMark:
    return PipelineMark.model_validate(row)


def status_series(session: Session, team_id: str | None, since: date, until: date) -> StatusSeries:
    """How many domains stood in each status at the end of each day from `since` to
    `until` (of one workspace, or of all), replayed from the event log (a pipeline holds
    thousands of events, not millions). Statuses no domain held in the period are left
    out."""
    query = sa_select(
        col(PipelineEvent.team_id),
        col(PipelineEvent.site),
        col(PipelineEvent.refdomain),
        col(PipelineEvent.to_status),
        col(PipelineEvent.at),
    ).where(col(PipelineEvent.at) < _day_end(until))
    if team_id is not None:
        query = query.where(col(PipelineEvent.team_id) == team_id)
    ordered = query.order_by(col(PipelineEvent.at), col(PipelineEvent.id))
    events = [tuple(row) for row in session.execute(ordered).all()]
    standing: dict[tuple[str, str, str], str] = {}
    days = [since + timedelta(days=n) for n in range((until - since).days + 1)]
    per_day: list[Counter[str]] = []
    position = 0
    for day in days:
        end = _day_end(day)
        while position < len(events) and as_utc(events[position][4]) < end:
            team, site, refdomain, status, _ = events[position]
            standing[(team, site, refdomain)] = status
            position += 1
        per_day.append(Counter(standing.values()))
    held = [status for status in Status if any(counts[status] for counts in per_day)]
    return StatusSeries(
        tuple(days),
        {status.label: tuple(counts[status] for counts in per_day) for status in held},
    )


def _day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
