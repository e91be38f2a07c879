"""DataForSEO Backlinks API: `domain_intersection` for the gap, `backlinks` for linking pages."""

from __future__ import annotations

from typing import Any

import httpx

from bot.config import ConfigError, Settings
from bot.gaps import RefDomainLinks
from bot.links.base import LinkingPages, LinkingUrl, LinkSourceError
from bot.links.http import ProviderClient, RetryLater, RetryPolicy
from bot.links.providers import (
    Fetched,
    ProfileRequest,
    Spend,
    pages_needed,
    profile_of,
    scale_authority,
)

INTERSECTION_PATH = "/v3/backlinks/domain_intersection/live"
BACKLINKS_PATH = "/v3/backlinks/backlinks/live"
PAGE_SIZE = 1000  # the endpoint's maximum `limit`
# List prices of the Backlinks API: per request, plus per returned row.
USD_PER_REQUEST = 0.02
USD_PER_ROW = 0.00003
STATUS_OK = 20000
STATUS_RATE_LIMITED = 40202
CREDENTIALS = "DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD"
NOT_DOFOLLOW = ("nofollow", "ugc", "sponsored")


class DataForSEO:
    name = "dataforseo"
    label = "DataForSEO"
    authority_source = "DataForSEO rank"
    unit_name: str | None = None
    excludes_site = True

    def __init__(self, settings: Settings, page_size: int = PAGE_SIZE) -> None:
        if not settings.dataforseo_login or settings.dataforseo_password is None:
            raise ConfigError(f"set {CREDENTIALS} to use --source dataforseo")
        self.auth = httpx.BasicAuth(
            settings.dataforseo_login, settings.dataforseo_password.get_secret_value()
        )
        self.base_url = settings.dataforseo_api_url
        self.page_size = page_size

    def open_client(self, policy: RetryPolicy) -> ProviderClient:
        return ProviderClient(
            self.label, self.base_url, credentials=CREDENTIALS, policy=policy, auth=self.auth
        )

    def most_spend(self, max_rows: int) -> Spend:
        pages = pages_needed(max_rows, self.page_size)
        return Spend(requests=pages, usd=pages * USD_PER_REQUEST + max_rows * USD_PER_ROW)

    def fetch_profile(
        self, http: ProviderClient, request: ProfileRequest, max_rows: int
    ) -> Fetched:
        """The site's referring domains that do not link to `request.excluding`, strongest first."""
        entries: list[RefDomainLinks] = []
        spend = Spend()
        while len(entries) < max_rows:
            task = self._intersection_task(request, min(self.page_size, max_rows - len(entries)))
            task["offset"] = len(entries)
            body = _post(http, INTERSECTION_PATH, task)
            spend += Spend(requests=1, usd=float(body.get("cost") or 0))
            result = _result(body)
            items = result.get("items") or []
            entries += [_refdomain(item) for item in items]
            if not items or len(entries) >= int(result.get("total_count") or 0):
                break
        return Fetched(profile_of(request.site, entries, [request.excluding]), spend)

    def _intersection_task(self, request: ProfileRequest, limit: int) -> dict[str, Any]:
        task: dict[str, Any] = {
            "targets": {"1": request.site},
            "limit": limit,
            "order_by": ["1.rank,desc"],
            "backlinks_status_type": "live",
            "include_subdomains": True,
            "exclude_internal_backlinks": True,
        }
        if request.excluding:
            task["exclude_targets"] = [request.excluding]
        return task

    def linking_pages(
        self, http: ProviderClient, refdomain: str, competitor: str, limit: int
    ) -> tuple[LinkingPages, Spend]:
        task = {
            "target": competitor,
            "mode": "as_is",
            "backlinks_status_type": "live",
            "include_subdomains": True,
            "filters": [
                ["domain_from", "=", refdomain],
                "or",
                ["domain_from", "like", f"%.{refdomain}"],
            ],
            "order_by": ["rank,desc"],
            "limit": limit,
        }
        body = _post(http, BACKLINKS_PATH, task)
        result = _result(body)
        urls = [
            LinkingUrl(
                item["url_from"],
                item.get("url_to"),
                item.get("anchor"),
                not item.get("dofollow", True),
            )
            for item in result.get("items") or []
        ]
        total = int(result.get("total_count") or len(urls))
        return LinkingPages(urls, total), Spend(requests=1, usd=float(body.get("cost") or 0))


def _post(http: ProviderClient, path: str, task: dict[str, Any]) -> dict[str, Any]:
    # The API takes an array of tasks; one per call keeps the per-site concurrency simple.
    response = http.request("POST", path, json=[task], check=lambda r: _check(http, r))
    body: dict[str, Any] = response.json()
    return body


def _check(http: ProviderClient, response: httpx.Response) -> None:
    """DataForSEO reports most errors in the body, with HTTP 200."""
    try:
        body = response.json()
    except ValueError:
        raise LinkSourceError(
            f"DataForSEO answered HTTP {response.status_code}, not JSON"
        ) from None
    tasks = body.get("tasks") or [{}]
    for status in (body, tasks[0]):
        code = int(status.get("status_code") or STATUS_OK)
        message = status.get("status_message") or "no message"
        if code == STATUS_OK:
            continue
        if code == STATUS_RATE_LIMITED or code >= 50000:
            raise RetryLater(f"status {code} {message}")
        if 40100 <= code < 40200:
            raise http.refused(f"status {code} {message}")
        raise LinkSourceError(f"DataForSEO: {message} (status {code})")


def _result(body: dict[str, Any]) -> dict[str, Any]:
    tasks = body.get("tasks") or [{}]
    results = tasks[0].get("result") or [{}]
    return results[0] or {}


def _refdomain(item: dict[str, Any]) -> RefDomainLinks:
    entry = item["domain_intersection"]["1"]
    links = int(entry.get("backlinks") or 0)
    attributes = entry.get("referring_links_attributes") or {}
    not_dofollow = sum(int(attributes.get(name) or 0) for name in NOT_DOFOLLOW)
    return RefDomainLinks(
        domain=entry["target"],
        links=links,
        # A link may carry several of these rels, so this is a lower bound.
        dofollow_links=max(0, links - not_dofollow),
        authority=scale_authority(entry.get("rank"), 1000),
    )
