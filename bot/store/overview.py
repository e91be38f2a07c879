"""The outreach pipeline as people are shown it (App Home, `gapbot pipeline`): each domain
with its latest reminder's delivery and its won link's last check."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, select

from bot.store.clock import as_utc
from bot.store.columns import of_domain
from bot.store.pipeline import PipelineEntry, PipelineMark
from bot.store.reminders import Delivery, Reminder, delivery_of, latest_reminders
from bot.store.won_links import WonLink


class PipelineRow(PipelineMark):
    """One domain in the outreach pipeline, with its next reminder if any."""

    team_id: str
    next_due: datetime | None = None
    next_action: str | None = None
    reminder: Delivery | None = None
    reminder_error: str | None = None
    retry_at: datetime | None = None
    # The won link's page and its last check (bot.store.won_links), if one was given.
    link_url: str | None = None
    link_verdict: str | None = None
    link_checked_at: datetime | None = None


def pipeline_rows(session: Session, team_id: str | None) -> list[PipelineRow]:
    """Every pipeline entry (of one workspace, or all), with its reminder and its won
    link's last check; due follow-ups first."""
    entry = (PipelineEntry.team_id, PipelineEntry.site, PipelineEntry.refdomain)
    query = (
        select(PipelineEntry, Reminder, WonLink)
        .join(
            Reminder,
            of_domain(Reminder, *entry) & col(Reminder.id).in_(latest_reminders(team_id)),
            isouter=True,
        )
        .join(WonLink, of_domain(WonLink, *entry), isouter=True)
    )
    if team_id is not None:
        query = query.where(PipelineEntry.team_id == team_id)
    rows = [
        _pipeline_row(entry, reminder, link) for entry, reminder, link in session.exec(query).all()
    ]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(rows, key=lambda row: (row.next_due or far, row.status, row.site, row.refdomain))


def _pipeline_row(
    entry: PipelineEntry, reminder: Reminder | None, link: WonLink | None
) -> PipelineRow:
    delivery = delivery_of(reminder) if reminder is not None else None
    live = reminder if delivery not in (None, Delivery.FAILED) else None
    retrying = reminder if delivery is Delivery.RETRYING else None
    checked = link.last_checked_at if link is not None else None
    known = {
        "updated_at": as_utc(entry.updated_at),
        "next_due": as_utc(live.due_at) if live else None,
        "next_action": live.action if live else None,
        "reminder": delivery,
        "reminder_error": reminder.last_error if reminder and delivery else None,
        "retry_at": as_utc(retrying.retry_at) if retrying and retrying.retry_at else None,
        "link_url": link.url if link else None,
        "link_verdict": link.last_verdict if link else None,
        "link_checked_at": as_utc(checked) if checked else None,
    }
    return PipelineRow.model_validate(entry, update=known)
