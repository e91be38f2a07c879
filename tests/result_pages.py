"""The result pages worked out in memory with the engine's own ranking: what SQL must match."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.gaps import Opportunity, rank
from bot.outreach.pipeline import Status
from bot.slack.results import PAGE_SIZE, ResultPage, ResultView, page_window
from bot.store.analyses import AnalysisRecord
from bot.store.pipeline import PipelineMark


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
    return rank(kept, view.sort)


def select_page(
    analysis: AnalysisRecord,
    opportunities: Sequence[Opportunity],
    marks: Mapping[str, PipelineMark],
    view: ResultView,
) -> ResultPage:
    """Filter, rank and cut out the page `view` asks for."""
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


def _is_ignored(marks: Mapping[str, PipelineMark], domain: str) -> bool:
    mark = marks.get(domain)
    return mark is not None and mark.status == Status.IGNORED
