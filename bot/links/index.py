"""The local link index: a DuckDB database of imported backlinks, queried with set operations."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from bot.domains import AUTHORITY_PATTERN, DomainError, fold_authority
from bot.gaps import PROFILE_COLUMNS, RefDomainLinks, SiteProfile
from bot.links.base import GapProfiles, LinkingPages, LinkingUrl, LinkSourceError, Provenance
from bot.links.duckdb_tools import (
    DuckDBSettings,
    ProgressCallback,
    duckdb_reason,
    run_with_progress,
    scalar,
    sql_string,
)
from bot.links.imports import (
    STAGING_COLUMNS,
    ExportError,
    ExportFormat,
    Layout,
    SiteRequiredError,
    detect_format,
    duckdb_readable,
    format_named,
    quoted_columns,
    sniff_layout,
)
from bot.links.sources import DEFAULT_TEAM
from bot.links.swap import (
    CURRENT,
    IMPORT_LOCK,
    LIVE_FILES,
    import_lock,
    open_live,
    remove_database,
    replace_text,
)

SAMPLE_URLS = 3
# Of an import's progress bar, the share for reading the file; the rest is storing.
READING_SHARE = 70
_FINGERPRINT_BYTES = 1 << 20

# Every import belongs to a team (a Slack workspace, or DEFAULT_TEAM), and so do its links
# and the profiles built from them: a team reads only the teams' rows it may see.
_SCHEMA = f"""
CREATE SEQUENCE IF NOT EXISTS import_ids;
CREATE TABLE IF NOT EXISTS imports (
    id BIGINT PRIMARY KEY,
    path VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    site VARCHAR,
    authority_source VARCHAR,
    imported_at TIMESTAMP NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_imported BIGINT NOT NULL,
    team VARCHAR NOT NULL
);
-- Which sites each import holds links to, and how many.
CREATE TABLE IF NOT EXISTS import_sites (
    import_id BIGINT NOT NULL,
    site VARCHAR NOT NULL,
    links BIGINT NOT NULL
);
-- Every imported live link (or, for aggregated exports, per-domain total).
CREATE TABLE IF NOT EXISTS links (
    import_id BIGINT NOT NULL,
    source_domain VARCHAR NOT NULL,
    target_domain VARCHAR NOT NULL,
    source_url VARCHAR,
    target_url VARCHAR,
    link_hash UBIGINT,
    link_count BIGINT NOT NULL,
    dofollow_count BIGINT NOT NULL,
    authority SMALLINT,
    anchor VARCHAR,
    nofollow BOOLEAN,
    aggregated BOOLEAN NOT NULL,
    team VARCHAR NOT NULL
);
-- One row per (team, site, referring domain): rebuilt for the sites an import touches, so
-- a gap query reads a few rows per domain instead of every link. Written a team at a time
-- in (site, refdomain) order, so that one team's site lies in few row groups and a lookup
-- by team and site skips the rest by their min/max.
CREATE TABLE IF NOT EXISTS profiles (
    site VARCHAR NOT NULL,
    refdomain VARCHAR NOT NULL,
    links BIGINT NOT NULL,
    dofollow_links BIGINT NOT NULL,
    authority SMALLINT,
    samples VARCHAR[] NOT NULL,
    team VARCHAR NOT NULL
);
-- An index written before imports had a team: its rows are DEFAULT_TEAM's. The column
-- goes last there as above, so that both take the same INSERTs.
ALTER TABLE imports ADD COLUMN IF NOT EXISTS team VARCHAR DEFAULT {sql_string(DEFAULT_TEAM)};
ALTER TABLE links ADD COLUMN IF NOT EXISTS team VARCHAR DEFAULT {sql_string(DEFAULT_TEAM)};
ALTER TABLE profiles ADD COLUMN IF NOT EXISTS team VARCHAR DEFAULT {sql_string(DEFAULT_TEAM)};
"""

# Why a staged row is not imported; the first reason that applies wins.
_SKIP_REASON = """
CASE
    WHEN s.lost THEN 'lost link'
    WHEN s.link_count IS NULL OR s.dofollow_count IS NULL THEN 'unreadable link count'
    WHEN s.link_count <= 0 THEN 'no live links'
    WHEN src.domain IS NULL THEN 'bad referring host'
    WHEN s.target_url IS NOT NULL AND tgt.domain IS NULL THEN 'bad target host'
    WHEN $site IS NOT NULL AND coalesce(tgt.domain, $site) <> $site THEN 'target is another site'
    WHEN src.domain = coalesce(tgt.domain, $site) THEN 'link from a site to itself'
