"""The Common Crawl domain-level web graph as a local store: import a release, ask who links."""

from __future__ import annotations

import calendar
import itertools
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NoReturn

import duckdb

from bot.links.base import GapProfiles, LinkingPages, LinkSourceError, Provenance
from bot.links.duckdb_tools import (
    DuckDBSettings,
    duckdb_reason,
    run_with_progress,
    scalar,
    sql_string,
)
from bot.links.swap import CURRENT, import_lock, point_at, reading_live, remove_database

# The files, as Common Crawl's cc-webgraph writes them (HostToDomainGraph.java and
# src/script/webgraph_ranking/process_webgraph.sh in github.com/commoncrawl/cc-webgraph; the
# release announcements on commoncrawl.org list them), all tab-separated and gzipped:
#   <release>-domain-vertices.txt.gz  `id, reversed domain, n_hosts`, e.g. `0  com.example  3`;
#       ids 0..n-1 in the lexicographic order of the reversed names.
#   <release>-domain-edges.txt.gz     `from_id, to_id`, sorted by from then to. Common Crawl
#       already drops self-loops and repeated edges, so each line is one distinct link.
#   <release>-domain-ranks.txt.gz     a header `#harmonicc_pos #harmonicc_val #pr_pos #pr_val
#       #host_rev #n_hosts`, then one line per domain in harmonic-centrality order (position 1
#       = most central); the page-rank columns may read `---` where a value is missing.
# The names are registrable domains already (folded with the ICANN section of the Public
# Suffix List), so a vertex is stored as it stands, only turned round: `com.example` is
# `example.com`.
FILE_NAME = re.compile(r"(?P<release>.+)-domain-(?P<kind>vertices|edges|ranks)\.txt\.gz")
_BUILDING = ".building"
_SPILL = "tmp"  # DuckDB's spill folders, one per process, under this
_IMPORT_SPILL = "import"

# The phases of an import, in order, as the progress callback names them.
PHASE_EDGES = "edges"  # reading the edges file
PHASE_DOMAINS = "domains"  # reading the vertices (and ranks), numbering them by authority
PHASE_LINKS = "links"  # renumbering and sorting the edges
PHASE_SAVING = "saving"

PhaseProgress = Callable[[str, float], None]


class WebgraphError(LinkSourceError):
    """The web graph cannot be imported or read; the message says why and what to do."""


@dataclass(frozen=True)
class Release:
    """One Common Crawl web-graph release: its name and the date of its data."""

    name: str
    date: date | None


@dataclass(frozen=True)
class WebgraphImportReport:
    """What one import stored."""

    release: Release
    path: Path
    vertices: int
    edges: int  # links stored
    self_loops: int  # edges from a domain to itself, dropped
    seconds: float


def release_of(path: Path) -> str:
    """The release a file belongs to, from its name.

    `cc-main-2024-feb-apr-may-domain-edges.txt.gz` belongs to `cc-main-2024-feb-apr-may`.
    """
    match = FILE_NAME.fullmatch(path.name)
    if match is None:
        raise WebgraphError(
            f"{path.name} is not named like a Common Crawl domain graph file "
            "(RELEASE-domain-vertices.txt.gz, -edges.txt.gz or -ranks.txt.gz)"
        )
    return match["release"]


def release_date(name: str) -> date | None:
    """The date of a release's data: the first day of the last month its name lists.

    Common Crawl names a release after its crawls' year and months, in order:
    `cc-main-2024-feb-apr-may` (May 2024), `cc-main-2018-19-nov-dec-jan` (January 2019).
    The months start in the first year named and move to the next year each time the
    calendar wraps round. None when the name has no year or no month.
    """
    tokens = name.lower().split("-")
    year = next((int(token) for token in tokens if re.fullmatch(r"\d{4}", token)), None)
    months = [month for month in map(_month, tokens) if month is not None]
    if year is None or not months:
        return None
    for previous, month in itertools.pairwise(months):
        if month < previous:
            year += 1
    return date(year, months[-1], 1)


def _month(token: str) -> int | None:
    """1-12 for a month's name or its abbreviation of 3 letters or more (`sep`, `sept`)."""
    names = [name.lower() for name in calendar.month_name]
    return next(
        (number for number, name in enumerate(names) if len(token) >= 3 and name.startswith(token)),
        None,
    )


