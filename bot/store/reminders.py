"""Follow-up reminders: the next nudge the follow-up rules ask for, per referring domain.

Reminders are claimable rows (bot.store.claims): each is held by one process at a
time, however many run, and a lease its holder stops renewing comes back.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Select, func
from sqlalchemy import select as sa_select
from sqlmodel import Field, Session, col, select, update

from bot.store.claims import Claimable, ClaimState
from bot.store.columns import of_domain


class Reminder(Claimable, table=True):
    __tablename__ = "outreach_reminder"
    __table_args__ = (Index("ix_reminder_due", "state", "due_at"),)

    site: str = Field(max_length=255)
    refdomain: str = Field(max_length=255)
    owner_id: str = Field(max_length=32)
    action: str = Field(max_length=16)  # NextAction: follow_up or close
    follow_ups_sent: int = 0


def remind(session: Session, reminder: Reminder) -> Reminder:
    """Make `reminder` (a new row) the domain's pending one, replacing any other."""
    cancel_reminders(session, reminder.team_id, reminder.site, reminder.refdomain)
    session.add(reminder)
    session.flush()
    return reminder


def cancel_reminders(session: Session, team_id: str, site: str, refdomain: str) -> int:
    result = session.execute(
        update(Reminder)
        .where(
            of_domain(Reminder, team_id, site, refdomain), col(Reminder.state) == ClaimState.PENDING
        )
        .values(state=ClaimState.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def snooze(session: Session, team_id: str, reminder_id: int, until: datetime) -> Reminder | None:
    """Bring a delivered reminder back at `until` (once: a second click finds it pending)."""
    reminder = reminder_by_id(session, team_id, reminder_id)
    if reminder is None or reminder.state not in (ClaimState.DONE, ClaimState.PENDING):
        return None
    return remind(
        session,
        Reminder(
            team_id=team_id,
            site=reminder.site,
            refdomain=reminder.refdomain,
            owner_id=reminder.owner_id,
            action=reminder.action,
            follow_ups_sent=reminder.follow_ups_sent,
            due_at=until,
        ),
    )


def next_reminder(session: Session, team_id: str, site: str, refdomain: str) -> Reminder | None:
    """The domain's pending reminder, if one is scheduled."""
    return session.exec(
        select(Reminder)
        .where(of_domain(Reminder, team_id, site, refdomain), Reminder.state == ClaimState.PENDING)
        .order_by(col(Reminder.due_at))
    ).first()


def reminder_by_id(session: Session, team_id: str, reminder_id: int) -> Reminder | None:
    return session.exec(
        select(Reminder).where(Reminder.id == reminder_id, Reminder.team_id == team_id)
    ).first()


class Delivery(StrEnum):
    """Where a domain's latest reminder stands, as people are shown it."""

    SCHEDULED = "scheduled"
    SENDING = "sending"
    RETRYING = "retrying"  # a try failed; the next one is at `retry_at`
    FAILED = "failed"  # given up


def delivery_of(reminder: Reminder) -> Delivery | None:
    """None once the reminder was delivered or cancelled."""
    if reminder.state == ClaimState.FAILED:
        return Delivery.FAILED
    if reminder.state == ClaimState.CLAIMED:
        return Delivery.SENDING
    if reminder.state == ClaimState.PENDING:
        return Delivery.RETRYING if reminder.attempts else Delivery.SCHEDULED
    return None


def failed_reminders(session: Session, team_id: str) -> list[Reminder]:
    """The workspace's reminders that were given up, latest first (not those replaced since)."""
    return list(
        session.exec(
            select(Reminder)
            .where(
                Reminder.team_id == team_id,
                Reminder.state == ClaimState.FAILED,
                col(Reminder.id).in_(latest_reminders(team_id)),
            )
            .order_by(col(Reminder.done_at).desc(), col(Reminder.id).desc())
        ).all()
    )


def latest_reminders(team_id: str | None) -> Select[int | None]:
    """The id of each domain's latest reminder that was not cancelled (replaced or answered)."""
    query = sa_select(func.max(Reminder.id)).where(col(Reminder.state) != ClaimState.CANCELLED)
    if team_id is not None:
        query = query.where(col(Reminder.team_id) == team_id)
    return query.group_by(col(Reminder.team_id), col(Reminder.site), col(Reminder.refdomain))
