"""Stored gap analyses, scoped by Slack team.

The app database keeps what was asked, its state and where the data came from;
the opportunities themselves are a Parquet file per analysis (bot.store.results),
so a result of a million rows never passes through this database.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import JSON
from sqlmodel import Field, Session, SQLModel, col, select, update

from bot.gaps import SortOrder
from bot.links.base import Provenance
from bot.store.clock import as_utc, utc_now
from bot.store.columns import READ_ONLY

# A referring domain's standing (matches, authority, sample pages) is read from the latest
# of its site's last this-many analyses that lists it.
LISTING_LOOKBACK = 10


class AnalysisStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class NewAnalysis(SQLModel):
    """What was asked: by whom, where, of which sites, and in which view."""

    team_id: str = Field(index=True, max_length=32)
    channel_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    query_text: str
    site: str = Field(max_length=255)
    competitors: Sequence[str] = Field(sa_type=JSON)
    source_name: str | None = Field(default=None, max_length=64)
    sort: str = Field(default=SortOrder.MATCHES, max_length=32)
    min_matches: int = 1
    dofollow_only: bool = False


class _Analysed(NewAnalysis):
    """What was asked, and how its run went."""

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


class Analysis(_Analysed, table=True):
    __tablename__ = "analysis"

    id: int | None = Field(default=None, primary_key=True)


class AnalysisRecord(_Analysed):
    """A stored analysis, read-only (safe to use after its session closed)."""

    model_config = READ_ONLY

    id: int
    competitors: tuple[str, ...]
    status: AnalysisStatus

    @property
    def rows_id(self) -> int:
        """The analysis whose stored opportunities this one shows."""
        return self.rows_of or self.id


def start_analysis(session: Session, new: NewAnalysis) -> int:
    """Record an analysis as running; returns its id."""
    row = Analysis.model_validate(new)
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
    return AnalysisRecord.model_validate(row) if row else None


def recent_analyses(
    session: Session,
    team_id: str,
    limit: int = 10,
    *,
    site: str | None = None,
    before: datetime | None = None,
    finished: bool = False,
) -> list[AnalysisRecord]:
    """The team's latest analyses (of `site` only, made before `before`, finished only, if
    given), newest first."""
    query = select(Analysis).where(Analysis.team_id == team_id)
    if finished:
        query = query.where(Analysis.status == AnalysisStatus.DONE)
    if site is not None:
        query = query.where(Analysis.site == site)
    if before is not None:
        query = query.where(col(Analysis.created_at) < as_utc(before))
    rows = session.exec(
        query.order_by(col(Analysis.created_at).desc(), col(Analysis.id).desc()).limit(limit)
    ).all()
    return [AnalysisRecord.model_validate(row) for row in rows]


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