@dataclass(frozen=True)
class ReleaseFiles:
    """The files of one release, as given to `gapbot import`."""

    release: str
    vertices: Path
    edges: Path
    ranks: Path | None = None


def web_graph_files(paths: Sequence[Path]) -> tuple[list[ReleaseFiles], list[Path]]:
    """Split `gapbot import`'s files into web-graph releases (by name) and the others."""
    by_release: dict[str, dict[str, Path]] = {}
    others = []
    for path in paths:
        match = FILE_NAME.fullmatch(path.name)
        if match is None:
            others.append(path)
            continue
        kinds = by_release.setdefault(match["release"], {})
        if match["kind"] in kinds:
            raise WebgraphError(f"two {match['kind']} files for {match['release']}")
        kinds[match["kind"]] = path
    releases = []
    for release, kinds in by_release.items():
        missing = [kind for kind in ("vertices", "edges") if kind not in kinds]
        if missing:
            raise WebgraphError(
                f"{release}: the {' and '.join(missing)} file is missing; a release needs "
                f"{release}-domain-vertices.txt.gz and -edges.txt.gz (and -ranks.txt.gz)"
            )
        releases.append(
            ReleaseFiles(release, kinds["vertices"], kinds["edges"], kinds.get("ranks"))
        )
    return releases, others


# The one definition of a domain's authority (SPEC 5.7): its harmonic-centrality position (or
# in-links position, without a ranks file) as a percentile of the release's domains, 100 for
# the first and 0 for the last, rounded down to an integer. Ids are positions from 0, so `id`
# domains rank above it: authority = floor(100 * (domains - 1 - id) / (domains - 1)).
_AUTHORITY = "CAST((100 * ({domains} - 1 - {id})) // greatest({domains} - 1, 1) AS SMALLINT)"

# What authority means, for the results' header: whether there was a ranks file.
_AUTHORITY_SOURCES = {
    True: "Common Crawl harmonic centrality (percentile)",
    False: "Common Crawl in-links (percentile)",
}

# `com.example` -> `example.com`, `uk.co.bbc` -> `bbc.co.uk`: the labels in reverse order.
_UNREVERSE = "array_to_string(list_reverse(string_split({name}, '.')), '.')"


def _tab_separated(parameter: str, columns: dict[str, str], *, header: bool = False) -> str:
    """DuckDB's reader for one of the files, whose path is the query parameter `parameter`.

    Plain tab-separated text with no quoting. A 32 MB buffer reads gzip a quarter faster
    than the default (measured: 9.5 s against 12.8 s for 196M edges).
    """
    types = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
    return (
        f"read_csv(${parameter}, delim = '\\t', header = {str(header).lower()}, quote = '',"
        f" escape = '', auto_detect = false, buffer_size = 33554432, columns = {{{types}}})"
    )


_VERTICES = _tab_separated("vertices", {"id": "BIGINT", "name": "VARCHAR", "hosts": "BIGINT"})
# Only the position and the name are used; the others are read as text, since the page-rank
# columns may hold `---`.
_RANKS = _tab_separated(
    "ranks",
    {
        "position": "BIGINT",
        "centrality": "VARCHAR",
        "pagerank_position": "VARCHAR",
        "pagerank": "VARCHAR",
        "name": "VARCHAR",
        "hosts": "VARCHAR",
    },
    header=True,
)
# Domain-graph ids fit in 32 bits (about 120M domains); a larger one fails the import.
_EDGES = _tab_separated("edges", {"source": "INTEGER", "target": "INTEGER"})

_SCHEMA = """
CREATE TABLE release (
    name VARCHAR NOT NULL, date DATE, imported_at TIMESTAMP NOT NULL,
    domains BIGINT NOT NULL, edges BIGINT NOT NULL, authority_source VARCHAR NOT NULL
);
-- Every domain, in name order; id 0 is the most central (authority order, SPEC 5.6).
-- Names uncompressed: a query reads the names of a few scattered ids, which costs a third
-- less than decompressing (measured: 44 ms against 64 ms for 200k names of 10M), for 8 more
-- bytes a domain.
CREATE TABLE domains (
    id INTEGER NOT NULL, name VARCHAR NOT NULL USING COMPRESSION uncompressed, hosts INTEGER,
    name_key INTEGER NOT NULL  -- the domain's position in name order
);
-- Every link, sorted by (to_id, from_key): "who links to X" reads one run of rows. A link
-- names its source by name order and carries its authority, so that a gap query groups
-- and orders integers and never joins the names of its millions of candidate domains:
-- the engine looks names up for the rows it shows only (bot.links.base.GapProfiles.names).
CREATE TABLE edges (
    to_id INTEGER NOT NULL, from_key INTEGER NOT NULL, from_authority SMALLINT NOT NULL
);
"""


