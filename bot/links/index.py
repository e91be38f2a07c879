"""The local link index: a DuckDB database of imported backlinks, queried with set operations."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
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
    check_columns,
    date_in_name,
    detect_format,
    diagnose,
    duckdb_readable,
    format_named,
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
# Of each reason an import skips rows for, how many hosts its report names.
_EXAMPLES = 3
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


class Skip(StrEnum):
    """Why an import leaves a row out of the live links."""

    LOST = "lost link"
    UNREADABLE_COUNT = "unreadable link count"
    NO_LIVE_LINKS = "no live links"
    BAD_SOURCE = "bad referring host"
    BAD_TARGET = "bad target host"
    OTHER_SITE = "target is another site"
    SELF_LINK = "link from a site to itself"
    DUPLICATE = "duplicate link"
    OLDER = "older than the export held"


# How a report counts the rows skipped for each reason: (one, several).
_SKIPPED_ROWS = {
    Skip.LOST: ("lost link", "lost links"),
    Skip.UNREADABLE_COUNT: (
        "row with an unreadable link count",
        "rows with an unreadable link count",
    ),
    Skip.NO_LIVE_LINKS: ("row with no live links", "rows with no live links"),
    Skip.BAD_SOURCE: ("row with a bad referring host", "rows with a bad referring host"),
    Skip.BAD_TARGET: ("row with a bad target host", "rows with a bad target host"),
    Skip.OTHER_SITE: ("link to another site", "links to another site"),
    Skip.SELF_LINK: ("link from a site to itself", "links from a site to itself"),
    Skip.DUPLICATE: ("duplicate link", "duplicate links"),
    Skip.OLDER: ("link older than the export held", "links older than the export held"),
}

# Why a staged row is not imported; the first reason that applies wins. A lost link with
# its page URLs is still stored (_STORED): a newer export's word on an older one's link.
_SKIP_REASON = f"""
CASE
    WHEN s.lost AND s.aggregated THEN '{Skip.LOST}'
    WHEN s.link_count IS NULL OR s.dofollow_count IS NULL THEN '{Skip.UNREADABLE_COUNT}'
    WHEN s.link_count <= 0 THEN '{Skip.NO_LIVE_LINKS}'
    WHEN src.domain IS NULL THEN '{Skip.BAD_SOURCE}'
    WHEN s.target_url IS NOT NULL AND tgt.domain IS NULL THEN '{Skip.BAD_TARGET}'
    WHEN $site IS NOT NULL AND coalesce(tgt.domain, $site) <> $site THEN '{Skip.OTHER_SITE}'
    WHEN src.domain = coalesce(tgt.domain, $site) THEN '{Skip.SELF_LINK}'
    WHEN s.lost THEN '{Skip.LOST}'
END
"""
_STORED = f"(reason IS NULL OR (reason = '{Skip.LOST}' AND NOT aggregated))"

# The staged rows with their folded hosts and why each is skipped (NULL: imported).
_CHECK = f"""
CREATE OR REPLACE TEMP TABLE checked AS
SELECT s.*, src.domain AS source_domain, coalesce(tgt.domain, $site) AS target_domain,
       {_SKIP_REASON} AS reason
FROM staged s
LEFT JOIN host_map src ON src.authority = s.source_authority
LEFT JOIN host_map tgt ON tgt.authority = s.target_authority
"""
# Of the stored rows with the same source and target URL (by the hash that links.link_hash
# keeps), one is stored: a live one before a lost one, a dofollow one before a nofollow
# one; the others are duplicates. Apart from _CHECK: a window over the stored rows alone
# costs half of one over all rows.
_DUPLICATES = f"""
UPDATE checked SET reason = '{Skip.DUPLICATE}'
WHERE rowid IN (
    SELECT rowid FROM checked WHERE {_STORED}
    QUALIFY row_number() OVER (PARTITION BY hash(source_url, target_url)
                               ORDER BY lost, coalesce(nofollow, false), anchor) > 1
)
"""

# The host a skipped row is named by in the report: the target's for reasons about the
# target, else the referring one's; folded where it folds, never with its user info.
_SKIPPED_HOST = f"""
left(coalesce(nullif(regexp_replace(CASE reason
    WHEN '{Skip.BAD_TARGET}' THEN target_authority
    WHEN '{Skip.OTHER_SITE}' THEN target_domain
    WHEN '{Skip.OLDER}' THEN target_domain
    ELSE coalesce(source_domain, source_authority)
END, '^.*@', ''), ''), '(no host)'), 60)
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
# The profiles a read sees, as the engine's PROFILE_COLUMNS (bot.gaps).
_VISIBLE_PROFILES = "team_profiles"


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
        return f"{self.file} of {self.export_date.isoformat()} ({_count(self.links, 'link')})"


