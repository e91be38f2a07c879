"""Chooses the link data source for an analysis by name (`--source`, GAPBOT_LINK_SOURCE)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import lru_cache

from sqlalchemy.engine import Engine

from bot.config import ConfigError, Settings
from bot.links.ahrefs import Ahrefs
from bot.links.base import LinkSource
from bot.links.dataforseo import DataForSEO
from bot.links.http import RetryPolicy
from bot.links.moz import Moz
from bot.links.providers import Provider, ProviderSource
from bot.links.semrush import Semrush
from bot.store.cache import ProviderCache, SpendLedger
from bot.store.clock import Clock, utc_now
from bot.store.db import create_schema, make_engine

LOCAL = "local"
PROVIDERS: dict[str, Callable[[Settings], Provider]] = {
    "dataforseo": DataForSEO,
    "ahrefs": Ahrefs,
    "semrush": Semrush,
    "moz": Moz,
}


def source_names() -> tuple[str, ...]:
    return (LOCAL, *PROVIDERS)


def _chosen(name: str | None, settings: Settings) -> str:
    chosen = (name or settings.link_source).strip().lower()
    if chosen != LOCAL and chosen not in PROVIDERS:
        choices = ", ".join(source_names())
        raise ConfigError(
            f"unknown link source {chosen!r} (GAPBOT_LINK_SOURCE / --source): use {choices}"
        )
    return chosen


def open_source(
    name: str | None,
    settings: Settings,
    *,
    refresh: bool = False,
    team_id: str = "cli",
    policy: RetryPolicy | None = None,
    clock: Clock = utc_now,
) -> LinkSource:
    """The source called `name` (default: the configured one), ready to fetch.

    For a live provider, `refresh` skips the cache (and pays again), and `team_id` is the
    workspace whose daily budget the calls count against. Missing credentials: ConfigError.
    """
    chosen = _chosen(name, settings)
    if chosen == LOCAL:
        from bot.links.index import LinkIndex

        return LinkIndex(settings.index_path)
    return open_provider(
        chosen, settings, refresh=refresh, team_id=team_id, policy=policy, clock=clock
    )


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


def estimate_cost(
    name: str | None,
    settings: Settings,
    site: str,
    competitors: Sequence[str],
    *,
    refresh: bool = False,
    team_id: str = "cli",
) -> str | None:
    """What the analysis may cost, to show before fetching; None for the free local index."""
    chosen = _chosen(name, settings)
    if chosen == LOCAL:
        return None
    source = open_provider(chosen, settings, refresh=refresh, team_id=team_id)
    return source.estimate(site, competitors).text


@lru_cache(maxsize=4)
def _app_engine(url: str) -> Engine:
    engine = make_engine(url)
    create_schema(engine)
    return engine
