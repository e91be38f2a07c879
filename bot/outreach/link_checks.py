"""Won links that stay won: which page may be tracked, when it is checked, when it is at risk.

Pure: a check's outcome and the link's failure streak in, the next check out. A link is
called at risk only after two failed checks a day apart, so one timeout is not a loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from bot.domains import try_fold_domain
from bot.outreach.moves import Status

# A live link is checked again a week later; a failed check, a day later.
CHECK_EVERY = timedelta(days=7)
RECHECK_AFTER = timedelta(days=1)
# Failed checks (a day apart) that make a link at risk.
AT_RISK_AFTER = 2
MAX_URL = 2048
# The pipeline statuses whose links are checked; any other (reopened, lost) stops them.
CHECKED_STATUSES = frozenset({Status.WON, Status.AT_RISK})


class Notice(StrEnum):
    """What a check tells the link's owner."""

    FIRST = "first"  # the first check's verdict, whatever it is
    AT_RISK = "at_risk"  # the second failed check, a day after the first
    BACK = "back"  # a live check of a link that was at risk


@dataclass(frozen=True)
class Streak:
    """A link's run of failed checks: how many counted, and when the first one was."""

    failed_checks: int = 0
    failing_since: datetime | None = None

    @property
    def at_risk(self) -> bool:
        return self.failed_checks >= AT_RISK_AFTER


@dataclass(frozen=True)
class NextCheck:
    """After a check: when the next one is due, the streak, and what changes for people."""

    due_at: datetime
    streak: Streak
    move_to: Status | None = None
    notice: Notice | None = None


def after_check(streak: Streak, live: bool, now: datetime, *, first: bool) -> NextCheck:
    """The next check after one whose verdict was `live` (or not) at `now`.

    A failed check `RECHECK_AFTER` or more after the streak's first one makes the link at
    risk; one sooner (an early re-check) only waits for that day to pass.
    """
    said_first = Notice.FIRST if first else None
    if live:
        if streak.at_risk:
            return NextCheck(now + CHECK_EVERY, Streak(), Status.WON, Notice.BACK)
        return NextCheck(now + CHECK_EVERY, Streak(), notice=said_first)
    if streak.failing_since is None:
        return NextCheck(now + RECHECK_AFTER, Streak(1, now), notice=said_first)
    if streak.at_risk:
        return NextCheck(now + CHECK_EVERY, Streak(streak.failed_checks + 1, streak.failing_since))
    counts_from = streak.failing_since + RECHECK_AFTER
    if now < counts_from:
        return NextCheck(counts_from, streak)
    return NextCheck(
        now + CHECK_EVERY,
        Streak(AT_RISK_AFTER, streak.failing_since),
        Status.AT_RISK,
        Notice.AT_RISK,
    )


def linking_page_problem(url: str, refdomain: str, site: str) -> str | None:
    """Why `url` cannot be tracked as the page of `refdomain` linking to `site`; None if it can."""
    try:
        parts = urlsplit(url)
        has_host = bool(parts.hostname)
        credentials = parts.username is not None or parts.password is not None
    except ValueError:  # such as an unclosed IPv6 bracket
        has_host, credentials = False, False
    if not url.lower().startswith(("http://", "https://")) or not has_host:
        return "Give the page's whole address, starting with https:// or http://."
    if len(url) > MAX_URL:
        return f"That address is longer than {MAX_URL:,} characters, more than Gapbot keeps."
    if credentials:
        return "Leave the user name and password out of the address."
    found = try_fold_domain(url)
    if found != refdomain:
        wrong = f"That page is on {found}, not {refdomain}" if found else f"That is not {refdomain}"
        return f"{wrong}: give the page on {refdomain} that links to {site}."
    return None