@dataclass
class ImportReport:
    """What one import did: rows read, imported, skipped by reason, and what it replaced."""

    path: Path
    format: ExportFormat
    site: str | None
    export_date: date  # the export's own date: newer wins (see _dated)
    dated_by: str  # what gave it: "file name", its date columns, or IMPORT_DAY
    rows_read: int = 0
    rows_imported: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    # Per reason, the first few hosts skipped for it (most rows first).
    examples: dict[str, list[str]] = field(default_factory=dict)
    sites: dict[str, int] = field(default_factory=dict)  # target site -> links imported
    # The earlier exports this one replaced, per site: of the same content (a re-import),
    # or of the same site and format, not newer than this one.
    replaced: list[Holding] = field(default_factory=list)
    # The sites of which a newer export of this format is held: their rows were skipped.
    newer_held: dict[str, Holding] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report as plain lines, for the terminal and for Slack alike."""
        dated, by = self.export_date.isoformat(), _dated_by(self.dated_by)
        lines = [
            f"{self.path.name} ({self.format.label} of {dated}, dated by {by}):"
            f" read {_count(self.rows_read, 'row')}, imported {_count(self.rows_imported, 'link')}"
        ]
        skipped = []
        for reason, count in self.skipped.items():
            one, several = _SKIPPED_ROWS[Skip(reason)]
            hosts = self.examples.get(reason, [])
            named = f": {', '.join(hosts)}" if hosts else ""
            skipped.append((-count, f"  skipped {count:,} {one if count == 1 else several}{named}"))
        lines += [line for _, line in sorted(skipped)]  # most rows first, then by name
        sites = list(self.sites)
        sites += [held.site for held in self.replaced if held.site not in sites]
        for site in dict.fromkeys(sites):
            replaced = [held.describe() for held in self.replaced if held.site == site]
            line = f"  {site}: {_count(self.sites.get(site, 0), 'link')}"
            lines.append(line + (f", replacing {'; '.join(replaced)}" if replaced else ""))
        lines += [
            f"  {site}: not imported, as the index holds a newer export of it, {held.describe()}"
            for site, held in self.newer_held.items()
        ]
        return lines


def _count(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"


def _dated_by(dated_by: str) -> str:
    return f"the {dated_by}" if dated_by == IMPORT_DAY else f"its {dated_by}"


class _Held(NamedTuple):
    """One import's links to one site, of a visible team."""

    site: str
    team: str
    authority_source: str | None
    export_date: date


