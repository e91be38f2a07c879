"""Outreach drafts: each save is a new version of the email to one referring domain.

One shape for a draft: `NewDraft` is what the author wrote (and what it was written
from, so that Edit re-opens the whole form), the table adds its version and times, and
`StoredDraft` is a version read back as plain data.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, col, select, update

from bot.outreach.drafts import TemplateKind
from bot.store.columns import READ_ONLY, of_domain, utc_time


class NewDraft(SQLModel):
    """An email to one referring domain, as its author wrote it."""

    team_id: str = Field(index=True, max_length=32)
    site: str = Field(max_length=255)
    refdomain: str = Field(max_length=255)
    template: str = Field(max_length=120)
    kind: str = Field(max_length=16)  # TemplateKind
    subject: str
    body: str
    recipient_email: str = Field(max_length=320)
    author_id: str = Field(max_length=32)
    # What the author wrote for this recipient, so that Edit re-opens the whole form.
    recipient_name: str = Field(default="", max_length=255)
    common_ground: str = ""
    page_note: str = ""
    offer: str = ""
    my_page: str = ""


class _Versioned(NewDraft):
    version: int
    created_at: datetime = utc_time(nullable=False)
    sent_at: datetime | None = utc_time(nullable=True)


class DraftRecord(_Versioned, table=True):
    __tablename__ = "outreach_draft"
    __table_args__ = (UniqueConstraint("team_id", "site", "refdomain", "version"),)

    id: int | None = Field(default=None, primary_key=True)


class StoredDraft(_Versioned):
    """One stored draft version, read-only."""

    model_config = READ_ONLY

    id: int


def save_draft(session: Session, draft: NewDraft, now: datetime) -> StoredDraft:
    """Store a new version of the draft for this domain."""
    latest = latest_draft(session, draft.team_id, draft.site, draft.refdomain)
    version = (latest.version + 1) if latest else 1
    row = DraftRecord.model_validate(draft, update={"version": version, "created_at": now})
    session.add(row)
    session.flush()
    return StoredDraft.model_validate(row)


def latest_draft(session: Session, team_id: str, site: str, refdomain: str) -> StoredDraft | None:
    row = session.exec(
        select(DraftRecord)
        .where(of_domain(DraftRecord, team_id, site, refdomain))
        .order_by(col(DraftRecord.version).desc())
    ).first()
    return StoredDraft.model_validate(row) if row else None


def draft_by_id(session: Session, team_id: str, draft_id: int) -> StoredDraft | None:
    """A draft of this workspace only: an id from another workspace finds nothing."""
    row = session.exec(
        select(DraftRecord).where(DraftRecord.id == draft_id, DraftRecord.team_id == team_id)
    ).first()
    return StoredDraft.model_validate(row) if row else None


def set_sent(session: Session, team_id: str, draft_id: int, now: datetime) -> None:
    session.execute(
        update(DraftRecord)
        .where(col(DraftRecord.id) == draft_id, col(DraftRecord.team_id) == team_id)
        .values(sent_at=now)
    )


def sent_first_emails(session: Session, team_id: str, other_than: str) -> list[str]:
    """Bodies of first emails the workspace sent to other domains (the copy-paste guard)."""
    return list(
        session.exec(
            select(DraftRecord.body).where(
                DraftRecord.team_id == team_id,
                DraftRecord.refdomain != other_than,
                *_sent(TemplateKind.FIRST),
            )
        ).all()
    )


def first_subject(session: Session, team_id: str, site: str, refdomain: str) -> str:
    """The subject of the latest first email sent to this domain ("" if none was sent)."""
    subject = session.exec(
        select(DraftRecord.subject)
        .where(of_domain(DraftRecord, team_id, site, refdomain), *_sent(TemplateKind.FIRST))
        .order_by(col(DraftRecord.version).desc())
    ).first()
    return subject or ""


def follow_ups_sent(session: Session, team_id: str, site: str, refdomain: str) -> int:
    count = session.exec(
        select(func.count()).where(
            of_domain(DraftRecord, team_id, site, refdomain), *_sent(TemplateKind.FOLLOW_UP)
        )
    ).one()
    return int(count)


def _sent(kind: TemplateKind) -> tuple[sa.ColumnElement[bool], ...]:
    return (col(DraftRecord.kind) == kind.value, col(DraftRecord.sent_at).is_not(None))
