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
from bot.store.analyses import StoredResult

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
        # Whether each file read so far has the `unproven` column (a file never changes).
        self._has_coverage: dict[Path, bool] = {}

    def path(self, team_id: str, analysis_id: int) -> Path:
        """Where a team's analysis keeps its opportunities."""
        team = team_id if _SAFE_TEAM.fullmatch(team_id) else _digest(team_id)
        return self.folder / team / f"{int(analysis_id)}.parquet"

    def exists(self, team_id: str, analysis_id: int) -> bool:
        return self.path(team_id, analysis_id).is_file()

    def save_overlap_chart(self, team_id: str, analysis_id: int, png: bytes) -> None:
        """Keep the analysis' overlap picture beside its opportunities: drawn once, however
        many people asked for the analysis (bot.services.inflight)."""
        path = self.path(team_id, analysis_id).with_suffix(".overlap.png")
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(png)
        partial.replace(path)

    def overlap_chart(self, team_id: str, analysis_id: int) -> bytes | None:
        """The overlap picture an analysis kept (None when it drew none: nothing linked to
        the competitors, or it was stored before there were pictures)."""
        try:
            return self.path(team_id, analysis_id).with_suffix(".overlap.png").read_bytes()
        except FileNotFoundError:
            return None

    @contextmanager
    def _reading(
        self, team_id: str, analysis_id: int
    ) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
        """A cursor, and the stored result as a relation of it."""
        path = self.path(team_id, analysis_id)
        if not path.is_file():
            raise FileNotFoundError(f"no stored result at {path}")
        with self._database.cursor() as connection:
            relation = parquet_relation(path)
            if path not in self._has_coverage:
                described = connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
                self._has_coverage[path] = "unproven" in {row[0] for row in described}
            if not self._has_coverage[path]:  # stored before coverage was kept: all proven
                relation = f"(SELECT *, false AS unproven FROM {relation})"
            yield connection, relation

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the shared DuckDB, for a query over standing_sql's relation."""
        with self._database.cursor() as connection:
            yield connection

    def standing_sql(
        self, results: Sequence[StoredResult], wanted: str
    ) -> tuple[str, dict[str, object]]:
        """A relation (team_id, site, domain, matches, authority) with each domain of
        `wanted` (a relation with team_id, site and domain) as the most recent of `results`
        of its team and site that lists it has it, and the relation's parameters.

        Domains no result lists are absent; results whose file is gone are skipped.
        """
        held = [result for result in results if self.exists(result.team_id, result.rows_id)]
        if not held:
            return _NO_STANDING, {}
        paths = [str(self.path(result.team_id, result.rows_id)) for result in held]
        files = ", ".join(sql_string(path) for path in paths)
        relation = f"""(
            SELECT held.team_id, held.site, stored.domain, stored.matches, stored.authority
            FROM read_parquet([{files}], filename = true, union_by_name = true) AS stored
            JOIN (SELECT unnest($held_path) AS path, unnest($held_team) AS team_id,
                         unnest($held_site) AS site, unnest($held_recency) AS recency) AS held
                 ON stored.filename = held.path
            WHERE (held.team_id, held.site, stored.domain)
                  IN (SELECT team_id, site, domain FROM {wanted})
            QUALIFY row_number() OVER (
                PARTITION BY held.team_id, held.site, stored.domain ORDER BY held.recency) = 1
        )"""
        parameters: dict[str, object] = {
            "held_path": paths,
            "held_team": [result.team_id for result in held],
            "held_site": [result.site for result in held],
            "held_recency": [result.recency for result in held],
        }
        return relation, parameters

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


def parquet_relation(path: Path) -> str:
    """A stored result as a relation of any DuckDB connection."""
    return f"read_parquet({sql_string(str(path))})"


_NO_STANDING = (
    "(SELECT NULL::VARCHAR AS team_id, NULL::VARCHAR AS site, NULL::VARCHAR AS domain,"
    " NULL::INTEGER AS matches, NULL::SMALLINT AS authority WHERE false)"
)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]
