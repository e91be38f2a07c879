"""Stored gap analyses, scoped by Slack team.

The app database keeps what was asked, its state and where the data came from;
the opportunities themselves are a Parquet file per analysis (bot.store.results),
so a result of a million rows never passes through this database.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, select, update

from bot.links.base import Provenance
from bot.store.clock import as_utc, utc_now

# A referring domain's standing (matches, authority, sample pages) is read from the latest
# of its site's last this-many analyses that lists it.
LISTING_LOOKBACK = 10


class AnalysisStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


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
    data_label: str | None = Field(default=None, max_length=255)  # e.g. a web graph release
    cost: str | None = Field(default=None, max_length=255)
    warning: str | None = None  # e.g. a competitor the source had no data for
    coverage: str | None = None  # each site's profile: complete, or how much was fetched
    total: int = 0
    # Set when an identical analysis running at the same time stored the opportunities.
    rows_of: int | None = Field(default=None, foreign_key="analysis.id")
    created_at: datetime = Field(default_factory=utc_now, index=True)


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
    data_label: str | None
    cost: str | None
    warning: str | None
    total: int
    created_at: datetime
    rows_of: int | None = None  # see Analysis.rows_of
    coverage: str | None = None  # see Analysis.coverage

    @property
    def rows_id(self) -> int:
        """The analysis whose stored opportunities this one shows."""
        return self.rows_of or self.id


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
    session: Session, team_id: str, analysis_id: int, provenance: Provenance, total: int
) -> None:
    """Mark the analysis done, its `total` opportunities stored in its result file."""
    _done(session, team_id, analysis_id, provenance, total=total)


def finish_like(
    session: Session, team_id: str, analysis_id: int, provenance: Provenance, leader: int
) -> None:
    """Mark the analysis done with the stored opportunities of the identical `leader` analysis."""
    total = session.execute(
        sa.select(col(Analysis.total)).where(
            col(Analysis.id) == leader, col(Analysis.team_id) == team_id
        )
    ).scalar_one()
    _done(session, team_id, analysis_id, provenance, total=total, rows_of=leader)


def _done(
    session: Session, team_id: str, analysis_id: int, provenance: Provenance, **values: object
) -> None:
    site, competitors = session.execute(
        sa.select(col(Analysis.site), col(Analysis.competitors)).where(
            col(Analysis.id) == analysis_id, col(Analysis.team_id) == team_id
        )
    ).one()
    _set(
        session,
        team_id,
        analysis_id,
        status=AnalysisStatus.DONE,
        source=provenance.source,
        authority_source=provenance.authority_source,
        data_date=provenance.data_date,
        data_label=provenance.data_label,
        cost=provenance.cost,
        warning="; ".join(f"{site}: {problem}" for site, problem in provenance.failures.items())
        or None,
        coverage=provenance.describe_coverage([site, *competitors]),
        **values,
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


def recent_analyses(
    session: Session,
    team_id: str,
    limit: int = 10,
    *,
    site: str | None = None,
    before: datetime | None = None,
) -> list[AnalysisRecord]:
    """The team's latest analyses (of `site` only, made before `before`, if given), newest
    first."""
    query = select(Analysis).where(Analysis.team_id == team_id)
    if site is not None:
        query = query.where(Analysis.site == site)
    if before is not None:
        query = query.where(col(Analysis.created_at) < as_utc(before))
    rows = session.exec(
        query.order_by(col(Analysis.created_at).desc(), col(Analysis.id).desc()).limit(limit)
    ).all()
    return [_record(row) for row in rows]


@dataclass(frozen=True)
class StoredResult:
    """A finished analysis whose stored opportunities a domain's standing may come from."""

    team_id: str
    site: str
    rows_id: int  # AnalysisRecord.rows_id: the analysis whose result file holds the rows
    recency: int  # 0 for the site's newest analysis, 1 for the one before...


def latest_results(
    session: Session, team_id: str | None, sites: Collection[str]
) -> list[StoredResult]:
    """The last LISTING_LOOKBACK finished analyses of each of `sites`, per team (one team's,
    or every team's when `team_id` is None)."""
    if not sites:
        return []
    key = (col(Analysis.team_id), col(Analysis.site))
    newest_first = (col(Analysis.created_at).desc(), col(Analysis.id).desc())
    recency = sa.func.row_number().over(partition_by=key, order_by=newest_first) - 1
    ranked = sa.select(
        *key, sa.func.coalesce(col(Analysis.rows_of), col(Analysis.id)), recency.label("recency")
    ).where(col(Analysis.status) == AnalysisStatus.DONE, col(Analysis.site).in_(list(sites)))
    if team_id is not None:
        ranked = ranked.where(col(Analysis.team_id) == team_id)
    listed = ranked.subquery()
    rows = session.execute(sa.select(listed).where(listed.c.recency < LISTING_LOOKBACK)).all()
    return [StoredResult(*row) for row in rows]


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
        data_label=row.data_label,
        cost=row.cost,
        warning=row.warning,
        coverage=row.coverage,
        total=row.total,
        created_at=row.created_at,
        rows_of=row.rows_of,
    )
