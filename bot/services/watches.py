"""Watches: a gap analysis re-run on a schedule, and what changed since its last run.

The use cases the command line and Slack share (add, list, pause, resume, remove a
watch) and the tick that runs the due ones: each run is stored like any analysis,
compared with the watch's previous run, and what changed goes to whoever reports it
(a Slack channel, or the terminal). Slack-free.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

import duckdb
from sqlalchemy import ColumnElement
from sqlalchemy.engine import Engine

from bot.config import ConfigError
from bot.engine import Changes
from bot.links.base import LinkSourceError, Provenance
from bot.links.providers import BudgetExceeded
from bot.query import GapQuery, QueryError, gap_text
from bot.scheduler import ClaimTick, DeliveryFailed, DueAgain
from bot.services.paging import ResultPage, ResultView
from bot.services.runs import Runner, new_analysis
from bot.store import pipeline
from bot.store import watches as store
from bot.store.analyses import AnalysisRecord
from bot.store.clock import as_utc, utc_now
from bot.store.db import session_scope
from bot.store.watches import Every, Watch, next_due, watch_query

log = logging.getLogger(__name__)

# New opportunities shown (each with its buttons in Slack), and won or lost domains named.
SHOWN = 5
# "Nothing new" is said at most this often (the baseline says as much).
NOTHING_NEW_EVERY = timedelta(days=30)
# What makes a run fail (and be retried); a watch that cannot run as asked fails for good.
RUN_FAILURES = (LinkSourceError, ConfigError, QueryError, OSError, duckdb.Error)
PERMANENT_FAILURES = (ConfigError, QueryError)


@dataclass(frozen=True)
class WatchRun:
    """One run of a watch: its stored analysis, and what changed since the previous run."""

    watch: Watch
    query: GapQuery  # the watch's, as this run read it
    analysis: AnalysisRecord
    provenance: Provenance
    previous: AnalysisRecord | None  # None: the first run (or the previous result is gone)
    changes: Changes | None  # None with no previous run: this run is the baseline


class ChannelUnreachable(Exception):
    """Gapbot may not post where the watch reports (not in the channel, the channel is gone,
    the workspace uninstalled it): the watch is paused and its creator told."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WatchNews(Protocol):
    """Who hears about a watch: a Slack channel (its creator by DM), or the terminal.

    Each may raise ChannelUnreachable, or DeliveryFailed for a failure that may mend.
    """

    def changed(self, run: WatchRun, next_run: datetime) -> None:
        """The baseline, what changed, or (at most monthly) that nothing did."""

    def not_run(self, watch: Watch, reason: str, *, over_budget: bool, next_run: datetime) -> None:
        """The run was skipped (over the workspace's budget) or is failing: said once."""

    def paused(self, watch: Watch, reason: str) -> None:
        """The watch was paused because its channel cannot be posted to."""


# -- the use cases -----------------------------------------------------------------------------


def add_watch(
    engine: Engine,
    team_id: str,
    channel_id: str,
    user_id: str,
    query: GapQuery,
    every: Every,
    now: datetime | None = None,
) -> Watch:
    """A new watch of `query`, due at once: its first run says what it starts from."""
    with session_scope(engine) as session:
        return store.add_watch(
            session,
            team_id,
            channel_id,
            user_id,
            query.site,
            gap_text(query),
            every,
            now or utc_now(),
        )


def team_watches(engine: Engine, team_id: str, channel_id: str | None = None) -> list[Watch]:
    with session_scope(engine) as session:
        return store.team_watches(session, team_id, channel_id)


def get_watch(engine: Engine, team_id: str, watch_id: int) -> Watch | None:
    with session_scope(engine) as session:
        return store.get_watch(session, team_id, watch_id)


def set_paused(engine: Engine, team_id: str, watch_id: int, paused: bool) -> Watch | None:
    with session_scope(engine) as session:
        return store.set_paused(session, team_id, watch_id, paused)


def remove_watch(engine: Engine, team_id: str, watch_id: int) -> bool:
    with session_scope(engine) as session:
        return store.remove_watch(session, team_id, watch_id)


def run_watch(runner: Runner, watch: Watch) -> WatchRun:
    """Analyse again, store the analysis, and compare it with the previous run's."""
    query, team = watch_query(watch), watch.team_id
    previous = runner.kept(team, watch.last_analysis_id)
    with session_scope(runner.engine) as session:
        ignored = pipeline.ignored_domains(session, team, query.site)
    new = new_analysis(team, watch.channel_id, watch.created_by, query)
    changes = None
    with (
        runner.recorded(new) as analysis_id,
        runner.storing(team, analysis_id, query) as analysis,
    ):
        if previous is not None:
            changes = analysis.changes_since(
                runner.stored_result(team, previous.rows_id),
                runner.stored_result(team, analysis_id),
                hidden=ignored,
                shown=SHOWN,
            )
        provenance = analysis.provenance
    record = runner.analysis(team, analysis_id)
    assert record is not None
    return WatchRun(watch, query, record, provenance, previous, changes)


