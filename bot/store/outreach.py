"""Outreach records: versioned drafts, follow-up reminders, sender and workspace settings.

Reminders are claimable rows (bot.store.claims): each is held by one process at a
time, however many run, and a lease its holder stops renewing comes back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    Index,
    Select,
    UniqueConstraint,
    func,
)
from sqlalchemy import select as sa_select
from sqlmodel import Field, Session, SQLModel, col, select, update

from bot.outreach.drafts import TemplateKind
from bot.outreach.followups import (
    FOLLOW_UP_AFTER_DAYS,
    NextAction,
    follow_up_days_problem,
    next_step,
)
from bot.outreach.moves import Status, follow_up_refusal
from bot.store.claims import Claimable, ClaimState
from bot.store.clock import as_utc
from bot.store.columns import utc_time
from bot.store.pipeline import (
    Move,
    MoveOutcome,
    MoveResult,
    PipelineEntry,
    PipelineEvent,
    marks_for,
    move,
)
from bot.store.won_links import WonLink


class DraftRecord(SQLModel, table=True):
    __tablename__ = "outreach_draft"
    __table_args__ = (UniqueConstraint("team_id", "site", "refdomain", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    site: str = Field(max_length=255)
    refdomain: str = Field(max_length=255)
    version: int
    template: str = Field(max_length=120)
    kind: str = Field(max_length=16)
    subject: str
    body: str
    recipient_email: str = Field(max_length=320)
    author_id: str = Field(max_length=32)
    created_at: datetime = utc_time(nullable=False)
    # What the author wrote for this recipient, so that Edit re-opens the whole form.
    recipient_name: str = Field(default="", max_length=255)
    common_ground: str = ""
    page_note: str = ""
    offer: str = ""
    my_page: str = ""
    sent_at: datetime | None = utc_time(nullable=True)


class Reminder(Claimable, table=True):
    __tablename__ = "outreach_reminder"
    __table_args__ = (Index("ix_reminder_due", "state", "due_at"),)

    site: str = Field(max_length=255)
    refdomain: str = Field(max_length=255)
    owner_id: str = Field(max_length=32)
    action: str = Field(max_length=16)  # NextAction: follow_up or close
    follow_ups_sent: int = 0


class SenderProfile(SQLModel, table=True):
    """Per user: how their emails are signed."""

    __tablename__ = "sender_profile"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    sender_name: str = ""
    signature: str = ""


class WorkspaceSettings(SQLModel, table=True):
    __tablename__ = "workspace_settings"

    team_id: str = Field(primary_key=True, max_length=32)
    follow_up_days: int = FOLLOW_UP_AFTER_DAYS
    # A workspace admin's choice for the workspace's Slack analyses: may they use the live
    # (paid) providers, and how many dollars a day (None: GAPBOT_WORKSPACE_BUDGET_USD).
    paid_sources: bool = True
    daily_budget_usd: float | None = Field(default=None, ge=0)


@dataclass(frozen=True)
class NewDraft:
    team_id: str
    site: str
    refdomain: str
    template: str
    kind: TemplateKind
    subject: str
    body: str
    recipient_email: str
    author_id: str
    recipient_name: str = ""
    common_ground: str = ""
    page_note: str = ""
    offer: str = ""
    my_page: str = ""


# -- drafts ----------------------------------------------------------------------------------


def save_draft(session: Session, draft: NewDraft, now: datetime) -> DraftRecord:
    """Store a new version of the draft for this domain; the first one moves it to drafted."""
    latest = latest_draft(session, draft.team_id, draft.site, draft.refdomain)
    record = DraftRecord(
        team_id=draft.team_id,
        site=draft.site,
        refdomain=draft.refdomain,
        version=(latest.version + 1) if latest else 1,
        template=draft.template,
        kind=draft.kind.value,
        subject=draft.subject,
        body=draft.body,
        recipient_email=draft.recipient_email,
        author_id=draft.author_id,
        created_at=now,
        recipient_name=draft.recipient_name,
        common_ground=draft.common_ground,
        page_note=draft.page_note,
        offer=draft.offer,
        my_page=draft.my_page,
    )
    session.add(record)
    session.flush()
    return record


def latest_draft(session: Session, team_id: str, site: str, refdomain: str) -> DraftRecord | None:
    return session.exec(
        select(DraftRecord)
        .where(
            DraftRecord.team_id == team_id,
            DraftRecord.site == site,
            DraftRecord.refdomain == refdomain,
        )
        .order_by(col(DraftRecord.version).desc())
    ).first()


def draft_by_id(session: Session, team_id: str, draft_id: int) -> DraftRecord | None:
    """A draft of this workspace only: an id from another workspace finds nothing."""
    return session.exec(
        select(DraftRecord).where(DraftRecord.id == draft_id, DraftRecord.team_id == team_id)
    ).first()


def sent_first_emails(session: Session, team_id: str, other_than: str) -> list[str]:
    """Bodies of first emails the workspace sent to other domains (the copy-paste guard)."""
    return list(
        session.exec(
            select(DraftRecord.body).where(
                DraftRecord.team_id == team_id,
                DraftRecord.refdomain != other_than,
                DraftRecord.kind == TemplateKind.FIRST.value,
                col(DraftRecord.sent_at).is_not(None),
            )
        ).all()
    )


def first_subject(session: Session, team_id: str, site: str, refdomain: str) -> str:
    """The subject of the latest first email sent to this domain ("" if none was sent)."""
    subject = session.exec(
        select(DraftRecord.subject)
        .where(
            DraftRecord.team_id == team_id,
            DraftRecord.site == site,
            DraftRecord.refdomain == refdomain,
            DraftRecord.kind == TemplateKind.FIRST.value,
            col(DraftRecord.sent_at).is_not(None),
        )
        .order_by(col(DraftRecord.version).desc())
    ).first()
    return subject or ""


def follow_ups_sent(session: Session, team_id: str, site: str, refdomain: str) -> int:
    count = session.exec(
        select(func.count()).where(
            DraftRecord.team_id == team_id,
            DraftRecord.site == site,
            DraftRecord.refdomain == refdomain,
            DraftRecord.kind == TemplateKind.FOLLOW_UP.value,
            col(DraftRecord.sent_at).is_not(None),
        )
    ).one()
    return int(count)


def mark_sent(
    session: Session, team_id: str, draft_id: int, user_id: str, now: datetime
) -> MoveResult:
    """The owner sent this draft: move the pipeline on and schedule the next reminder.

    Marking a draft that is already sent changes nothing (a double click).
    """
    draft = draft_by_id(session, team_id, draft_id)
    if draft is None:
        return MoveResult(MoveOutcome.REFUSED, None, "that draft does not exist")
    if draft.sent_at is not None:
        marks = marks_for(session, team_id, draft.site, [draft.refdomain])
        return MoveResult(MoveOutcome.UNCHANGED, marks.get(draft.refdomain))
    follow_up = draft.kind == TemplateKind.FOLLOW_UP.value
    sent_before = follow_ups_sent(session, team_id, draft.site, draft.refdomain)
    refusal = follow_up_refusal(draft.refdomain, sent_before) if follow_up else None
    if refusal is not None:
        return MoveResult(MoveOutcome.REFUSED, None, refusal)
    status = Status.FOLLOWED_UP if follow_up else Status.CONTACTED
    site, refdomain = draft.site, draft.refdomain
    result = move(session, Move(team_id, site, refdomain, status, user_id))
    if result.outcome in (MoveOutcome.REFUSED, MoveOutcome.OWNED):
        return result
    if result.outcome is MoveOutcome.UNCHANGED:
        # A second follow-up keeps the status; the log still records it.
        session.add(
            PipelineEvent(
                team_id=team_id,
                site=site,
                refdomain=refdomain,
                from_status=status,
                to_status=status,
                user_id=user_id,
                at=now,
            )
        )
        result = MoveResult(MoveOutcome.CHANGED, result.mark)
    draft = draft_by_id(session, team_id, draft_id)
    assert draft is not None
    draft.sent_at = now
    session.add(draft)
    schedule_next(session, draft, user_id, status, sent_before + follow_up, now)
    return result


# -- reminders -------------------------------------------------------------------------------


def schedule_next(
    session: Session,
    draft: DraftRecord,
    owner_id: str,
    status: Status,
    follow_ups: int,
    sent_at: datetime,
) -> Reminder | None:
    """Replace the domain's pending reminder with the next one the follow-up rules ask for."""
    cancel_reminders(session, draft.team_id, draft.site, draft.refdomain)
    days = follow_up_days(session, draft.team_id)
    step = next_step(status, follow_ups, sent_at, days=days)
    if step.action is NextAction.NONE or step.due_at is None:
        return None
    reminder = Reminder(
        team_id=draft.team_id,
        site=draft.site,
        refdomain=draft.refdomain,
        owner_id=owner_id,
        action=step.action.value,
        follow_ups_sent=follow_ups,
        due_at=step.due_at,
    )
    session.add(reminder)
    session.flush()
    return reminder


