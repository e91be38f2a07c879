"""A gap report as a terminal table, JSON (SPEC 4.1) or CSV; linking pages as tables or JSON;
the pipeline, the checks of won links, and what changed since an earlier analysis.

Tables are built from rich `Text`, never from markup: a domain, an anchor or a file name
in the data is shown as it is, square brackets included.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from bot.domains import shown_domain, unicode_name, without_credentials
from bot.engine import Changes, GapReport, RunningAnalysis
from bot.gaps import DomainFilter, Opportunity
from bot.links.base import LinkingPages, LinkingUrl, Provenance
from bot.outreach.link_checks import Notice
from bot.outreach.report import Dimension, Figures, Report, duration_text, percent
from bot.query import GapQuery, LinksQuery
from bot.store.clock import as_utc
from bot.wording import UNPROVEN_MARK, counted, unproven_note

if TYPE_CHECKING:
    from bot.services.link_checks import CheckedLink
    from bot.store.analyses import AnalysisRecord
    from bot.store.overview import PipelineRow
    from bot.store.watches import Watch

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
    "linking_page",
    "link_check",
    "link_checked_at",
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
            "linking_page": row.link_url,
            "link_check": row.link_verdict,
            "link_checked_at": _iso(row.link_checked_at),
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


# What a check of a won link changed, as the terminal says it.
_NOTICES = {
    Notice.FIRST: "first check",
    Notice.AT_RISK: "now link at risk",
    Notice.BACK: "back: won again",
}


def link_check_json(checked: CheckedLink) -> str:
    """SPEC 4.2's document for one check, with the workspace, the referring domain, what
    changed and the next check as extras."""
    notice = checked.next_check.notice
    return json.dumps(
        {
            **checked.check.as_json(),
            "team": checked.link.team_id,
            "domain": checked.link.refdomain,
            "notice": notice.value if notice else None,
            "next_check": _iso(checked.next_check.due_at),
        },
        ensure_ascii=False,
    )


def link_checks_table(checks: Sequence[CheckedLink]) -> Table:
    """The checks by workspace, site and referring domain."""
    table = Table(title="Won links checked", title_justify="left")
    for column in ("team", "site", "domain", "page", "verdict", "HTTP", "news", "next check"):
        table.add_column(column)
    ordered = sorted(checks, key=lambda one: (one.link.team_id, one.link.site, one.link.refdomain))
    for checked in ordered:
        link, check, notice = checked.link, checked.check, checked.next_check.notice
        table.add_row(
            *(
                Text(value)
                for value in (
                    link.team_id,
                    link.site,
                    shown_domain(link.refdomain),
                    without_credentials(link.url),
                    check.verdict.value,
                    "" if check.http_status is None else str(check.http_status),
                    _NOTICES[notice] if notice else "",
                    f"{checked.next_check.due_at:%Y-%m-%d %H:%M}",
                )
            )
        )
    return table


# -- the outreach report ------------------------------------------------------------------------

REPORT_COLUMNS = (
    "dimension",
    "group",
    "drafted",
    "sent",
    "replied",
    "won",
    "lost",
    "reply_rate",
    "win_rate",
    "median_hours_to_reply",
)
_ALL = "all"  # the dimension of the line that counts every prospect
_TABLE_HEADINGS = {
    _ALL: "all",
    Dimension.TEMPLATE.value: "template",
    Dimension.MATCHES.value: "competitors",
    Dimension.AUTHORITY.value: "authority",
    Dimension.OWNER.value: "owner",
}


def _report_lines(report: Report) -> list[tuple[str, str, Figures]]:
    """(dimension, group, figures): all prospects first, then each dimension's groups."""
    return [(_ALL, "", report.total)] + [
        (dimension.value, line.key, line.figures)
        for dimension in Dimension
        for line in report.by(dimension)
    ]


def _figures_record(figures: Figures) -> dict[str, Any]:
    median = figures.median_reply
    return {
        "drafted": figures.drafted,
        "sent": figures.sent,
        "replied": figures.replied,
        "won": figures.won,
        "lost": figures.lost,
        "reply_rate": None if figures.reply_rate is None else round(figures.reply_rate, 4),
        "win_rate": None if figures.win_rate is None else round(figures.win_rate, 4),
        "median_hours_to_reply": None if median is None else round(median / timedelta(hours=1), 1),
    }


