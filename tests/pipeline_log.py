"""The pipeline's event log as tests read it: one domain's events, oldest first."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.store.columns import of_domain
from bot.store.pipeline import PipelineEvent


def events_for(session: Session, team_id: str, site: str, refdomain: str) -> list[PipelineEvent]:
    query = select(PipelineEvent).where(of_domain(PipelineEvent, team_id, site, refdomain))
    return list(session.exec(query.order_by(col(PipelineEvent.id))).all())
