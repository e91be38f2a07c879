"""What a result message shows: its view state (kept in button values) and the page it selects.

Pure: the store selects a page's rows; this module says which. The view state
travels in the message's own buttons (encoded by bot.slack.values), so paging works
after a restart and no process has to remember anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from math import ceil
from typing import Any

from bot.gaps import Listing, Opportunity, SortOrder
from bot.store.analyses import AnalysisRecord
from bot.store.pipeline import PipelineMark

PAGE_SIZE = 10


@dataclass(frozen=True)
class ResultView:
    """How one result message is paged, ordered and filtered."""

    analysis_id: int
    page: int = 0
    sort: SortOrder = SortOrder.MATCHES
    min_matches: int = 1
    dofollow_only: bool = False
    show_ignored: bool = False
    # The row is in a watch's message, not on a result page: triage redraws nothing.
    alert: bool = False

    @property
    def offset(self) -> int:
        """How many listed opportunities come before this page."""
        return self.page * PAGE_SIZE

    @property
    def listing(self) -> Listing:
        """What the view lists, as the engine asks for it (ignored rows aside)."""
        return Listing(self.sort, self.min_matches, self.dofollow_only)

    def with_(self, **changes: Any) -> ResultView:
        """This view changed; any change but paging starts again from the first page."""
        if "page" not in changes:
            changes["page"] = 0
        return replace(self, **changes)

    @classmethod
    def of(cls, analysis: AnalysisRecord) -> ResultView:
        """The view an analysis was asked for (`/gaps ... --sort --min-matches --dofollow-only`)."""
        return cls(
            analysis_id=analysis.id,
            sort=SortOrder(analysis.sort),
            min_matches=analysis.min_matches,
            dofollow_only=analysis.dofollow_only,
        )


@dataclass(frozen=True)
class ResultPage:
    """One page of a result message, ready for the block builder."""

    analysis: AnalysisRecord
    view: ResultView  # with the page clamped to the pages that exist
    rows: Sequence[Opportunity]
    marks: Mapping[str, PipelineMark]
    matching: int  # opportunities that pass the filters (ignored ones included if shown)
    ignored: int  # ignored opportunities that pass the other filters
    page_count: int

    @property
    def first_rank(self) -> int:
        return self.view.offset + 1


def page_window(view: ResultView, matching: int) -> tuple[ResultView, int]:
    """`view` with its page clamped to the pages `matching` opportunities fill; the page count."""
    page_count = max(1, ceil(matching / PAGE_SIZE))
    return replace(view, page=min(max(view.page, 0), page_count - 1)), page_count
