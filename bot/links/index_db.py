"""The local index's database: copy-on-write DuckDB files, the schema (and the upgrade of an
index an earlier Gapbot wrote), the exports each team holds, and its profiles rebuilt from
its links."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from bot.links.base import SAMPLE_URLS, LinkSourceError
from bot.links.duckdb_tools import DuckDBSettings, sql_string
from bot.links.sources import DEFAULT_TEAM
from bot.links.swap import CURRENT, import_lock, point_at, reading_live, remove_database
from bot.wording import counted

# What dates an export that has no date of its own (in its file name or its columns).
IMPORT_DAY = "import day"

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
    team VARCHAR NOT NULL,
    export_date DATE,  -- the export's own date (newer wins), see LinkIndex._dated
    dated_by VARCHAR   -- what gave it: "file name", its date columns, or IMPORT_DAY
);
-- Which sites each import holds links to: its live links and the lost ones it records.
CREATE TABLE IF NOT EXISTS import_sites (
    import_id BIGINT NOT NULL,
    site VARCHAR NOT NULL,
    links BIGINT NOT NULL,
    lost_links BIGINT NOT NULL DEFAULT 0
);
-- Every imported link (or, for aggregated exports, per-domain total). A lost link is kept
-- (`lost`) when it has its page URLs: it ends the same link where an older export has it.
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
    team VARCHAR NOT NULL,
    lost BOOLEAN NOT NULL DEFAULT false
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
-- An index written by an earlier Gapbot gets the columns added since (see _ADDED_COLUMNS
-- and _upgrade). Profiles are written by position: their column goes last, as above.
ALTER TABLE imports ADD COLUMN IF NOT EXISTS team VARCHAR DEFAULT {sql_string(DEFAULT_TEAM)};
ALTER TABLE links ADD COLUMN IF NOT EXISTS team VARCHAR DEFAULT {sql_string(DEFAULT_TEAM)};
ALTER TABLE profiles ADD COLUMN IF NOT EXISTS team VARCHAR DEFAULT {sql_string(DEFAULT_TEAM)};
ALTER TABLE imports ADD COLUMN IF NOT EXISTS export_date DATE;
ALTER TABLE imports ADD COLUMN IF NOT EXISTS dated_by VARCHAR;
ALTER TABLE import_sites ADD COLUMN IF NOT EXISTS lost_links BIGINT DEFAULT 0;
ALTER TABLE links ADD COLUMN IF NOT EXISTS lost BOOLEAN DEFAULT false;
"""

# Columns added since the index's first version, and what an index written before each
# has instead: read where it is through views of the same names (_read_as_current); the
# next import adds them for good.
_ADDED_COLUMNS = {
    "imports": {
        "team": sql_string(DEFAULT_TEAM),
        "export_date": "CAST(imported_at AS DATE)",
        "dated_by": sql_string(IMPORT_DAY),
    },
    "import_sites": {"lost_links": "0"},
    "links": {"team": sql_string(DEFAULT_TEAM), "lost": "false"},
    "profiles": {"team": sql_string(DEFAULT_TEAM)},
}

# An index written before exports had a date and authority a scope: its imports are dated
# by the day they were imported; Semrush's Page ascore, once taken for authority, is a
# page's score and no domain's; and every profile is built again by today's rules.
_UPGRADE = f"""
UPDATE imports SET export_date = CAST(imported_at AS DATE), dated_by = {sql_string(IMPORT_DAY)}
WHERE export_date IS NULL;
UPDATE links SET authority = NULL
WHERE import_id IN (SELECT id FROM imports WHERE authority_source = 'Semrush page AS');
UPDATE imports SET authority_source = NULL WHERE authority_source = 'Semrush page AS';
DELETE FROM profiles;
"""

