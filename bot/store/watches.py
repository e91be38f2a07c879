"""Watches: a gap analysis re-run on a schedule, and what changed since its last run.

Each watch is a claimable job (bot.store.claims) due at its next run; a paused watch
is never claimed. Every query here is scoped by team.
"""

from __future__ import annotations

import calendar
import shlex
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Index, delete, false
from sqlmodel import Field, Session, col, select, update

from bot.query import Every, GapQuery, QueryError, parse_sites, stored_query
from bot.store.claims import Claimable
from bot.store.clock import as_utc
from bot.store.columns import utc_time

# A watch of the terminal (`gapbot watch add`) reports to no channel: `watch run-due` prints it.
TERMINAL = ""


class Watch(Claimable, table=True):
    __tablename__ = "watch"
    __table_args__ = (Index("ix_watch_due", "state", "due_at"),)

    # Where its news goes: a Slack channel ("" for the terminal's watches), and who made it.
    channel_id: str = Field(default="", max_length=32)
    created_by: str = Field(default="", max_length=32)
    site: str = Field(max_length=255)
    # The analysis as asked for (site, competitors, source, options), as `/gaps` text
    # (bot.query.gap_text).
    query: str
    every: str = Field(max_length=8)  # day, week or month
    paused: bool = False
    created_at: datetime = utc_time(nullable=False)
    # The last run's stored analysis (what the next run is compared with).
    last_analysis_id: int | None = None
    last_run_at: datetime | None = utc_time(nullable=True)
    # "Nothing new" is said at most once a month; a failing run is reported once.
    nothing_new_said_at: datetime | None = utc_time(nullable=True)
    failure_reported: bool = False


def watch_query(watch: Watch) -> GapQuery:
    """The analysis the watch runs, checked again as the user's input would be (QueryError
    if this version of Gapbot no longer takes it)."""
    return stored_query(watch.query)


def competitors_of(watch: Watch) -> tuple[str, ...]:
    """The competitors a watch compares with, to show it: only the sites its text begins
    with are read (gap_text writes them first; the options may exclude thousands of
    domains, seconds to read)."""
    sites = watch.query.split(" --", 1)[0]
    try:
        return parse_sites(shlex.split(sites))[1]
    except (QueryError, ValueError):
        return ()


def after(every: str, moment: datetime) -> datetime:
    """One period of `every` after `moment` (a month: the same day, or the month's last)."""
    if every == Every.DAY:
        return moment + timedelta(days=1)
    if every == Every.WEEK:
        return moment + timedelta(weeks=1)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_due(every: str, due_at: datetime, now: datetime) -> datetime:
    """The watch's next run after `now`, on its schedule from `due_at` (runs missed while
    Gapbot was down are not made up: one run catches up on all of them)."""
    moment = as_utc(due_at)
    while moment <= now:
        moment = after(every, moment)
    return moment


def add_watch(
    session: Session,
    team_id: str,
    channel_id: str,
    created_by: str,
    site: str,
    query: str,
    every: Every,
    now: datetime,
) -> Watch:
    """A new watch, due at once (its first run posts the baseline it starts from)."""
    watch = Watch(
        team_id=team_id,
        channel_id=channel_id,
        created_by=created_by,
        site=site,
        query=query,
        every=every.value,
        created_at=now,
        due_at=now,
    )
    session.add(watch)
    session.flush()
    session.refresh(watch)
    session.expunge(watch)
    return watch


def team_watches(session: Session, team_id: str, channel_id: str | None = None) -> list[Watch]:
    """The team's watches (of one channel, if given), oldest first."""
    query = select(Watch).where(Watch.team_id == team_id)
    if channel_id is not None:
        query = query.where(Watch.channel_id == channel_id)
    watches = list(session.exec(query.order_by(col(Watch.id))).all())
    session.expunge_all()
    return watches


def get_watch(session: Session, team_id: str, watch_id: int) -> Watch | None:
    watch = session.exec(
        select(Watch).where(Watch.id == watch_id, Watch.team_id == team_id)
    ).first()
    if watch is not None:
        session.expunge(watch)
    return watch


def set_paused(session: Session, team_id: str, watch_id: int, paused: bool) -> Watch | None:
    """Pause or resume the team's watch; None if it has none with this id. A resumed watch
    that fell due meanwhile runs at the next tick."""
    _set(session, team_id, watch_id, paused=paused)
    return get_watch(session, team_id, watch_id)


def report_failure(session: Session, team_id: str, watch_id: int) -> None:
    """The channel has been told that the watch is not running: not again until it runs."""
    _set(session, team_id, watch_id, failure_reported=True)


def remove_watch(session: Session, team_id: str, watch_id: int) -> bool:
    """Delete the team's watch (its stored analyses stay); False if it has none with this id."""
    result = session.execute(
        delete(Watch).where(col(Watch.id) == watch_id, col(Watch.team_id) == team_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _set(session: Session, team_id: str, watch_id: int, **values: object) -> None:
    session.execute(
        update(Watch)
        .where(col(Watch.id) == watch_id, col(Watch.team_id) == team_id)
        .values(**values)
    )


def in_slack() -> ColumnElement[bool]:
    """The watches a serving process runs: not paused, reporting to a Slack channel."""
    return (col(Watch.paused) == false()) & (col(Watch.channel_id) != TERMINAL)


def in_terminal(team_id: str) -> ColumnElement[bool]:
    """The watches `gapbot watch run-due` runs for `team_id`: not paused, printed."""
    return (
        (col(Watch.paused) == false())
        & (col(Watch.channel_id) == TERMINAL)
        & (col(Watch.team_id) == team_id)
    )