# -- the tick ----------------------------------------------------------------------------------


class WatchTick(ClaimTick[Watch]):
    """Due watches: run each, tell its news, schedule its next run.

    A run over the workspace's budget is skipped until the next period, and said once; a
    failing run is retried with backoff, reported once, and after the last try the watch
    moves on to its next period. A channel Gapbot cannot post to pauses the watch.
    """

    def __init__(
        self, runner: Runner, news: WatchNews, *, only: ColumnElement[bool], **options: Any
    ) -> None:
        super().__init__(
            runner.engine, Watch, self._run, gave_up=self._next_period, only=only, **options
        )
        self.runner = runner
        self.news = news

    def _run(self, watch: Watch) -> DueAgain:
        now = self.clock()
        try:
            run = run_watch(self.runner, watch)
        except BudgetExceeded as error:
            return self._skipped(watch, str(error), now)
        except RUN_FAILURES as error:
            self._report_failure(watch, str(error))
            permanent = isinstance(error, PERMANENT_FAILURES)
            raise DeliveryFailed(str(error), permanent=permanent) from None
        values: dict[str, Any] = {"last_run_at": now, "failure_reported": False}
        try:
            if self._worth_telling(run, now):
                self.news.changed(run, self._next(watch, now))
                if run.changes is None or run.changes.nothing_new:
                    values["nothing_new_said_at"] = now
        except ChannelUnreachable as error:
            # The previous run stays the one to compare with: the first run after the watch
            # is resumed tells what changed since.
            self._pause(watch, error.reason)
            return DueAgain(self._next(watch, now))
        values["last_analysis_id"] = run.analysis.id
        return DueAgain(self._next(watch, now), values)

    def _worth_telling(self, run: WatchRun, now: datetime) -> bool:
        """Always the baseline and any change; "nothing new" at most once a month."""
        if run.changes is None or not run.changes.nothing_new:
            return True
        said = run.watch.nothing_new_said_at
        return said is None or now - as_utc(said) >= NOTHING_NEW_EVERY

    def _skipped(self, watch: Watch, reason: str, now: datetime) -> DueAgain:
        try:
            if not watch.failure_reported:
                self.news.not_run(watch, reason, over_budget=True, next_run=self._next(watch, now))
        except ChannelUnreachable as error:
            self._pause(watch, error.reason)
            return DueAgain(self._next(watch, now))
        return DueAgain(self._next(watch, now), {"failure_reported": True})

    def _report_failure(self, watch: Watch, reason: str) -> None:
        """Tell the channel once that the watch is failing (until a run succeeds)."""
        if watch.failure_reported:
            return
        assert watch.id is not None
        try:
            next_run = self._next(watch, self.clock())
            self.news.not_run(watch, reason, over_budget=False, next_run=next_run)
        except (ChannelUnreachable, DeliveryFailed) as error:
            log.warning("watch %s: its failure could not be reported: %s", watch.id, error)
            return
        with session_scope(self.engine) as session:
            store.report_failure(session, watch.team_id, watch.id)

    def _pause(self, watch: Watch, reason: str) -> None:
        assert watch.id is not None
        log.warning("watch %s paused: its channel cannot be posted to (%s)", watch.id, reason)
        set_paused(self.engine, watch.team_id, watch.id, True)
        self.news.paused(watch, reason)

    def _next_period(self, watch: Watch) -> DueAgain:
        return DueAgain(self._next(watch, self.clock()))

    def _next(self, watch: Watch, now: datetime) -> datetime:
        return next_due(watch.every, watch.due_at, now)


def news_page(engine: Engine, run: WatchRun) -> ResultPage:
    """A run's new opportunities as rows of its result, with their pipeline marks: their
    buttons act on the stored result, and triage redraws nothing (an alert's view)."""
    rows = run.changes.new if run.changes is not None else []
    with session_scope(engine) as session:
        domains = [row.domain for row in rows]
        marks = pipeline.marks_for(session, run.watch.team_id, run.analysis.site, domains)
    view = replace(ResultView.of(run.analysis), alert=True)
    return ResultPage(run.analysis, view, rows, marks, len(rows), 0, 1)