def cancel_reminders(session: Session, team_id: str, site: str, refdomain: str) -> int:
    result = session.execute(
        update(Reminder)
        .where(
            col(Reminder.team_id) == team_id,
            col(Reminder.site) == site,
            col(Reminder.refdomain) == refdomain,
            col(Reminder.state) == ClaimState.PENDING,
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
    cancel_reminders(session, team_id, reminder.site, reminder.refdomain)
    again = Reminder(
        team_id=team_id,
        site=reminder.site,
        refdomain=reminder.refdomain,
        owner_id=reminder.owner_id,
        action=reminder.action,
        follow_ups_sent=reminder.follow_ups_sent,
        due_at=until,
    )
    session.add(again)
    session.flush()
    return again


def next_reminder(session: Session, team_id: str, site: str, refdomain: str) -> Reminder | None:
    """The domain's pending reminder, if one is scheduled."""
    return session.exec(
        select(Reminder)
        .where(
            Reminder.team_id == team_id,
            Reminder.site == site,
            Reminder.refdomain == refdomain,
            Reminder.state == ClaimState.PENDING,
        )
        .order_by(col(Reminder.due_at))
    ).first()


def reminder_by_id(session: Session, team_id: str, reminder_id: int) -> Reminder | None:
    return session.exec(
        select(Reminder).where(Reminder.id == reminder_id, Reminder.team_id == team_id)
    ).first()


# -- settings and history ----------------------------------------------------------------------


@dataclass(frozen=True)
class PaidSources:
    """A workspace's rule for the live providers: allowed or not, and its daily budget."""

    allowed: bool
    daily_budget_usd: float | None  # None: the installation's default for a workspace


def paid_sources(session: Session, team_id: str) -> PaidSources:
    settings = session.get(WorkspaceSettings, team_id)
    if settings is None:
        return PaidSources(allowed=True, daily_budget_usd=None)
    return PaidSources(settings.paid_sources, settings.daily_budget_usd)


def set_paid_sources(session: Session, team_id: str, rule: PaidSources) -> None:
    budget = rule.daily_budget_usd
    if budget is not None and not (math.isfinite(budget) and budget >= 0):
        raise ValueError("a daily budget is a number of dollars, 0 or more")
    settings = session.get(WorkspaceSettings, team_id) or WorkspaceSettings(team_id=team_id)
    settings.paid_sources = rule.allowed
    settings.daily_budget_usd = rule.daily_budget_usd
    session.add(settings)


def follow_up_days(session: Session, team_id: str) -> int:
    settings = session.get(WorkspaceSettings, team_id)
    return settings.follow_up_days if settings else FOLLOW_UP_AFTER_DAYS


def set_follow_up_days(session: Session, team_id: str, days: int) -> None:
    problem = follow_up_days_problem(str(days))
    if problem is not None:
        raise ValueError(problem)
    settings = session.get(WorkspaceSettings, team_id) or WorkspaceSettings(team_id=team_id)
    settings.follow_up_days = days
    session.add(settings)


def sender_profile(session: Session, team_id: str, user_id: str) -> SenderProfile:
    found = session.exec(
        select(SenderProfile).where(
            SenderProfile.team_id == team_id, SenderProfile.user_id == user_id
        )
    ).first()
    return found or SenderProfile(team_id=team_id, user_id=user_id)


def save_sender_profile(
    session: Session, team_id: str, user_id: str, sender_name: str, signature: str
) -> None:
    profile = sender_profile(session, team_id, user_id)
    profile.sender_name, profile.signature = sender_name.strip(), signature.strip()
    session.add(profile)


# -- overview ----------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class PipelineRow:
    """One domain in the outreach pipeline, with its next reminder if any."""

    team_id: str
    site: str
    refdomain: str
    status: Status
    owner_id: str | None
    updated_at: datetime
    next_due: datetime | None
    next_action: str | None
    reminder: Delivery | None = None
    reminder_error: str | None = None
    retry_at: datetime | None = None
    # The won link's page and its last check (bot.store.won_links), if one was given.
    link_url: str | None = None
    link_verdict: str | None = None
    link_checked_at: datetime | None = None


def pipeline_rows(session: Session, team_id: str | None = None) -> list[PipelineRow]:
    """Every pipeline entry (of one workspace, or all), with its reminder and its won
    link's last check; due follow-ups first."""
    query = (
        select(PipelineEntry, Reminder, WonLink)
        .join(
            Reminder,
            (col(Reminder.team_id) == PipelineEntry.team_id)
            & (col(Reminder.site) == PipelineEntry.site)
            & (col(Reminder.refdomain) == PipelineEntry.refdomain)
            & col(Reminder.id).in_(_latest_reminders(team_id)),
            isouter=True,
        )
        .join(
            WonLink,
            (col(WonLink.team_id) == PipelineEntry.team_id)
            & (col(WonLink.site) == PipelineEntry.site)
            & (col(WonLink.refdomain) == PipelineEntry.refdomain),
            isouter=True,
        )
    )
    if team_id is not None:
        query = query.where(PipelineEntry.team_id == team_id)
    rows = [
        _pipeline_row(entry, reminder, link) for entry, reminder, link in session.exec(query).all()
    ]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(rows, key=lambda row: (row.next_due or far, row.status, row.site, row.refdomain))


def failed_reminders(session: Session, team_id: str) -> list[Reminder]:
    """The workspace's reminders that were given up, latest first (not those replaced since)."""
    return list(
        session.exec(
            select(Reminder)
            .where(
                Reminder.team_id == team_id,
                Reminder.state == ClaimState.FAILED,
                col(Reminder.id).in_(_latest_reminders(team_id)),
            )
            .order_by(col(Reminder.done_at).desc(), col(Reminder.id).desc())
        ).all()
    )


def _latest_reminders(team_id: str | None) -> Select[int | None]:
    """The id of each domain's latest reminder that was not cancelled (replaced or answered)."""
    query = sa_select(func.max(Reminder.id)).where(col(Reminder.state) != ClaimState.CANCELLED)
    if team_id is not None:
        query = query.where(col(Reminder.team_id) == team_id)
    return query.group_by(col(Reminder.team_id), col(Reminder.site), col(Reminder.refdomain))


def _pipeline_row(
    entry: PipelineEntry, reminder: Reminder | None, link: WonLink | None
) -> PipelineRow:
    delivery = delivery_of(reminder) if reminder is not None else None
    live = reminder if delivery not in (None, Delivery.FAILED) else None
    retrying = reminder if delivery is Delivery.RETRYING else None
    checked = link.last_checked_at if link is not None else None
    return PipelineRow(
        entry.team_id,
        entry.site,
        entry.refdomain,
        Status(entry.status),
        entry.owner_id,
        as_utc(entry.updated_at),
        as_utc(live.due_at) if live else None,
        live.action if live else None,
        delivery,
        reminder.last_error if reminder is not None and delivery is not None else None,
        as_utc(retrying.retry_at) if retrying and retrying.retry_at else None,
        link.url if link is not None else None,
        link.last_verdict if link is not None else None,
        as_utc(checked) if checked else None,
    )
