"""App Home: what one person of a workspace sees there, read in one call; the workspace's
rule for paid link sources, which its admins set there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.links.provider_store import workspace_budget
from bot.outreach.moves import Status
from bot.outreach.report import Dimension, Report
from bot.services import reports, watches
from bot.services.deps import Services
from bot.store import analyses, pipeline
from bot.store import settings as workspace
from bot.store.analyses import AnalysisRecord
from bot.store.db import session_scope
from bot.store.overview import PipelineRow, pipeline_rows
from bot.store.reminders import Reminder, failed_reminders
from bot.store.watches import Watch

# What App Home's report groups prospects by.
HOME_DIMENSIONS = (Dimension.TEMPLATE, Dimension.MATCHES)
# The person's own targets listed, due follow-ups first.
HOME_TARGETS = 40


@dataclass(frozen=True)
class PaidSourcesNow:
    """Whether the workspace may use the live providers, and its daily budget in force."""

    allowed: bool
    daily_budget_usd: float


@dataclass(frozen=True)
class Home:
    recent: Sequence[AnalysisRecord]
    counts: dict[Status, int]
    paid: PaidSourcesNow
    failed_reminders: Sequence[Reminder]
    report: Report  # the last DEFAULT_PERIOD_DAYS, by HOME_DIMENSIONS
    targets: Sequence[PipelineRow]  # the person's own, due follow-ups first
    watches: Sequence[Watch]


def home(services: Services, team_id: str, user_id: str) -> Home:
    """`user_id`'s App Home in the workspace `team_id`."""
    report = reports.what_works(
        services.engine, services.results, team_id, dimensions=HOME_DIMENSIONS
    )
    watched = watches.team_watches(services.engine, team_id)
    with session_scope(services.engine) as session:
        rule = workspace.paid_sources(session, team_id)
        failed = failed_reminders(session, team_id)
        mine = [row for row in pipeline_rows(session, team_id) if row.owner_id == user_id]
        session.expunge_all()  # plain data from here on, not expired by the commit
        return Home(
            recent=analyses.recent_analyses(session, team_id),
            counts=pipeline.counts_by_status(session, team_id),
            paid=PaidSourcesNow(
                rule.allowed, workspace_budget(rule, services.settings.workspace_budget_usd)
            ),
            failed_reminders=failed,
            report=report,
            targets=mine[:HOME_TARGETS],
            watches=watched,
        )


def set_paid_sources(services: Services, team_id: str, daily_budget_usd: float | None) -> None:
    """Allow the live providers up to a daily budget, or (None) turn them off."""
    rule = workspace.PaidSources(daily_budget_usd is not None, daily_budget_usd)
    with session_scope(services.engine) as session:
        workspace.set_paid_sources(session, team_id, rule)
