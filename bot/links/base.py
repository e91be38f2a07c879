"""The one small interface every link data source implements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import duckdb

from bot.gaps import SiteProfile, load_profiles, memory_connection

# Of each referring domain in a profile, how many linking page URLs it keeps as examples.
SAMPLE_URLS = 3
# Linking pages listed per competitor: the Links button's modal, and `gapbot links` by default.
LINKING_PAGES_SHOWN = 20


class LinkSourceError(RuntimeError):
    """A data source could not answer; the message says what failed and what to do."""


@dataclass(frozen=True)
class Coverage:
    """How much of one site's referring domains a source fetched.

    A live provider returns at most GAPBOT_PROVIDER_MAX_ROWS per site, strongest first
    (authority descending): a cut-off profile holds every domain stronger than its weakest
    one, and only those. The local index and the web graph are complete.
    """

    fetched: int | None = None  # None: not counted (a complete local source)
    total: int | None = None  # how many the provider says exist; None: it does not say
    complete: bool = True
    lowest_authority: int | None = None  # the weakest fetched domain's

    @property
    def unproven_cutoff(self) -> int | None:
        """The authority at or below which a domain's absence from this profile is not
        proven (unknown authority too); None where the profile is complete."""
        if self.complete:
            return None
        return AUTHORITY_MAX if self.lowest_authority is None else self.lowest_authority

    def describe(self) -> str:
        """E.g. "complete", "fetched 1,000 of 4,210 referring domains" or "of at least"."""
        if self.complete:
            return "complete"
        fetched = self.fetched or 0
        of = f"{self.total:,}" if self.total is not None else f"at least {fetched:,}"
        return f"fetched {fetched:,} of {of} referring domains"

    def as_json(self) -> dict[str, object]:
        return {
            "complete": self.complete,
            "fetched": self.fetched,
            "total": self.total,
            "text": self.describe(),
        }


AUTHORITY_MAX = 100
COMPLETE = Coverage()


@dataclass(frozen=True)
class Provenance:
    """Where an analysis' link data came from."""

    source: str
    authority_source: str | None = None
    data_date: date | None = None
    data_label: str | None = None  # e.g. the web graph release the data is from
    cost: str | None = None
    # Sites the source could not fetch (partial failure): site -> what went wrong.
    failures: dict[str, str] = field(default_factory=dict)
    # With --site-source: where the site's own links came from, and their date.
    site_source: str | None = None
    site_data_date: date | None = None
    # Each analysed site's coverage; a site not named here is complete.
    coverage: dict[str, Coverage] = field(default_factory=dict)

    def coverage_of(self, site: str) -> Coverage:
        return self.coverage.get(site, COMPLETE)

    def describe_coverage(self, sites: Sequence[str]) -> str:
        """E.g. "coverage: complete" or "coverage: mysite.com fetched 1,000 of 4,210
        referring domains, rival-a.com complete"."""
        described = [self.coverage_of(site).describe() for site in sites]
        if all(text == "complete" for text in described):
            return "coverage: complete"
        return "coverage: " + ", ".join(
            f"{site} {text}" for site, text in zip(sites, described, strict=True)
        )


@dataclass(frozen=True)
class GapProfiles:
    """The analysed sites' profiles where the engine can query them.

    `relation` names a table or view of `connection` with the engine's
    PROFILE_COLUMNS (bot.gaps), holding at least the analysed sites' rows.

    `names`: where `refdomain` is not a name but an integer key in name order (a big
    source, such as the web graph, whose gap query then groups and orders integers),
    a relation (key, name) to look names up in; the engine does so for the rows it
    shows or writes only. Such a source has no sample URLs.
    """

    connection: duckdb.DuckDBPyConnection
    relation: str
    provenance: Provenance
    names: str | None = None


@dataclass(frozen=True)
class LinkData:
    """The profiles of one analysis' sites as a live provider fetched them (in Python)."""

    site: SiteProfile
    competitors: Sequence[SiteProfile]
    source: str
    authority_source: str | None = None
    data_date: date | None = None
    cost: str | None = None
    failures: dict[str, str] = field(default_factory=dict)
    coverage: dict[str, Coverage] = field(default_factory=dict)

    @property
    def provenance(self) -> Provenance:
        return Provenance(
            source=self.source,
            authority_source=self.authority_source,
            data_date=self.data_date,
            cost=self.cost,
            failures=dict(self.failures),
            coverage=dict(self.coverage),
        )


@contextmanager
def profiles_in_memory(data: LinkData) -> Iterator[GapProfiles]:
    """A provider's profiles loaded into an in-memory DuckDB, for the same engine SQL."""
    with memory_connection() as connection:
        load_profiles(connection, "profiles", [data.site, *data.competitors])
        yield GapProfiles(connection, "profiles", data.provenance)


class LinkSource(Protocol):
    """Where an analysis' link data comes from: the sites' profiles, and exact linking pages."""

    name: str

    def profiles(
        self, site: str, competitors: Sequence[str]
    ) -> AbstractContextManager[GapProfiles]: ...

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
