"""Stored results made from plain profiles, and the pages and CSV exports they must give,
worked out in memory by hand from SPEC 5.6."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.gaps import GapOptions, Opportunity, SiteProfile, SortOrder
from bot.links.base import GapProfiles, LinkData, LinkingPages, LinkSource, profiles_in_memory
from bot.outreach.moves import Status
from bot.query import GapQuery
from bot.services import analyses
from bot.services.paging import PAGE_SIZE, ResultPage, ResultView, page_window
from bot.store.analyses import AnalysisRecord, NewAnalysis
from bot.store.pipeline import PipelineMark


@dataclass(frozen=True)
class MemorySource:
    """A link source over profiles held in memory, as a live provider's are once fetched."""

    data: LinkData
    name: str = "memory"

    def profiles(
        self, site: str, competitors: Sequence[str]
    ) -> AbstractContextManager[GapProfiles]:
        return profiles_in_memory(self.data)

    def linking_urls(
        self, refdomain: str, competitors: Sequence[str], limit: int
    ) -> dict[str, LinkingPages]:
        return {}


@dataclass(frozen=True)
class MemorySources:
    """A Services.open_source that hands each team the link data stored_result loads for it."""

    data: dict[str, LinkData] = field(default_factory=dict)

    def __call__(self, _name: str | None, team_id: str, _refresh: bool) -> LinkSource:
        return MemorySource(self.data[team_id])


def memory_services(settings: Settings, engine: Engine) -> analyses.Services:
    """Services whose link sources are the profiles stored_result is given."""
    return analyses.Services(settings, engine, MemorySources())


def stored_result(
    services: analyses.Services,
    team: str,
    site: SiteProfile,
    competitors: Sequence[SiteProfile],
    options: GapOptions | None = None,
) -> AnalysisRecord:
    """Run and store, as `/gaps` does, an analysis of `site` against `competitors` with
    `services` (made by memory_services)."""
    assert isinstance(services.open_source, MemorySources)
    services.open_source.data[team] = LinkData(site, competitors, source="memory")
    options = options or GapOptions()
    names = tuple(profile.site for profile in competitors)
    new = NewAnalysis(
        team_id=team,
        channel_id="C1",
        user_id="U1",
        query_text="",
        site=site.site,
        competitors=names,
        source_name=None,
        sort=options.sort.value,
        min_matches=options.min_matches,
        dofollow_only=options.dofollow_only,
    )
    return analyses.run_analysis(services, new, GapQuery(site.site, names, options))


def spec_order(item: Opportunity, sort: SortOrder) -> tuple[object, ...]:
    """SPEC 5.6, written out: the sort key of `item` in the order `sort`."""
    default = (-item.matches, -item.total_links, item.domain)
    if sort is SortOrder.MATCHES_ASC:
        return (item.matches, -item.total_links, item.domain)
    if sort is SortOrder.AUTHORITY:
        unknown = item.authority is None
        return (unknown, -(item.authority or 0), *default)
    return default


def listed(
    opportunities: Sequence[Opportunity], marks: Mapping[str, PipelineMark], view: ResultView
) -> list[Opportunity]:
    """Every opportunity the view lists, in its order (all pages)."""
    kept = [
        item
        for item in opportunities
        if item.matches >= max(view.min_matches, 1)
        and (view.show_ignored or not _is_ignored(marks, item.domain))
    ]
    return sorted(kept, key=lambda item: spec_order(item, view.sort))


def select_page(
    analysis: AnalysisRecord,
    opportunities: Sequence[Opportunity],
    marks: Mapping[str, PipelineMark],
    view: ResultView,
) -> ResultPage:
    """Filter, order and cut out the page `view` asks for."""
    ordered = listed(opportunities, marks, view)
    ignored = sum(
        1
        for item in opportunities
        if item.matches >= max(view.min_matches, 1) and _is_ignored(marks, item.domain)
    )
    view, page_count = page_window(view, len(ordered))
    rows = ordered[view.offset : view.offset + PAGE_SIZE]
    return ResultPage(
        analysis=analysis,
        view=view,
        rows=rows,
        marks={item.domain: marks[item.domain] for item in rows if item.domain in marks},
        matching=len(ordered),
        ignored=ignored,
        page_count=page_count,
    )


def csv_rows(
    competitors: Sequence[str],
    opportunities: Sequence[Opportunity],
    marks: Mapping[str, PipelineMark],
) -> list[dict[str, str]]:
    """The CSV export of `opportunities` as csv.DictReader reads it: one row per domain, a
    column per competitor, then the total, the authority, unproven and the pipeline status."""
    rows = []
    for item in opportunities:
        mark = marks.get(item.domain)
        row = {"domain": item.domain, "matches": str(item.matches)}
        row |= {site: str(item.links.get(site, 0)) for site in competitors}
        row |= {
            "total_links": str(item.total_links),
            "authority": "" if item.authority is None else str(item.authority),
            "unproven": "true" if item.unproven else "false",
            "status": mark.status.value if mark else "",
        }
        rows.append(row)
    return rows


def _is_ignored(marks: Mapping[str, PipelineMark], domain: str) -> bool:
    mark = marks.get(domain)
    return mark is not None and mark.status == Status.IGNORED