class LinkIndex:
    """The DuckDB link index under GAPBOT_HOME; also a LinkSource named `local`.

    Copy on write, so that reads never wait for an import: the index is a folder of
    numbered database files and a CURRENT file naming the live one. Readers open the
    live file read-only. An import copies it, writes the copy, and makes it live by
    replacing CURRENT (an atomic rename); a reader that opened the previous file goes
    on reading it. Imports take turns through a lock file.

    Seen by one team: its imports belong to `team`, and it reads the imports of the
    `visible` teams (default: `team`'s own; bot.links.sources.visible_teams says which).

    Newer wins: of each site, the index keeps one export per format, the newest by the
    export's own date (see `_dated`), and the lost-links reports not older than it; a link
    is as the newest export holding it says, whatever its format.
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
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the live index, in the current schema."""
        connection = self._open_live()
        try:
            _read_as_current(connection)
            yield connection
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
        """Import one export for this index's team, all or nothing.

        Newer wins, per site: it replaces the team's exports of the same site in the same
        format that are not newer than it (and any earlier import of the same content);
        where a newer one is held, its rows of that site are skipped. An export holding
        only lost links of a site (a lost-links report) replaces nothing: it marks them lost.

        `on_wait` is called if another import holds the index (this one then waits).
        """
        layout = sniff_layout(path)
        export = format_named(format_name) if format_name else detect_format(layout)
        check_columns(export, layout, path.name)
        if export.needs_site and not site:
            raise SiteRequiredError(path.name, export.label)
        digest = _fingerprint(path)
        now = datetime.now()
        with self._writing(on_wait) as connection:
            reading = _share(on_progress, 0, READING_SHARE)
            with duckdb_readable(path, layout) as (readable, encoding):
                self._stage(connection, readable, encoding, layout, export, reading)
            self._fold_hosts(connection)
            _report(on_progress, READING_SHARE + 5)
            dated = _dated(connection, export.dated_by(layout), date_in_name(path.name), now.date())
            report = ImportReport(path, export, site, *dated)
            self._load(connection, report, digest, now)
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
        sql = f"""
            CREATE OR REPLACE TEMP TABLE staged AS
            SELECT *, regexp_extract(source_url, $pattern, 1) AS source_authority,
                   regexp_extract(target_url, $pattern, 1) AS target_authority
            FROM (SELECT {export.staging_select(layout)} FROM {reader})
                AS raw({", ".join(STAGING_COLUMNS)})
        """
        sql = sql.replace("$pattern", sql_string(AUTHORITY_PATTERN))
        try:
            run_with_progress(
                connection,
                lambda: connection.execute(sql, [str(path), layout.delimiter]),
                on_progress,
            )
        except duckdb.Error as error:
            # DuckDB's CSV errors quote the row where the reason should be: read the file
            # again to say where and why (only on this path, so imports pay nothing for it).
            found = diagnose(path, encoding, layout) if "CSV" in str(error) else None
            raise ExportError(
                f"{path.name} is not a readable {export.label}: {found or duckdb_reason(error)}"
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
        self,
        connection: duckdb.DuckDBPyConnection,
        report: ImportReport,
        digest: str,
        now: datetime,
    ) -> None:
        connection.execute(_CHECK, {"site": report.site})
        connection.execute(_DUPLICATES)
        self._supersede(connection, report, digest)
        import_id = scalar(connection, "SELECT nextval('import_ids')")
        connection.execute(
            f"""
            INSERT INTO links BY NAME
            SELECT $id AS import_id, source_domain, target_domain,
                   CASE WHEN NOT aggregated THEN source_url END AS source_url, target_url,
                   CASE WHEN NOT aggregated THEN hash(source_url, target_url) END AS link_hash,
                   link_count, dofollow_count,
                   CASE WHEN authority IS NOT NULL
                        THEN least(greatest(authority, 0), 100) END AS authority,
                   anchor, nofollow, aggregated, $team AS team, lost
            FROM checked WHERE {_STORED}
            """,
            {"id": import_id, "team": self.team},
        )
        held = self._tally(connection, report)
        self._drop(connection, report.replaced)
        if held:
            self._record(connection, report, import_id, digest, now, held)
        touched = {*held, *(replaced.site for replaced in report.replaced)}
        _rebuild(connection, self.team, sorted(touched))

    def _supersede(
        self, connection: duckdb.DuckDBPyConnection, report: ImportReport, digest: str
    ) -> None:
        """Newer wins: fill in what the import replaces, and skip its rows of the sites of
        which a newer export of its format is held."""
        live = dict(
            connection.execute(
                f"SELECT target_domain, count(*) FILTER (WHERE reason IS NULL) FROM checked"
                f" WHERE {_STORED} GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
        same_content = {
            row[0]
            for row in connection.execute(
                "SELECT id FROM imports WHERE team = ? AND fingerprint = ?", [self.team, digest]
            ).fetchall()
        }
        held = self._holdings(
            connection,
            "i.id IN (SELECT unnest($same::BIGINT[]))"
            " OR (i.format = $format AND s.site IN (SELECT unnest($sites::VARCHAR[])))",
            {"same": list(same_content), "format": report.format.name, "sites": list(live)},
        )
        report.replaced = [h for h in held if h.import_id in same_content]
        for site, links in live.items():
            others = [h for h in held if h.site == site and h.import_id not in same_content]
            newer = [h for h in others if h.links and h.export_date > report.export_date]
            if newer:
                report.newer_held[site] = max(newer, key=lambda h: (h.export_date, h.import_id))
            elif links:
                report.replaced += [h for h in others if h.export_date <= report.export_date]
        report.replaced.sort(key=lambda h: (h.site, h.export_date, h.import_id))
        if report.newer_held:
            connection.execute(
                f"UPDATE checked SET reason = '{Skip.OLDER}'"
                f" WHERE {_STORED} AND target_domain IN (SELECT unnest(?))",
                [list(report.newer_held)],
            )

    def _tally(
        self, connection: duckdb.DuckDBPyConnection, report: ImportReport
    ) -> dict[str, tuple[int, int]]:
        """Count the report's rows; return per site the links stored: (live, lost)."""
        rows = connection.execute(
            f"SELECT reason, target_domain, {_STORED}, count(*) FROM checked"
            " GROUP BY ALL ORDER BY 4 DESC, 2"
        ).fetchall()
        stored: dict[str, tuple[int, int]] = {}
        for reason, target, kept, count in rows:
            report.rows_read += count
            if reason is None:
                report.rows_imported += count
                report.sites[target] = report.sites.get(target, 0) + count
            else:
                report.skipped[reason] = report.skipped.get(reason, 0) + count
            if kept:
                live, lost = stored.get(target, (0, 0))
                stored[target] = (live + count, lost) if reason is None else (live, lost + count)
        examples = connection.execute(
            f"""
            SELECT reason, {_SKIPPED_HOST} AS host, count(*) AS rows
            FROM checked WHERE reason IS NOT NULL GROUP BY reason, host
            QUALIFY row_number() OVER (PARTITION BY reason ORDER BY rows DESC, host) <= ?
            ORDER BY reason, rows DESC, host
            """,
            [_EXAMPLES + 1],
        ).fetchall()
        for reason, host, _rows in examples:
            hosts = report.examples.setdefault(reason, [])
            hosts.append(host if len(hosts) < _EXAMPLES else "…")
        return stored

    def _record(
        self,
        connection: duckdb.DuckDBPyConnection,
        report: ImportReport,
        import_id: int,
        digest: str,
        now: datetime,
        held: dict[str, tuple[int, int]],
    ) -> None:
        connection.execute(
            """
            INSERT INTO imports BY NAME
            SELECT $id AS id, $path AS path, $digest AS fingerprint, $format AS format,
                   $site AS site, $authority AS authority_source, $now AS imported_at,
                   $read AS rows_read, $imported AS rows_imported, $team AS team,
                   $date AS export_date, $dated_by AS dated_by
            """,
            {
                "id": import_id,
                "path": str(report.path.resolve()),
                "digest": digest,
                "format": report.format.name,
                "site": report.site,
                "authority": report.format.authority_source,
                "now": now,
                "read": report.rows_read,
                "imported": report.rows_imported,
                "team": self.team,
                "date": report.export_date,
                "dated_by": report.dated_by,
            },
        )
        connection.execute(
            "INSERT INTO import_sites BY NAME SELECT ? AS import_id,"
            " unnest(?::VARCHAR[]) AS site, unnest(?::BIGINT[]) AS links,"
            " unnest(?::BIGINT[]) AS lost_links",
            [import_id, list(held), [n for n, _ in held.values()], [n for _, n in held.values()]],
        )

    def _holdings(
        self,
        connection: duckdb.DuckDBPyConnection,
        where: str,
        parameters: dict[str, object],
    ) -> list[Holding]:
        rows = connection.execute(
            _HOLDINGS.format(where=where), {"team": self.team, **parameters}
        ).fetchall()
        return [
            Holding(id_, site, name, dated, by, links, lost, Path(path).name, imported_at)
            for id_, site, name, dated, by, links, lost, path, imported_at in rows
        ]

    def _drop(self, connection: duckdb.DuckDBPyConnection, held: Sequence[Holding]) -> None:
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
        connection.execute(
            "DELETE FROM imports WHERE id NOT IN (SELECT import_id FROM import_sites)"
        )

    # -- what the index holds -------------------------------------------------------------

    def holdings(self, site: str | None = None) -> list[Holding]:
        """The team's exports per site (of `site` only, if given), by site, format and date."""
        with self._reading() as connection:
            return self._holdings(connection, "$site IS NULL OR s.site = $site", {"site": site})

    def remove(self, site: str, format_name: str | None = None) -> list[Holding]:
        """Drop the team's data of `site`, from the exports of one format (None: all); what
        was dropped."""
        with self._writing() as connection:
            held = self._holdings(
                connection,
                "s.site = $site AND ($format IS NULL OR i.format = $format)",
                {"site": site, "format": format_name},
            )
            self._drop(connection, held)
            _rebuild(connection, self.team, [site])
        return held

    # -- the LinkSource interface -------------------------------------------------------------

    @contextmanager
    def profiles(self, site: str, competitors: Sequence[str]) -> Iterator[GapProfiles]:
        """The sites' profiles as the visible teams hold them, read-only, with where their
        data came from: the domain-level authority's source, and the oldest export's date."""
        sites = [site, *competitors]
        with self._reading() as connection:
            held = self._held(connection, sites)
            sources = sorted({row.authority_source for row in held if row.authority_source})
            oldest = min((row.export_date for row in held), default=None)
            present = {row.site for row in held}
            provenance = Provenance(
                source=self.name,
                authority_source=", ".join(sources) or None,
                data_date=oldest,
                failures={
                    name: "no links for it in the local index: import an export of its backlinks"
                    for name in sites
                    if name not in present
                },
            )
            relation = self._visible_profiles(connection, held)
            yield GapProfiles(connection, relation, provenance)

    def profile(self, site: str) -> SiteProfile:
        """One site's whole profile as plain data (small sites: tests, inspection)."""
        with self._reading() as connection:
            relation = self._visible_profiles(connection, self._held(connection, [site]))
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
        self, connection: duckdb.DuckDBPyConnection, sites: Sequence[str] | None
    ) -> list[_Held]:
        """The visible teams' imports of live links to `sites` (None: to any site)."""
        among = "" if sites is None else f" AND {_one_of('s.site', sites)}"
        rows = connection.execute(
            f"""
            SELECT s.site, i.team, i.authority_source, i.export_date
            FROM import_sites s JOIN imports i ON i.id = s.import_id
            WHERE s.links > 0 AND {_one_of("i.team", self.visible)}{among}
            """
        ).fetchall()
        return [_Held(*row) for row in rows]

    def _visible_profiles(
        self, connection: duckdb.DuckDBPyConnection, held: Sequence[_Held]
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
            f" WHERE team = {sql_string(owner)} AND {_one_of('site', owned)}"
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
                       arg_max(samples, (links, team)) AS samples
                FROM profiles
                WHERE {_one_of("team", self.visible)} AND {_one_of("site", shared)}
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
        """Each competitor's live links from `refdomain`: per team, a link as its newest
        export says (live or lost); a link two teams hold is listed once."""
        with self._reading() as connection:
            rows = connection.execute(
                f"""
                WITH newest AS (
                    SELECT l.team, l.target_domain, l.source_url, l.target_url,
                           arg_max(l.anchor, (i.export_date, l.import_id)) AS anchor,
                           arg_max(coalesce(l.nofollow, false), (i.export_date, l.import_id))
                               AS nofollow,
                           arg_max(l.lost, (i.export_date, l.import_id)) AS lost
                    FROM links l JOIN imports i ON i.id = l.import_id
                    WHERE l.source_domain = $domain AND l.source_url IS NOT NULL
                      AND l.target_domain IN (SELECT unnest($competitors))
                      AND {_one_of("l.team", self.visible)}
                    GROUP BY ALL
                )
                SELECT target_domain, source_url, target_url, any_value(anchor),
                       bool_and(nofollow), count(*) OVER (PARTITION BY target_domain)
                FROM newest WHERE NOT lost
                GROUP BY target_domain, source_url, target_url
                QUALIFY row_number() OVER (PARTITION BY target_domain
                                           ORDER BY source_url, target_url) <= $limit
                """,
                {"domain": refdomain, "competitors": list(competitors), "limit": limit},
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
        with self._reading() as connection:
            relation = self._visible_profiles(connection, self._held(connection, None))
            return connection.execute(
                f"SELECT site, count(*), sum(links) FROM {relation} GROUP BY 1 ORDER BY 1"
            ).fetchall()


def _dated(
    connection: duckdb.DuckDBPyConnection,
    date_columns: Sequence[str],
    named: date | None,
    today: date,
) -> tuple[date, str]:
    """The staged export's date, and what gave it: the later of the date in its file name
    and the latest date in its date columns (an export is no older than what it reports);
    where it has neither, the import day."""
    dates = [(named, "file name")] if named is not None else []
    if date_columns:
        latest = connection.execute("SELECT max(seen) FROM staged").fetchone()
        if latest is not None and latest[0] is not None:
            noun = "column" if len(date_columns) == 1 else "columns"
            dates.append((latest[0], f"{' and '.join(date_columns)} {noun}"))
    return max(dates, key=lambda dated: dated[0], default=(today, IMPORT_DAY))


def _rebuild(connection: duckdb.DuckDBPyConnection, team: str, sites: Sequence[str]) -> None:
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
        _rebuild(connection, team, sites)


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


def _one_of(expression: str, values: Sequence[str]) -> str:
    """SQL: `expression` is one of `values`, given as literals."""
    if not values:
        return "false"
    return f"{expression} IN ({', '.join(sql_string(value) for value in values)})"


def _generation(path: Path) -> int:
    match = re.fullmatch(r"links-(\d+)\.duckdb", path.name)
    return int(match.group(1)) if match else 0


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
