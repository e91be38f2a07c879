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
    # Per competitor, the dofollow links among all its links (kept so that a stored
    # result can be re-filtered to dofollow only without running the analysis again).
    dofollow_links: Mapping[str, int] = field(default_factory=dict)

    matches: int = field(init=False)
    total_links: int = field(init=False)

    def __post_init__(self) -> None:
        # Computed once: rankings read them for every comparison.
        object.__setattr__(self, "matches", sum(1 for n in self.links.values() if n > 0))
        object.__setattr__(self, "total_links", sum(self.links.values()))


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
    names = [profile.site for profile in competitors]
    check_sites(site.site, names)
    excluded = set(site.refdomains) | {site.site, *names} | options.blocklist
    found: dict[str, _Tally] = {}
    for profile in competitors:
        for domain, entry in profile.refdomains.items():
            count = entry.dofollow_links if options.dofollow_only else entry.links
            if count > 0 and domain not in excluded:
                found.setdefault(domain, _Tally()).add(profile.site, count, entry)
    wanted = max(options.min_matches, 1)
    opportunities = [
        tally.opportunity(domain, names)
        for domain, tally in found.items()
        if len(tally.links) >= wanted
    ]
    return rank(opportunities, options.sort)


@dataclass
class _Tally:
    """One referring domain's links to the competitors, gathered profile by profile."""

    links: dict[str, int] = field(default_factory=dict)
    dofollow: dict[str, int] = field(default_factory=dict)
    samples: dict[str, tuple[str, ...]] = field(default_factory=dict)
    authority: int | None = None

    def add(self, competitor: str, count: int, entry: RefDomainLinks) -> None:
        self.links[competitor] = count
        self.dofollow[competitor] = entry.dofollow_links
        if entry.sample_urls:
            self.samples[competitor] = entry.sample_urls
        if entry.authority is not None and (
            self.authority is None or entry.authority > self.authority
        ):
            self.authority = entry.authority

    def opportunity(self, domain: str, competitors: Sequence[str]) -> Opportunity:
        links = {name: self.links.get(name, 0) for name in competitors}
        dofollow = {name: self.dofollow.get(name, 0) for name in competitors}
        return Opportunity(domain, links, self.authority, self.samples, dofollow)


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
