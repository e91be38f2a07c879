"""Analyses for the record: each run's row in the app database and its opportunities as a
Parquet file (bot.store.results), the same for `/gaps`, `gapbot gaps` and watches.

Slack-free: the analysis use cases, the command line and the watch tick all run
analyses through a Runner.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.engine import RunningAnalysis, running
from bot.links.base import LinkSource
from bot.links.sources import source_opener
from bot.query import GapQuery, QueryError, gap_text, stored_query, stored_rows_key
from bot.store import analyses
from bot.store.analyses import AnalysisRecord, AnalysisStatus, NewAnalysis
from bot.store.cache import ProviderTables
from bot.store.db import session_scope
from bot.store.results import ResultFiles, parquet_relation

# (source name or None for the default, the workspace, refresh) -> the source, scoped to it
SourceOpener = Callable[[str | None, str, bool], LinkSource]
# The stored analyses `--since` looks through for the one to compare with.
SINCE_CANDIDATES = 200


def app_sources(settings: Settings, engine: Engine) -> SourceOpener:
    """The link sources, the live providers' answers and spend kept in the app database."""
    return source_opener(settings, lambda: ProviderTables(engine))


@dataclass(frozen=True)
class Runner:
    """What running an analysis for the record needs: the app database, the result files,
    the link sources, the blocklist, and (in a server) the slots analyses take turns at."""

    engine: Engine
    results: ResultFiles
    open_source: SourceOpener
    blocklist: frozenset[str] = frozenset()
    slots: AbstractContextManager[Any] = field(default_factory=contextlib.nullcontext)

    def source(self, query: GapQuery, team_id: str) -> LinkSource:
        """The source `query` names, for `team_id`; with `--site-source`, the site's own
        links from those sources."""
        source = self.open_source(query.source, team_id, query.refresh)
        if query.site_source:
            from bot.links.mixed import with_site_sources  # it loads the live providers

            source = with_site_sources(
                source,
                query.site_source,
                lambda name: self.open_source(name, team_id, query.refresh),
            )
        return source

    @contextmanager
    def recorded(self, new: NewAnalysis) -> Iterator[int]:
        """A new analysis record (its id), marked failed with the error if the block raises."""
        with session_scope(self.engine) as session:
            analysis_id = analyses.start_analysis(session, new)
        try:
            yield analysis_id
        except Exception as error:
            with session_scope(self.engine) as session:
                analyses.fail_analysis(session, new.team_id, analysis_id, str(error))
            raise

    @contextmanager
    def storing(self, team_id: str, analysis_id: int, query: GapQuery) -> Iterator[RunningAnalysis]:
        """Run the analysis and store its whole tally in its result file; the block gets the
        open analysis (to print it, or compare it with an earlier one); done when it ends.

        Counted over every link: the dofollow-only list is a part of this one, and the file
        carries the dofollow counts, so it serves every view of the result.
        """
        source = self.source(query, team_id)
        with self.slots, running(query, source, self.blocklist) as analysis:
            total = analysis.store(self.results.path(team_id, analysis_id))
            yield analysis
            provenance = analysis.provenance
        with session_scope(self.engine) as session:
            analyses.finish_analysis(session, team_id, analysis_id, provenance, total)

    def stored_result(self, team_id: str, analysis_id: int) -> str:
        """The stored opportunities of the team's analysis, as a DuckDB relation."""
        return parquet_relation(self.results.path(team_id, analysis_id))

    def analysis(self, team_id: str, analysis_id: int) -> AnalysisRecord | None:
        with session_scope(self.engine) as session:
            return analyses.get_analysis(session, team_id, analysis_id)

    def kept(self, team_id: str, analysis_id: int | None) -> AnalysisRecord | None:
        """The team's finished analysis whose result file is still there; else None."""
        found = None if analysis_id is None else self.analysis(team_id, analysis_id)
        return found if found is not None and self._is_kept(found) else None

    def _is_kept(self, analysis: AnalysisRecord) -> bool:
        done = analysis.status is AnalysisStatus.DONE
        return done and self.results.exists(analysis.team_id, analysis.rows_id)

    def stored_before(
        self, team_id: str, query: GapQuery, moment: datetime
    ) -> AnalysisRecord | None:
        """The team's newest finished analysis made before `moment` that stored the rows
        `query` stores (the same sites, sources and filters: bot.query.stored_rows_key),
        with its result file still there."""
        with session_scope(self.engine) as session:
            candidates = analyses.recent_analyses(
                session, team_id, SINCE_CANDIDATES, site=query.site, before=moment, finished=True
            )
        wanted = stored_rows_key(query)
        same = (c for c in candidates if _may_store(c, query) and _stored_rows_key(c) == wanted)
        return next((candidate for candidate in same if self._is_kept(candidate)), None)


def _may_store(analysis: AnalysisRecord, query: GapQuery) -> bool:
    """What the record holds of stored_rows_key, compared before its text is parsed."""
    return analysis.competitors == query.competitors and analysis.source_name == query.source


def _stored_rows_key(analysis: AnalysisRecord) -> tuple[object, ...] | None:
    try:
        return stored_rows_key(stored_query(analysis.query_text))
    except QueryError:  # asked by an older version in words this one does not take
        return None


def new_analysis(
    team_id: str, channel_id: str, user_id: str, query: GapQuery, text: str | None = None
) -> NewAnalysis:
    """The record of `query` about to run; `text`: as the user typed it (default: the query
    written out as `/gaps` text, which is how the terminal and watches record theirs)."""
    return NewAnalysis(
        team_id=team_id,
        channel_id=channel_id,
        user_id=user_id,
        query_text=gap_text(query) if text is None else text,
        site=query.site,
        competitors=query.competitors,
        source_name=query.source,
        sort=query.options.sort.value,
        min_matches=query.options.min_matches,
        dofollow_only=query.options.dofollow_only,
    )
