"""Live provider data kept in the app DB: cached responses and daily spend per team, as the
ProviderStore that bot.links.providers asks."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, select

from bot.links.provider_store import Cached
from bot.store.clock import Clock, as_utc, utc_now
from bot.store.db import session_scope
from bot.store.settings import PaidSources, paid_sources


class ProviderCacheEntry(SQLModel, table=True):
    """One provider answer: a site's profile (or linking pages), as fetched at `fetched_at`."""

    __tablename__ = "provider_cache"

    provider: str = Field(primary_key=True)
    site: str = Field(primary_key=True)
    # What was asked about the site, e.g. "all" or "domain-gap-vs:mysite.com" (bot.links.providers).
    mode: str = Field(primary_key=True)
    fetched_at: datetime
    payload: str


class ProviderSpend(SQLModel, table=True):
    """What one workspace paid one provider on one UTC day."""

    __tablename__ = "provider_spend"

    team_id: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    provider: str = Field(primary_key=True)
    usd: float = 0.0
    requests: int = 0


class ProviderTables:
    """The app database as live providers keep their answers (JSON, keyed by provider + site
    + mode) and the money spent per workspace and UTC day (GAPBOT_DAILY_BUDGET_USD)."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def cached(self, provider: str, site: str, mode: str, max_age: timedelta) -> Cached | None:
        with session_scope(self.engine) as session:
            entry = session.get(ProviderCacheEntry, (provider, site, mode))
            if entry is None or as_utc(self.clock()) - as_utc(entry.fetched_at) >= max_age:
                return None
            return Cached(json.loads(entry.payload), as_utc(entry.fetched_at))

    def keep(self, provider: str, site: str, mode: str, payload: Any) -> None:
        entry = ProviderCacheEntry(
            provider=provider,
            site=site,
            mode=mode,
            fetched_at=as_utc(self.clock()),
            payload=json.dumps(payload),
        )
        with session_scope(self.engine) as session:
            session.merge(entry)

    def _today(self) -> date:
        return as_utc(self.clock()).date()

    def spent_today(self, team_id: str) -> float:
        with session_scope(self.engine) as session:
            query = select(ProviderSpend).where(
                ProviderSpend.team_id == team_id, ProviderSpend.day == self._today()
            )
            return sum(row.usd for row in session.exec(query))

    def record_spend(self, team_id: str, provider: str, usd: float, requests: int) -> None:
        if not requests:
            return
        with session_scope(self.engine) as session:
            key = (team_id, self._today(), provider)
            row = session.get(ProviderSpend, key) or ProviderSpend(
                team_id=team_id, day=key[1], provider=provider
            )
            row.usd += usd
            row.requests += requests
            session.add(row)

    def paid_sources(self, team_id: str) -> PaidSources:
        with session_scope(self.engine) as session:
            return paid_sources(session, team_id)