class WebGraph:
    """The imported web graph under GAPBOT_HOME/webgraph, one DuckDB file per release; also a
    LinkSource named `webgraph`.

    Readers never wait for an import: CURRENT (a small JSON file) names the live release
    file, which readers open read-only. An import builds the next release in a file of its
    own and makes it live by replacing CURRENT (an atomic rename) once it is complete; a
    reader that opened the previous file goes on reading it, and an import that fails or is
    killed leaves CURRENT as it was. Imports take turns through a lock file.
    """

    name = "webgraph"

    def __init__(self, folder: Path, *, memory_limit: str = "1GB") -> None:
        self.folder = folder
        self._memory_limit = memory_limit

    # -- importing --------------------------------------------------------------------------

    def import_release(
        self,
        vertices: Path,
        edges: Path,
        ranks: Path | None = None,
        *,
        release: str | None = None,
        on_progress: PhaseProgress | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> WebgraphImportReport:
        """Import a release's files and make it the live one, replacing any older release.

        `release` overrides the name read from the files' names. `on_progress(phase,
        percent)` follows each phase; `on_wait()` is called once if another import holds
        the lock, before this one waits for it.
        """
        name = release or _release_name(vertices, edges, ranks)
        info = Release(name, release_date(name))
        self.folder.mkdir(parents=True, exist_ok=True)
        with import_lock(self.folder, on_wait):
            started = time.monotonic()
            self._remove_unfinished()
            # A new name for every import, even of the same release: DuckDB knows open
            # databases by path, and a reader must never be handed the one this replaces.
            live = self.folder / f"{name}.{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.duckdb"
            building = live.with_name(live.name + _BUILDING)
            builder = _Builder(building, self._settings(_IMPORT_SPILL), on_progress)
            counts = builder.build(info, vertices, edges, ranks)
            os.replace(building, live)
            self._point_at(live, info, counts)
            self._remove_other_releases(live)
        return WebgraphImportReport(
            release=info,
            path=live,
            vertices=counts.vertices,
            edges=counts.edges,
            self_loops=counts.self_loops,
            seconds=time.monotonic() - started,
        )

    def _remove_unfinished(self) -> None:
        """Files left by an import that was killed; only ever called under the lock."""
        for leftover in [
            *self.folder.glob(f"*.duckdb{_BUILDING}*"),
            *self.folder.glob(f"{CURRENT}.new"),
        ]:
            leftover.unlink(missing_ok=True)
        shutil.rmtree(self.folder / _SPILL / _IMPORT_SPILL, ignore_errors=True)

    def _point_at(self, live: Path, release: Release, counts: _Counts) -> None:
        pointer = {
            "release": release.name,
            "date": release.date.isoformat() if release.date else None,
            "file": live.name,
            "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "vertices": counts.vertices,
            "edges": counts.edges,
        }
        point_at(self.folder, json.dumps(pointer))

    def _remove_other_releases(self, live: Path) -> None:
        for path in self.folder.glob("*.duckdb"):
            if path != live:
                remove_database(path)

    # -- reading ----------------------------------------------------------------------------

    def release(self) -> Release | None:
        """The live release, or None before the first import."""
        pointer = self._pointer()
        if pointer is None:
            return None
        day = pointer.get("date")
        return Release(pointer["release"], date.fromisoformat(day) if day else None)

    def _pointer(self) -> dict[str, str] | None:
        try:
            text = (self.folder / CURRENT).read_text()
        except FileNotFoundError:
            return None
        try:
            pointer: dict[str, str] = json.loads(text)
            if not (
                isinstance(pointer.get("file"), str) and isinstance(pointer.get("release"), str)
            ):
                raise ValueError("no file or release")
        except (ValueError, AttributeError):
            raise WebgraphError(
                f"{self.folder / CURRENT} is damaged: import the web graph again"
            ) from None
        return pointer

    def _settings(self, spill: str) -> DuckDBSettings:
        """DuckDB's settings for a connection that spills to `spill` under the folder.

        Given when connecting, so that the connections of one process share one database
        instance (DuckDB refuses a second one on the same file with other settings).
        """
        (self.folder / _SPILL).mkdir(parents=True, exist_ok=True)
        return {
            "memory_limit": self._memory_limit,
            "temp_directory": str(self.folder / _SPILL / spill),
            # Gap queries order what they return themselves (ORDER BY); unordered steps,
            # such as the tally, are then free to run in parallel without keeping order.
            "preserve_insertion_order": False,
        }

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection on the live release; it never waits for an import."""
        with reading_live(
            self.folder,
            self._live_file,
            # A spill folder per process: they cannot share one safely.
            self._settings(f"read-{os.getpid()}"),
            refused=lambda reason: WebgraphError(
                f"cannot open the web graph {self._live_file()}: {reason}"
            ),
            before_first_import=_nothing_imported,
        ) as connection:
            _quiet(connection)
            yield connection

    def _live_file(self) -> Path | None:
        pointer = self._pointer()
        return None if pointer is None else self.folder / pointer["file"]

    # -- the LinkSource interface -----------------------------------------------------------

    @contextmanager
    def profiles(self, site: str, competitors: Sequence[str]) -> Iterator[GapProfiles]:
        """The sites' profiles as the TEMP TABLE `profiles` of a read-only connection."""
        sites = [site, *competitors]
        with self.connect() as connection:
            found = self.profiles_table(connection, sites)
            row = connection.execute("SELECT name, date, authority_source FROM release").fetchone()
            assert row is not None
            release, authority_source = Release(row[0], row[1]), row[2]
            provenance = Provenance(
                source=self.name,
                authority_source=authority_source,
                data_date=release.date,
                data_label=release.name,
                failures={
                    name: f"not in the web graph {release.name}: no crawled page links to it"
                    for name in sites
                    if name not in found
                },
            )
            yield GapProfiles(connection, "profiles", provenance, names=_NAMES)

    def linking_urls(
        self, refdomain: str, competitors: Sequence[str], limit: int
    ) -> dict[str, LinkingPages]:
        """The graph links domains, not pages: no URLs, only whether it links (1) or not."""
        with self.connect() as connection:
            ids = dict(_ids_of(connection, [refdomain, *competitors]))
            targets = ", ".join(str(ids[name]) for name in competitors if name in ids) or "NULL"
            linked = {
                row[0]
                for row in connection.execute(
                    f"SELECT to_id FROM edges WHERE to_id IN ({targets}) AND from_key = ?",
                    [_name_key(connection, refdomain)],
                ).fetchall()
            }
        return {
            name: LinkingPages(urls=[], total=int(ids.get(name) in linked)) for name in competitors
        }

    # -- the profiles table -------------------------------------------------------------------

    @staticmethod
    def profiles_table(connection: duckdb.DuckDBPyConnection, sites: Sequence[str]) -> set[str]:
        """Create (or replace) the TEMP TABLE `profiles` on `connection` for `sites`.

        `sites` are the analysed site and its competitors; `connection` is one from
        `connect()`. One row per (site, referring domain that links to it), with exactly
        these columns: site VARCHAR, refdomain INTEGER (the domain's name key: see
        `_NAMES`), links BIGINT, dofollow_links BIGINT,
        authority SMALLINT, samples VARCHAR[]. An edge is one link and counts as dofollow
        (the graph has no rel attributes, SPEC 5.5); there are no sample URLs. A site the
        graph does not know has no rows. Returns the sites the graph knows.
        """
        found = _ids_of(connection, sites)
        # The ids go in as constants: a constant IN-list on to_id is what lets DuckDB skip
        # every row group of `edges` outside the sites' runs.
        ids = ", ".join(str(int(site_id)) for _, site_id in found) or "NULL"
        connection.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE profiles AS
            SELECT s.name AS site, l.from_key AS refdomain, 1::BIGINT AS links,
                   1::BIGINT AS dofollow_links, l.from_authority AS authority,
                   []::VARCHAR[] AS samples
            FROM edges l
            JOIN (SELECT unnest($ids::INTEGER[]) AS id, unnest($names::VARCHAR[]) AS name) s
              ON s.id = l.to_id
            WHERE l.to_id IN ({ids})
            """,
            {"names": [row[0] for row in found], "ids": [row[1] for row in found]},
        )
        return {name for name, _ in found}


# How the engine turns the profiles' name keys back into names (GapProfiles.names).
_NAMES = "(SELECT name_key AS key, name FROM domains)"


def _release_name(vertices: Path, edges: Path, ranks: Path | None) -> str:
    """The release the files' names agree on; files of two releases would not fit together."""
    names = {release_of(path) for path in (vertices, edges, ranks) if path is not None}
    if len(names) > 1:
        raise WebgraphError(f"the files come from different releases: {', '.join(sorted(names))}")
    return names.pop()


@dataclass(frozen=True)
class _Counts:
    vertices: int
    edges: int
    self_loops: int


class _Builder:
    """Writes one release's database file from its files, phase by phase."""

    def __init__(
        self, path: Path, settings: DuckDBSettings, on_progress: PhaseProgress | None
    ) -> None:
        self.path = path
        self.settings = settings
        self.on_progress = on_progress

    def build(self, release: Release, vertices: Path, edges: Path, ranks: Path | None) -> _Counts:
        paths = {"vertices": str(vertices), "edges": str(edges), "ranks": str(ranks)}
        # The edges as read, before renumbering, go to a scratch database deleted at the
        # end: there they are compressed (3 bytes an edge against 8 as temporary data), and
        # the release's file does not keep their space.
        staging = self.path.with_name(self.path.name + "-edges")
        connection = duckdb.connect(str(self.path), config=self.settings)
        try:
            _quiet(connection)
            connection.execute(f"ATTACH {sql_string(str(staging))} AS staging")
            connection.execute(_SCHEMA)
            counts = self._fill(connection, release, paths, ranks is not None)
            connection.execute("DETACH staging")
        except BaseException:
            connection.close()
            remove_database(self.path)
            remove_database(staging)
            raise
        connection.close()
        remove_database(staging)
        return counts

    def _fill(
        self,
        connection: duckdb.DuckDBPyConnection,
        release: Release,
        paths: dict[str, str],
        ranked: bool,
    ) -> _Counts:
        # The file is read first, on its own: a gzip file is read by one thread, and what
        # follows runs on all of them (measured: 45 s against 56 s in one statement).
        self._run(connection, PHASE_EDGES, _STAGE_EDGES, _only(paths, "edges"))
        if ranked:
            renumber = _renumbering(
                f"LEFT JOIN {_RANKS} r ON r.name = v.name", "r.position NULLS LAST, v.id"
            )
            self._run(connection, PHASE_DOMAINS, renumber, _only(paths, "vertices", "ranks"))
        else:
            # Without centralities, the most linked-to domains come first.
            in_links = (
                "LEFT JOIN (SELECT target AS id, count(*) AS links FROM staging.edges"
                " WHERE source <> target GROUP BY target) r ON r.id = v.id"
            )
            renumber = _renumbering(in_links, "r.links DESC NULLS LAST, v.id")
            self._run(connection, PHASE_DOMAINS, renumber, _only(paths, "vertices"))
        domains = _dense_vertex_count(connection)
        connection.execute(_DOMAINS)
        connection.execute(
            _VERTEX_KEYS.format(authority=_AUTHORITY.format(domains=domains, id="v.new_id"))
        )
        self_loops = scalar(connection, "SELECT count(*) FROM staging.edges WHERE source = target")
        self._run(connection, PHASE_LINKS, _LINKS, {})
        edges = scalar(connection, "SELECT count(*) FROM edges")
        connection.execute(
            "INSERT INTO release VALUES (?, ?, now(), ?, ?, ?)",
            [release.name, release.date, domains, edges, _AUTHORITY_SOURCES[ranked]],
        )
        connection.execute("DROP TABLE vertex_ids")
        connection.execute("DROP TABLE vertex_keys")
        self._run(connection, PHASE_SAVING, "CHECKPOINT", {})
        return _Counts(vertices=domains, edges=edges, self_loops=self_loops)

    def _run(
        self,
        connection: duckdb.DuckDBPyConnection,
        phase: str,
        sql: str,
        parameters: dict[str, str],
    ) -> None:
        """One phase: one statement, with DuckDB's progress passed on as the phase's."""
        callback = self.on_progress
        report = None if callback is None else (lambda percent: callback(phase, percent))
        run_with_progress(connection, lambda: _execute(connection, sql, parameters), report)


def _renumbering(join: str, order: str) -> str:
    """Old ids (Common Crawl's) to new ones, in authority order: `order` over the vertices
    `v` and whatever `join` adds."""
    return f"""
        CREATE TEMP TABLE vertex_ids AS
        SELECT v.id AS old_id, (row_number() OVER (ORDER BY {order}) - 1)::INTEGER AS new_id,
               v.name, v.hosts
        FROM {_VERTICES} v {join}
    """


_STAGE_EDGES = f"CREATE TABLE staging.edges AS SELECT source, target FROM {_EDGES}"

# In name order, so that looking a site up by name reads one row group, not all of them.
_DOMAINS = f"""
INSERT INTO domains
SELECT new_id, domain, hosts, (row_number() OVER (ORDER BY domain) - 1)::INTEGER
FROM (SELECT new_id, {_UNREVERSE.format(name="name")} AS domain, hosts FROM vertex_ids)
ORDER BY domain
"""

# Each vertex's new id, name key and authority, for renumbering the links.
_VERTEX_KEYS = """
CREATE TEMP TABLE vertex_keys AS
SELECT v.old_id, v.new_id, d.name_key, {authority} AS authority
FROM vertex_ids v JOIN domains d ON d.id = v.new_id
"""

# Left joins, so that an edge naming a vertex the vertices file lacks fails the NOT NULL
# constraint instead of vanishing. Self-loops (counted before, in the staged edges) are left out.
_LINKS = """
INSERT INTO edges
SELECT t.new_id, f.name_key, f.authority
FROM staging.edges e
LEFT JOIN vertex_keys f ON f.old_id = e.source
LEFT JOIN vertex_keys t ON t.old_id = e.target
WHERE e.source <> e.target
ORDER BY 1, 2
"""


def _execute(connection: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, str]) -> None:
    try:
        connection.execute(sql, parameters)
    except duckdb.ConstraintException:
        raise WebgraphError(
            "the edges file names a domain id that the vertices file does not have: "
            "are both files from the same release?"
        ) from None
    except (duckdb.InterruptException, KeyboardInterrupt):
        raise
    except duckdb.Error as error:
        raise WebgraphError(f"cannot import the web graph: {duckdb_reason(error)}") from None


