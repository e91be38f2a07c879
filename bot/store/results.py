"""Stored results: each finished analysis' opportunities as one Parquet file, paged by DuckDB.

A result can hold a million opportunities; the app database keeps only the
analysis row, and its pages, sorts, filters and CSV export are read from the file
with the engine's own listing SQL (bot.gaps), so they order exactly as the
analysis did. Files live under GAPBOT_HOME/results/<team>/, one folder per Slack
workspace.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bot.gaps import (
    Listing,
    Opportunity,
    csv_select,
    list_stored_page,
    listing_sql,
    matches_filter,
    order_by,
)
from bot.links.duckdb_tools import sql_string, written_rows

_SAFE_TEAM = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class ListingCounts:
    listed: int  # rows the listing shows
    hidden: int  # rows it leaves out only because they are hidden (ignored)


class ResultFiles:
    """The folder of stored results."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # One in-memory DuckDB for all reads, a cursor each: opening a database costs
        # about 20 ms, more than reading a page.
        self._database = duckdb.connect()

    def path(self, team_id: str, analysis_id: int) -> Path:
        """Where a team's analysis keeps its opportunities."""
        team = team_id if _SAFE_TEAM.fullmatch(team_id) else _digest(team_id)
        return self.folder / team / f"{int(analysis_id)}.parquet"

    def exists(self, team_id: str, analysis_id: int) -> bool:
        return self.path(team_id, analysis_id).is_file()

    @contextmanager
    def _reading(
        self, team_id: str, analysis_id: int
    ) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
        """A cursor, and the stored result as a relation of it."""
        path = self.path(team_id, analysis_id)
        if not path.is_file():
            raise FileNotFoundError(f"no stored result at {path}")
        with self._database.cursor() as connection:
            relation = f"read_parquet({sql_string(str(path))})"
            described = connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
            columns = {row[0] for row in described}
            if "unproven" not in columns:  # stored before coverage was kept: all proven
                relation = f"(SELECT *, false AS unproven FROM {relation})"
            yield connection, relation

    def counts(
        self, team_id: str, analysis_id: int, listing: Listing, hidden: Sequence[str]
    ) -> ListingCounts:
        with self._reading(team_id, analysis_id) as (connection, relation):
            row = connection.execute(
                "SELECT count(*), count(*) FILTER (is_hidden) FROM"
                f" (SELECT domain IN (SELECT unnest($hidden)) AS is_hidden FROM {relation}"
                f"  WHERE {matches_filter(listing)})",
                {"hidden": list(hidden)},
            ).fetchone()
        total, hidden_count = (int(row[0]), int(row[1])) if row else (0, 0)
        return ListingCounts(total - hidden_count, hidden_count)

    def page(
        self,
        team_id: str,
        analysis_id: int,
        competitors: Sequence[str],
        listing: Listing,
        *,
        hidden: Sequence[str] = (),
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Opportunity]:
        with self._reading(team_id, analysis_id) as (connection, relation):
            return list_stored_page(
                connection,
                relation,
                competitors,
                listing,
                hidden=hidden,
                offset=offset,
                limit=limit,
            )

    def opportunity(
        self, team_id: str, analysis_id: int, competitors: Sequence[str], domain: str
    ) -> Opportunity | None:
        """One stored opportunity, counted over all links, with its sample URLs per
        competitor; None if the result lacks it."""
        with self._reading(team_id, analysis_id) as (connection, relation):
            row = connection.execute(
                f"SELECT links, authority, sample_urls FROM {relation} WHERE domain = ?", [domain]
            ).fetchone()
        if row is None:
            return None
        links, authority, samples = row
        return Opportunity(
            domain,
            dict(zip(competitors, links, strict=True)),
            authority,
            {site: tuple(urls) for site, urls in samples.items()},
        )

    def export_csv(
        self,
        team_id: str,
        analysis_id: int,
        competitors: Sequence[str],
        listing: Listing,
        statuses: Mapping[str, str],
        *,
        hidden: Sequence[str] = (),
    ) -> str:
        """The whole listing as CSV (bot.gaps' columns), with each domain's pipeline status."""
        with self._reading(team_id, analysis_id) as (connection, relation):
            rows = f"""
                SELECT {csv_select(competitors)}, coalesce(statuses.status, '') AS status
                FROM ({listing_sql(relation, listing)}) AS listed
                LEFT JOIN (SELECT unnest($domains::VARCHAR[]) AS domain,
                                  unnest($statuses::VARCHAR[]) AS status) AS statuses
                     USING (domain)
                ORDER BY {order_by(listing.sort)}
            """
            parameters = {
                "hidden": list(hidden),
                "domains": list(statuses),
                "statuses": list(statuses.values()),
            }
            with written_rows(connection, rows, parameters, "FORMAT csv, HEADER true") as path:
                return path.read_text(encoding="utf-8")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]
