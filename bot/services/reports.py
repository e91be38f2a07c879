"""What the outreach did: the pipeline now and day by day, and the report of what works.
Asked by `gapbot pipeline` / `gapbot report` and by App Home alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from bot.charts import pipeline_png
from bot.outreach.report import Dimension, Report, StatusSeries, default_since
from bot.store.db import session_scope
from bot.store.overview import PipelineRow, pipeline_rows
from bot.store.pipeline import status_series
from bot.store.report import outreach_report
from bot.store.results import ResultFiles


def pipeline_now(engine: Engine, team_id: str | None) -> list[PipelineRow]:
    """Every pipeline entry of one workspace (None: of all), due follow-ups first."""
    with session_scope(engine) as session:
        return pipeline_rows(session, team_id)


def pipeline_over_time(engine: Engine, team_id: str | None) -> StatusSeries:
    """The domains in each status at the end of each day of the report's period."""
    today = datetime.now(UTC).date()
    with session_scope(engine) as session:
        return status_series(session, team_id, default_since(today), today)


def pipeline_chart(engine: Engine, team_id: str | None) -> bytes:
    """The pipeline, day by day over the report's period, as a PNG."""
    return pipeline_png(pipeline_over_time(engine, team_id))


def what_works(
    engine: Engine,
    results: ResultFiles,
    team_id: str | None,
    since: date | None = None,
    dimensions: Sequence[Dimension] = tuple(Dimension),
) -> Report:
    """The outreach report of one workspace (None: of all) since `since` (None: the
    report's default period), in total and by each of `dimensions`."""
    since = since or default_since(datetime.now(UTC).date())
    with session_scope(engine) as session:
        return outreach_report(session, results, team_id, since, dimensions)
