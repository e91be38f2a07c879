"""What a result message shows: its view state (kept in button values) and the page it selects.

Pure: the store selects a page's rows; this module says which. The view state
travels in the message's own buttons, so paging works after a restart and no
process has to remember anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from math import ceil
from typing import Any

from bot.domains import authority_of
from bot.gaps import Listing, Opportunity, SortOrder
from bot.store.analyses import AnalysisRecord
from bot.store.pipeline import PipelineMark

PAGE_SIZE = 10
# Ids are INTEGER columns (32 bits on PostgreSQL); a larger one names nothing and would
# overflow the query, so it is refused with the rest of a forged value.
MAX_ID = 2**31 - 1
# A DNS name's limit: a row's domain longer than this was not written by this app.
MAX_DOMAIN_LENGTH = 253


class ViewError(ValueError):
    """A button value that is not a view this app wrote."""


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

    def encode(self, **extra: str) -> str:
        fields = asdict(self)
        short = {_SHORT[name]: value for name, value in fields.items()}
        short["s"] = self.sort.value
        short.update(extra)
        return json.dumps(short, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str) -> ResultView:
        return decode_value(value)[0]

    @classmethod
    def of(cls, analysis: AnalysisRecord) -> ResultView:
        """The view an analysis was asked for (`/gaps ... --sort --min-matches --dofollow-only`)."""
        return cls(
            analysis_id=analysis.id,
            sort=SortOrder(analysis.sort),
            min_matches=analysis.min_matches,
            dofollow_only=analysis.dofollow_only,
        )


_SHORT = {
    "analysis_id": "a",
    "page": "p",
    "sort": "s",
    "min_matches": "m",
    "dofollow_only": "f",
    "show_ignored": "i",
    "alert": "w",
}


def decode_value(value: str) -> tuple[ResultView, dict[str, str]]:
    """A button value back into its view and its extra fields (e.g. the row's domain)."""
    try:
        data = json.loads(value)
        view = ResultView(
            analysis_id=bounded_id(data.pop("a")),
            page=_bounded(data.pop("p"), 0, MAX_ID),
            sort=SortOrder(data.pop("s")),
            min_matches=_bounded(data.pop("m"), 1, MAX_ID),
            dofollow_only=bool(data.pop("f")),
            show_ignored=bool(data.pop("i")),
            alert=bool(data.pop("w", False)),
        )
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as error:
        raise ViewError(f"not a result view: {value[:80]!r}") from error
    extra = {str(key): str(item) for key, item in data.items()}
    if "d" in extra and not is_row_domain(extra["d"]):
        raise ViewError(f"not a result row's domain: {extra['d'][:80]!r}")
    return view, extra


def bounded_id(value: object) -> int:
    """A database id from a button value; ValueError if it cannot be one."""
    return _bounded(value, 1, MAX_ID)


def _bounded(value: object, low: int, high: int) -> int:
    # A whole number only: JSON's 1e30, 2.5 or true are not what this app wrote.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not a whole number: {value!r}")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{number} is outside {low}..{high}")
    return number


def is_row_domain(domain: object) -> bool:
    """A domain as a result row carries it: one host name of a sane length, nothing more."""
    return (
        isinstance(domain, str)
        and 0 < len(domain) <= MAX_DOMAIN_LENGTH
        and authority_of(domain) == domain
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
