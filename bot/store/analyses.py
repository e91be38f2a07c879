"""Stored gap analyses and their opportunities, scoped by Slack team.

An analysis keeps, per opportunity, both the link counts and the dofollow link
counts per competitor, so a message can be re-sorted, re-filtered and paged from
the database without asking the link source again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint, insert
from sqlmodel import Field, Session, SQLModel, col, select, update

from bot.gaps import Opportunity


class AnalysisStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _now() -> datetime:
    return datetime.now(UTC)


class Analysis(SQLModel, table=True):
    __tablename__ = "analysis"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    channel_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    query_text: str
    site: str = Field(max_length=255)
    competitors: list[str] = Field(sa_column=Column(JSON, nullable=False))
    source_name: str | None = Field(default=None, max_length=64)
    sort: str = Field(default="matches", max_length=32)
    min_matches: int = 1
    dofollow_only: bool = False
    status: str = Field(default=AnalysisStatus.RUNNING, max_length=16)
    error: str | None = None
    source: str | None = Field(default=None, max_length=255)
    authority_source: str | None = Field(default=None, max_length=255)
    data_date: date | None = None
    cost: str | None = Field(default=None, max_length=255)
    warning: str | None = None  # e.g. a competitor the source had no data for
    total: int = 0
    created_at: datetime = Field(default_factory=_now, index=True)


class AnalysisOpportunity(SQLModel, table=True):
    __tablename__ = "analysis_opportunity"
    __table_args__ = (UniqueConstraint("analysis_id", "domain"),)

    id: int | None = Field(default=None, primary_key=True)
    analysis_id: int = Field(foreign_key="analysis.id", index=True)
    domain: str = Field(max_length=255)
    links: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    dofollow_links: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    authority: int | None = None
    sample_urls: dict[str, list[str]] = Field(sa_column=Column(JSON, nullable=False))


@dataclass(frozen=True)
class AnalysisRecord:
    """A stored analysis as plain data (safe to use after its session closed)."""

    id: int
    team_id: str
    channel_id: str
    user_id: str
    query_text: str
    site: str
    competitors: tuple[str, ...]
    source_name: str | None
    sort: str
    min_matches: int
    dofollow_only: bool
    status: AnalysisStatus
    error: str | None
    source: str | None
    authority_source: str | None
    data_date: date | None
    cost: str | None
    warning: str | None
    total: int
    created_at: datetime


@dataclass(frozen=True)
class GapCounts:
    """One opportunity with both counts per competitor, as the engine found it."""

    domain: str
    links: dict[str, int]
    dofollow_links: dict[str, int]
    authority: int | None = None
    sample_urls: dict[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class NewAnalysis:
    team_id: str
    channel_id: str
    user_id: str
    query_text: str
    site: str
    competitors: tuple[str, ...]
    source_name: str | None
    sort: str
    min_matches: int
    dofollow_only: bool


@dataclass(frozen=True)
class Provenance:
    """Where a finished analysis' data came from."""

    source: str
    authority_source: str | None = None
    data_date: date | None = None
    cost: str | None = None
    warning: str | None = None


def start_analysis(session: Session, new: NewAnalysis) -> int:
    """Record an analysis as running; returns its id."""
    row = Analysis(
        team_id=new.team_id,
        channel_id=new.channel_id,
        user_id=new.user_id,
        query_text=new.query_text,
        site=new.site,
        competitors=list(new.competitors),
        source_name=new.source_name,
        sort=new.sort,
        min_matches=new.min_matches,
        dofollow_only=new.dofollow_only,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def finish_analysis(
    session: Session,
    team_id: str,
    analysis_id: int,
    provenance: Provenance,
    gaps: Sequence[GapCounts],
) -> None:
    """Store the opportunities and mark the analysis done, in one transaction."""
    # One multi-row insert: an analysis can have a hundred thousand opportunities.
    rows = [
        {
            "analysis_id": analysis_id,
            "domain": gap.domain,
            "links": gap.links,
            "dofollow_links": gap.dofollow_links,
            "authority": gap.authority,
            "sample_urls": {site: list(urls) for site, urls in (gap.sample_urls or {}).items()},
        }
        for gap in gaps
    ]
    if rows:
        session.execute(insert(AnalysisOpportunity), rows)
    _set(
        session,
        team_id,
        analysis_id,
        status=AnalysisStatus.DONE,
        source=provenance.source,
        authority_source=provenance.authority_source,
        data_date=provenance.data_date,
        cost=provenance.cost,
        warning=provenance.warning,
        total=len(gaps),
    )


def fail_analysis(session: Session, team_id: str, analysis_id: int, error: str) -> None:
    _set(session, team_id, analysis_id, status=AnalysisStatus.FAILED, error=error)


def _set(session: Session, team_id: str, analysis_id: int, **values: object) -> None:
    session.execute(
        update(Analysis)
        .where(col(Analysis.id) == analysis_id, col(Analysis.team_id) == team_id)
        .values(**values)
    )


def get_analysis(session: Session, team_id: str, analysis_id: int) -> AnalysisRecord | None:
    """The team's analysis with this id; None for another team's (or no) analysis."""
    row = session.exec(
        select(Analysis).where(Analysis.id == analysis_id, Analysis.team_id == team_id)
    ).first()
    return _record(row) if row else None


def recent_analyses(session: Session, team_id: str, limit: int = 10) -> list[AnalysisRecord]:
    rows = session.exec(
        select(Analysis)
        .where(Analysis.team_id == team_id)
        .order_by(col(Analysis.created_at).desc(), col(Analysis.id).desc())
        .limit(limit)
    ).all()
    return [_record(row) for row in rows]


def load_opportunities(
    session: Session, team_id: str, analysis_id: int, *, dofollow_only: bool
) -> list[Opportunity]:
    """The stored opportunities of the team's analysis, counted as asked, unordered.

    With `dofollow_only`, a domain whose links to the competitors are all nofollow
    has no matches left and is dropped, as the engine would have done. Sample URLs
    are not loaded: nothing that pages through a result shows them.
    """
    counts = AnalysisOpportunity.dofollow_links if dofollow_only else AnalysisOpportunity.links
    rows = session.execute(
        select(AnalysisOpportunity.domain, counts, AnalysisOpportunity.authority)
        .join(Analysis, col(Analysis.id) == col(AnalysisOpportunity.analysis_id))
        .where(Analysis.id == analysis_id, Analysis.team_id == team_id)
    ).all()
    opportunities = []
    for domain, links, authority in rows:
        opportunity = Opportunity(domain, links, authority)
        if opportunity.matches:
            opportunities.append(opportunity)
    return opportunities


def _record(row: Analysis) -> AnalysisRecord:
    assert row.id is not None
    return AnalysisRecord(
        id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        user_id=row.user_id,
        query_text=row.query_text,
        site=row.site,
        competitors=tuple(row.competitors),
        source_name=row.source_name,
        sort=row.sort,
        min_matches=row.min_matches,
        dofollow_only=row.dofollow_only,
        status=AnalysisStatus(row.status),
        error=row.error,
        source=row.source,
        authority_source=row.authority_source,
        data_date=row.data_date,
        cost=row.cost,
        warning=row.warning,
        total=row.total,
        created_at=row.created_at,
    )
