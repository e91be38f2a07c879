"""Live providers as one LinkSource: plan, cache, budget, fetch sites concurrently, report cost."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

from pydantic import SecretStr

from bot.config import ConfigError
from bot.domains import try_fold_domain
from bot.gaps import RefDomainLinks, SiteProfile
from bot.links.base import (
    Coverage,
    GapProfiles,
    LinkData,
    LinkingPages,
    LinkingUrl,
    LinkSourceError,
    profiles_in_memory,
)
from bot.links.http import CredentialsRefused, ProviderClient, RetryPolicy
from bot.links.sources import DEFAULT_TEAM
from bot.store.cache import Cached, ProviderCache, SpendLedger

SAMPLE_URLS = 3


class BudgetExceeded(LinkSourceError):
    """The analysis could cost more than what is left of today's budget."""


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


class Provider(Protocol):
    """One live provider's adapter: its endpoints, response shapes, errors and prices."""

    name: str
    label: str
    authority_source: str
    # The provider's billing unit ("Ahrefs units"), or None where it bills in dollars.
    unit_name: str | None
    # True: it can leave the site's referring domains out, so the site itself is never fetched.
    excludes_site: bool

    def open_client(self, policy: RetryPolicy) -> ProviderClient: ...

    def fetch_profile(
        self, http: ProviderClient, request: ProfileRequest, max_rows: int
    ) -> Fetched: ...

    def most_spend(self, max_rows: int) -> Spend: ...

    def linking_pages(
        self, http: ProviderClient, refdomain: str, competitor: str, limit: int
    ) -> tuple[LinkingPages, Spend]: ...


def credential(value: SecretStr | str | None, variable: str, source: str) -> str:
    """A credential's value; unset, empty or blank is refused before any call, naming it.

    An empty key reaches the provider as a wrong one (Semrush answers "ERROR 122 :: WRONG
    FORMAT OR EMPTY KEY"); said before any call, the message names the variable to fix.
    """
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if text is None:
        raise ConfigError(f"set {variable} to use --source {source}")
    if not text.strip():
        raise ConfigError(f"{variable} is empty: set it to use --source {source}")
    return text


def pages_needed(max_rows: int, page_size: int) -> int:
    return max(1, math.ceil(max_rows / page_size))


def scale_authority(value: Any, top: float) -> int | None:
    """A provider score on 0..top as 0-100 (SPEC 5.7), or None when absent."""
    if value is None or value == "":
        return None
    return max(0, min(100, round(float(value) * 100 / top)))


def profile_of(
    site: str, entries: Iterable[RefDomainLinks], skip: Iterable[str | None] = ()
) -> SiteProfile:
    """Fold every referring host to its domain and merge what folds together."""
    excluded = {site, *skip}
    merged: dict[str, RefDomainLinks] = {}
    for entry in entries:
        domain = try_fold_domain(entry.domain)
        if domain is None or domain in excluded:
            continue
        folded = replace(entry, domain=domain)
        merged[domain] = _merge(merged[domain], folded) if domain in merged else folded
    return SiteProfile(site, merged)


def _merge(first: RefDomainLinks, second: RefDomainLinks) -> RefDomainLinks:
    authorities = [a for a in (first.authority, second.authority) if a is not None]
    return RefDomainLinks(
        domain=first.domain,
        links=first.links + second.links,
        dofollow_links=first.dofollow_links + second.dofollow_links,
        authority=max(authorities, default=None),
        sample_urls=(first.sample_urls + second.sample_urls)[:SAMPLE_URLS],
    )


def describe_spend(spend: Spend, unit_name: str | None) -> str:
    """E.g. "4 requests, about $0.08" or "4 requests, about 2,000 Ahrefs units (~$0.20)"."""
    requests = f"{spend.requests} request{'' if spend.requests == 1 else 's'}"
    if unit_name:
        return f"{requests}, about {spend.units:,.0f} {unit_name} (~${spend.usd:.2f})"
    return f"{requests}, about ${spend.usd:.2f}"


@dataclass(frozen=True)
class CostEstimate:
    """The most an analysis can cost before any call is made, and how much of it is cached."""

    spend: Spend
    sites_to_fetch: int
    sites_cached: int
    text: str


