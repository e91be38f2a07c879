"""Chooses the link data source for an analysis by name (`--source`, GAPBOT_LINK_SOURCE),
and whose imports in the local index a team may read."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings
from bot.links.base import LinkSource

if TYPE_CHECKING:
    from bot.links.index import LinkIndex
    from bot.links.provider_store import StoreOpener

# The installation's own team: the terminal's imports (`gapbot import` without --team),
# the rows of an index written before imports had a team, and the terminal's provider
# budget. The same id as that budget's, so that the terminal is one team whatever it
# does; and never a Slack team id (those are upper case, T... or E...), so that no
# workspace can be mistaken for it. Stored in the index: never change it.
DEFAULT_TEAM = "cli"
# A Slack workspace's id, or an Enterprise Grid organisation's (an org-wide install).
_SLACK_TEAM_ID = re.compile(r"[TE][A-Z0-9]+")

LOCAL = "local"
# The imported Common Crawl web graph (bot.links.webgraph): free, domain-level, whole web.
WEBGRAPH = "webgraph"
# The live providers (bot.links.live, imported only when one is chosen).
PROVIDER_NAMES = ("dataforseo", "ahrefs", "semrush", "moz")


def source_names() -> tuple[str, ...]:
    return (LOCAL, WEBGRAPH, *PROVIDER_NAMES)


# What `--site-source` may name: a source that holds a site's own profile by name. Not the
# web graph (its profiles are keyed by integers, bot.links.base.GapProfiles.names), nor Moz
# and Semrush (they answer a site's gaps against another site, not its own profile).
SITE_SOURCE_NAMES = (LOCAL, "dataforseo", "ahrefs")


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
    store: StoreOpener,
    *,
    refresh: bool = False,
    team_id: str = DEFAULT_TEAM,
) -> LinkSource:
    """The source called `name` (default: the configured one), ready to fetch, for the
    workspace `team_id` (DEFAULT_TEAM: the terminal).

    The local index shows the imports visible_teams allows `team_id`. A live provider keeps
    its answers and `team_id`'s spend in the store `store` opens (only then opened):
    `refresh` skips the cache (and pays again), and the calls count against `team_id`'s
    daily budget. Missing credentials: ConfigError.
    """
    chosen = _chosen(name, settings)
    if chosen == LOCAL:
        return open_index(settings, team_id)
    if chosen == WEBGRAPH:
        from bot.links.webgraph import WebGraph

        return WebGraph(settings.webgraph_path, memory_limit=settings.index_memory)
    from bot.links.live import open_provider

    return open_provider(chosen, settings, store(), refresh=refresh, team_id=team_id)


def source_opener(
    settings: Settings, store: StoreOpener
) -> Callable[[str | None, str, bool], LinkSource]:
    """open_source as the use cases call it: (name or None, the workspace, refresh)."""

    def opener(name: str | None, team_id: str, refresh: bool) -> LinkSource:
        return open_source(name, settings, store, refresh=refresh, team_id=team_id)

    return opener


def estimate_cost(
    name: str | None,
    settings: Settings,
    site: str,
    competitors: Sequence[str],
    store: StoreOpener,
    *,
    refresh: bool = False,
    team_id: str = DEFAULT_TEAM,
    site_source: str | None = None,
) -> str | None:
    """What the analysis may cost, to show before fetching; None for the free local sources.
    With `site_source` (bot.links.mixed) the site's profile may come from elsewhere."""
    chosen = _chosen(name, settings)
    if chosen in (LOCAL, WEBGRAPH):
        return None
    from bot.links.live import open_provider

    source = open_provider(chosen, settings, store(), refresh=refresh, team_id=team_id)
    if site_source is not None and chosen not in site_source.split(","):
        source = source.competitors_only()
    return source.estimate(site, competitors).text


def visible_teams(settings: Settings, team_id: str) -> tuple[str, ...]:
    """The teams whose imports `team_id` reads in the local index (the Common Crawl web
    graph, public data, is everyone's).

    A workspace reads its own imports; with one workspace (SLACK_BOT_TOKEN) also the
    terminal's, so that `gapbot import FILE` then `/gaps` works. With OAuth installs in
    many workspaces (SLACK_CLIENT_ID), the terminal's imports are no workspace's: a
    workspace sees what was imported for it only.
    """
    if team_id == DEFAULT_TEAM or settings.oauth_configured:
        return (team_id,)
    return (team_id, DEFAULT_TEAM)


def open_index(settings: Settings, team_id: str = DEFAULT_TEAM) -> LinkIndex:
    """The local index as `team_id` sees it; its imports belong to `team_id`."""
    from bot.links.index import LinkIndex

    return LinkIndex(
        settings.index_path,
        memory_limit=settings.index_memory,
        team=team_id,
        visible=visible_teams(settings, team_id),
    )


class TeamError(ValueError):
    """`--team` names no team: neither a Slack team id nor DEFAULT_TEAM."""


def team_named(name: str | None) -> str:
    """The team `--team` names (None: DEFAULT_TEAM)."""
    if name is None or name == DEFAULT_TEAM:
        return DEFAULT_TEAM
    if not _SLACK_TEAM_ID.fullmatch(name):
        raise TeamError(
            f"--team {name[:40]!r} is neither a Slack team id (such as T0123ABCD: in Slack's"
            f" web address, after /client/) nor {DEFAULT_TEAM!r}, the terminal's team"
        )
    return name
