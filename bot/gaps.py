"""The gap engine: site profiles in, ranked backlink-gap opportunities out (SPEC 5.2-5.7).

Pure: it knows nothing about where link data comes from (the local index, a live
provider) or where results go (terminal, Slack).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MAX_COMPETITORS = 10


class SortOrder(StrEnum):
    MATCHES = "matches"
    MATCHES_ASC = "matches-asc"
    AUTHORITY = "authority"


@dataclass(frozen=True)
class RefDomainLinks:
    """What one referring domain links to one site with."""

    domain: str
    links: int
    dofollow_links: int
    authority: int | None = None
    sample_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteProfile:
    """A site's live backlink profile, by referring domain."""

    site: str
    refdomains: Mapping[str, RefDomainLinks]

    @classmethod
    def of(cls, site: str, refdomains: Iterable[RefDomainLinks]) -> SiteProfile:
        return cls(site, {entry.domain: entry for entry in refdomains})


@dataclass(frozen=True)
class GapOptions:
    min_matches: int = 1
    dofollow_only: bool = False
    sort: SortOrder = SortOrder.MATCHES
    blocklist: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Opportunity:
    """A referring domain that links to competitors but not to the site."""

    domain: str
    links: Mapping[str, int]
    authority: int | None = None
    sample_urls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def matches(self) -> int:
        return sum(1 for count in self.links.values() if count > 0)

    @property
    def total_links(self) -> int:
        return sum(self.links.values())


class GapInputError(ValueError):
    """The analysis was asked something it cannot answer (e.g. 11 competitors)."""


def check_sites(site: str, competitors: Sequence[str]) -> None:
    """Refuse a competitor list SPEC 4 does not allow, with one sentence."""
    if not competitors:
        raise GapInputError("give at least one competitor")
    if len(competitors) > MAX_COMPETITORS:
        raise GapInputError(
            f"at most {MAX_COMPETITORS} competitors per analysis ({len(competitors)} given)"
        )
    if site in competitors:
        raise GapInputError(f"{site} is both the site and a competitor")
    if len(set(competitors)) != len(competitors):
        raise GapInputError("a competitor is listed twice")


def find_gaps(
    site: SiteProfile, competitors: Sequence[SiteProfile], options: GapOptions = GapOptions()
) -> list[Opportunity]:
    """Every opportunity for `site` against `competitors`, filtered and in the chosen order."""
    check_sites(site.site, [profile.site for profile in competitors])
    excluded = set(site.refdomains) | {site.site} | {c.site for c in competitors}
    excluded |= options.blocklist
    candidates: set[str] = set()
    for profile in competitors:
        candidates.update(profile.refdomains)
    opportunities = []
    for domain in candidates - excluded:
        opportunity = _opportunity(domain, competitors, options.dofollow_only)
        if opportunity.matches >= max(options.min_matches, 1):
            opportunities.append(opportunity)
    return rank(opportunities, options.sort)


def _opportunity(
    domain: str, competitors: Sequence[SiteProfile], dofollow_only: bool
) -> Opportunity:
    links: dict[str, int] = {}
    samples: dict[str, tuple[str, ...]] = {}
    authorities: list[int] = []
    for profile in competitors:
        entry = profile.refdomains.get(domain)
        count = 0
        if entry is not None:
            count = entry.dofollow_links if dofollow_only else entry.links
            if entry.authority is not None:
                authorities.append(entry.authority)
            if count and entry.sample_urls:
                samples[profile.site] = entry.sample_urls
        links[profile.site] = count
    return Opportunity(domain, links, max(authorities, default=None), samples)


def rank(opportunities: Iterable[Opportunity], order: SortOrder) -> list[Opportunity]:
    """Sort by SPEC 5.6; the default order breaks every tie, so the result is stable."""
    return sorted(opportunities, key=_SORT_KEYS[order])


def _matches_key(item: Opportunity) -> tuple[int, int, str]:
    return (-item.matches, -item.total_links, item.domain)


def _matches_asc_key(item: Opportunity) -> tuple[int, int, str]:
    return (item.matches, -item.total_links, item.domain)


def _authority_key(item: Opportunity) -> tuple[bool, int, int, int, str]:
    unknown = item.authority is None
    return (unknown, -(item.authority or 0), -item.matches, -item.total_links, item.domain)


_SORT_KEYS: dict[SortOrder, Callable[[Opportunity], tuple[Any, ...]]] = {
    SortOrder.MATCHES: _matches_key,
    SortOrder.MATCHES_ASC: _matches_asc_key,
    SortOrder.AUTHORITY: _authority_key,
}
