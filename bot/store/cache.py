"""Live provider data kept in the app DB: cached responses (with a TTL) and daily spend per team."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, select

from bot.store.clock import Clock, as_utc, utc_now
from bot.store.db import session_scope


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


@dataclass(frozen=True)
class Cached:
    payload: Any
    fetched_at: datetime


class ProviderCache:
    """JSON payloads keyed by provider + site + mode, younger than the TTL."""

    def __init__(self, engine: Engine, ttl: timedelta, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.ttl = ttl
        self.clock = clock

    def get(self, provider: str, site: str, mode: str) -> Cached | None:
        with session_scope(self.engine) as session:
            entry = session.get(ProviderCacheEntry, (provider, site, mode))
            if entry is None or as_utc(self.clock()) - as_utc(entry.fetched_at) >= self.ttl:
                return None
            return Cached(json.loads(entry.payload), as_utc(entry.fetched_at))

    def put(self, provider: str, site: str, mode: str, payload: Any) -> None:
        entry = ProviderCacheEntry(
            provider=provider,
            site=site,
            mode=mode,
            fetched_at=as_utc(self.clock()),
            payload=json.dumps(payload),
        )
        with session_scope(self.engine) as session:
            session.merge(entry)


class SpendLedger:
    """Money spent on providers per workspace and UTC day, for GAPBOT_DAILY_BUDGET_USD."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def _today(self) -> date:
        return as_utc(self.clock()).date()

    def spent_today(self, team_id: str) -> float:
        with session_scope(self.engine) as session:
            query = select(ProviderSpend).where(
                ProviderSpend.team_id == team_id, ProviderSpend.day == self._today()
            )
            return sum(row.usd for row in session.exec(query))

    def record(self, team_id: str, provider: str, usd: float, requests: int) -> None:
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
