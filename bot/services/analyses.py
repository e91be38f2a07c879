"""Analysis use cases: run one, page, triage and export its stored result.

One function per request, team-scoped: each opens a database session, calls the engine
or the store, and returns plain data for a block builder. Callers never touch SQL or
the engine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

import duckdb

from bot.charts import upset_png
from bot.gaps import Opportunity
from bot.links.base import LINKING_PAGES_SHOWN, LinkingPages, Provenance
from bot.outreach.moves import Status
from bot.outreach.report import SimilarProspects
from bot.query import GapQuery, stored_rows_key
from bot.services.deps import Services
from bot.services.paging import PAGE_SIZE, ResultPage, ResultView, page_window
from bot.store import analyses, pipeline
from bot.store.analyses import AnalysisRecord, NewAnalysis
from bot.store.db import session_scope
from bot.store.pipeline import Move, MoveOutcome, MoveResult
from bot.store.report import similar_prospects

log = logging.getLogger(__name__)


# -- running an analysis -----------------------------------------------------------------------


def run_analysis(services: Services, new: NewAnalysis, query: GapQuery) -> AnalysisRecord:
    """Record, run and store one analysis; on any failure it is stored as failed and re-raised.

    An identical analysis of the same team already running (fifty people typing the
    same `/gaps`) is waited for, and its stored opportunities are shared.
    """
    with services.runner.recorded(new) as analysis_id:
        key = analysis_key(new.team_id, query)
        work = partial(_analyse, services, new.team_id, analysis_id, query)
        stored = services.running.run(key, work)
        if stored.analysis_id != analysis_id:
            with session_scope(services.engine) as session:
                analyses.finish_like(
                    session, new.team_id, analysis_id, stored.provenance, stored.analysis_id
                )
    record = services.runner.analysis(new.team_id, analysis_id)
    assert record is not None
    return record


def analysis_key(team_id: str, query: GapQuery) -> tuple[object, ...]:
    """What makes two analyses the same work: the same rows stored, fetched afresh or not."""
    return (team_id, query.refresh, *stored_rows_key(query))


def expect_analysis(services: Services, team_id: str, query: GapQuery) -> None:
    """A `/gaps` was acked and queued: an identical analysis running meanwhile is kept for it."""
    services.running.expect(analysis_key(team_id, query))


@dataclass(frozen=True)
class Stored:
    """A finished analysis whose opportunities are stored."""

    analysis_id: int
    provenance: Provenance


def _analyse(services: Services, team_id: str, analysis_id: int, query: GapQuery) -> Stored:
    """Run the analysis and store it (bot.services.runs.Runner.storing)."""
    with services.runner.storing(team_id, analysis_id, query) as analysis:
        # The overlap picture for the result's thread (none when nothing links to the
        # competitors: there is nothing to draw).
        overlap = analysis.overlap()
        if overlap.combinations:
            services.results.save_overlap_chart(team_id, analysis_id, upset_png(overlap))
        provenance = analysis.provenance
    return Stored(analysis_id, provenance)


# -- showing, triaging and exporting stored results ---------------------------------------------


def first_page(services: Services, team_id: str, analysis_id: int) -> ResultPage | None:
    """Page one of the team's finished analysis whose result is still stored."""
    analysis = services.runner.kept(team_id, analysis_id)
    return None if analysis is None else page_one(services, analysis)


def page_one(services: Services, analysis: AnalysisRecord) -> ResultPage:
    """Page one of a finished analysis (its result stored), in the view it was asked for."""
    return _page(services, analysis, ResultView.of(analysis))


def result_page(services: Services, team_id: str, view: ResultView) -> ResultPage | None:
    """The page `view` asks for, from the stored result only; None if the team has no such."""
    analysis = services.runner.kept(team_id, view.analysis_id)
    return None if analysis is None else _page(services, analysis, view)


def _page(services: Services, analysis: AnalysisRecord, view: ResultView) -> ResultPage:
    team_id = analysis.team_id
    with session_scope(services.engine) as session:
        ignored = pipeline.ignored_domains(session, team_id, analysis.site)
        counts = services.results.counts(team_id, analysis.rows_id, view.listing, ignored)
        matching = counts.listed + counts.hidden if view.show_ignored else counts.listed
        view, page_count = page_window(view, matching)
        rows = services.results.page(
            team_id,
            analysis.rows_id,
            analysis.competitors,
            view.listing,
            hidden=() if view.show_ignored else ignored,
            offset=view.offset,
            limit=PAGE_SIZE,
        )
        marks = pipeline.marks_for(session, team_id, analysis.site, [row.domain for row in rows])
    return ResultPage(analysis, view, rows, marks, matching, counts.hidden, page_count)