# Rebuild $team's profiles of $sites from its links. A link (source and target URL) is as
# the newest export holding it says (by export date, then the later import): live, or lost
# and not counted; from any of the team's imports, it counts once. Where a domain appears
# both link by link and as an aggregated total, the larger count is taken, never the sum.
# Authority is the newest domain-level score: the formats that have one all give Ahrefs
# DR (bot.links.imports), so the scores are of one scale.
_REBUILD_PROFILES = """
INSERT INTO profiles
WITH observed AS MATERIALIZED (
    SELECT l.target_domain, l.source_domain, l.link_hash, l.source_url, l.link_count,
           l.dofollow_count, l.authority, l.nofollow, l.lost, l.aggregated,
           (i.export_date, l.import_id) AS seen
    FROM links l JOIN imports i ON i.id = l.import_id
    WHERE l.team = $team AND l.target_domain IN (SELECT unnest($sites))
),
newest AS (
    SELECT target_domain, source_domain, min(source_url) AS source_url,
           arg_max(lost, seen) AS lost, arg_max(NOT coalesce(nofollow, false), seen) AS dofollow
    FROM observed WHERE NOT aggregated
    GROUP BY target_domain, source_domain, link_hash
),
per_link AS (
    SELECT target_domain, source_domain, count(*) AS links,
           count(*) FILTER (WHERE dofollow) AS dofollow_links,
           min(source_url, $samples) AS samples
    FROM newest WHERE NOT lost GROUP BY ALL
),
per_total AS (
    SELECT target_domain, source_domain, max(link_count) AS links,
           max(dofollow_count) AS dofollow_links, []::VARCHAR[] AS samples
    FROM observed WHERE aggregated GROUP BY ALL
),
scores AS (
    SELECT target_domain, source_domain, arg_max(authority, seen) AS authority
    FROM observed WHERE authority IS NOT NULL GROUP BY ALL
)
SELECT c.target_domain, c.source_domain, max(c.links), max(c.dofollow_links),
       any_value(a.authority), list_sort(list_distinct(flatten(list(c.samples))))[1:$samples],
       $team
FROM (SELECT * FROM per_link UNION ALL SELECT * FROM per_total) AS c
LEFT JOIN scores AS a USING (target_domain, source_domain)
GROUP BY c.target_domain, c.source_domain
ORDER BY c.target_domain, c.source_domain;
"""

# A team's exports, one row per (import, site); $where narrows them (`s.site`, `i.format`).
_HOLDINGS = """
SELECT i.id, s.site, i.format, i.export_date, i.dated_by, s.links, s.lost_links, i.path,
       i.imported_at
FROM import_sites s JOIN imports i ON i.id = s.import_id
WHERE i.team = $team AND ({where})
ORDER BY s.site, i.format, i.export_date, i.id
"""


@dataclass(frozen=True)
class Holding:
    """What the index holds of one site from one import: its export's date, its links."""

    import_id: int
    site: str
    format: str  # the export format's name (bot.links.imports.FORMATS)
    export_date: date
    dated_by: str  # "file name", the date columns that gave it, or IMPORT_DAY
    links: int  # live links
    lost_links: int  # lost links it records (they end the same links in older exports)
    file: str
    imported_at: datetime

    def describe(self) -> str:
        """E.g. `nov.csv of 2026-11-20 (7 links)`."""
        return f"{self.file} of {self.export_date.isoformat()} ({counted(self.links, 'link')})"


class IndexFiles:
    """The index's DuckDB files under GAPBOT_HOME.

    Copy on write, so that reads never wait for an import: the index is a folder of
    numbered database files and a CURRENT file naming the live one. Readers open the
    live file read-only. An import copies it, writes the copy, and makes it live by
    replacing CURRENT (an atomic rename); a reader that opened the previous file goes
    on reading it. Imports take turns through a lock file.
    """

    def __init__(self, folder: Path, memory_limit: str) -> None:
        self.folder = folder
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
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the live index, in the current schema."""
        with reading_live(
            self.folder,
            lambda: self.path or self._earlier_index(),
            self._settings(),
            refused=lambda reason: LinkSourceError(
                f"cannot open the link index {self.path or self.folder}: {reason}"
            ),
            before_first_import=_empty_index,
        ) as connection:
            _read_as_current(connection)
            yield connection

    def _settings(self) -> DuckDBSettings:
        return {"memory_limit": self._memory_limit}

    def _earlier_index(self) -> Path | None:
        """The single-file index of Gapbot before copy-on-write ($GAPBOT_HOME/links.duckdb)."""
        earlier = self.folder.parent / "links.duckdb"
        return earlier if earlier.is_file() else None

    @contextmanager
    def writing(
        self, on_wait: Callable[[], None] | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A writable copy of the live index, made live if the block ends without error."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with import_lock(self.folder, on_wait):
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
                earlier = _written_before_dates(connection)
                connection.execute(_SCHEMA)
                connection.execute("BEGIN TRANSACTION")
                if earlier:
                    _upgrade(connection)
                yield connection
                connection.execute("COMMIT")
                connection.execute("CHECKPOINT")
            except BaseException:
                connection.close()
                remove_database(building)
                raise
            connection.close()
            building.replace(final)
            point_at(self.folder, final.name)
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
        point_at(self.folder, first.name)


def _empty_index() -> duckdb.DuckDBPyConnection:
    """What a read sees before anything was imported: the tables, empty."""
    connection = duckdb.connect(":memory:")
    connection.execute(_SCHEMA)
    return connection


def held_exports(
    connection: duckdb.DuckDBPyConnection,
    team: str,
    where: str,
    parameters: dict[str, object],
) -> list[Holding]:
    """`team`'s exports, one per (import, site), that `where` (SQL over `s.site`, `i.format`,
    `i.id`) keeps."""
    rows = connection.execute(
        _HOLDINGS.format(where=where), {"team": team, **parameters}
    ).fetchall()
    return [
        Holding(id_, site, name, dated, by, links, lost, Path(path).name, imported_at)
        for id_, site, name, dated, by, links, lost, path, imported_at in rows
    ]


def drop_exports(connection: duckdb.DuckDBPyConnection, held: Sequence[Holding]) -> None:
    """Delete these exports' links of their sites; an import left with none goes too."""
    if not held:
        return
    dropped = "(SELECT unnest($ids) AS import_id, unnest($sites) AS site) AS dropped"
    pairs = {"ids": [h.import_id for h in held], "sites": [h.site for h in held]}
    connection.execute(
        f"DELETE FROM links USING {dropped} WHERE links.import_id = dropped.import_id"
        " AND links.target_domain = dropped.site",
        pairs,
    )
    connection.execute(
        f"DELETE FROM import_sites USING {dropped} WHERE"
        " import_sites.import_id = dropped.import_id AND import_sites.site = dropped.site",
        pairs,
    )
    connection.execute("DELETE FROM imports WHERE id NOT IN (SELECT import_id FROM import_sites)")