END
"""

# Rebuild $team's profiles of $sites from its links. Exact duplicate links (same source
# and target URL, from any of its imports) count once; where a domain appears both link
# by link and as an aggregated total, the larger count is taken, never the sum.
_REBUILD_PROFILES = """
INSERT INTO profiles
WITH unique_links AS (
    SELECT target_domain, source_domain, link_hash, min(source_url) AS source_url,
           bool_or(NOT coalesce(nofollow, false)) AS dofollow, max(authority) AS authority
    FROM links
    WHERE team = $team AND target_domain IN (SELECT unnest($sites)) AND NOT aggregated
    GROUP BY ALL
),
per_link AS (
    SELECT target_domain, source_domain, count(*) AS links,
           count(*) FILTER (WHERE dofollow) AS dofollow_links, max(authority) AS authority,
           min(source_url, $samples) AS samples
    FROM unique_links GROUP BY ALL
),
per_total AS (
    SELECT target_domain, source_domain, max(link_count) AS links,
           max(dofollow_count) AS dofollow_links, max(authority) AS authority,
           []::VARCHAR[] AS samples
    FROM links
    WHERE team = $team AND target_domain IN (SELECT unnest($sites)) AND aggregated
    GROUP BY ALL
)
SELECT target_domain, source_domain, max(links), max(dofollow_links), max(authority),
       list_sort(list_distinct(flatten(list(samples))))[1:$samples], $team
FROM (SELECT * FROM per_link UNION ALL SELECT * FROM per_total)
GROUP BY target_domain, source_domain
ORDER BY target_domain, source_domain;
"""
# The profiles a read sees, as the engine's PROFILE_COLUMNS (bot.gaps).
_VISIBLE_PROFILES = "team_profiles"


@dataclass
class ImportReport:
    """What one import did: rows read, imported, and skipped by reason."""

    path: Path
    format: ExportFormat
    site: str | None
    rows_read: int = 0
    rows_imported: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    replaced: int = 0  # rows of earlier imports of the same file that this one replaced
    sites: dict[str, int] = field(default_factory=dict)  # target site -> rows imported

    def lines(self) -> list[str]:
        """The report as plain lines, for the terminal and for Slack alike."""
        lines = [
            f"{self.path.name} ({self.format.label}): read {self.rows_read:,} rows,"
            f" imported {self.rows_imported:,}"
        ]
        lines += [
            f"  skipped {count:,}: {reason}" for reason, count in sorted(self.skipped.items())
        ]
        if self.replaced:
            lines.append(f"  replaced {self.replaced:,} rows from an earlier import of this file")
        lines += [f"  {target}: {count:,} links" for target, count in self.sites.items()]
        return lines


class _Held(NamedTuple):
    """One import's links to one site, of a visible team."""

    site: str
    team: str
    authority_source: str | None
    imported_at: datetime


