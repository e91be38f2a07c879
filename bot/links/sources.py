"""Chooses the link data source for an analysis by name (`--source`, GAPBOT_LINK_SOURCE)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings
from bot.links.base import LinkSource
from bot.store.clock import Clock, utc_now

if TYPE_CHECKING:
    from bot.links.http import RetryPolicy

LOCAL = "local"
# The imported Common Crawl web graph (bot.links.webgraph): free, domain-level, whole web.
WEBGRAPH = "webgraph"
# The live providers (bot.links.live, imported only when one is chosen).
PROVIDER_NAMES = ("dataforseo", "ahrefs", "semrush", "moz")


def source_names() -> tuple[str, ...]:
    return (LOCAL, WEBGRAPH, *PROVIDER_NAMES)


def _chosen(name: str | None, settings: Settings) -> str:
    chosen = (name or settings.link_source).strip().lower()
    if chosen not in source_names():
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

        return LinkIndex(settings.index_path, memory_limit=settings.index_memory)
    if chosen == WEBGRAPH:
        from bot.links.webgraph import WebGraph

        return WebGraph(settings.webgraph_path, memory_limit=settings.index_memory)
    from bot.links.live import open_provider

    return open_provider(
        chosen, settings, refresh=refresh, team_id=team_id, policy=policy, clock=clock
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
    """What the analysis may cost, to show before fetching; None for the free local sources."""
    chosen = _chosen(name, settings)
    if chosen in (LOCAL, WEBGRAPH):
        return None
    from bot.links.live import open_provider

    source = open_provider(chosen, settings, refresh=refresh, team_id=team_id)
    return source.estimate(site, competitors).text