def _dense_vertex_count(connection: duckdb.DuckDBPyConnection) -> int:
    """The number of vertices, after checking their ids run 0..n-1 as Common Crawl's do."""
    row = connection.execute("SELECT count(*), min(old_id), max(old_id) FROM vertex_ids").fetchone()
    assert row is not None
    count, lowest, highest = row
    if count == 0 or lowest != 0 or highest != count - 1:
        raise WebgraphError(
            "the vertices file does not number its domains 0 to n-1: "
            "is it a Common Crawl domain-vertices file?"
        )
    return int(count)


def _only(parameters: dict[str, str], *names: str) -> dict[str, str]:
    """DuckDB refuses parameters a statement does not use."""
    return {name: parameters[name] for name in names}


def _ids_of(connection: duckdb.DuckDBPyConnection, names: Sequence[str]) -> list[tuple[str, int]]:
    """(name, id) of the domains among `names` that the graph has: a range scan, as
    `domains` is in name order."""
    return connection.execute(
        "SELECT name, id FROM domains WHERE name IN (SELECT unnest($names::VARCHAR[]))",
        {"names": list(names)},
    ).fetchall()


def _name_key(connection: duckdb.DuckDBPyConnection, name: str) -> int:
    """The domain's position in name order; -1 for a domain the graph lacks."""
    row = connection.execute("SELECT name_key FROM domains WHERE name = ?", [name]).fetchone()
    return int(row[0]) if row else -1


def _nothing_imported() -> NoReturn:
    raise WebgraphError(
        "no web graph imported yet: run `gapbot webgraph download`, then `gapbot webgraph import`"
    )


def _quiet(connection: duckdb.DuckDBPyConnection) -> None:
    """No progress bar on the terminal: DuckDB prints one for statements over 2 s."""
    connection.execute("SET enable_progress_bar_print = false")