class ProviderSource:
    """A LinkSource over one provider, with the cache, the daily budget and concurrency."""

    def __init__(
        self,
        provider: Provider,
        cache: ProviderCache,
        ledger: SpendLedger,
        *,
        team_id: str = DEFAULT_TEAM,
        refresh: bool = False,
        budget_usd: float | None = None,
        max_rows: int = 1000,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.provider = provider
        self.name = provider.name
        self.cache = cache
        self.ledger = ledger
        self.team_id = team_id
        self.refresh = refresh
        self.budget_usd = budget_usd
        self.max_rows = max_rows
        self.policy = policy or RetryPolicy()
        self.fetch_site = True

    def competitors_only(self) -> ProviderSource:
        """This source, asked for the competitors only: the site's own links come from
        another source (`--site-source`), so its profile is neither fetched nor paid for."""
        clone = copy.copy(self)
        clone.fetch_site = False
        return clone

    def plan(self, site: str, competitors: Sequence[str]) -> list[ProfileRequest]:
        """The profiles one analysis needs from this provider."""
        if self.provider.excludes_site:
            return [ProfileRequest(competitor, site) for competitor in competitors]
        names = (site, *competitors) if self.fetch_site else tuple(competitors)
        return [ProfileRequest(name) for name in names]

    def estimate(self, site: str, competitors: Sequence[str]) -> CostEstimate:
        """The most this analysis can cost, computed before paying (cached sites are free)."""
        requests = self.plan(site, competitors)
        missing = [request for request in requests if request not in self._cached(requests)]
        return self._estimate(missing, len(requests) - len(missing))

    def _estimate(self, missing: Sequence[ProfileRequest], cached: int) -> CostEstimate:
        spend = self.provider.most_spend(self.max_rows).times(len(missing))
        if not missing:
            text = "no paid requests: every profile is cached"
        else:
            text = f"at most {describe_spend(spend, self.provider.unit_name)}"
            if cached:
                text += f" ({cached} of {cached + len(missing)} profiles cached, free)"
        return CostEstimate(spend, len(missing), cached, text)

    def profiles(
        self, site: str, competitors: Sequence[str]
    ) -> AbstractContextManager[GapProfiles]:
        return profiles_in_memory(self.fetch(site, competitors, dofollow_only=False))

    def fetch(self, site: str, competitors: Sequence[str], *, dofollow_only: bool) -> LinkData:
        requests = self.plan(site, competitors)
        cached = self._cached(requests)
        missing = [request for request in requests if request not in cached]
        self._check_budget(self._estimate(missing, len(cached)))
        fetched, failures = self._fetch_all(missing)
        for request, result in fetched.items():
            self.cache.put(self.name, request.site, request.mode, fetched_payload(result))
        spend = sum((result.spend for result in fetched.values()), Spend())
        self.ledger.record(self.team_id, self.name, spend.usd, spend.requests)
        if site in failures:
            raise LinkSourceError(f"{self.provider.label} could not fetch {site}: {failures[site]}")
        done = {r.site: c.fetched for r, c in cached.items()} | {
            r.site: f for r, f in fetched.items()
        }
        profiles = {name: result.profile for name, result in done.items()}
        return LinkData(
            site=profiles.get(site, SiteProfile(site, {})),
            competitors=[profiles.get(name, SiteProfile(name, {})) for name in competitors],
            source=self.name,
            authority_source=self.provider.authority_source,
            data_date=min((c.fetched_at.date() for c in cached.values()), default=None)
            or date.today(),
            cost=self._cost_text(spend, len(cached)),
            failures=failures,
            coverage={name: result.coverage(self.max_rows) for name, result in done.items()},
        )

    def _cost_text(self, spend: Spend, cached: int) -> str:
        text = (
            describe_spend(spend, self.provider.unit_name) if spend.requests else "no paid requests"
        )
        return (
            f"{text}; {cached} profile{'' if cached == 1 else 's'} from cache" if cached else text
        )

    def _cached(self, requests: Sequence[ProfileRequest]) -> dict[ProfileRequest, CachedProfile]:
        if self.refresh:
            return {}
        found = {}
        for request in requests:
            entry = self.cache.get(self.name, request.site, request.mode)
            if entry is not None:
                found[request] = CachedProfile.of(request.site, entry)
        return found

    def _check_budget(self, estimate: CostEstimate) -> None:
        if self.budget_usd is None or not estimate.sites_to_fetch:
            return
        left = max(0.0, self.budget_usd - self.ledger.spent_today(self.team_id))
        if estimate.spend.usd > left:
            raise BudgetExceeded(
                f"this analysis could cost up to ${estimate.spend.usd:.2f} but only ${left:.2f} "
                f"of today's ${self.budget_usd:.2f} budget is left (GAPBOT_DAILY_BUDGET_USD for"
                " the command line, App Home for a Slack workspace): use fewer competitors or"
                " try again tomorrow (UTC)"
            )

    def _fetch_all(
        self, requests: Sequence[ProfileRequest]
    ) -> tuple[dict[ProfileRequest, Fetched], dict[str, str]]:
        if not requests:
            return {}, {}
        with self.provider.open_client(self.policy) as http:
            workers = min(len(requests), self.policy.concurrency)
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = {
                    request: pool.submit(self.provider.fetch_profile, http, request, self.max_rows)
                    for request in requests
                }
            fetched, failures = {}, {}
            for request, future in futures.items():
                error = future.exception()
                if isinstance(error, CredentialsRefused):
                    raise error
                if isinstance(error, LinkSourceError):
                    failures[request.site] = str(error)
                elif error is not None:
                    raise error
                else:
                    fetched[request] = future.result()
        if len(failures) == len(requests):
            raise LinkSourceError(
                f"{self.provider.label} could not fetch any site: "
                + "; ".join(f"{site}: {reason}" for site, reason in failures.items())
            )
        return fetched, failures

    def linking_urls(
        self, refdomain: str, competitors: Sequence[str], limit: int
    ) -> dict[str, LinkingPages]:
        """The exact linking pages from `refdomain` to each competitor (cached like profiles)."""
        mode = f"links-from:{refdomain}:{limit}"
        found: dict[str, LinkingPages] = {}
        missing = []
        for competitor in competitors:
            entry = None if self.refresh else self.cache.get(self.name, competitor, mode)
            if entry is None:
                missing.append(competitor)
            else:
                found[competitor] = pages_from_payload(entry.payload)
        if missing:
            spend = self.provider.most_spend(limit).times(len(missing))
            self._check_budget(CostEstimate(spend, len(missing), 0, ""))
            found |= self._fetch_linking(refdomain, missing, limit, mode)
        return {competitor: found[competitor] for competitor in competitors if competitor in found}

    def _fetch_linking(
        self, refdomain: str, competitors: Sequence[str], limit: int, mode: str
    ) -> dict[str, LinkingPages]:
        with self.provider.open_client(self.policy) as http:
            workers = min(len(competitors), self.policy.concurrency)
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(
                    pool.map(
                        lambda c: self.provider.linking_pages(http, refdomain, c, limit),
                        competitors,
                    )
                )
        spend = sum((cost for _, cost in results), Spend())
        self.ledger.record(self.team_id, self.name, spend.usd, spend.requests)
        for competitor, (pages, _) in zip(competitors, results, strict=True):
            self.cache.put(self.name, competitor, mode, pages_payload(pages))
        return {
            competitor: pages for competitor, (pages, _) in zip(competitors, results, strict=True)
        }


@dataclass(frozen=True)
class CachedProfile:
    fetched: Fetched
    fetched_at: Any

    @classmethod
    def of(cls, site: str, entry: Cached) -> CachedProfile:
        return cls(fetched_from_payload(site, entry.payload), entry.fetched_at)


def fetched_payload(fetched: Fetched) -> dict[str, Any]:
    return {
        "refdomains": profile_payload(fetched.profile),
        "rows": fetched.rows,
        "total": fetched.total,
    }


def fetched_from_payload(site: str, payload: Any) -> Fetched:
    """A cached profile; one cached before coverage was kept (a bare list) counts its
    domains as its rows, which errs towards "cut off"."""
    if isinstance(payload, list):
        return Fetched(profile_from_payload(site, payload), Spend(), len(payload))
    profile = profile_from_payload(site, payload["refdomains"])
    return Fetched(profile, Spend(), payload["rows"], payload["total"])


def profile_payload(profile: SiteProfile) -> list[list[Any]]:
    return [
        [e.domain, e.links, e.dofollow_links, e.authority, list(e.sample_urls)]
        for e in profile.refdomains.values()
    ]


def profile_from_payload(site: str, payload: list[list[Any]]) -> SiteProfile:
    return SiteProfile.of(
        site,
        (
            RefDomainLinks(domain, links, dofollow, authority, tuple(samples))
            for domain, links, dofollow, authority, samples in payload
        ),
    )


def pages_payload(pages: LinkingPages) -> dict[str, Any]:
    urls = [[u.source_url, u.target_url, u.anchor, u.nofollow] for u in pages.urls]
    return {"urls": urls, "total": pages.total}


def pages_from_payload(payload: dict[str, Any]) -> LinkingPages:
    return LinkingPages([LinkingUrl(*url) for url in payload["urls"]], payload["total"])
