"""DataForSEO Backlinks API: `referring_domains` for every site's profile, `backlinks` for pages.

Each site's profile is one target's referring domains, the case the referring_domains page
documents (https://docs.dataforseo.com/v3/backlinks/referring_domains/live/); the site's own
linkers are then left out by the gap engine, as for Ahrefs. `domain_intersection` is not
used: every example in its documentation has two or more targets, and what it answers is the
domains linking to those targets together, not one site's profile.
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.config import Settings
from bot.gaps import RefDomainLinks
from bot.links.adapter import Fetched, ProfileRequest, Provider, Spend, scale_authority
from bot.links.base import LinkingPages, LinkingUrl, LinkSourceError
from bot.links.http import ProviderClient, RetryLater

REFERRING_DOMAINS_PATH = "/v3/backlinks/referring_domains/live"
BACKLINKS_PATH = "/v3/backlinks/backlinks/live"
PAGE_SIZE = 1000  # both endpoints' documented maximum `limit`
# Backlinks API price: $0.02 a request plus $0.00003 a returned item; the documented example
# answers 5 items for "cost": 0.02015
# (https://dataforseo.com/update/structure-in-domain-and-page-intersection).
USD_PER_REQUEST = 0.02
USD_PER_ROW = 0.00003
# https://docs.dataforseo.com/v3/appendix/errors/: every answer is HTTP 200 with a status in
# the body, except 401, 402, 404 and 500.
STATUS_OK = 20000
STATUS_RATE_LIMITED = 40202
HTTP_PAYMENT_REQUIRED = 402
NOT_DOFOLLOW = ("nofollow", "ugc", "sponsored")
# Rank first, so that a max_rows cut keeps the strongest; then the domain, so that the order
# is total and offset pages neither repeat nor skip domains of equal rank.
ORDER_BY = ["rank,desc", "domain,asc"]


class DataForSEO(Provider):
    name = "dataforseo"
    label = "DataForSEO"
    authority_source = "DataForSEO rank"
    credentials = "DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD"
    page_size = PAGE_SIZE

    def __init__(self, settings: Settings) -> None:
        self.auth = httpx.BasicAuth(
            self.credential(settings.dataforseo_login, "DATAFORSEO_LOGIN"),
            self.credential(settings.dataforseo_password, "DATAFORSEO_PASSWORD"),
        )
        self.base_url = settings.dataforseo_api_url

    def most_spend(self, max_rows: int) -> Spend:
        pages = self.pages(max_rows)
        return Spend(requests=pages, usd=pages * USD_PER_REQUEST + max_rows * USD_PER_ROW)

    def fetch_profile(
        self, http: ProviderClient, request: ProfileRequest, max_rows: int
    ) -> Fetched:
        """The site's live referring domains, strongest first, up to `max_rows`."""
        entries: list[RefDomainLinks] = []
        spend = Spend()
        total: int | None = None
        while len(entries) < max_rows:
            task = {
                "target": request.site,
                "limit": min(self.page_size, max_rows - len(entries)),
                "offset": len(entries),
                "order_by": ORDER_BY,
                "backlinks_status_type": "live",
                "include_subdomains": True,
                "exclude_internal_backlinks": True,
            }
            body = _post(http, REFERRING_DOMAINS_PATH, task)
            spend += _spend(body)
            result = _result(body)
            items = result.get("items") or []
            entries += [_refdomain(item) for item in items]
            total = int(result.get("total_count") or 0)
            if not items or len(entries) >= total:
                break
        return Fetched.of(request, entries, spend, len(entries), total)

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
        return LinkingPages(urls, total), _spend(body)


def _post(http: ProviderClient, path: str, task: dict[str, Any]) -> dict[str, Any]:
    # The API takes an array of tasks, and its live endpoints one task per call.
    response = http.request("POST", path, json=[task], check=lambda r: _check(http, r))
    body: dict[str, Any] = response.json()
    return body


def _check(http: ProviderClient, response: httpx.Response) -> None:
    """The few HTTP errors, then the status codes in the body (top level, then the task)."""
    if response.status_code == HTTP_PAYMENT_REQUIRED:
        raise LinkSourceError(
            "DataForSEO could not bill the account (HTTP 402 Payment Required): check its"
            " balance at https://app.dataforseo.com"
        )
    if response.is_error:
        raise LinkSourceError(f"DataForSEO answered HTTP {response.status_code}")
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


def _spend(body: dict[str, Any]) -> Spend:
    """A call as DataForSEO bills it: the `cost` in USD its answer reports."""
    return Spend(requests=1, usd=float(body.get("cost") or 0))


def _refdomain(item: dict[str, Any]) -> RefDomainLinks:
    links = int(item.get("backlinks") or 0)
    attributes = item.get("referring_links_attributes") or {}
    not_dofollow = sum(int(attributes.get(name) or 0) for name in NOT_DOFOLLOW)
    return RefDomainLinks(
        domain=item["domain"],
        links=links,
        # A link may carry several of these rels, so this is a lower bound.
        dofollow_links=max(0, links - not_dofollow),
        # `rank` is on DataForSEO's default 0-1000 scale.
        authority=scale_authority(item.get("rank"), 1000),
    )