class LinkIndex:
    """The DuckDB link index under GAPBOT_HOME; also a LinkSource named `local`.

    Copy on write, so that reads never wait for an import: the index is a folder of
    numbered database files and a CURRENT file naming the live one. Readers open the
    live file read-only. An import copies it, writes the copy, and makes it live by
    replacing CURRENT (an atomic rename); a reader that opened the previous file goes
    on reading it. Imports take turns through a lock file.

    Seen by one team: its imports belong to `team`, and it reads the imports of the
    `visible` teams (default: `team`'s own; bot.links.sources.visible_teams says which).
    """

    name = "local"

    def __init__(
        self,
        folder: Path,
        *,
        memory_limit: str = "1GB",
        team: str = DEFAULT_TEAM,
        visible: Sequence[str] | None = None,
    ) -> None:
        self.folder = folder
        self.team = team
        self.visible = list(visible if visible is not None else [team])
        self._memory_limit = memory_limit

    @property
    def path(self) -> Path | None:
        """The live database file; None while nothing was ever imported."""
        pointer = self.folder / CURRENT
        try:
            name = pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return self.folder / name

    @contextmanager
    def _reading(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
        """A read-only connection to the live index, and the SQL for a row's team there."""
        connection = self._open_live()
        try:
            yield connection, _team_column(connection)
        finally:
            connection.close()

    def _open_live(self) -> duckdb.DuckDBPyConnection:
        try:
            connection = open_live(
                lambda: self.path or self._earlier_index(),
                lambda path: LIVE_FILES.cursor(self.folder, path, self._settings()),
            )
        except duckdb.Error as error:
            where = self.path or self.folder
            raise LinkSourceError(
                f"cannot open the link index {where}: {duckdb_reason(error)}"
            ) from None
        if connection is None:  # nothing imported yet: an empty index
            connection = duckdb.connect(":memory:")
            connection.execute(_SCHEMA)
        return connection

    def _settings(self) -> DuckDBSettings:
        return {"memory_limit": self._memory_limit}

    def _earlier_index(self) -> Path | None:
        """The single-file index of Gapbot before copy-on-write ($GAPBOT_HOME/links.duckdb)."""
        earlier = self.folder.parent / "links.duckdb"
        return earlier if earlier.is_file() else None

    @contextmanager
    def _writing(
        self, on_wait: Callable[[], None] | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A writable copy of the live index, made live if the block ends without error."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with import_lock(self.folder / IMPORT_LOCK, on_wait):
            self._adopt_earlier_index()
            # What a killed import left: its copy, and its log, which DuckDB would replay
            # into the next copy of the same name.
            for leftover in self.folder.glob("*.building*"):
                leftover.unlink(missing_ok=True)
            live = self.path
            number = _generation(live) + 1 if live else 1
            final = self.folder / f"links-{number:06d}.duckdb"
            building = final.with_name(final.name + ".building")
            if live is not None:
                shutil.copyfile(live, building)
            settings: DuckDBSettings = {
                **self._settings(),
                "temp_directory": str(self.folder / "tmp"),
                "preserve_insertion_order": False,
            }
            connection = duckdb.connect(str(building), config=settings)
            try:
                connection.execute(_SCHEMA)
                connection.execute("BEGIN TRANSACTION")
                yield connection
                connection.execute("COMMIT")
                connection.execute("CHECKPOINT")
            except BaseException:
                connection.close()
                remove_database(building)
                raise
            connection.close()
            building.replace(final)
            replace_text(self.folder / CURRENT, final.name)
            for old in self.folder.glob("links-*.duckdb"):
                if old != final:
                    remove_database(old)

    def _adopt_earlier_index(self) -> None:
        """An index written before copy-on-write becomes the first generation (under the lock)."""
        earlier = self._earlier_index()
        if self.path is not None or earlier is None:
            return
        first = self.folder / "links-000001.duckdb"
        earlier.replace(first)
        wal = earlier.with_name(earlier.name + ".wal")
        if wal.exists():
            wal.replace(first.with_name(first.name + ".wal"))
        replace_text(self.folder / CURRENT, first.name)

    # -- imports ---------------------------------------------------------------------------

    def import_file(
        self,
        path: Path,
        *,
        site: str | None = None,
        format_name: str | None = None,
        on_progress: ProgressCallback | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> ImportReport:
        """Import one export for this index's team, all or nothing, replacing the team's
        earlier import of the same file (another team's import of it stays as it is).

        `on_wait` is called if another import holds the index (this one then waits).
        """
        layout = sniff_layout(path)
        export = format_named(format_name) if format_name else detect_format(layout)
        if export.needs_site and not site:
            raise SiteRequiredError(path.name, export.label)
        report = ImportReport(path=path, format=export, site=site)
        digest = _fingerprint(path)
        with self._writing(on_wait) as connection:
            reading = _share(on_progress, 0, READING_SHARE)
            with duckdb_readable(path, layout) as (readable, encoding):
                self._stage(connection, readable, encoding, layout, export, reading)
            self._fold_hosts(connection)
            _report(on_progress, READING_SHARE + 5)
            self._load(connection, report, digest)
        _report(on_progress, 100)
        return report

    def _stage(
        self,
        connection: duckdb.DuckDBPyConnection,
        path: Path,
        encoding: str,
        layout: Layout,
        export: ExportFormat,
        on_progress: ProgressCallback | None,
    ) -> None:
        columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(layout.columns)))
        reader = (
            f"read_csv(?, header = true, auto_detect = false, columns = {{{columns}}},"
            f" delim = ?, quote = '\"', escape = '\"', encoding = '{encoding}',"
            " strict_mode = true, null_padding = false)"
        )
        select = export.select(quoted_columns(layout))
        sql = f"""
            CREATE OR REPLACE TEMP TABLE staged AS
            SELECT *, regexp_extract(source_url, $pattern, 1) AS source_authority,
                   regexp_extract(target_url, $pattern, 1) AS target_authority
            FROM (SELECT {select} FROM {reader}) AS raw({", ".join(STAGING_COLUMNS)})
        """
        sql = sql.replace("$pattern", sql_string(AUTHORITY_PATTERN))
        try:
            run_with_progress(
                connection,
                lambda: connection.execute(sql, [str(path), layout.delimiter]),
                on_progress,
            )
        except duckdb.Error as error:
            raise ExportError(
                f"{path.name} is not a readable {export.label}: {duckdb_reason(error)}"
            ) from None

    def _fold_hosts(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Fold each distinct host once in Python (the PSL), not once per row."""
        rows = connection.execute(
            "SELECT DISTINCT source_authority FROM staged UNION "
            "SELECT DISTINCT target_authority FROM staged WHERE target_authority IS NOT NULL"
        ).fetchall()
        authorities, domains = [], []
        for (authority,) in rows:
            authorities.append(authority)
            domains.append(_fold_or_none(authority))
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE host_map AS "
            "SELECT unnest($1::VARCHAR[]) AS authority, unnest($2::VARCHAR[]) AS domain",
            [authorities, domains],
        )

    def _load(
        self, connection: duckdb.DuckDBPyConnection, report: ImportReport, digest: str
    ) -> None:
        resolved = str(report.path.resolve())
        touched = self._forget(connection, report, resolved, digest)
        import_id = scalar(connection, "SELECT nextval('import_ids')")
        joined = """
            FROM staged s
            LEFT JOIN host_map src ON src.authority = s.source_authority
            LEFT JOIN host_map tgt ON tgt.authority = s.target_authority
        """
        connection.execute(
            f"""
            INSERT INTO links
            SELECT $id, src.domain, coalesce(tgt.domain, $site),
                   CASE WHEN NOT s.aggregated THEN s.source_url END, s.target_url,
                   CASE WHEN NOT s.aggregated THEN hash(s.source_url, s.target_url) END,
                   s.link_count, s.dofollow_count,
                   CASE WHEN s.authority IS NOT NULL
                        THEN least(greatest(s.authority, 0), 100) END,
                   s.anchor, s.nofollow, s.aggregated, $team
            {joined}
            WHERE ({_SKIP_REASON}) IS NULL
            """,
            {"id": import_id, "site": report.site, "team": self.team},
        )
        counts = connection.execute(
            f"SELECT {_SKIP_REASON} AS skip, coalesce(tgt.domain, $site) AS target, count(*)"
            f" {joined} GROUP BY ALL ORDER BY 3 DESC, 2",
            {"site": report.site},
        ).fetchall()
        _tally(report, counts)
        connection.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                import_id,
                resolved,
                digest,
                report.format.name,
                report.site,
                report.format.authority_source,
                datetime.now(),
                report.rows_read,
                report.rows_imported,
                self.team,
            ],
        )
        connection.execute(
            "INSERT INTO import_sites SELECT ?, unnest(?::VARCHAR[]), unnest(?::BIGINT[])",
            [import_id, list(report.sites), list(report.sites.values())],
        )
        sites = sorted(touched | set(report.sites))
        connection.execute(
            "DELETE FROM profiles WHERE team = ? AND site IN (SELECT unnest(?))",
            [self.team, sites],
        )
        connection.execute(
            _REBUILD_PROFILES, {"sites": sites, "samples": SAMPLE_URLS, "team": self.team}
        )

    def _forget(
        self, connection: duckdb.DuckDBPyConnection, report: ImportReport, path: str, digest: str
    ) -> set[str]:
        """Delete the team's earlier imports of this file (same path or content); return
        their sites."""
        previous = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM imports WHERE team = ? AND (path = ? OR fingerprint = ?)",
                [self.team, path, digest],
            ).fetchall()
        ]
        if not previous:
            return set()
        sites = connection.execute(
            "SELECT site, sum(links) FROM import_sites "
            "WHERE import_id IN (SELECT unnest(?::BIGINT[])) GROUP BY site",
            [previous],
        ).fetchall()
        report.replaced = sum(int(count) for _, count in sites)
        for table, column in (
            ("links", "import_id"),
            ("import_sites", "import_id"),
            ("imports", "id"),
        ):
            connection.execute(
                f"DELETE FROM {table} WHERE {column} IN (SELECT unnest(?::BIGINT[]))", [previous]
            )
        return {site for site, _ in sites}

    # -- the LinkSource interface -------------------------------------------------------------

    @contextmanager
    def profiles(self, site: str, competitors: Sequence[str]) -> Iterator[GapProfiles]:
        """The sites' profiles as the visible teams hold them, read-only, with where their
        data came from."""
        sites = [site, *competitors]
        with self._reading() as (connection, team):
            held = self._held(connection, team, sites)
            sources = sorted({row.authority_source for row in held if row.authority_source})
            newest = max((row.imported_at for row in held), default=None)
            present = {row.site for row in held}
            provenance = Provenance(
                source=self.name,
                authority_source=", ".join(sources) or None,
                data_date=newest.date() if newest else None,
                failures={
                    name: "no links for it in the local index: import an export of its backlinks"
                    for name in sites
                    if name not in present
                },
            )
            relation = self._visible_profiles(connection, team, held)
            yield GapProfiles(connection, relation, provenance)

    def profile(self, site: str) -> SiteProfile:
        """One site's whole profile as plain data (small sites: tests, inspection)."""
        with self._reading() as (connection, team):
            held = self._held(connection, team, [site])
            relation = self._visible_profiles(connection, team, held)
            rows = connection.execute(
                f"SELECT refdomain, links, dofollow_links, authority, samples FROM {relation}"
                " ORDER BY refdomain"
            ).fetchall()
        return SiteProfile.of(
            site,
            (
                RefDomainLinks(domain, links, dofollow, authority, tuple(samples))
                for domain, links, dofollow, authority, samples in rows
            ),
        )

    def _held(
        self, connection: duckdb.DuckDBPyConnection, team: str, sites: Sequence[str] | None
    ) -> list[_Held]:
        """The visible teams' imports of links to `sites` (None: to any site)."""
        among = "" if sites is None else f" AND {_one_of('s.site', sites)}"
        rows = connection.execute(
            f"""
            SELECT s.site, {team}, i.authority_source, i.imported_at
            FROM import_sites s JOIN imports i ON i.id = s.import_id
            WHERE s.links > 0 AND {_one_of(team, self.visible)}{among}
            """
        ).fetchall()
        return [_Held(*row) for row in rows]

    def _visible_profiles(
        self, connection: duckdb.DuckDBPyConnection, team: str, held: Sequence[_Held]
    ) -> str:
        """A temporary view of the profiles of the sites `held` names, as the visible teams
        hold them: one row per (site, referring domain), in PROFILE_COLUMNS; its name.

        A site one team holds is read as that team's rows, at the speed of an index of
        one team: teams and sites are literals in the view (which takes no parameters),
        so filters on the table scan that skip other teams' and sites' row groups.
        """
        holders: dict[str, set[str]] = {}
        for row in held:
            holders.setdefault(row.site, set()).add(row.team)
        alone: dict[str, list[str]] = {}  # team -> the sites only it holds
        shared = []
        for site, teams in sorted(holders.items()):
            if len(teams) == 1:
                alone.setdefault(min(teams), []).append(site)
            else:
                shared.append(site)
        parts = [
            f"SELECT {', '.join(PROFILE_COLUMNS)} FROM profiles"
            f" WHERE {team} = {sql_string(owner)} AND {_one_of('site', owned)}"
            for owner, owned in sorted(alone.items())
        ]
        if shared:
            # A site two teams hold (a workspace's import and the terminal's): per referring
            # domain the larger count, as for an export holding a domain link by link and
            # as a total; never the sum, since both may hold the same links. The samples
            # are those of the team with the most links (a few URLs, not a union: merging
            # lists costs more than the rest of the gap query).
            parts.append(
                f"""
                SELECT site, refdomain, max(links) AS links,
                       max(dofollow_links) AS dofollow_links, max(authority) AS authority,
                       arg_max(samples, (links, {team})) AS samples
                FROM profiles
                WHERE {_one_of(team, self.visible)} AND {_one_of("site", shared)}
                GROUP BY site, refdomain
                """
            )
        select = " UNION ALL ".join(parts) or (
            f"SELECT {', '.join(PROFILE_COLUMNS)} FROM profiles WHERE false"
        )
        connection.execute(f"CREATE OR REPLACE TEMP VIEW {_VISIBLE_PROFILES} AS {select}")
        return _VISIBLE_PROFILES

    def linking_urls(
        self, refdomain: str, competitors: Sequence[str], limit: int
    ) -> dict[str, LinkingPages]:
        with self._reading() as (connection, team):
            rows = connection.execute(
                f"""
                SELECT target_domain, source_url, target_url, any_value(anchor),
                       bool_and(coalesce(nofollow, false)), count(*) OVER (PARTITION BY
                       target_domain)
                FROM links
                WHERE source_domain = ? AND target_domain IN (SELECT unnest(?::VARCHAR[]))
                  AND source_url IS NOT NULL AND {_one_of(team, self.visible)}
                GROUP BY target_domain, source_url, target_url
                QUALIFY row_number() OVER (PARTITION BY target_domain
                                           ORDER BY source_url, target_url) <= ?
                """,
                [refdomain, list(competitors), limit],
            ).fetchall()
        pages: dict[str, LinkingPages] = {}
        for competitor in competitors:
            mine = [row for row in rows if row[0] == competitor]
            urls = [LinkingUrl(row[1], row[2], row[3], row[4]) for row in mine]
            pages[competitor] = LinkingPages(urls, mine[0][5] if mine else 0)
        return pages

    # -- maintenance --------------------------------------------------------------------------

    def summary(self) -> list[tuple[str, int, int]]:
        """Per site the visible teams hold: referring domains and live links."""
        with self._reading() as (connection, team):
            held = self._held(connection, team, None)
            relation = self._visible_profiles(connection, team, held)
            return connection.execute(
                f"SELECT site, count(*), sum(links) FROM {relation} GROUP BY 1 ORDER BY 1"
            ).fetchall()


def _team_column(connection: duckdb.DuckDBPyConnection) -> str:
    """SQL for a row's team: `team`, or in an index written before imports had a team
    (read where it is; the next import adds the column), the team all its rows are."""
    has_team = "team" in connection.table("imports").columns
    return "team" if has_team else sql_string(DEFAULT_TEAM)


def _one_of(expression: str, values: Sequence[str]) -> str:
    """SQL: `expression` is one of `values`, given as literals."""
    if not values:
        return "false"
    return f"{expression} IN ({', '.join(sql_string(value) for value in values)})"


def _generation(path: Path) -> int:
    match = re.fullmatch(r"links-(\d+)\.duckdb", path.name)
    return int(match.group(1)) if match else 0


def _tally(report: ImportReport, counts: list[tuple[str | None, str | None, int]]) -> None:
    for reason, target, count in counts:
        report.rows_read += count
        if reason is None and target is not None:
            report.rows_imported += count
            report.sites[target] = report.sites.get(target, 0) + count
        elif reason is not None:
            report.skipped[reason] = report.skipped.get(reason, 0) + count


def _fold_or_none(authority: str | None) -> str | None:
    if authority is None:
        return None
    try:
        return fold_authority(authority)
    except DomainError:
        return None


def _fingerprint(path: Path) -> str:
    """Identifies a file's content cheaply: its size and its first and last megabyte.

    Two different exports with the same size and the same first and last megabyte are
    treated as one file re-imported, so the newer replaces the older: what a user
    re-exporting the same report expects.
    """
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as handle:
        digest.update(handle.read(_FINGERPRINT_BYTES))
        if size > 2 * _FINGERPRINT_BYTES:
            handle.seek(-_FINGERPRINT_BYTES, 2)
            digest.update(handle.read(_FINGERPRINT_BYTES))
    return digest.hexdigest()


def _share(
    on_progress: ProgressCallback | None, start: float, size: float
) -> ProgressCallback | None:
    """A callback for one phase of an import, mapped onto its share of the whole bar."""
    if on_progress is None:
        return None
    report = on_progress
    return lambda percent: report(start + size * percent / 100)


def _report(on_progress: ProgressCallback | None, percent: float) -> None:
    if on_progress is not None:
        on_progress(percent)
