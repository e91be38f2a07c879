"""Live providers as link sources: the registry, with each one's cache and budget.

Imported only when a provider is used, so the local index starts without the app
database or the HTTP stack.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.links.ahrefs import Ahrefs
from bot.links.dataforseo import DataForSEO
from bot.links.http import RetryPolicy
from bot.links.moz import Moz
from bot.links.providers import Provider, ProviderSource
from bot.links.semrush import Semrush
from bot.store.cache import ProviderCache, SpendLedger
from bot.store.clock import Clock, utc_now
from bot.store.db import create_schema, make_engine

PROVIDERS: dict[str, Callable[[Settings], Provider]] = {
    "dataforseo": DataForSEO,
    "ahrefs": Ahrefs,
    "semrush": Semrush,
    "moz": Moz,
}


def open_provider(
    name: str,
    settings: Settings,
    *,
    refresh: bool = False,
    team_id: str = "cli",
    policy: RetryPolicy | None = None,
    clock: Clock = utc_now,
) -> ProviderSource:
    """A live provider as a LinkSource, with its cache and the workspace's budget."""
    provider = PROVIDERS[name](settings)
    engine = _app_engine(settings.app_database_url)
    return ProviderSource(
        provider,
        ProviderCache(engine, timedelta(days=settings.cache_ttl_days), clock),
        SpendLedger(engine, clock),
        team_id=team_id,
        refresh=refresh,
        budget_usd=settings.daily_budget_usd,
        max_rows=settings.provider_max_rows,
        policy=policy or RetryPolicy(concurrency=settings.provider_concurrency),
    )


@lru_cache(maxsize=4)
def _app_engine(url: str) -> Engine:
    engine = make_engine(url)
    create_schema(engine)
    return engine
