"""Stored gap analyses and their opportunities, scoped by Slack team.

An analysis keeps, per opportunity, both the link counts and the dofollow link
counts per competitor, so a message is re-sorted, re-filtered and paged by SQL
(one page at a time) without asking the link source again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, Column, String
from sqlalchemy.orm import Mapped
from sqlmodel import Field, Session, SQLModel, col, select, update

from bot.gaps import Opportunity, SortOrder
from bot.outreach.pipeline import Status
from bot.store.clock import utc_now
from bot.store.pipeline import PipelineEntry


class AnalysisStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# Domains sort as Python sorts them (by code point) on PostgreSQL too, whatever its locale.
_BYTE_ORDERED = String(255).with_variant(String(255, collation="C"), "postgresql")


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
    # Set when an identical analysis running at the same time stored the opportunities.
    rows_of: int | None = Field(default=None, foreign_key="analysis.id")
    created_at: datetime = Field(default_factory=utc_now, index=True)


class AnalysisOpportunity(SQLModel, table=True):
    """One opportunity of an analysis, with both counts in columns SQL can filter and order by."""

    __tablename__ = "analysis_opportunity"

    analysis_id: int = Field(foreign_key="analysis.id", primary_key=True)
    domain: str = Field(primary_key=True, sa_type=_BYTE_ORDERED)
    matches: int
    total_links: int
    dofollow_matches: int
    dofollow_total: int
    authority: int | None = None
    links: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    dofollow_links: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
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
    rows_of: int | None = None  # see Analysis.rows_of

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
    found: Sequence[Opportunity],
) -> None:
    """Store the opportunities (counted over every link) and mark the analysis done, at once."""
    if found:
        _insert(session, [_row(analysis_id, item) for item in found])
    _done(session, team_id, analysis_id, provenance, total=len(found))


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


_COLUMNS = (
    "analysis_id",
    "domain",
    "matches",
    "total_links",
    "dofollow_matches",
    "dofollow_total",
    "authority",
    "links",
    "dofollow_links",
    "sample_urls",
)


def _row(analysis_id: int, found: Opportunity) -> tuple[object, ...]:
    dofollow = found.dofollow_links
    return (
        analysis_id,
        found.domain,
        found.matches,
        found.total_links,
        sum(1 for count in dofollow.values() if count > 0),
        sum(dofollow.values()),
        found.authority,
        counts_json(found.links),
        counts_json(dofollow),
        json.dumps(found.sample_urls) if found.sample_urls else "{}",
    )


def counts_json(counts: Mapping[str, int]) -> str:
    """`{"a.com": 3}`, written directly: json.dumps per row was most of the storing time.

    The keys are folded domain names (letters, digits, dots, hyphens), which JSON
    takes as they are; anything else goes through json.dumps.
    """
    if any('"' in key or "\\" in key for key in counts):
        return json.dumps(counts)
    return "{" + ", ".join(f'"{key}": {int(value)}' for key, value in counts.items()) + "}"


def _insert(session: Session, rows: list[tuple[object, ...]]) -> None:
    """Rows straight to the driver: COPY on PostgreSQL, one executemany on SQLite.

    An analysis can have a hundred thousand opportunities; going through the ORM's
    per-row parameter processing took seconds.
    """
    connection = session.connection()
    columns = ", ".join(_COLUMNS)
    table = AnalysisOpportunity.__tablename__
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in _COLUMNS)
        connection.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _done(
    session: Session, team_id: str, analysis_id: int, provenance: Provenance, **values: object
) -> None:
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


def recent_analyses(session: Session, team_id: str, limit: int = 10) -> list[AnalysisRecord]:
    rows = session.exec(
        select(Analysis)
        .where(Analysis.team_id == team_id)
        .order_by(col(Analysis.created_at).desc(), col(Analysis.id).desc())
        .limit(limit)
    ).all()
    return [_record(row) for row in rows]


@dataclass(frozen=True)
class Listing:
    """Which stored opportunities of an analysis a result lists, and in which order."""

    sort: SortOrder = SortOrder.MATCHES
    min_matches: int = 1
    dofollow_only: bool = False
    show_ignored: bool = False


def count_listed(session: Session, analysis: AnalysisRecord, listing: Listing) -> tuple[int, int]:
    """How many opportunities `listing` lists, and how many ignored ones pass its other filters."""
    passing = (
        sa.select(sa.func.count())
        .select_from(AnalysisOpportunity)
        .where(*_passing(analysis, listing))
    )
    counted = sa.select(
        passing.scalar_subquery(), passing.where(_ignored(analysis)).scalar_subquery()
    )
    total, ignored = session.execute(counted).one()
    return (total if listing.show_ignored else total - ignored), ignored


def listed_opportunities(
    session: Session,
    analysis: AnalysisRecord,
    listing: Listing,
    *,
    offset: int = 0,
    limit: int | None = None,
) -> list[Opportunity]:
    """The opportunities `listing` lists, counted and ordered as it asks (a slice of them).

    With `dofollow_only`, a domain whose links to the competitors are all nofollow
    has no matches left and is not listed, as the engine would have dropped it.
    """
    table = AnalysisOpportunity
    links = col(table.dofollow_links if listing.dofollow_only else table.links)
    query = sa.select(col(table.domain), links, col(table.authority)).where(
        *_passing(analysis, listing)
    )
    if not listing.show_ignored:
        query = query.where(~_ignored(analysis))
    query = query.order_by(*_order(listing)).offset(offset).limit(limit)
    rows = session.execute(query).all()
    return [Opportunity(domain, counts, authority) for domain, counts, authority in rows]


def _passing(analysis: AnalysisRecord, listing: Listing) -> list[sa.ColumnElement[bool]]:
    matches = _counts(listing)[0]
    return [
        col(AnalysisOpportunity.analysis_id) == analysis.rows_id,
        matches >= max(listing.min_matches, 1),
    ]


def _counts(listing: Listing) -> tuple[Mapped[int], Mapped[int]]:
    """The matches and total links columns the listing counts with."""
    table = AnalysisOpportunity
    if listing.dofollow_only:
        return col(table.dofollow_matches), col(table.dofollow_total)
    return col(table.matches), col(table.total_links)


def _order(listing: Listing) -> list[sa.UnaryExpression[Any]]:
    """SPEC 5.6 in SQL, exactly as `bot.gaps.rank` orders."""
    matches, total = _counts(listing)
    domain = col(AnalysisOpportunity.domain).asc()
    if listing.sort is SortOrder.MATCHES_ASC:
        return [matches.asc(), total.desc(), domain]
    default: list[sa.UnaryExpression[Any]] = [matches.desc(), total.desc(), domain]
    if listing.sort is SortOrder.AUTHORITY:
        return [col(AnalysisOpportunity.authority).desc().nulls_last(), *default]
    return default


def _ignored(analysis: AnalysisRecord) -> sa.Exists:
    """The opportunity's domain is ignored for the analysis' site by its team."""
    return sa.exists().where(
        col(PipelineEntry.team_id) == analysis.team_id,
        col(PipelineEntry.site) == analysis.site,
        col(PipelineEntry.refdomain) == col(AnalysisOpportunity.domain),
        col(PipelineEntry.status) == Status.IGNORED,
    )


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
        rows_of=row.rows_of,
    )