def report_json(report: Report) -> str:
    """The report as one document: the period, the totals, and per dimension its groups."""
    document = {
        "team": report.team_id,
        "since": report.since.isoformat(),
        "total": _figures_record(report.total),
        "by": {
            dimension.value: [
                {"group": line.key, **_figures_record(line.figures)}
                for line in report.by(dimension)
            ]
            for dimension in Dimension
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        {"dimension": dimension, "group": group, **_figures_record(figures)}
        for dimension, group, figures in _report_lines(report)
    )
    return out.getvalue()


def report_table(report: Report) -> Table:
    whose = "all workspaces" if report.team_id is None else f"workspace {report.team_id}"
    table = Table(
        title=Text(f"What works: prospects first drafted since {report.since}, {whose}"),
        caption=Text(
            "replied: answered (replied, won or lost) after the first email · reply rate ="
            " replied / sent · win rate = won / sent · median reply: from the first email"
            " sent to the first answer"
        ),
        title_justify="left",
    )
    table.add_column("by")
    table.add_column("group", overflow="fold")
    for heading in REPORT_COLUMNS[2:7]:
        table.add_column(heading, justify="right")
    for heading in ("reply rate", "win rate", "median reply"):
        table.add_column(heading, justify="right")
    lines = _report_lines(report)
    for number, (dimension, group, figures) in enumerate(lines):
        first = number == 0 or lines[number - 1][0] != dimension
        last = number + 1 == len(lines) or lines[number + 1][0] != dimension
        counts = (figures.drafted, figures.sent, figures.replied, figures.won, figures.lost)
        table.add_row(
            _TABLE_HEADINGS[dimension] if first else "",
            Text(group),
            *map(str, counts),
            percent(figures.reply_rate),
            percent(figures.win_rate),
            duration_text(figures.median_reply),
            end_section=last,
        )
    return table


# -- what changed: watches and `gaps --since` ---------------------------------------------------


def changes_tables(
    query: GapQuery,
    changes: Changes,
    provenance: Provenance,
    heading: str,
    width: int = 200,
) -> list[Table | Text]:
    """What changed since an earlier analysis, for a terminal: a line of counts, the new
    gaps as a gap table, then the domains now linking to the site and those lost."""
    site = shown_domain(query.site)
    parts: list[Table | Text] = [Text(f"{heading}: {changes_line(changes, site)}")]
    if changes.new:
        report = GapReport(query, changes.new_count, changes.new, provenance)
        parts.append(as_table(report, changes.new, width, label="New gaps"))
    gone = (
        (f"Now linking to {site}", changes.won, changes.won_count),
        ("Lost by the competitors", changes.lost, changes.lost_count),
    )
    for title, names, count in gone:
        if names:
            more = f" (+{count - len(names):,} more)" if count > len(names) else ""
            parts.append(Text(f"{title}: {', '.join(map(shown_domain, names))}{more}"))
    return parts


def changes_line(changes: Changes, site: str) -> str:
    """E.g. "3 new gaps, 1 now linking to mysite.com, 2 lost by the competitors"."""
    if changes.nothing_new:
        return "nothing new"
    return (
        f"{counted(changes.new_count, 'new gap')}, {changes.won_count:,} now linking to"
        f" {site}, {changes.lost_count:,} lost by the competitors"
    )


def changes_json(query: GapQuery, changes: Changes, compared_with: AnalysisRecord) -> str:
    """What changed since `compared_with`: the new opportunities (as SPEC 4.1 lists them,
    without sample URLs), and the domains won and lost, each with its total."""
    document = {
        "site": query.site,
        "competitors": list(query.competitors),
        "compared_with": {
            "analysis_id": compared_with.id,
            "created_at": _iso(compared_with.created_at),
        },
        "new": {
            "total": changes.new_count,
            "opportunities": [
                {
                    "domain": item.domain,
                    "matches": item.matches,
                    "links": dict(item.links),
                    "authority": item.authority,
                }
                for item in changes.new
            ],
        },
        "won": {"total": changes.won_count, "domains": changes.won},
        "lost": {"total": changes.lost_count, "domains": changes.lost},
    }
    return json.dumps(document, ensure_ascii=False)


# -- watches ----------------------------------------------------------------------------------


def describe_watch(watch: Watch) -> str:
    """E.g. "mysite.com vs rival-a.com, rival-b.com, every week"."""
    from bot.store.watches import competitors_of  # the terminal's gaps never loads the app DB

    competitors = ", ".join(map(shown_domain, competitors_of(watch)))
    return f"{shown_domain(watch.site)} vs {competitors}, every {watch.every}"


def watches_json(watches: Sequence[Watch]) -> str:
    from bot.store.watches import competitors_of

    return json.dumps(
        [
            {
                "id": watch.id,
                "site": watch.site,
                "competitors": competitors_of(watch),
                "every": watch.every,
                "channel": watch.channel_id or None,  # None: the terminal's (watch run-due)
                "paused": watch.paused,
                "next_run": None if watch.paused else _iso(as_utc(watch.due_at)),
                "last_run": _iso(watch.last_run_at and as_utc(watch.last_run_at)),
                "last_error": watch.last_error,
                "query": watch.query,  # as /gaps takes it
            }
            for watch in watches
        ],
        ensure_ascii=False,
    )


def watches_table(watches: Sequence[Watch]) -> Table:
    from bot.store.watches import TERMINAL

    table = Table(title=Text("Watches"), title_justify="left")
    for header in ("ID", "Watch", "Reports to", "Next run", "Last run", "State"):
        table.add_column(header, overflow="fold")
    for watch in watches:
        state = "paused" if watch.paused else "active"
        if watch.last_error:
            state += f"; last try failed: {watch.last_error}"
        table.add_row(
            str(watch.id),
            Text(describe_watch(watch)),
            "watch run-due"
            if watch.channel_id == TERMINAL
            else f"Slack channel {watch.channel_id}",
            "—" if watch.paused else _minute(watch.due_at),
            "—" if watch.last_run_at is None else _minute(watch.last_run_at),
            Text(state),
        )
    return table


def _minute(moment: datetime) -> str:
    return f"{as_utc(moment):%Y-%m-%d %H:%M}"
