"""Moz Links API v2: `link_intersect` for the gap, `links` for the linking pages.

Reference pages: https://moz.com/help/links-api/making-calls/link-intersect,
https://moz.com/help/links-api/making-calls/links,
https://moz.com/help/links-api/making-calls/weighted-endpoints (row counts),
https://moz.com/help/links-api/getting-started/overview (authentication, errors).
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.config import ConfigError, Settings
from bot.gaps import RefDomainLinks
from bot.links.adapter import Fetched, ProfileRequest, Provider, Spend, scale_authority
from bot.links.base import LinkingPages, LinkingUrl
from bot.links.http import ProviderClient, json_error_check

INTERSECT_PATH = "/v2/link_intersect"
LINKS_PATH = "/v2/links"
PAGE_SIZE = 50  # the documented maximum `limit` of both endpoints
# link_intersect is a weighted endpoint: every row it returns counts as 5 rows.
INTERSECT_ROW_WEIGHT = 5
# Moz sells rows inside its plans; this approximation is used for the budget only.
USD_PER_ROW = 0.002


class Moz(Provider):
    name = "moz"
    label = "Moz"
    authority_source = "Moz DA"
    unit_name = "Moz rows"
    excludes_site = True
    credentials = "MOZ_TOKEN (or MOZ_ACCESS_ID and MOZ_SECRET_KEY)"
    page_size = PAGE_SIZE

    def __init__(self, settings: Settings) -> None:
        if settings.moz_token is not None:
            self.headers = {"x-moz-token": self.credential(settings.moz_token, "MOZ_TOKEN")}
        elif settings.moz_access_id is not None and settings.moz_secret_key is not None:
            self.auth = httpx.BasicAuth(
                self.credential(settings.moz_access_id, "MOZ_ACCESS_ID"),
                self.credential(settings.moz_secret_key, "MOZ_SECRET_KEY"),
            )
        else:
            raise ConfigError(f"set {self.credentials} to use --source moz")
        self.base_url = settings.moz_api_url

    def most_spend(self, max_rows: int) -> Spend:
        rows = INTERSECT_ROW_WEIGHT * max_rows
        return Spend(self.pages(max_rows), rows, rows * USD_PER_ROW)

    def fetch_profile(
        self, http: ProviderClient, request: ProfileRequest, max_rows: int
    ) -> Fetched:
        """The root domains linking to the site and, from no page at all, to `excluding`."""
        domains: list[dict[str, Any]] = []
        spend = Spend()
        token: str | None = None
        while len(domains) < max_rows:
            body = self._intersect_body(request, min(self.page_size, max_rows - len(domains)))
            if token:
                body["next_token"] = token
            answer = http.request("POST", INTERSECT_PATH, json=body, check=_check).json()
            results = answer.get("results") or []
            domains += results
            spend += _spend(len(results), INTERSECT_ROW_WEIGHT)
            token = answer.get("next_token")
            if not results or not token:
                break
        entries = [_root_domain(result) for result in domains]
        # No next_token: Moz has no more rows, so what was fetched is the whole list.
        return Fetched.of(request, entries, spend, len(domains), None if token else len(domains))

    def _intersect_body(self, request: ProfileRequest, limit: int) -> dict[str, Any]:
        if request.excluding is None:
            raise ValueError("Moz profiles are fetched against the analysed site")
        return {
            "positive_targets": [{"target": request.site, "scope": "root_domain"}],
            "negative_targets": [{"target": request.excluding, "scope": "root_domain"}],
            # Negative targets exclude *sources*, at source_scope: at the default "page" scope
            # only the very page linking to the site is dropped, and a domain linking to the
            # site from one page and to the competitor from another comes back as a false
            # gap. At root-domain scope the whole domain is dropped.
            "source_scope": "root_domain",
            "sort": "source_domain_authority",
            "limit": limit,
        }

    def linking_pages(
        self, http: ProviderClient, refdomain: str, competitor: str, limit: int
    ) -> tuple[LinkingPages, Spend]:
        body = {
            "target": competitor,
            "target_scope": "root_domain",
            "source_root_domain": refdomain,
            "filter": "external",
            "limit": min(limit, self.page_size),
        }
        results = http.request("POST", LINKS_PATH, json=body, check=_check).json().get("results")
        urls = [
            LinkingUrl(
                _page_url(link.get("source") or {}),
                _page_url(link.get("target") or {}) or None,
                link.get("anchor_text"),
                link.get("nofollow"),
            )
            for link in results or []
        ]
        return LinkingPages(urls, len(urls)), _spend(len(urls), 1)


# Errors come as HTTP 4xx with a JSON body naming the problem in `message`.
_check = json_error_check("Moz", "message")


def _spend(rows: int, weight: int) -> Spend:
    """Rows as Moz counts them: those returned, times the endpoint's weight."""
    billed = rows * weight
    return Spend(requests=1, units=billed, usd=billed * USD_PER_ROW)


def _page_url(page: dict[str, Any]) -> str:
    url = str(page.get("page") or "")
    return url if "://" in url or not url else f"http://{url}"


def _root_domain(result: dict[str, Any]) -> RefDomainLinks:
    # At root-domain scope Moz gives each linking domain once and no count of its links, nor
    # rel information: it counts as one link, dofollow by SPEC 5.5.
    return RefDomainLinks(
        domain=result["root_domain"],
        links=1,
        dofollow_links=1,
        authority=scale_authority(result.get("domain_authority"), 100),
    )
