"""Moz Links API v2: `link_intersect` for the gap, `links` for the linking pages."""

from __future__ import annotations

from typing import Any

import httpx

from bot.config import ConfigError, Settings
from bot.gaps import RefDomainLinks
from bot.links.base import LinkingPages, LinkingUrl
from bot.links.http import ProviderClient, RetryPolicy
from bot.links.providers import (
    Fetched,
    ProfileRequest,
    Spend,
    pages_needed,
    profile_of,
    scale_authority,
)

INTERSECT_PATH = "/v2/link_intersect"
LINKS_PATH = "/v2/links"
PAGE_SIZE = 50  # the endpoint's maximum `limit`
# Moz bills rows (one per result, at least one per request); approximation for the budget only.
USD_PER_ROW = 0.002
CREDENTIALS = "MOZ_TOKEN (or MOZ_ACCESS_ID and MOZ_SECRET_KEY)"


class Moz:
    name = "moz"
    label = "Moz"
    authority_source = "Moz DA"
    unit_name: str | None = "Moz rows"
    excludes_site = True

    def __init__(self, settings: Settings, page_size: int = PAGE_SIZE) -> None:
        self.auth: httpx.Auth | None = None
        self.headers: dict[str, str] = {}
        if settings.moz_token is not None:
            self.headers["x-moz-token"] = settings.moz_token.get_secret_value()
        elif settings.moz_access_id and settings.moz_secret_key is not None:
            self.auth = httpx.BasicAuth(
                settings.moz_access_id, settings.moz_secret_key.get_secret_value()
            )
        else:
            raise ConfigError(f"set {CREDENTIALS} to use --source moz")
        self.base_url = settings.moz_api_url
        self.page_size = page_size

    def open_client(self, policy: RetryPolicy) -> ProviderClient:
        return ProviderClient(
            self.label,
            self.base_url,
            credentials=CREDENTIALS,
            policy=policy,
            auth=self.auth,
            headers=self.headers,
        )

    def most_spend(self, max_rows: int) -> Spend:
        return Spend(pages_needed(max_rows, self.page_size), max_rows, max_rows * USD_PER_ROW)

    def fetch_profile(
        self, http: ProviderClient, request: ProfileRequest, max_rows: int
    ) -> Fetched:
        """Pages linking to the site (and not to `excluding`), grouped by their domain."""
        pages: list[dict[str, Any]] = []
        spend = Spend()
        token: str | None = None
        while len(pages) < max_rows:
            body = self._intersect_body(request, min(self.page_size, max_rows - len(pages)), token)
            answer = http.request("POST", INTERSECT_PATH, json=body).json()
            results = answer.get("results") or []
            pages += results
            spend += _spend(len(results))
            token = answer.get("next_token")
            if not results or not token:
                break
        entries = [_page_link(page) for page in pages]
        return Fetched(profile_of(request.site, entries, [request.excluding]), spend)

    def _intersect_body(
        self, request: ProfileRequest, limit: int, token: str | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "positive_targets": [{"target": request.site, "scope": "root_domain"}],
            "negative_targets": [],
            "source_scope": "page",
            "sort": "source_domain_authority",
            "limit": limit,
        }
        if request.excluding:
            body["negative_targets"] = [{"target": request.excluding, "scope": "root_domain"}]
        if token:
            body["next_token"] = token
        return body

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
        results = http.request("POST", LINKS_PATH, json=body).json().get("results") or []
        urls = [
            LinkingUrl(
                _page_url(link.get("source") or {}),
                _page_url(link.get("target") or {}) or None,
                link.get("anchor_text"),
                link.get("nofollow"),
            )
            for link in results
        ]
        return LinkingPages(urls, len(urls)), _spend(len(results))


def _spend(rows: int) -> Spend:
    billed = max(1, rows)
    return Spend(requests=1, units=billed, usd=billed * USD_PER_ROW)


def _page_url(page: dict[str, Any]) -> str:
    url = str(page.get("page") or "")
    return url if "://" in url or not url else f"http://{url}"


def _page_link(result: dict[str, Any]) -> RefDomainLinks:
    # link_intersect has no rel information: SPEC 5.5 counts such links as dofollow.
    url = _page_url(result)
    return RefDomainLinks(
        domain=url,
        links=1,
        dofollow_links=1,
        authority=scale_authority(result.get("domain_authority"), 100),
        sample_urls=(url,),
    )