def overlap_chart(services: Services, analysis: AnalysisRecord) -> bytes | None:
    """The overlap picture of an analysis, as a PNG (None if it kept none)."""
    return services.results.overlap_chart(analysis.team_id, analysis.rows_id)


@dataclass(frozen=True)
class Triage:
    result: MoveResult
    page: ResultPage
    held: Opportunity | None = None  # the domain as the analysis holds it


def triage(
    services: Services,
    team_id: str,
    user_id: str,
    view: ResultView,
    domain: str,
    status: Status,
) -> Triage | None:
    """Move one opportunity of the team's analysis in the pipeline; None if there is no such
    analysis or its stored result is gone (then nothing moves). A domain the analysis does
    not hold is refused: a button's value is not proof."""
    analysis = services.runner.kept(team_id, view.analysis_id)
    if analysis is None:
        return None
    held = services.results.opportunity(team_id, analysis.rows_id, analysis.competitors, domain)
    if held is None:
        result = MoveResult(MoveOutcome.REFUSED, None, "it is not in this analysis")
    else:
        with session_scope(services.engine) as session:
            move = Move(team_id, analysis.site, domain, status, user_id)
            result = pipeline.move(session, move)
    return Triage(result, _page(services, analysis, view), held)


def similar_to_target(services: Services, team_id: str, done: Triage) -> SimilarProspects | None:
    """When `done` just targeted a domain: how the team's prospects like it (match group,
    authority band) did, if enough were sent to say; else None."""
    mark, held = done.result.mark, done.held
    if done.result.outcome is not MoveOutcome.CHANGED or held is None or mark is None:
        return None
    if mark.status is not Status.TARGETED:
        return None
    with session_scope(services.engine) as session:
        similar = similar_prospects(
            session, services.results, team_id, held.matches, held.authority
        )
    return similar if similar.enough_history else None


@dataclass(frozen=True)
class Export:
    analysis: AnalysisRecord
    csv: str

    @property
    def filename(self) -> str:
        return f"gaps-{self.analysis.site}-{self.analysis.id}.csv"


def export(services: Services, team_id: str, view: ResultView) -> Export | None:
    """The whole list as the view orders and filters it, as CSV."""
    analysis = services.runner.kept(team_id, view.analysis_id)
    if analysis is None:
        return None
    with session_scope(services.engine) as session:
        marks = pipeline.marks_for(session, team_id, analysis.site)
        ignored = pipeline.ignored_domains(session, team_id, analysis.site)
    statuses = {domain: mark.status.value for domain, mark in marks.items()}
    hidden = () if view.show_ignored else ignored
    text = services.results.export_csv(
        team_id, analysis.rows_id, analysis.competitors, view.listing, statuses, hidden=hidden
    )
    return Export(analysis, text)


def linking_pages(
    services: Services, team_id: str, analysis_id: int, domain: str
) -> dict[str, LinkingPages] | None:
    """The exact pages of `domain` that link to each competitor of the team's analysis."""
    with session_scope(services.engine) as session:
        analysis = analyses.get_analysis(session, team_id, analysis_id)
    if analysis is None:
        return None
    source = services.open_source(analysis.source_name, team_id, False)
    return source.linking_urls(domain, analysis.competitors, LINKING_PAGES_SHOWN)


def linking_samples(
    services: Services, team_id: str, site: str, refdomain: str
) -> dict[str, tuple[str, ...]]:
    """Competitor -> sample pages of `refdomain` linking to it, from the team's latest
    analysis of `site` that lists the domain (of its last LISTING_LOOKBACK); only the
    competitors it links to."""
    with session_scope(services.engine) as session:
        recent = analyses.recent_analyses(
            session, team_id, analyses.LISTING_LOOKBACK, site=site, finished=True
        )
    for analysis in recent:
        try:
            found = services.results.opportunity(
                team_id, analysis.rows_id, analysis.competitors, refdomain
            )
        except (OSError, duckdb.Error):
            # A result file gone or unreadable: the draft is written without its samples.
            continue
        if found is not None:
            return {
                competitor: found.sample_urls.get(competitor, ())
                for competitor, count in found.links.items()
                if count
            }
    return {}
