"""The result message's action and callback ids, and what its buttons carry."""

from __future__ import annotations

from dataclasses import asdict, fields
from enum import StrEnum
from typing import Annotated

from bot.gaps import SortOrder
from bot.services.paging import ResultView
from bot.slack.values import ButtonValue, Count, Flag, Id, Positive, RowDomain, key

GAPS_COMMAND = "/gaps"


class ResultAction(StrEnum):
    """The buttons and menus of a result message (and of a watch's new rows)."""

    PAGE_PREVIOUS = "gaps_page_previous"
    PAGE_NEXT = "gaps_page_next"
    SORT = "gaps_sort"
    MIN_MATCHES = "gaps_min_matches"
    DOFOLLOW = "gaps_dofollow"
    SHOW_IGNORED = "gaps_show_ignored"
    EXPORT_CSV = "gaps_export_csv"
    TARGET = "gaps_target"
    IGNORE = "gaps_ignore"
    RESTORE = "gaps_restore"
    LINKS = "gaps_links"


class ResultCallback(StrEnum):
    LINKS = "gaps_links_modal"


class ViewValue(ButtonValue):
    """A paging, sorting or filter control's value: the view it shows (ResultView)."""

    analysis_id: Annotated[Id, key("a")]
    page: Annotated[Count, key("p")]
    sort: Annotated[SortOrder, key("s")]
    min_matches: Annotated[Positive, key("m")]
    dofollow_only: Annotated[Flag, key("f")]
    show_ignored: Annotated[Flag, key("i")]
    alert: Annotated[Flag, key("w")] = False  # older messages have none

    @classmethod
    def of(cls, view: ResultView) -> ViewValue:
        return cls.written(**asdict(view))

    @property
    def view(self) -> ResultView:
        return ResultView(**{field.name: getattr(self, field.name) for field in fields(ResultView)})


class RowValue(ViewValue):
    """A result row's buttons (Target, Ignore, Restore, Links, Draft email): the view and
    the row's domain."""

    domain: Annotated[RowDomain, key("d")]

    @classmethod
    def of_row(cls, view: ResultView, domain: str) -> RowValue:
        return cls.written(**asdict(view), domain=domain)
