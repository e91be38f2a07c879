"""Live providers as one LinkSource: plan, cache, budget, fetch sites concurrently, report cost."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.gaps import RefDomainLinks, SiteProfile
from bot.links.adapter import Fetched, ProfileRequest, Provider, Spend
from bot.links.base import (
    GapProfiles,
    LinkData,
    LinkingPages,
    LinkingUrl,
    LinkSourceError,
    profiles_in_memory,
)
from bot.links.http import CredentialsRefused, RetryPolicy
from bot.links.provider_store import Cached, ProviderStore
from bot.links.sources import DEFAULT_TEAM
from bot.wording import counted


class BudgetExceeded(LinkSourceError):
    """The analysis could cost more than what is left of today's budget."""


def describe_spend(spend: Spend, unit_name: str | None) -> str:
    """E.g. "4 requests, about $0.08" or "4 requests, about 2,000 Ahrefs units (~$0.20)"."""
    requests = counted(spend.requests, "request")
    if unit_name:
        return f"{requests}, about {spend.units:,.0f} {unit_name} (~${spend.usd:.2f})"
    return f"{requests}, about ${spend.usd:.2f}"


@dataclass(frozen=True)
class CostEstimate:
    """The most an analysis can cost before any call is made, and how much of it is cached."""

    spend: Spend
    sites_to_fetch: int
    text: str


class ProviderSource:
    """A LinkSource over one provider, with the cache, the daily budget and concurrency.

    `store` keeps its answers for `max_age` (GAPBOT_CACHE_TTL_DAYS) and counts what
    `team_id` spends against `budget_usd` a day (None: no limit)."""

    def __init__(
        self,
        provider: Provider,
        store: ProviderStore,
        *,
        max_age: timedelta,
        team_id: str = DEFAULT_TEAM,
        refresh: bool = False,
        budget_usd: float | None = None,
        max_rows: int = 1000,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.provider = provider
        self.name = provider.name
        self.store = store
        self.max_age = max_age
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
        return CostEstimate(spend, len(missing), text)

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
            self.store.keep(self.name, request.site, request.mode, fetched_payload(result))
        spend = sum((result.spend for result in fetched.values()), Spend())
        self.store.record_spend(self.team_id, self.name, spend.usd, spend.requests)
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
        return f"{text}; {counted(cached, 'profile')} from cache" if cached else text

    def _cached(self, requests: Sequence[ProfileRequest]) -> dict[ProfileRequest, CachedProfile]:
        found = {}
        for request in requests:
            entry = self._kept(request.site, request.mode)
            if entry is not None:
                found[request] = CachedProfile.of(request.site, entry)
        return found

    def _kept(self, site: str, mode: str) -> Cached | None:
        """The answer the store keeps for this question, unless asked to pay again (refresh)."""
        return None if self.refresh else self.store.cached(self.name, site, mode, self.max_age)

    def _check_budget(self, estimate: CostEstimate) -> None:
        if self.budget_usd is None or not estimate.sites_to_fetch:
            return
        left = max(0.0, self.budget_usd - self.store.spent_today(self.team_id))
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
            entry = self._kept(competitor, mode)
            if entry is None:
                missing.append(competitor)
            else:
                found[competitor] = pages_from_payload(entry.payload)
        if missing:
            spend = self.provider.most_spend(limit).times(len(missing))
            self._check_budget(CostEstimate(spend, len(missing), ""))
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
        self.store.record_spend(self.team_id, self.name, spend.usd, spend.requests)
        for competitor, (pages, _) in zip(competitors, results, strict=True):
            self.store.keep(self.name, competitor, mode, pages_payload(pages))
        return {
            competitor: pages for competitor, (pages, _) in zip(competitors, results, strict=True)
        }


@dataclass(frozen=True)
class CachedProfile:
    fetched: Fetched
    fetched_at: datetime

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
