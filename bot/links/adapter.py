"""What one live provider's adapter is: the Provider base (its HTTP client, its pages, its
credentials), what it is asked (ProfileRequest) and answers (Fetched, Spend), and the scale its
authority is read on. One module per provider (ahrefs.py, ...) builds on it."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import httpx
from pydantic import SecretStr

from bot.config import ConfigError
from bot.domains import try_fold_domain
from bot.gaps import RefDomainLinks, SiteProfile
from bot.links.base import SAMPLE_URLS, Coverage, LinkingPages
from bot.links.http import ProviderClient, RetryPolicy


@dataclass(frozen=True)
class Spend:
    """What some provider calls cost: requests, the provider's own units, and dollars."""

    requests: int = 0
    units: float = 0.0
    usd: float = 0.0

    def __add__(self, other: Spend) -> Spend:
        return Spend(self.requests + other.requests, self.units + other.units, self.usd + other.usd)

    def times(self, count: int) -> Spend:
        return Spend(self.requests * count, self.units * count, self.usd * count)


@dataclass(frozen=True)
class ProfileRequest:
    """One site's profile to fetch; `excluding`: leave out the domains linking to that site."""

    site: str
    excluding: str | None = None

    @property
    def mode(self) -> str:
        """The profile's cache key. "domain-gap-vs:" since Moz leaves out whole domains: its
        profiles cached under "gap-vs:" dropped only the pages linking to the site."""
        return f"domain-gap-vs:{self.excluding}" if self.excluding else "all"


@dataclass(frozen=True)
class Fetched:
    """One site's profile as fetched: `rows` the provider returned (before folding hosts
    together), and `total`, how many it says exist (None where it does not say)."""

    profile: SiteProfile
    spend: Spend
    rows: int = 0
    total: int | None = None

    @classmethod
    def of(
        cls,
        request: ProfileRequest,
        entries: Iterable[RefDomainLinks],
        spend: Spend,
        rows: int,
        total: int | None = None,
    ) -> Fetched:
        """The profile of `request.site` from a provider's rows: every referring host folded
        to its domain, what folds together merged, the site and `request.excluding` left out."""
        excluded = {request.site, request.excluding}
        merged: dict[str, RefDomainLinks] = {}
        for entry in entries:
            domain = try_fold_domain(entry.domain)
            if domain is None or domain in excluded:
                continue
            folded = replace(entry, domain=domain)
            merged[domain] = _merge(merged[domain], folded) if domain in merged else folded
        return cls(SiteProfile(request.site, merged), spend, rows, total)

    def coverage(self, max_rows: int) -> Coverage:
        """Complete when the provider ran out of rows before the cap, or says there are no
        more; else cut off at the weakest domain fetched (providers sort by authority)."""
        complete = self.rows < max_rows or (self.total is not None and self.rows >= self.total)
        authorities = [
            e.authority for e in self.profile.refdomains.values() if e.authority is not None
        ]
        return Coverage(
            fetched=len(self.profile.refdomains),
            total=self.total,
            complete=complete,
            lowest_authority=min(authorities, default=None),
        )


class Provider(ABC):
    """One live provider's adapter: its endpoints, response shapes, errors and prices.

    Its HTTP client is made here from what the adapter sets: where the API answers
    (`base_url`) and how it is signed (`auth`, `headers` or `params`)."""

    name: str
    label: str
    authority_source: str
    # The provider's billing unit ("Ahrefs units"), or None where it bills in dollars.
    unit_name: str | None = None
    # True: it can leave the site's referring domains out, so the site itself is never fetched.
    excludes_site: bool = False
    # The variables to check when the provider refuses the credentials.
    credentials: str
    # Rows a request asks for at the most.
    page_size: int
    base_url: str
    auth: httpx.Auth | None = None
    headers: dict[str, str] | None = None
    params: dict[str, str] | None = None

    def open_client(self, policy: RetryPolicy) -> ProviderClient:
        return ProviderClient(
            self.label,
            self.base_url,
            credentials=self.credentials,
            policy=policy,
            auth=self.auth,
            headers=self.headers,
            params=self.params,
        )

    def pages(self, max_rows: int) -> int:
        """The requests `max_rows` rows take at the most."""
        return max(1, math.ceil(max_rows / self.page_size))

    def credential(self, value: SecretStr | str | None, variable: str) -> str:
        """A credential's value; unset, empty or blank is refused before any call, naming it.

        An empty key reaches the provider as a wrong one (Semrush answers "ERROR 122 :: WRONG
        FORMAT OR EMPTY KEY"); said before any call, the message names the variable to fix.
        """
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is None:
            raise ConfigError(f"set {variable} to use --source {self.name}")
        if not text.strip():
            raise ConfigError(f"{variable} is empty: set it to use --source {self.name}")
        return text

    @abstractmethod
    def fetch_profile(
        self, http: ProviderClient, request: ProfileRequest, max_rows: int
    ) -> Fetched: ...

    @abstractmethod
    def most_spend(self, max_rows: int) -> Spend: ...

    @abstractmethod
    def linking_pages(
        self, http: ProviderClient, refdomain: str, competitor: str, limit: int
    ) -> tuple[LinkingPages, Spend]: ...


def scale_authority(value: Any, top: float) -> int | None:
    """A provider score on 0..top as 0-100 (SPEC 5.7), or None when absent."""
    if value is None or value == "":
        return None
    return max(0, min(100, round(float(value) * 100 / top)))


def _merge(first: RefDomainLinks, second: RefDomainLinks) -> RefDomainLinks:
    authorities = [a for a in (first.authority, second.authority) if a is not None]
    return RefDomainLinks(
        domain=first.domain,
        links=first.links + second.links,
        dofollow_links=first.dofollow_links + second.dofollow_links,
        authority=max(authorities, default=None),
        sample_urls=(first.sample_urls + second.sample_urls)[:SAMPLE_URLS],
    )
