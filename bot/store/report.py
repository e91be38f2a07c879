"""The outreach report's figures (bot.outreach.report defines them), counted by SQL.

The app database gives one row per prospect in one grouped query over the drafts and the
pipeline log; DuckDB joins those rows with each domain's standing in the stored results
(match count, authority) and groups them. No figure is counted in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement
from sqlmodel import Session, col

from bot.outreach.drafts import TemplateKind
from bot.outreach.moves import Status
from bot.outreach.report import (
    AUTHORITY_BANDS,
    MATCH_GROUPS,
    NO_FIGURES,
    UNKNOWN,
    Dimension,
    Figures,
    Report,
    ReportLine,
    SimilarProspects,
    group_of,
)
from bot.store.analyses import latest_results
from bot.store.drafts import DraftRecord
from bot.store.pipeline import PipelineEvent
from bot.store.results import ResultFiles

# A prospect reached one of these after its first email: it answered.
_ANSWERS = (Status.REPLIED.value, Status.WON.value, Status.LOST.value)
# The columns of a prospect row, in the app database's query, and their type in DuckDB.
# `template` and `owner` (and `matches` and `authority`, added in DuckDB) are named as the
# Dimension they group by.
_FACTS = {
    "team_id": "VARCHAR",
    "site": "VARCHAR",
    "domain": "VARCHAR",
    "template": "VARCHAR",
    "owner": "VARCHAR",
    "sent": "BOOLEAN",
    "reply_seconds": "DOUBLE",
    "outcome": "VARCHAR",
}


def outreach_report(
    session: Session,
    results: ResultFiles,
    team_id: str | None,
    since: date,
    dimensions: Sequence[Dimension] = tuple(Dimension),
) -> Report:
    """The figures of the prospects first drafted on or after `since` (UTC), of one
    workspace or (None) of all of them, in total and by each of `dimensions`."""
    facts = _facts(session, team_id, datetime.combine(since, time(), UTC))
    if not facts:
        return Report(since, team_id, NO_FIGURES, ())
    sets = ", ".join(f"({dimension.value})" for dimension in dimensions)
    which = " ".join(
        f"WHEN grouping({dimension.value}) = 0 THEN '{dimension.value}'" for dimension in dimensions
    )
    keys = ", ".join(dimension.value for dimension in dimensions)
    rows = _grouped(
        session,
        results,
        team_id,
        facts,
        f"""SELECT CASE {which} END AS dimension, coalesce({keys}) AS key,
                   count(*), count(*) FILTER (sent), count(reply_seconds),
                   count(*) FILTER (outcome = 'won'), count(*) FILTER (outcome = 'lost'),
                   median(reply_seconds)
            FROM prospects GROUP BY GROUPING SETS ({sets}, ())""",
    )
    figures = {(dimension, key): _figures(row) for dimension, key, *row in rows}
    lines = tuple(
        ReportLine(Dimension(dimension), key, found)
        for (dimension, key), found in figures.items()
        if dimension is not None
    )
    return Report(since, team_id, figures[(None, None)], lines)


def similar_prospects(
    session: Session, results: ResultFiles, team_id: str, matches: int, authority: int | None
) -> SimilarProspects:
    """How the workspace's prospects of the same match group and authority band as a domain
    with `matches` and `authority` did, over all its history: sent, and of those won."""
    group, band = group_of(matches, MATCH_GROUPS), group_of(authority, AUTHORITY_BANDS)
    facts = _facts(session, team_id, None)
    if not facts:
        return SimilarProspects(group, band, 0, 0)
    rows = _grouped(
        session,
        results,
        team_id,
        facts,
        "SELECT count(*) FILTER (sent), count(*) FILTER (sent AND outcome = 'won')"
        " FROM prospects WHERE matches = $group AND authority = $band",
        {"group": group, "band": band},
    )
    sent, won = rows[0]
    return SimilarProspects(group, band, int(sent), int(won))


def _figures(row: Sequence[Any]) -> Figures:
    drafted, sent, replied, won, lost, median = row
    reply = None if median is None else timedelta(seconds=round(float(median)))
    return Figures(int(drafted), int(sent), int(replied), int(won), int(lost), reply)


# -- one row per prospect, from the app database ------------------------------------------------


class _epoch(FunctionElement[float]):
    """Seconds since 1970 of a stored UTC time, on SQLite and PostgreSQL."""

    type = sa.Float()
    inherit_cache = True


@compiles(_epoch, "sqlite")
def _sqlite_epoch(element: _epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(julianday({compiler.process(element.clauses, **kw)}) * 86400.0)"


@compiles(_epoch, "postgresql")
def _postgres_epoch(element: _epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # A column without a time zone holds the session's local time: the cast reads it so.
    return f"extract(epoch FROM CAST({compiler.process(element.clauses, **kw)} AS timestamptz))"


# The drafts' times carry their zone; the pipeline log's do not (both are UTC).
_STORED_AT = sa.DateTime(timezone=True)
_LOGGED_AT = sa.DateTime()


def _facts(session: Session, team_id: str | None, since: datetime | None) -> list[Sequence[Any]]:
    """One row per prospect (the columns of _FACTS): `sent` 1 or 0, `reply_seconds` from the
    first email sent to the first answer (None: no answer), `outcome` won, lost or None.

    A prospect's first email (a row per domain, from the drafts) and its answers (rows of
    the pipeline log) are stacked, then grouped by domain: joined instead, the log would be
    searched once per prospect.
    """
    event = PipelineEvent
    moment = col(event.at)
    answers = sa.select(
        col(event.team_id),
        col(event.site),
        col(event.refdomain),
        _no(sa.String()).label("template"),
        _no(sa.String()).label("author_id"),
        _no(_STORED_AT).label("drafted_at"),
        _no(_STORED_AT).label("sent_at"),
        moment.label("answered_at"),
        sa.case((col(event.to_status) == Status.WON.value, moment)).label("won_at"),
        sa.case((col(event.to_status) == Status.LOST.value, moment)).label("lost_at"),
    ).where(col(event.to_status).in_(_ANSWERS))
    if team_id is not None:
        answers = answers.where(col(event.team_id) == team_id)
    both = sa.union_all(_first_emails(team_id), answers).subquery()
    # Every answer counts once a first email is out: the pipeline allows none before.
    sent_at = sa.func.max(both.c.sent_at)
    won_at, lost_at = sa.func.max(both.c.won_at), sa.func.max(both.c.lost_at)
    drafted_at = sa.func.max(both.c.drafted_at)  # None: answers of a domain never drafted for
    query = sa.select(
        both.c.team_id,
        both.c.site,
        both.c.refdomain,
        sa.func.max(both.c.template),
        sa.func.max(both.c.author_id),
        sa.case((sent_at.is_not(None), 1), else_=0),
        _epoch(sa.func.min(both.c.answered_at)) - _epoch(sent_at),
        sa.case(
            (sent_at.is_(None), sa.null()),
            (won_at >= sa.func.coalesce(lost_at, won_at), Status.WON.value),
            (lost_at.is_not(None), Status.LOST.value),
        ),
    ).group_by(both.c.team_id, both.c.site, both.c.refdomain)
    query = query.having(drafted_at.is_not(None) if since is None else drafted_at >= since)
    return list(session.execute(query).all())


def _no(kind: sa.types.TypeEngine[Any]) -> sa.Cast[Any]:
    """An empty column of the stacked rows (typed, for PostgreSQL's UNION)."""
    return sa.cast(sa.null(), kind)


def _first_emails(team_id: str | None) -> sa.Select[Any]:
    """Per prospect: the template and author of its first email sent (else of its first
    draft), when it was first drafted and first sent, and no answers (see _facts)."""
    draft = DraftRecord
    key = (col(draft.team_id), col(draft.site), col(draft.refdomain))
    chosen = (col(draft.sent_at).is_(None), col(draft.sent_at), col(draft.version))
    ranked = sa.select(
        *key,
        col(draft.template),
        col(draft.author_id),
        sa.func.min(col(draft.created_at)).over(partition_by=key).label("drafted_at"),
        sa.func.min(col(draft.sent_at)).over(partition_by=key).label("sent_at"),
        sa.func.row_number().over(partition_by=key, order_by=chosen).label("pick"),
    ).where(col(draft.kind) == TemplateKind.FIRST.value)
    if team_id is not None:
        ranked = ranked.where(col(draft.team_id) == team_id)
    first = ranked.subquery()
    return sa.select(
        *(first.c[name] for name in ("team_id", "site", "refdomain", "template", "author_id")),
        first.c.drafted_at,
        first.c.sent_at,
        *(_no(_LOGGED_AT).label(name) for name in ("answered_at", "won_at", "lost_at")),
    ).where(first.c.pick == 1)


# -- grouped by DuckDB, with each prospect's standing -------------------------------------------


def _grouped(
    session: Session,
    results: ResultFiles,
    team_id: str | None,
    facts: Sequence[Sequence[Any]],
    query: str,
    parameters: dict[str, object] | None = None,
) -> list[tuple[Any, ...]]:
    """Run `query` over a relation `prospects`: the prospect rows with their match group and
    authority band (in columns `matches` and `authority`)."""
    columns = dict(zip(_FACTS, zip(*facts, strict=True), strict=True))
    stored = latest_results(session, team_id, set(columns["site"]))
    given = ", ".join(f"unnest(${name}::{kind}[]) AS {name}" for name, kind in _FACTS.items())
    standing, standing_parameters = results.standing_sql(stored, "given")
    sql = f"""
        WITH given AS (SELECT {given}),
        prospects AS (
            SELECT given.*,
                   {_group_sql("standing.matches", MATCH_GROUPS)} AS matches,
                   {_group_sql("standing.authority", AUTHORITY_BANDS)} AS authority
            FROM given LEFT JOIN {standing} AS standing USING (team_id, site, domain)
        )
        {query}
    """
    values = {name: list(value) for name, value in columns.items()}
    with results.cursor() as connection:
        return connection.execute(
            sql, {**values, **standing_parameters, **(parameters or {})}
        ).fetchall()


def _group_sql(column: str, groups: Sequence[tuple[int, str]]) -> str:
    """SQL giving group_of(column, groups)."""
    cases = " ".join(f"WHEN {column} >= {int(low)} THEN '{label}'" for low, label in groups)
    return f"CASE {cases} ELSE '{UNKNOWN}' END"
