"""A gap report as a terminal table, JSON (SPEC 4.1) or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from rich.table import Table

from bot.analysis import GapReport, RunningAnalysis
from bot.gaps import Opportunity

if TYPE_CHECKING:
    from bot.store.outreach import PipelineRow

TABLE_DEFAULT_LIMIT = 50


def write_json(analysis: RunningAnalysis, out: IO[str], limit: int | None) -> None:
    """SPEC 4.1: the document's head and tail from Python, its opportunities from DuckDB."""
    query, provenance = analysis.query, analysis.provenance
    head = {"site": query.site, "competitors": list(query.competitors), "total": analysis.count()}
    tail = {  # provenance and the view: extra keys, after the opportunities
        "source": provenance.source,
        "authority_source": provenance.authority_source,
        "data_date": provenance.data_date.isoformat() if provenance.data_date else None,
        "data_label": provenance.data_label,
        "cost": provenance.cost,
        "sort": query.options.sort.value,
        "min_matches": query.options.min_matches,
        "dofollow_only": query.options.dofollow_only,
        "failures": provenance.failures,
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "opportunities": ')
    analysis.write_json_opportunities(out, limit)
    out.write(", " + json.dumps(tail, ensure_ascii=False)[1:] + "\n")


def as_table(report: GapReport, opportunities: list[Opportunity], title: str = "") -> Table:
    query = report.query
    competitors = len(query.competitors)
    caption = f"{len(opportunities)} of {report.total} gaps shown · source: {report.source}"
    if report.provenance.data_label:
        caption += f" · data: {report.provenance.data_label}"
    if report.data_date:
        caption += f" · data from {report.data_date.isoformat()}"
    if report.cost:
        caption += f" · cost: {report.cost}"
    table = Table(title=title or _title(report), caption=caption, title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("Referring domain", overflow="fold")
    table.add_column("Matches", justify="center")
    for competitor in query.competitors:
        table.add_column(competitor, justify="right")
    table.add_column(report.authority_source or "Authority", justify="right")
    for rank, item in enumerate(opportunities, start=1):
        counts = [_count(item.links[name]) for name in query.competitors]
        authority = "—" if item.authority is None else str(item.authority)
        matches = f"{item.matches} of {competitors}"
        table.add_row(str(rank), item.domain, matches, *counts, authority)
    return table


def _title(report: GapReport) -> str:
    query = report.query
    return f"Backlink gaps: {query.site} vs {', '.join(query.competitors)}"


def _count(value: int) -> str:
    return f"{value:,}" if value else "·"


PIPELINE_COLUMNS = (
    "team",
    "site",
    "domain",
    "status",
    "owner",
    "updated_at",
    "next_due",
    "next_action",
    "reminder",
    "reminder_error",
    "next_try",
)


def pipeline_records(rows: Sequence[PipelineRow]) -> list[dict[str, Any]]:
    return [
        {
            "team": row.team_id,
            "site": row.site,
            "domain": row.refdomain,
            "status": row.status.value,
            "owner": row.owner_id,
            "updated_at": row.updated_at.isoformat(timespec="seconds"),
            "next_due": _iso(row.next_due),
            "next_action": row.next_action,
            "reminder": row.reminder.value if row.reminder else None,
            "reminder_error": row.reminder_error,
            "next_try": _iso(row.retry_at),
        }
        for row in rows
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def pipeline_json(rows: Sequence[PipelineRow]) -> str:
    return json.dumps(pipeline_records(rows), indent=2)


def pipeline_csv(rows: Sequence[PipelineRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, PIPELINE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(pipeline_records(rows))
    return out.getvalue()


def pipeline_table(rows: Sequence[PipelineRow]) -> Table:
    table = Table(title="Outreach pipeline (due follow-ups first)", title_justify="left")
    for column in PIPELINE_COLUMNS:
        table.add_column(column.replace("_", " "))
    for record in pipeline_records(rows):
        table.add_row(*("" if record[c] is None else str(record[c]) for c in PIPELINE_COLUMNS))
    return table
