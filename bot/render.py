"""A gap report as a terminal table, JSON (SPEC 4.1) or CSV; linking pages as tables or JSON.

Tables are built from rich `Text`, never from markup: a domain, an anchor or a file name
in the data is shown as it is, square brackets included.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from bot.analysis import GapReport, RunningAnalysis
from bot.domains import shown_domain, unicode_name, without_credentials
from bot.gaps import DomainFilter, Opportunity
from bot.links.base import LinkingPages, LinkingUrl
from bot.query import LinksQuery
from bot.wording import UNPROVEN_MARK, counted, unproven_note

if TYPE_CHECKING:
    from bot.store.outreach import PipelineRow

TABLE_DEFAULT_LIMIT = 50
# What a gap table needs besides its competitor columns (rank, domain, matches, authority,
# borders); with less room left, competitors are headed by letters and named in the title.
_TABLE_FIXED_WIDTH = 60


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
        "min_authority": query.options.filters.min_authority,
        "tlds": list(query.options.filters.tlds),
        "excluded_tlds": list(query.options.filters.excluded_tlds),
        "excluded": list(query.options.filters.excluded),
        "failures": provenance.failures,
        "site_source": provenance.site_source,
        "site_data_date": (
            provenance.site_data_date.isoformat() if provenance.site_data_date else None
        ),
        "coverage": {
            name: provenance.coverage_of(name).as_json()
            for name in (query.site, *query.competitors)
        },
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "opportunities": ')
    analysis.write_json_opportunities(out, limit)
    out.write(", " + json.dumps(tail, ensure_ascii=False)[1:] + "\n")


def as_table(
    report: GapReport, opportunities: list[Opportunity], width: int = 200, label: str = ""
) -> Table:
    """The shown opportunities as a table for a terminal `width` characters wide, its title
    after `label` (e.g. that the data is a sample).

    Names are shown in Unicode, an internationalised one with its ASCII form beside it.
    """
    query = report.query
    headers = competitor_headers(query.competitors, width - _TABLE_FIXED_WIDTH)
    title = _title(report, headers)
    caption = _caption(report, len(opportunities))
    if any(item.unproven for item in opportunities):
        caption += f"\n{UNPROVEN_MARK.strip()} {unproven_note(query.site)}"
    table = Table(
        title=Text(f"{label}\n{title}" if label else title),
        caption=Text(caption),
        title_justify="left",
    )
    table.add_column("#", justify="right", style="dim")
    table.add_column("Referring domain", overflow="fold")
    table.add_column("Matches", justify="center")
    for header in headers:
        table.add_column(Text(header), justify="right")
    table.add_column(Text(report.authority_source or "Authority"), justify="right")
    competitors = len(query.competitors)
    for rank, item in enumerate(opportunities, start=1):
        counts = [_count(item.links[name]) for name in query.competitors]
        authority = "—" if item.authority is None else str(item.authority)
        matches = f"{item.matches} of {competitors}"
        domain = shown_domain(item.domain) + (UNPROVEN_MARK if item.unproven else "")
        table.add_row(str(rank), Text(domain), matches, *counts, authority)
    return table


def competitor_headers(competitors: Sequence[str], room: int) -> list[str]:
    """The competitors' column headers: their names where `room` characters hold them all,
    else the letters A, B, C... (then the title names each letter's competitor)."""
    names = [unicode_name(name) for name in competitors]
    if sum(len(name) + 3 for name in names) <= room:
        return names
    return [chr(ord("A") + position) for position in range(len(names))]


def _title(report: GapReport, headers: Sequence[str]) -> str:
    query = report.query
    site = shown_domain(query.site)
    if list(headers) == [unicode_name(name) for name in query.competitors]:
        names = ", ".join(shown_domain(name) for name in query.competitors)
        return f"Backlink gaps: {site} vs {names}"
    legend = "\n".join(
        f"  {letter} = {shown_domain(name)}"
        for letter, name in zip(headers, query.competitors, strict=True)
    )
    return f"Backlink gaps: {site} vs {counted(len(headers), 'competitor')}\n{legend}"


def _caption(report: GapReport, shown: int) -> str:
    parts = [f"{shown} of {counted(report.total, 'gap')} shown", f"source: {report.source}"]
    described = describe_filters(report.query.options.filters)
    if described:
        parts.append(described)
    if report.provenance.data_label:
        parts.append(f"data: {report.provenance.data_label}")
    if report.data_date:
        parts.append(f"data from {report.data_date.isoformat()}")
    if report.cost:
        parts.append(f"cost: {report.cost}")
    sites = [report.query.site, *report.query.competitors]
    parts.append(report.provenance.describe_coverage(sites))
    return " · ".join(parts)


def describe_filters(filters: DomainFilter) -> str:
    """The run's filters in a few words (empty when there are none)."""
    parts = []
    if filters.min_authority:
        parts.append(f"authority {filters.min_authority}+")
    if filters.tlds:
        parts.append("only " + ", ".join(f".{unicode_name(tld)}" for tld in filters.tlds))
    if filters.excluded_tlds:
        parts.append("no " + ", ".join(f".{unicode_name(tld)}" for tld in filters.excluded_tlds))
    if filters.excluded:
        parts.append(f"{counted(len(filters.excluded), 'pattern')} excluded")
    return ", ".join(parts)


def _count(value: int) -> str:
    return f"{value:,}" if value else "·"


# -- linking pages ------------------------------------------------------------------------------


def links_tables(query: LinksQuery, pages: Mapping[str, LinkingPages]) -> list[Table | Text]:
    """Per competitor, a table of the pages of the query's domain that link to it (or a line
    saying why there is none)."""
    return [_links_table(competitor, pages.get(competitor)) for competitor in query.competitors]


def _links_table(competitor: str, found: LinkingPages | None) -> Table | Text:
    name = shown_domain(competitor)
    if found is None or not found.urls:
        if found is not None and found.total:
            return Text(f"{name}: linked, but the source does not say from which pages")
        return Text(f"{name}: no linking pages known")
    caption = ""
    if found.total > len(found.urls):
        caption = f"{len(found.urls)} of {found.total:,} shown (--limit to see more)"
    table = Table(
        title=Text(f"{name}: {counted(found.total, 'link')}"),
        caption=Text(caption),
        title_justify="left",
    )
    table.add_column("Linking page", overflow="fold")
    table.add_column("Anchor", overflow="fold")
    table.add_column("Rel")
    table.add_column("Target", overflow="fold")
    for url in found.urls:
        table.add_row(
            Text(_printable(without_credentials(url.source_url))),
            Text(_printable(url.anchor or "")),
            _rel(url),
            Text(_printable(without_credentials(url.target_url or ""))),
        )
    return table


def _rel(url: LinkingUrl) -> str:
    if url.nofollow is None:
        return "unknown"
    return "nofollow" if url.nofollow else "dofollow"


def _printable(text: str) -> str:
    """Data as one line of plain text: no control characters (an escape sequence in an
    anchor must not drive the terminal)."""
    return "".join(char if char.isprintable() else " " for char in text)


def links_json(query: LinksQuery, pages: Mapping[str, LinkingPages], source: str) -> str:
    """The linking pages per competitor as a JSON document (`nofollow` null: not known)."""
    document = {
        "domain": query.domain,
        "site": query.site,
        "competitors": list(query.competitors),
        "source": source,
        "links": {
            competitor: _pages_record(pages.get(competitor)) for competitor in query.competitors
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _pages_record(found: LinkingPages | None) -> dict[str, Any]:
    if found is None:
        return {"total": 0, "pages": []}
    return {
        "total": found.total,
        "pages": [
            {
                "source_url": without_credentials(url.source_url),
                "target_url": without_credentials(url.target_url) if url.target_url else None,
                "anchor": url.anchor,
                "nofollow": url.nofollow,
            }
            for url in found.urls
        ],
    }


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
        table.add_row(
            *(Text("" if record[c] is None else str(record[c])) for c in PIPELINE_COLUMNS)
        )
    return table
