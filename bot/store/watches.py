"""Watches: a gap analysis re-run on a schedule, and what changed since its last run.

Each watch is a claimable job (bot.store.claims) due at its next run; a paused watch
is never claimed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from bot.store.claims import Claimable
from bot.store.clock import utc_time


class Watch(Claimable, table=True):
    __tablename__ = "watch"
    __table_args__ = (Index("ix_watch_due", "state", "due_at"),)

    # Where its news goes: a Slack channel ("" for the terminal's watches), and who made it.
    channel_id: str = Field(default="", max_length=32)
    created_by: str = Field(default="", max_length=32)
    site: str = Field(max_length=255)
    # The analysis as asked for (site, competitors, source, options), as JSON.
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