def rebuild_profiles(
    connection: duckdb.DuckDBPyConnection, team: str, sites: Sequence[str]
) -> None:
    """Build `team`'s profiles of `sites` again from its links."""
    connection.execute(
        "DELETE FROM profiles WHERE team = ? AND site IN (SELECT unnest(?))", [team, list(sites)]
    )
    connection.execute(
        _REBUILD_PROFILES, {"sites": list(sites), "samples": SAMPLE_URLS, "team": team}
    )


def _written_before_dates(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether the index was written by a Gapbot before exports had a date (_UPGRADE)."""
    columns = {
        row[0]
        for row in connection.execute(
            "SELECT column_name FROM duckdb_columns()"
            " WHERE database_name = current_database() AND table_name = 'imports'"
        ).fetchall()
    }
    return bool(columns) and "export_date" not in columns


def _upgrade(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(_UPGRADE)
    teams: dict[str, list[str]] = {}
    for team, site in connection.execute(
        "SELECT DISTINCT team, target_domain FROM links ORDER BY 1, 2"
    ).fetchall():
        teams.setdefault(team, []).append(site)
    for team, sites in teams.items():
        rebuild_profiles(connection, team, sites)


def _read_as_current(connection: duckdb.DuckDBPyConnection) -> None:
    """Temporary views that give the tables of an index written by an earlier Gapbot the
    columns added since (_ADDED_COLUMNS): one set of queries reads every version."""
    # A file this version wrote has them all (_SCHEMA adds them together): one look at one
    # table, the cheapest DuckDB has, for the common case (listing every column costs ~1 ms).
    if set(_ADDED_COLUMNS["imports"]) <= set(connection.table("imports").columns):
        return
    present = set(
        connection.execute(
            "SELECT table_name, column_name FROM duckdb_columns()"
            " WHERE database_name = current_database() AND schema_name = 'main'"
        ).fetchall()
    )
    row = connection.execute("SELECT current_database()").fetchone()
    assert row is not None
    database = row[0]
    for table, added in _ADDED_COLUMNS.items():
        missing = [
            f"{value} AS {column}"
            for column, value in added.items()
            if (table, column) not in present
        ]
        if missing:
            connection.execute(
                f"CREATE OR REPLACE TEMP VIEW {table} AS"
                f' SELECT *, {", ".join(missing)} FROM "{database}".main.{table}'
            )


def one_of(expression: str, values: Sequence[str]) -> str:
    """SQL: `expression` is one of `values`, given as literals."""
    if not values:
        return "false"
    return f"{expression} IN ({', '.join(sql_string(value) for value in values)})"


def _generation(path: Path) -> int:
    match = re.fullmatch(r"links-(\d+)\.duckdb", path.name)
    return int(match.group(1)) if match else 0
