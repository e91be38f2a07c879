"""The scheduled checks of won links: each due page fetched and judged, its verdict kept.

A check moves the pipeline row when a link becomes at risk or comes back (the rules are
in bot.outreach.link_checks) and reports every check to one function: the terminal
prints it, Slack DMs the owner what they need to know. The row's new state is stored
only after the report went out, so a report that failed is made again on the retry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.fetch import Fetcher
from bot.outreach.link_checks import CHECK_EVERY, CHECKED_STATUSES, NextCheck, Streak, after_check
from bot.outreach.moves import Status
from bot.scheduler import ClaimTick, DueAgain
from bot.store.clock import as_utc
from bot.store.pipeline import Move, PipelineMark, marks_for, move
from bot.store.won_links import WonLink
from bot.verify import PageCheck, Verdict, check_page


@dataclass(frozen=True)
class CheckedLink:
    """One check of a won link: the row as it was claimed, the check, what comes next,
    and who owns the domain now."""

    link: WonLink
    check: PageCheck
    next_check: NextCheck
    owner_id: str


Report = Callable[[CheckedLink], None]


# Checks one process runs at once.
CHECKS_AT_ONCE = 8


class LinkCheckTick(ClaimTick[WonLink]):
    """Due won links: check each page, move the pipeline if the link is at risk or back."""

    def __init__(self, engine: Engine, fetcher: Fetcher, report: Report, **options: Any) -> None:
        # A check that keeps failing (its report cannot be delivered) still comes back weekly.
        options.setdefault("gave_up", self._check_next_week)
        # Most of a check is waiting (for the host's turn, for the page): several at once.
        options.setdefault("parallel", CHECKS_AT_ONCE)
        options.setdefault("batch", 2 * CHECKS_AT_ONCE)
        super().__init__(engine, WonLink, self._check, **options)
        self.fetcher = fetcher
        self.report = report

    def _check(self, link: WonLink) -> DueAgain | None:
        mark = self._mark(link)
        if mark is None or mark.status not in CHECKED_STATUSES:
            return None  # reopened or lost: its page is no longer checked
        check = check_page(self.fetcher, link.url, link.site)
        now = self.clock()
        streak = Streak(
            link.failed_checks, as_utc(link.failing_since) if link.failing_since else None
        )
        live = check.verdict is Verdict.LIVE
        step = after_check(streak, live, now, first=link.last_checked_at is None)
        owner = mark.owner_id or link.owner_id
        if step.move_to is not None:
            self._move(link, step.move_to, owner)
        self.report(CheckedLink(link, check, step, owner))
        return DueAgain(
            step.due_at,
            {
                "last_verdict": check.verdict.value,
                "last_checked_at": now,
                "last_evidence": json.dumps(check.as_json(), ensure_ascii=False),
                "failed_checks": step.streak.failed_checks,
                "failing_since": step.streak.failing_since,
            },
        )

    def _mark(self, link: WonLink) -> PipelineMark | None:
        with Session(self.engine) as session:
            return marks_for(session, link.team_id, link.site, [link.refdomain]).get(link.refdomain)

    def _move(self, link: WonLink, status: Status, owner: str) -> None:
        """As the owner: a retried check finds the row moved already, which changes nothing."""
        with Session(self.engine) as session:
            move(session, Move(link.team_id, link.site, link.refdomain, status, owner))
            session.commit()

    def _check_next_week(self, _link: WonLink) -> DueAgain:
        return DueAgain(self.clock() + CHECK_EVERY)
