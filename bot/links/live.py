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
from bot.links.base import LinkSourceError
from bot.links.dataforseo import DataForSEO
from bot.links.http import RetryPolicy
from bot.links.moz import Moz
from bot.links.providers import Provider, ProviderSource
from bot.links.semrush import Semrush
from bot.links.sources import DEFAULT_TEAM
from bot.store.cache import ProviderCache, SpendLedger
from bot.store.clock import Clock, utc_now
from bot.store.db import create_schema, make_engine, session_scope
from bot.store.outreach import paid_sources

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
    team_id: str = DEFAULT_TEAM,
    policy: RetryPolicy | None = None,
    clock: Clock = utc_now,
) -> ProviderSource:
    """A live provider as a LinkSource, with its cache and the workspace's budget.

    A workspace whose admin turned paid sources off gets LinkSourceError.
    """
    provider = PROVIDERS[name](settings)
    engine = _app_engine(settings.app_database_url)
    return ProviderSource(
        provider,
        ProviderCache(engine, timedelta(days=settings.cache_ttl_days), clock),
        SpendLedger(engine, clock),
        team_id=team_id,
        refresh=refresh,
        budget_usd=daily_budget(engine, settings, team_id),
        max_rows=settings.provider_max_rows,
        policy=policy or RetryPolicy(concurrency=settings.provider_concurrency),
    )


def daily_budget(engine: Engine, settings: Settings, team_id: str) -> float | None:
    """What `team_id` may spend on providers today: the terminal's GAPBOT_DAILY_BUDGET_USD
    (None: no limit), or a workspace's App Home choice; refuses a workspace that may not."""
    if team_id == DEFAULT_TEAM:
        return settings.daily_budget_usd
    with session_scope(engine) as session:
        rule = paid_sources(session, team_id)
    if not rule.allowed:
        raise LinkSourceError(
            "paid link sources are turned off for this workspace: use --source local or"
            " webgraph, or ask a workspace admin to allow them in Gapbot's App Home"
        )
    return settings.workspace_budget_usd if rule.daily_budget_usd is None else rule.daily_budget_usd


@lru_cache(maxsize=4)
def _app_engine(url: str) -> Engine:
    engine = make_engine(url)
    create_schema(engine)
    return engine
