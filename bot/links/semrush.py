"""Semrush Backlinks API (v3 analytics): `backlinks_matrix` for the gap, `backlinks` for pages."""

from __future__ import annotations

import csv
import re
from typing import Any

import httpx

from bot.config import ConfigError, Settings
from bot.gaps import RefDomainLinks
from bot.links.base import LinkingPages, LinkingUrl, LinkSourceError
from bot.links.http import ProviderClient, RetryPolicy
from bot.links.providers import (
    Fetched,
    ProfileRequest,
    Spend,
    pages_needed,
    profile_of,
    scale_authority,
)

ANALYTICS_PATH = "/analytics/v1/"
PAGE_SIZE = 1000
UNITS_PER_LINE = 40
# Semrush: "one dollar is equal to approximately 20,000 API units".
USD_PER_UNIT = 1 / 20_000
CREDENTIALS = "SEMRUSH_API_KEY"
NOTHING_FOUND = 50
REFUSED_KEY = frozenset({120, 121, 130})
_ERROR = re.compile(r"^\s*ERROR\s+(\d+)\s*::\s*(.*)", re.DOTALL)


class Semrush:
    name = "semrush"
    label = "Semrush"
    authority_source = "Semrush AS"
    unit_name: str | None = "Semrush units"
    excludes_site = True

    def __init__(self, settings: Settings, page_size: int = PAGE_SIZE) -> None:
        if settings.semrush_api_key is None:
            raise ConfigError(f"set {CREDENTIALS} to use --source semrush")
        self.key = settings.semrush_api_key
        self.base_url = settings.semrush_api_url
        self.page_size = page_size

    def open_client(self, policy: RetryPolicy) -> ProviderClient:
        return ProviderClient(
            self.label,
            self.base_url,
            credentials=CREDENTIALS,
            policy=policy,
            params={"key": self.key.get_secret_value()},
        )

    def most_spend(self, max_rows: int) -> Spend:
        units = UNITS_PER_LINE * max_rows
        return Spend(pages_needed(max_rows, self.page_size), units, units * USD_PER_UNIT)

    def fetch_profile(
        self, http: ProviderClient, request: ProfileRequest, max_rows: int
    ) -> Fetched:
        """Referring domains of the site; with `excluding`, those with no backlink to it."""
        targets = [request.excluding, request.site] if request.excluding else [request.site]
        rows: list[dict[str, str]] = []
        spend = Spend()
        while len(rows) < max_rows:
            limit = min(self.page_size, max_rows - len(rows))
            page = _lines(http, self._matrix_params(targets, len(rows), limit))
            rows += page
            spend += _spend(len(page))
            if len(page) < limit:
                break
        entries = [_refdomain(row, request.site) for row in rows]
        return Fetched(profile_of(request.site, entries, [request.excluding]), spend)

    def _matrix_params(self, targets: list[str], offset: int, limit: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "type": "backlinks_matrix",
            "targets[]": targets,
            "target_types[]": ["root_domain"] * len(targets),
            "export_columns": "domain,domain_ascore,matches_num,backlinks_num",
            "display_offset": offset,
            # Semrush counts display_limit from the first line, not from the offset.
            "display_limit": offset + limit,
        }
        if len(targets) > 1:
            params["display_filter"] = "+|backlinksnum_0|Eq|0"
        return params

    def linking_pages(
        self, http: ProviderClient, refdomain: str, competitor: str, limit: int
    ) -> tuple[LinkingPages, Spend]:
        params = {
            "type": "backlinks",
            "target": competitor,
            "target_type": "root_domain",
            "export_columns": "source_url,target_url,anchor,nofollow",
            "display_filter": f"+|urlfrom|Co|{refdomain}",
            "display_limit": limit,
        }
        rows = _lines(http, params)
        urls = [
            LinkingUrl(
                row["source_url"],
                row.get("target_url"),
                row.get("anchor"),
                row.get("nofollow", "").lower() == "true",
            )
            for row in rows
        ]
        return LinkingPages(urls, len(urls)), _spend(len(rows))


def _lines(http: ProviderClient, params: dict[str, Any]) -> list[dict[str, str]]:
    """The report's lines as dicts; "NOTHING FOUND" is an empty report, not an error."""
    response = http.request("GET", ANALYTICS_PATH, params=params, check=lambda r: _check(http, r))
    if _ERROR.match(response.text):
        return []
    lines = response.text.strip().splitlines()
    return list(csv.DictReader(lines, delimiter=";"))


def _check(http: ProviderClient, response: httpx.Response) -> None:
    match = _ERROR.match(response.text)
    if match is None:
        if response.is_error:
            raise LinkSourceError(f"Semrush answered HTTP {response.status_code}")
        return
    code, message = int(match.group(1)), match.group(2).strip()
    if code == NOTHING_FOUND:
        return
    if code in REFUSED_KEY:
        raise http.refused(f"ERROR {code} {message}")
    raise LinkSourceError(f"Semrush: {message} (ERROR {code})")


def _spend(lines: int) -> Spend:
    units = UNITS_PER_LINE * lines
    return Spend(requests=1, units=units, usd=units * USD_PER_UNIT)


def _refdomain(row: dict[str, str], site: str) -> RefDomainLinks:
    # One column per target, named after it; the site is the last target asked for.
    links = int(row.get(site) or list(row.values())[-1] or 0)
    return RefDomainLinks(
        domain=row["domain"],
        links=links,
        # backlinks_matrix has no rel information: SPEC 5.5 counts such links as dofollow.
        dofollow_links=links,
        authority=scale_authority(row.get("domain_ascore"), 100),
    )
