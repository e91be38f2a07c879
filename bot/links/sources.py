"""Chooses the link data source for an analysis by name (`--source`, GAPBOT_LINK_SOURCE)."""

from __future__ import annotations

from bot.config import ConfigError, Settings
from bot.links.base import LinkSource

LOCAL = "local"


def source_names() -> tuple[str, ...]:
    return (LOCAL,)


def open_source(name: str | None, settings: Settings) -> LinkSource:
    """The source called `name` (default: the configured one), ready to fetch."""
    chosen = (name or settings.link_source).strip().lower()
    if chosen == LOCAL:
        from bot.links.index import LinkIndex

        return LinkIndex(settings.index_path)
    choices = ", ".join(source_names())
    raise ConfigError(
        f"unknown link source {chosen!r} (GAPBOT_LINK_SOURCE / --source): use {choices}"
    )
