"""Semrush Backlinks API (v3 analytics): `backlinks_matrix` for the gap, `backlinks` for pages.

Reference page for both reports: https://developer.semrush.com/api/v3/analytics/backlinks/
(parameters, columns, prices); errors: https://developer.semrush.com/api/v3/projects/basic-docs/
and https://developer.semrush.com/api/basics/api-units-balance.
"""

from __future__ import annotations

import csv
import re
from typing import Any

import httpx

from bot.config import Settings
from bot.gaps import RefDomainLinks
from bot.links.adapter import Fetched, ProfileRequest, Provider, Spend, scale_authority
from bot.links.base import LinkingPages, LinkingUrl, LinkSourceError
from bot.links.http import ProviderClient

ANALYTICS_PATH = "/analytics/v1/"
PAGE_SIZE = 1000
# Both reports cost 40 units a line.
UNITS_PER_LINE = 40
# Semrush: "one dollar is equal to approximately 20,000 API units".
USD_PER_UNIT = 1 / 20_000
NOTHING_FOUND = 50
# 70 key hash failure, 120 wrong key-ID pair, 121 wrong format or empty hash, 122 wrong format
# or empty key, 130 API disabled: each is answered by checking the key.
REFUSED_KEY = frozenset({70, 120, 121, 122, 130})
BALANCE_IS_ZERO = 132
_ERROR = re.compile(r"^\s*ERROR\s+(\d+)\s*::\s*(.*)", re.DOTALL)


class Semrush(Provider):
    name = "semrush"
    label = "Semrush"
    authority_source = "Semrush AS"
    unit_name = "Semrush units"
    excludes_site = True
    credentials = "SEMRUSH_API_KEY"
    page_size = PAGE_SIZE

    def __init__(self, settings: Settings) -> None:
        self.params = {"key": self.credential(settings.semrush_api_key, self.credentials)}
        self.base_url = settings.semrush_api_url

    def most_spend(self, max_rows: int) -> Spend:
        units = UNITS_PER_LINE * max_rows
        return Spend(self.pages(max_rows), units, units * USD_PER_UNIT)

    def fetch_profile(
        self, http: ProviderClient, request: ProfileRequest, max_rows: int
    ) -> Fetched:
        """The referring domains of the site with no backlink to `request.excluding`."""
        if request.excluding is None:
            raise ValueError("Semrush profiles are fetched against the analysed site")
        targets = [request.excluding, request.site]
        rows: list[dict[str, str]] = []
        spend = Spend()
        while len(rows) < max_rows:
            limit = min(self.page_size, max_rows - len(rows))
            page = _lines(http, _matrix_params(targets, len(rows), limit))
            rows += page
            spend += _spend(len(page))
            # A short page is the end of the report (or of the units balance: Semrush then
            # answers the lines it can pay for).
            if len(page) < limit:
                break
        if rows and request.site not in rows[0]:
            raise LinkSourceError(f"Semrush answered no backlink column for {request.site}")
        entries = [_refdomain(row, request.site) for row in rows]
        return Fetched.of(request, entries, spend, len(rows))

    def linking_pages(
        self, http: ProviderClient, refdomain: str, competitor: str, limit: int
    ) -> tuple[LinkingPages, Spend]:
        params = {
            "type": "backlinks",
            "target": competitor,
            "target_type": "root_domain",
            "export_columns": "source_url,target_url,anchor,nofollow",
            # refdomain is one of the report's documented filter fields.
            "display_filter": f"+|refdomain|Eq|{refdomain}",
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


def _matrix_params(targets: list[str], offset: int, limit: int) -> dict[str, Any]:
    """Referring domains of the last target with no backlink to the first one."""
    return {
        "type": "backlinks_matrix",
        "targets[]": targets,
        "target_types[]": ["root_domain"] * len(targets),
        # The report adds one column per target, named after it, with its backlink count.
        "export_columns": "domain,domain_ascore",
        # The documented gap filter: no backlink to the first target.
        "display_filter": "+|backlinksnum_0|Eq|0",
        "display_offset": offset,
        # display_limit counts from the first line, not from the offset.
        "display_limit": offset + limit,
    }


def _lines(http: ProviderClient, params: dict[str, Any]) -> list[dict[str, str]]:
    """The report's lines as dicts; "NOTHING FOUND" is an empty report, not an error."""
    response = http.request("GET", ANALYTICS_PATH, params=params, check=lambda r: _check(http, r))
    if _ERROR.match(response.text):
        return []
    lines = response.text.strip().splitlines()
    return list(csv.DictReader(lines, delimiter=";"))


def _check(http: ProviderClient, response: httpx.Response) -> None:
    """Reports answer errors as "ERROR <code> :: <MESSAGE>" text."""
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
    if code == BALANCE_IS_ZERO:
        raise LinkSourceError(
            f"Semrush: the API units balance is used up (ERROR {code}): buy more under"
            " Subscription info > API units"
        )
    raise LinkSourceError(f"Semrush: {message} (ERROR {code})")


def _spend(lines: int) -> Spend:
    units = UNITS_PER_LINE * lines
    return Spend(requests=1, units=units, usd=units * USD_PER_UNIT)


def _refdomain(row: dict[str, str], site: str) -> RefDomainLinks:
    links = int(row[site] or 0)
    return RefDomainLinks(
        domain=row["domain"],
        links=links,
        # backlinks_matrix has no rel information: SPEC 5.5 counts such links as dofollow.
        dofollow_links=links,
        authority=scale_authority(row.get("domain_ascore"), 100),
    )
