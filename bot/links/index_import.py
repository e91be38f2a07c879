"""Importing one export into the local index, all or nothing: read it, fold its hosts, check
each row, let the newer export win, store it, and report what was read, skipped and replaced."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

import duckdb

from bot.domains import AUTHORITY_PATTERN, DomainError, fold_authority
from bot.links.duckdb_tools import (
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
from bot.links.index_db import (
    IMPORT_DAY,
    Holding,
    drop_exports,
    held_exports,
    rebuild_profiles,
)
from bot.wording import counted

# Of an import's progress bar, the share for reading the file; the rest is storing.
READING_SHARE = 70
_FINGERPRINT_BYTES = 1 << 20
# Of each reason an import skips rows for, how many hosts its report names.
_EXAMPLES = 3


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
            f"{self.path.name} ({self.format.label} of {dated}, dated by {by}): read"
            f" {counted(self.rows_read, 'row')}, imported {counted(self.rows_imported, 'link')}"
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
            line = f"  {site}: {counted(self.sites.get(site, 0), 'link')}"
            lines.append(line + (f", replacing {'; '.join(replaced)}" if replaced else ""))
        lines += [
            f"  {site}: not imported, as the index holds a newer export of it, {held.describe()}"
            for site, held in self.newer_held.items()
        ]
        return lines


def _dated_by(dated_by: str) -> str:
    return f"the {dated_by}" if dated_by == IMPORT_DAY else f"its {dated_by}"


@dataclass(frozen=True)
class CheckedExport:
    """An export ready to import: its layout and format known, its columns checked, before
    the import waits for the index.

    Newer wins, per site: it replaces the team's exports of the same site in the same
    format that are not newer than it (and any earlier import of the same content);
    where a newer one is held, its rows of that site are skipped. An export holding
    only lost links of a site (a lost-links report) replaces nothing: it marks them lost.
    """

    path: Path
    layout: Layout
    export: ExportFormat
    site: str | None
    digest: str  # identifies its content (_fingerprint)
    now: datetime

    @classmethod
    def of(cls, path: Path, site: str | None, format_name: str | None) -> CheckedExport:
        """The export at `path`, of the format named (None: detected from its columns)."""
        layout = sniff_layout(path)
        export = format_named(format_name) if format_name else detect_format(layout)
        check_columns(export, layout, path.name)
        if export.needs_site and not site:
            raise SiteRequiredError(path.name, export.label)
        return cls(path, layout, export, site, _fingerprint(path), datetime.now())

    def write(
        self,
        connection: duckdb.DuckDBPyConnection,
        team: str,
        on_progress: ProgressCallback | None,
    ) -> ImportReport:
        """Import it for `team` into the index `connection` writes (bot.links.index_db)."""
        reading = _share(on_progress, 0, READING_SHARE)
        with duckdb_readable(self.path, self.layout) as (readable, encoding):
            _stage(connection, readable, encoding, self.layout, self.export, reading)
        _fold_hosts(connection)
        if on_progress is not None:
            on_progress(READING_SHARE + 5)
        named = date_in_name(self.path.name)
        dated = _dated(connection, self.export.dated_by(self.layout), named, self.now.date())
        report = ImportReport(self.path, self.export, self.site, *dated)
        _load(connection, report, team, self.digest, self.now)
        return report


def _stage(
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


def _fold_hosts(connection: duckdb.DuckDBPyConnection) -> None:
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
    connection: duckdb.DuckDBPyConnection,
    report: ImportReport,
    team: str,
    digest: str,
    now: datetime,
) -> None:
    connection.execute(_CHECK, {"site": report.site})
    connection.execute(_DUPLICATES)
    _supersede(connection, report, team, digest)
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
        {"id": import_id, "team": team},
    )
    held = _tally(connection, report)
    drop_exports(connection, report.replaced)
    if held:
        _record(connection, report, team, import_id, digest, now, held)
    touched = {*held, *(replaced.site for replaced in report.replaced)}
    rebuild_profiles(connection, team, sorted(touched))


def _supersede(
    connection: duckdb.DuckDBPyConnection, report: ImportReport, team: str, digest: str
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
            "SELECT id FROM imports WHERE team = ? AND fingerprint = ?", [team, digest]
        ).fetchall()
    }
    held = held_exports(
        connection,
        team,
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
    connection: duckdb.DuckDBPyConnection, report: ImportReport
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
    connection: duckdb.DuckDBPyConnection,
    report: ImportReport,
    team: str,
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
            "team": team,
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
