"""Ahrefs API v3 Site Explorer: `refdomains` for profiles, `all-backlinks` for linking pages.

Reference pages: https://docs.ahrefs.com/api/reference/site-explorer/get-refdomains and
https://docs.ahrefs.com/api/reference/site-explorer/get-all-backlinks (parameters and fields),
https://docs.ahrefs.com/api/docs/filter-syntax (`where`),
https://docs.ahrefs.com/api/docs/limits-consumption (units).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from bot.config import Settings
from bot.gaps import RefDomainLinks
from bot.links.adapter import Fetched, ProfileRequest, Provider, Spend, scale_authority
from bot.links.base import LinkingPages, LinkingUrl
from bot.links.http import ProviderClient, json_error_check

REFDOMAINS_PATH = "/v3/site-explorer/refdomains"
BACKLINKS_PATH = "/v3/site-explorer/all-backlinks"
REFDOMAIN_FIELDS = ("domain", "domain_rating", "links_to_target", "dofollow_links")
BACKLINK_FIELDS = ("url_from", "url_to", "anchor", "is_dofollow")
# refdomains has no offset: pages follow each other by a keyset condition in `where` over
# this order, total thanks to the domain, so that no page repeats or skips a domain. Both
# columns are selected anyway, so the condition costs no extra units.
ORDER_BY = "domain_rating:desc,domain:asc"
PAGE_SIZE = 1000  # the documented default `limit`
# Units per request: max(50, per-row cost x rows); the per-row cost is 1 unit for each
# distinct plain field in select, where and order_by (limits-consumption page).
MIN_UNITS = 50
# Ahrefs sells units only inside its plans; this approximation is used for the budget only.
USD_PER_UNIT = 0.0001


class Ahrefs(Provider):
    name = "ahrefs"
    label = "Ahrefs"
    authority_source = "Ahrefs DR"
    unit_name = "Ahrefs units"
    credentials = "AHREFS_API_KEY"
    page_size = PAGE_SIZE

    def __init__(self, settings: Settings) -> None:
        key = self.credential(settings.ahrefs_api_key, self.credentials)
        self.headers = {"Authorization": f"Bearer {key}"}
        self.base_url = settings.ahrefs_api_url

    def most_spend(self, max_rows: int) -> Spend:
        pages = self.pages(max_rows)
        units = max(MIN_UNITS * pages, len(REFDOMAIN_FIELDS) * max_rows)
        return Spend(requests=pages, units=units, usd=units * USD_PER_UNIT)

    def fetch_profile(
        self, http: ProviderClient, request: ProfileRequest, max_rows: int
    ) -> Fetched:
        """Every live referring domain of the site, highest DR first, up to `max_rows`."""
        rows: list[dict[str, Any]] = []
        spend = Spend()
        while len(rows) < max_rows:
            limit = min(self.page_size, max_rows - len(rows))
            params = {
                "target": request.site,
                "mode": "subdomains",
                "history": "live",
                "select": ",".join(REFDOMAIN_FIELDS),
                "order_by": ORDER_BY,
                "limit": limit,
                "output": "json",
            }
            if rows:
                params["where"] = json.dumps(_after(rows[-1]))
            response = http.request("GET", REFDOMAINS_PATH, params=params, check=_check)
            page = response.json().get("refdomains") or []
            rows += page
            spend += _spend(response, len(page), len(REFDOMAIN_FIELDS))
            if len(page) < limit:
                break
        # v3 refdomains reports no total: a profile of max_rows is "at least" that many.
        return Fetched.of(request, map(_refdomain, rows), spend, len(rows))

    def linking_pages(
        self, http: ProviderClient, refdomain: str, competitor: str, limit: int
    ) -> tuple[LinkingPages, Spend]:
        params = {
            "target": competitor,
            "mode": "subdomains",
            "history": "live",
            "select": ",".join(BACKLINK_FIELDS),
            "where": json.dumps({"field": "root_name_source", "is": ["eq", refdomain]}),
            "limit": limit,
            "output": "json",
        }
        response = http.request("GET", BACKLINKS_PATH, params=params, check=_check)
        rows = response.json().get("backlinks") or []
        urls = [
            LinkingUrl(
                row["url_from"],
                row.get("url_to"),
                row.get("anchor"),
                not row.get("is_dofollow", True),
            )
            for row in rows
        ]
        # root_name_source is in `where` only, so it adds one unit per row.
        return LinkingPages(urls, len(urls)), _spend(response, len(rows), len(BACKLINK_FIELDS) + 1)


def _after(row: dict[str, Any]) -> dict[str, Any]:
    """The rows that come after `row` in ORDER_BY: a lower DR, or the same DR and a later name."""
    rating, domain = row["domain_rating"], row["domain"]
    return {
        "or": [
            {"field": "domain_rating", "is": ["lt", rating]},
            {
                "and": [
                    {"field": "domain_rating", "is": ["eq", rating]},
                    {"field": "domain", "is": ["gt", domain]},
                ]
            },
        ]
    }


# Errors come as HTTP 4xx with a JSON body naming the problem in `error`.
_check = json_error_check("Ahrefs", "error")


def _spend(response: httpx.Response, rows: int, fields: int) -> Spend:
    """Units as Ahrefs reports them in its headers, else as its pricing rule computes them."""
    reported = response.headers.get("x-api-units-cost-total-actual")
    units = float(reported) if reported else max(MIN_UNITS, fields * rows)
    return Spend(requests=1, units=units, usd=units * USD_PER_UNIT)


def _refdomain(row: dict[str, Any]) -> RefDomainLinks:
    return RefDomainLinks(
        domain=row["domain"],
        links=int(row.get("links_to_target") or 0),
        dofollow_links=int(row.get("dofollow_links") or 0),
        authority=scale_authority(row.get("domain_rating"), 100),
    )
