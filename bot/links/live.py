"""Live providers as link sources: the registry, with each one's cache and budget.

Imported only when a provider is used, so the local index starts without the HTTP stack.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.config import Settings
from bot.links.adapter import Provider
from bot.links.ahrefs import Ahrefs
from bot.links.base import LinkSourceError
from bot.links.dataforseo import DataForSEO
from bot.links.http import RetryPolicy
from bot.links.moz import Moz
from bot.links.provider_store import ProviderStore, workspace_budget
from bot.links.providers import ProviderSource
from bot.links.semrush import Semrush
from bot.links.sources import DEFAULT_TEAM

PROVIDERS: dict[str, Callable[[Settings], Provider]] = {
    "dataforseo": DataForSEO,
    "ahrefs": Ahrefs,
    "semrush": Semrush,
    "moz": Moz,
}


def open_provider(
    name: str,
    settings: Settings,
    store: ProviderStore,
    *,
    refresh: bool = False,
    team_id: str = DEFAULT_TEAM,
    policy: RetryPolicy | None = None,
) -> ProviderSource:
    """A live provider as a LinkSource, its answers and `team_id`'s spend kept in `store`.

    A workspace whose admin turned paid sources off gets LinkSourceError.
    """
    provider = PROVIDERS[name](settings)
    return ProviderSource(
        provider,
        store,
        max_age=timedelta(days=settings.cache_ttl_days),
        team_id=team_id,
        refresh=refresh,
        budget_usd=daily_budget(store, settings, team_id),
        max_rows=settings.provider_max_rows,
        policy=policy or RetryPolicy(concurrency=settings.provider_concurrency),
    )


def daily_budget(store: ProviderStore, settings: Settings, team_id: str) -> float | None:
    """What `team_id` may spend on providers today: the terminal's GAPBOT_DAILY_BUDGET_USD
    (None: no limit), or a workspace's App Home choice; refuses a workspace that may not."""
    if team_id == DEFAULT_TEAM:
        return settings.daily_budget_usd
    rule = store.paid_sources(team_id)
    if not rule.allowed:
        raise LinkSourceError(
            "paid link sources are turned off for this workspace: use --source local or"
            " webgraph, or ask a workspace admin to allow them in Gapbot's App Home"
        )
    return workspace_budget(rule, settings.workspace_budget_usd)
