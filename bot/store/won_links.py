"""Won links that stay won: the page that links to the site, and its scheduled checks.

One row per won (team, site, referring domain): a claimable job (bot.store.claims)
due at its next check, with the last check's verdict and evidence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select, update

from bot.outreach.link_checks import MAX_URL
from bot.store.claims import Claimable, ClaimState, unclaimed
from bot.store.columns import of_domain, utc_time

# A row in these states is being checked (the others ended: stopped or given up).
_CHECKING = frozenset({ClaimState.PENDING, ClaimState.CLAIMED})


class NewWonLink(SQLModel):
    """A won domain's linking page, as its owner gave it."""

    team_id: str = Field(index=True, max_length=32)
    site: str = Field(max_length=255)
    refdomain: str = Field(max_length=255)
    url: str = Field(max_length=MAX_URL)
    owner_id: str = Field(max_length=32)


class WonLink(Claimable, NewWonLink, table=True):
    __tablename__ = "won_link"
    __table_args__ = (
        UniqueConstraint("team_id", "site", "refdomain"),
        Index("ix_won_link_due", "state", "due_at"),
    )

    created_at: datetime = utc_time(nullable=False)
    # The last check: its verdict (bot.verify.Verdict), when, and its SPEC 4.2 JSON.
    last_verdict: str | None = Field(default=None, max_length=16)
    last_checked_at: datetime | None = utc_time(nullable=True)
    last_evidence: str | None = None
    # Consecutive failed checks, and the first of them (a loss needs two, a day apart).
    failed_checks: int = 0
    failing_since: datetime | None = utc_time(nullable=True)


def track(session: Session, link: NewWonLink, now: datetime) -> int | None:
    """Check `link.url` from now on: a new row, or the domain's row with this URL, due now.

    Returns the row's id, or None when nothing changed: the same page is already being
    checked (a double submit), or another writer stored the domain's page meanwhile. The
    caller's session must not hold other pending work: a lost race rolls it back.
    """
    current = _row(session, link.team_id, link.site, link.refdomain)
    if current is None:
        return _insert(session, link, now)
    if current.url == link.url and current.state in _CHECKING:
        return None
    fresh = unclaimed(now) | {
        "url": link.url,
        "owner_id": link.owner_id,
        "created_at": now,
        "claimed_at": None,
        "done_at": None,
        "last_verdict": None,
        "last_checked_at": None,
        "last_evidence": None,
        "failed_checks": 0,
        "failing_since": None,
    }
    # Compare-and-set: of two writers replacing one row, one wins.
    changed = session.execute(
        update(WonLink)
        .where(
            col(WonLink.id) == current.id,
            col(WonLink.url) == current.url,
            col(WonLink.state) == current.state,
        )
        .values(**fresh)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return current.id if changed.rowcount == 1 else None  # type: ignore[attr-defined]


def _insert(session: Session, link: NewWonLink, now: datetime) -> int | None:
    row = WonLink.model_validate(link, update={"created_at": now, "due_at": now})
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None  # a concurrent submit stored the domain's page first
    return row.id


def untrack(session: Session, team_id: str, site: str, refdomain: str) -> bool:
    """Stop checking the domain's page (won without one); False if none was checked."""
    removed = session.execute(
        delete(WonLink)
        .where(of_domain(WonLink, team_id, site, refdomain))
        .execution_options(synchronize_session=False)
    )
    return bool(removed.rowcount)  # type: ignore[attr-defined]


def link_by_id(session: Session, team_id: str, link_id: int) -> WonLink | None:
    """A won link of this workspace only: an id from another workspace finds nothing."""
    return session.exec(
        select(WonLink).where(WonLink.id == link_id, WonLink.team_id == team_id)
    ).first()


def check_sooner(session: Session, team_id: str, link_id: int, now: datetime) -> bool:
    """Make the link due now (unless a check of it is under way); False if it was not."""
    changed = session.execute(
        update(WonLink)
        .where(
            col(WonLink.id) == link_id,
            col(WonLink.team_id) == team_id,
            col(WonLink.state) == ClaimState.PENDING,
        )
        .values(due_at=now, retry_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(changed.rowcount)  # type: ignore[attr-defined]


def tracked_url(session: Session, team_id: str, site: str, refdomain: str) -> str | None:
    """The page last given for the domain, if any (checked now or before it was reopened)."""
    row = _row(session, team_id, site, refdomain)
    return row.url if row else None


def _row(session: Session, team_id: str, site: str, refdomain: str) -> WonLink | None:
    return session.exec(select(WonLink).where(of_domain(WonLink, team_id, site, refdomain))).first()
