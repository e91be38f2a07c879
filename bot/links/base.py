"""The one small interface every link data source implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from bot.gaps import SiteProfile


class LinkSourceError(RuntimeError):
    """A data source could not answer; the message says what failed and what to do."""


@dataclass(frozen=True)
class LinkData:
    """The profiles of one analysis' sites, as one source saw them."""

    site: SiteProfile
    competitors: Sequence[SiteProfile]
    source: str
    authority_source: str | None = None
    data_date: date | None = None
    cost: str | None = None
    # Sites the source could not fetch (partial failure): site -> what went wrong.
    failures: dict[str, str] = field(default_factory=dict)


class LinkSource(Protocol):
    """Fetches the profiles for one analysis.

    `dofollow_only` is passed so that a source can ask for less; the profiles it
    returns still carry both counts, and the engine does the filtering.
    A source may return profiles restricted to the referring domains that matter
    for the gap (those linking to a competitor), as the local index does.
    """

    name: str

    def fetch(self, site: str, competitors: Sequence[str], *, dofollow_only: bool) -> LinkData: ...

    def linking_urls(
        self, refdomain: str, competitors: Sequence[str], limit: int
    ) -> dict[str, LinkingPages]: ...


@dataclass(frozen=True)
class LinkingUrl:
    """One exact backlink: the page that links, where to, and how."""

    source_url: str
    target_url: str | None = None
    anchor: str | None = None
    nofollow: bool | None = None


@dataclass(frozen=True)
class LinkingPages:
    """The first few exact backlinks from one referring domain to one site, and how many in all."""

    urls: Sequence[LinkingUrl]
    total: int
