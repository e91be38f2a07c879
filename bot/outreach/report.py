"""What works in outreach: the report's groups, figures and their wording. Pure.

A *prospect* is one (workspace, site, referring domain) with at least one first email
drafted for it; follow-ups and new versions of a draft add no prospect. A prospect belongs
to the period in which its first email was first drafted, and everything that happened to
it afterwards, up to now, counts there:

- **drafted**: the prospects of the period.
- **sent**: those with a first email marked as sent.
- **replied**: those sent that reached *replied*, *won* or *lost* after the first email was
  sent (an answer, whatever it was: a domain that replied and then was won counts here too).
- **won** / **lost**: those sent whose latest outcome is *won* / *lost* (a domain won, then
  reopened and lost, counts as lost).
- **reply rate** = replied / sent; **win rate** = won / sent (none when nothing was sent).
- **median time to reply**: the median, over the prospects that replied, of the time from
  their first email sent to their first reply (or win or loss).

Each prospect is counted under the template and the author of its first email sent (of
its first draft, if none was sent yet), and under the match count and authority band it
has in the team's latest analysis of the site that lists it, of the site's last ten
("unknown" if none does). Periods start at midnight UTC.

**Similar prospects** (told on Target): those of the workspace's whole history in the same
match group and authority band as the domain; their win rate is told once at least
SIMILAR_MIN_SENT of them were sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

DEFAULT_PERIOD_DAYS = 90
# The Target button names the win rate of similar prospects once this many were sent.
SIMILAR_MIN_SENT = 10
UNKNOWN = "unknown"

# (lowest value, label), highest first: a value takes the first group it reaches.
MATCH_GROUPS: tuple[tuple[int, str], ...] = ((3, "3+"), (2, "2"), (1, "1"))
AUTHORITY_BANDS: tuple[tuple[int, str], ...] = ((60, "60+"), (30, "30-59"), (0, "0-29"))


class Dimension(StrEnum):
    """What the report groups prospects by."""

    TEMPLATE = "template"
    MATCHES = "matches"
    AUTHORITY = "authority"
    OWNER = "owner"


def group_of(value: int | None, groups: Sequence[tuple[int, str]]) -> str:
    """The label of the first of `groups` that `value` reaches; UNKNOWN for none."""
    if value is None:
        return UNKNOWN
    return next((label for low, label in groups if value >= low), UNKNOWN)


def default_since(today: date) -> date:
    return today - timedelta(days=DEFAULT_PERIOD_DAYS)


@dataclass(frozen=True)
class Figures:
    drafted: int
    sent: int
    replied: int
    won: int
    lost: int
    median_reply: timedelta | None

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.sent if self.sent else None

    @property
    def win_rate(self) -> float | None:
        return self.won / self.sent if self.sent else None


NO_FIGURES = Figures(0, 0, 0, 0, 0, None)


@dataclass(frozen=True)
class ReportLine:
    dimension: Dimension
    key: str  # the template, match group, authority band or owner's user id
    figures: Figures


@dataclass(frozen=True)
class Report:
    """The figures of the prospects first drafted on or after `since` (of one workspace, or
    of all when `team_id` is None): all together, and per group of each dimension."""

    since: date
    team_id: str | None
    total: Figures
    lines: tuple[ReportLine, ...]

    def by(self, dimension: Dimension) -> list[ReportLine]:
        """The lines of one dimension: templates and owners by name, match groups and
        authority bands in their order, unknown last."""
        lines = [line for line in self.lines if line.dimension is dimension]
        return sorted(lines, key=_line_order)


def _line_order(line: ReportLine) -> tuple[int, str]:
    groups = {Dimension.MATCHES: MATCH_GROUPS, Dimension.AUTHORITY: AUTHORITY_BANDS}
    ordered = groups.get(line.dimension)
    if ordered is None:
        return (0, line.key)
    labels = [label for _low, label in reversed(ordered)]
    return (labels.index(line.key) if line.key in labels else len(labels), line.key)


@dataclass(frozen=True)
class SimilarProspects:
    """How prospects of one match group and authority band did, over all the history."""

    matches: str
    authority: str
    sent: int
    won: int

    @property
    def win_rate(self) -> float | None:
        return self.won / self.sent if self.sent else None

    @property
    def enough_history(self) -> bool:
        return self.sent >= SIMILAR_MIN_SENT


# -- wording (terminal and Slack alike) ---------------------------------------------------------


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def duration_text(span: timedelta | None) -> str:
    """Hours under two days ("5 hours"), else days ("2.5 days")."""
    if span is None:
        return "—"
    hours = round(span / timedelta(hours=1))
    if hours < 1:
        return "under an hour"
    if hours < 48:
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{span / timedelta(days=1):.1f} days"


def match_group_text(label: str) -> str:
    """A match group in words: "1 competitor", "3+ competitors"."""
    if label == UNKNOWN:
        return "competitors unknown"
    return f"{label} competitor" if label == "1" else f"{label} competitors"


def authority_text(label: str) -> str:
    return f"authority {label}"


@dataclass(frozen=True)
class StatusSeries:
    """How many domains stood in each pipeline status at the end of each day."""

    days: tuple[date, ...]
    counts: dict[str, tuple[int, ...]]  # status label -> one count per day
