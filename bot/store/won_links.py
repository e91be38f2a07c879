"""Won links that stay won: the page that links to the site, and its scheduled checks.

One row per won (team, site, referring domain): a claimable job (bot.store.claims)
due at its next check, with the last check's verdict and evidence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from bot.store.claims import Claimable
from bot.store.clock import utc_time


class WonLink(Claimable, table=True):
    __tablename__ = "won_link"
    __table_args__ = (
        UniqueConstraint("team_id", "site", "refdomain"),
        Index("ix_won_link_due", "state", "due_at"),
    )

    site: str = Field(max_length=255)
    refdomain: str = Field(max_length=255)
    url: str = Field(max_length=2048)
    owner_id: str = Field(max_length=32)
    created_at: datetime = utc_time(nullable=False)
    # The last check: its verdict (bot.verify.Verdict), when, and its SPEC 4.2 JSON.
    last_verdict: str | None = Field(default=None, max_length=16)
    last_checked_at: datetime | None = utc_time(nullable=True)
    last_evidence: str | None = None
    # Consecutive failed checks, and the first of them (a loss needs two, a day apart).
    failed_checks: int = 0
    failing_since: datetime | None = utc_time(nullable=True)
