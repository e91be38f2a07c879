"""The Common Crawl web graph store: import, renumbering, the profiles table, atomic releases."""

from __future__ import annotations

import json
import tempfile
import threading
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from webgraph_files import NEWER, SCENARIO, Graph, truncated, write_release

from bot.engine import running
from bot.links.webgraph import (
    PHASE_DOMAINS,
    PHASE_EDGES,
    PHASE_LINKS,
    PHASE_SAVING,
    Release,
    ReleaseFiles,
    WebGraph,
    WebgraphError,
    release_date,
    release_of,
    web_graph_files,
)
from bot.query import make_query

OLDER = "cc-main-2024-feb-apr-may"
LATER = "cc-main-2024-jun-jul-aug"
SITES = ("mysite.com", "rival-a.com", "rival-b.net")
WAIT = 30  # seconds: a generous deadline for a thread to reach a point, never a sleep

# SCENARIO's domains by harmonic-centrality position; with 9 domains a domain's authority
# is floor(100 * (9 - position) / 8).
BY_CENTRALITY = [
    (0, "wiki.org", 40),
    (1, "bbc.co.uk", 12),
    (2, "gov.uk", 7),
    (3, "news.com", 5),
    (4, "rival-a.com", 1),
    (5, "rival-b.net", 3),
    (6, "mysite.com", 2),
    (7, "xn--mnchen-blog-thb.de", 1),
    (8, "lakeblogger.blogspot.com", 1),
]

# SCENARIO's profiles of SITES: (site, refdomain, links, dofollow_links, authority, samples).
# rival-a.com's link to itself is not there.
PROFILES: list[tuple[object, ...]] = [
    ("mysite.com", "news.com", 1, 1, 62, []),
    ("mysite.com", "rival-b.net", 1, 1, 37, []),
    ("mysite.com", "wiki.org", 1, 1, 100, []),
    ("rival-a.com", "bbc.co.uk", 1, 1, 87, []),
    ("rival-a.com", "lakeblogger.blogspot.com", 1, 1, 0, []),
    ("rival-a.com", "news.com", 1, 1, 62, []),
    ("rival-a.com", "wiki.org", 1, 1, 100, []),
    ("rival-b.net", "bbc.co.uk", 1, 1, 87, []),
    ("rival-b.net", "rival-a.com", 1, 1, 50, []),
    ("rival-b.net", "wiki.org", 1, 1, 100, []),
    ("rival-b.net", "xn--mnchen-blog-thb.de", 1, 1, 12, []),
]

# NEWER's: news.com no longer links to mysite.com; gov.uk now links to rival-a.com.
NEWER_PROFILES: list[tuple[object, ...]] = [
    ("mysite.com", "rival-b.net", 1, 1, 37, []),
    ("mysite.com", "wiki.org", 1, 1, 100, []),
    ("rival-a.com", "bbc.co.uk", 1, 1, 87, []),
    ("rival-a.com", "gov.uk", 1, 1, 75, []),
    ("rival-a.com", "lakeblogger.blogspot.com", 1, 1, 0, []),
    ("rival-a.com", "news.com", 1, 1, 62, []),
    ("rival-a.com", "wiki.org", 1, 1, 100, []),
    ("rival-b.net", "bbc.co.uk", 1, 1, 87, []),
    ("rival-b.net", "rival-a.com", 1, 1, 50, []),
    ("rival-b.net", "wiki.org", 1, 1, 100, []),
    ("rival-b.net", "xn--mnchen-blog-thb.de", 1, 1, 12, []),
]


def files(folder: Path, release: str = OLDER, graph: Graph = SCENARIO) -> ReleaseFiles:
    return write_release(folder / "downloads", release, graph)


def imported(home: Path, release: str = OLDER, graph: Graph = SCENARIO) -> WebGraph:
    graph_store = WebGraph(home / "webgraph")
    release_files = files(home, release, graph)
    graph_store.import_release(release_files.vertices, release_files.edges, release_files.ranks)
    return graph_store


# A profile's referring domain is a name key (the domain's position in name order).
NAME = "(SELECT name FROM domains WHERE name_key = refdomain) AS refdomain"


def profile_rows(graph: WebGraph, sites: tuple[str, ...] = SITES) -> list[tuple[object, ...]]:
    with graph.connect() as connection:
        graph.profiles_table(connection, sites)
        return connection.execute(
            f"SELECT * REPLACE ({NAME}) FROM profiles ORDER BY site, 2"
        ).fetchall()


def current(graph: WebGraph) -> bytes:
    return (graph.folder / "CURRENT").read_bytes()


def live_file(graph: WebGraph) -> str:
    return str(json.loads(current(graph))["file"])


def database_files(graph: WebGraph) -> list[str]:
    return sorted(path.name for path in graph.folder.glob("*.duckdb*"))


# -- release names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cc-main-2024-feb-apr-may", date(2024, 5, 1)),
        ("cc-main-2018-19-nov-dec-jan", date(2019, 1, 1)),
        ("cc-main-2021-22-oct-nov-jan", date(2022, 1, 1)),
        ("cc-main-2017-aug-sep-oct", date(2017, 10, 1)),
        ("graph-2020-june-sept", date(2020, 9, 1)),
        ("market-graph-2020", None),
    ],
)
def test_a_release_is_dated_by_the_last_month_its_name_lists(
    name: str, expected: date | None
) -> None:
    assert release_date(name) == expected


def test_the_release_comes_from_the_file_names() -> None:
    path = Path("/data/cc-main-2024-feb-apr-may-domain-edges.txt.gz")
    assert release_of(path) == "cc-main-2024-feb-apr-may"
    with pytest.raises(WebgraphError, match="not named like"):
        release_of(Path("/data/edges.txt.gz"))


def test_files_of_two_releases_are_refused(tmp_path: Path) -> None:
    older, later = files(tmp_path, OLDER), files(tmp_path, LATER)
    graph = WebGraph(tmp_path / "webgraph")
    with pytest.raises(WebgraphError, match="different releases"):
        graph.import_release(older.vertices, later.edges, older.ranks)
    assert graph.release() is None


def test_edges_to_domains_the_vertices_lack_are_refused(tmp_path: Path) -> None:
    whole = files(tmp_path / "whole")
    part = Graph(hosts={"com.mysite": 2, "com.news": 5}, links=(), centrality=())
    fewer = write_release(tmp_path / "part", OLDER, part, ranks=False)
    graph = WebGraph(tmp_path / "webgraph")
    with pytest.raises(WebgraphError, match="same release"):
        graph.import_release(fewer.vertices, whole.edges)
    assert graph.release() is None


def test_import_s_files_are_told_apart_by_name(tmp_path: Path) -> None:
    older, later = files(tmp_path, OLDER), files(tmp_path, LATER)
    export = tmp_path / "ahrefs-backlinks.csv"
    given = [later.edges, export, older.vertices, later.vertices, older.edges, older.ranks]
    assert web_graph_files(given) == (
        [
            ReleaseFiles(LATER, later.vertices, later.edges, None),
            ReleaseFiles(OLDER, older.vertices, older.edges, older.ranks),
        ],
        [export],
    )
    with pytest.raises(WebgraphError, match="the vertices file is missing"):
        web_graph_files([older.edges, older.ranks])


# -- the import -----------------------------------------------------------------------------


def test_import_renumbers_domains_by_harmonic_centrality(tmp_path: Path) -> None:
    graph = WebGraph(tmp_path / "webgraph")
    release_files = files(tmp_path)
    report = graph.import_release(release_files.vertices, release_files.edges, release_files.ranks)
    assert (report.vertices, report.edges, report.self_loops) == (9, 14, 1)
    assert report.release == Release(OLDER, date(2024, 5, 1))
    assert graph.release() == Release(OLDER, date(2024, 5, 1))
    with graph.connect() as connection:
        rows = connection.execute("SELECT id, name, hosts FROM domains ORDER BY id").fetchall()
        assert rows == BY_CENTRALITY
        keys = connection.execute("SELECT name_key FROM domains ORDER BY name").fetchall()
        assert keys == [(key,) for key in range(9)]
    pointer = json.loads(current(graph))
    assert pointer["release"] == OLDER
    assert pointer["date"] == "2024-05-01"
    assert pointer["file"].startswith(f"{OLDER}.")
    assert database_files(graph) == [pointer["file"]]
    assert (pointer["vertices"], pointer["edges"]) == (9, 14)
    assert pointer["imported_at"]


def test_without_ranks_the_most_linked_to_domains_come_first(tmp_path: Path) -> None:
    graph = WebGraph(tmp_path / "webgraph")
    release_files = write_release(tmp_path / "downloads", OLDER, ranks=False)
    graph.import_release(release_files.vertices, release_files.edges)
    with graph.connect() as connection:
        ids = connection.execute("SELECT id, name FROM domains ORDER BY id").fetchall()
    # In-links 4, 4, 3, then 1, 1, 1, then none; ties in Common Crawl's (reversed-name) order.
    assert ids == [
        (0, "rival-a.com"),
        (1, "rival-b.net"),
        (2, "mysite.com"),
        (3, "news.com"),
        (4, "wiki.org"),
        (5, "bbc.co.uk"),
        (6, "lakeblogger.blogspot.com"),
        (7, "xn--mnchen-blog-thb.de"),
        (8, "gov.uk"),
    ]


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=2, max_value=40).flatmap(lambda n: st.permutations(range(n))))
def test_authority_is_the_centrality_position_as_a_percentile(order: list[int]) -> None:
    domains = len(order)
    names = [f"com.site{number}" for number in range(domains)]
    ring = tuple((names[i], names[(i + 1) % domains]) for i in range(domains))
    centrality = tuple(names[number] for number in order)
    graph = Graph(hosts=dict.fromkeys(names, 1), links=ring, centrality=centrality)
    with tempfile.TemporaryDirectory() as folder:
        store = imported(Path(folder), graph=graph)
        with store.connect() as connection:
            store.profiles_table(connection, [f"site{number}.com" for number in range(domains)])
            authority = dict(
                connection.execute(f"SELECT {NAME}, authority FROM profiles").fetchall()
            )
    for position, number in enumerate(order, start=1):
        # SPEC 5.7: the share of the other domains ranked below it, rounded down.
        assert authority[f"site{number}.com"] == 100 * (domains - position) // (domains - 1)


# -- the profiles table ---------------------------------------------------------------------


def test_profiles_hold_each_site_s_referring_domains(tmp_path: Path) -> None:
    assert profile_rows(imported(tmp_path)) == PROFILES


def test_profiles_columns_are_the_gap_engine_s_contract(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    with graph.connect() as connection:
        graph.profiles_table(connection, SITES)
        columns = connection.execute("DESCRIBE profiles").fetchall()
    assert [(column[0], column[1]) for column in columns] == [
        ("site", "VARCHAR"),
        ("refdomain", "INTEGER"),
        ("links", "BIGINT"),
        ("dofollow_links", "BIGINT"),
        ("authority", "SMALLINT"),
        ("samples", "VARCHAR[]"),
    ]


def test_profiles_are_replaced_by_the_next_call(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    with graph.connect() as connection:
        graph.profiles_table(connection, SITES)
        graph.profiles_table(connection, ("mysite.com", "unknown-site.com"))
        rows = connection.execute(f"SELECT site, {NAME} FROM profiles ORDER BY 2").fetchall()
    assert rows == [
        ("mysite.com", "news.com"),
        ("mysite.com", "rival-b.net"),
        ("mysite.com", "wiki.org"),
    ]


def test_who_links_to_a_site_reads_only_its_run_of_edges(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    with graph.connect() as connection:
        plan = connection.execute("EXPLAIN SELECT from_key FROM edges WHERE to_id IN (4, 5)")
        text = plan.fetchall()[0][1]
    # The filter sits in the scan itself, where DuckDB checks each row group's min/max
    # of to_id; edges are stored sorted by to_id, so a site's links are few row groups.
    scan = text[text.index("Table: ") :]
    assert "edges" in scan.splitlines()[0]
    assert "to_id" in scan[scan.index("Filters:") :]


def test_as_a_link_source_it_says_where_the_data_comes_from(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    with graph.profiles("mysite.com", ["rival-a.com", "nowhere.example"]) as profiles:
        assert profiles.relation == "profiles"
        rows = profiles.connection.execute(
            "SELECT site, count(*) FROM profiles GROUP BY site ORDER BY site"
        ).fetchall()
        provenance = profiles.provenance
    assert rows == [("mysite.com", 3), ("rival-a.com", 4)]
    assert provenance.source == "webgraph"
    assert provenance.data_label == OLDER
    assert provenance.data_date == date(2024, 5, 1)
    assert provenance.authority_source == "Common Crawl harmonic centrality (percentile)"
    assert list(provenance.failures) == ["nowhere.example"]


def test_linking_pages_are_unknown_but_the_links_are_counted(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    pages = graph.linking_urls("bbc.co.uk", ["rival-a.com", "mysite.com"], limit=5)
    assert {site: (list(page.urls), page.total) for site, page in pages.items()} == {
        "rival-a.com": ([], 1),
        "mysite.com": ([], 0),
    }


# -- releases replace each other atomically -------------------------------------------------


def test_a_newer_release_replaces_the_older_one(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    later = files(tmp_path, LATER, NEWER)
    graph.import_release(later.vertices, later.edges, later.ranks)
    assert graph.release() == Release(LATER, date(2024, 8, 1))
    assert profile_rows(graph) == NEWER_PROFILES
    assert live_file(graph).startswith(f"{LATER}.")
    assert database_files(graph) == [live_file(graph)]


def test_a_release_imported_again_is_read_anew(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    assert profile_rows(graph) == PROFILES
    again = files(tmp_path / "again", OLDER, NEWER)
    graph.import_release(again.vertices, again.edges, again.ranks)
    assert profile_rows(graph) == NEWER_PROFILES
    assert database_files(graph) == [live_file(graph)]


def test_a_failed_import_leaves_the_previous_release(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    before = current(graph)
    later = files(tmp_path, LATER, NEWER)
    cut = truncated(later.edges, tmp_path / "cut")
    with pytest.raises(WebgraphError, match="cannot import"):
        graph.import_release(later.vertices, cut, later.ranks)
    assert current(graph) == before
    assert profile_rows(graph) == PROFILES
    assert database_files(graph) == [live_file(graph)]


def test_an_import_stopped_half_way_leaves_the_previous_release(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    before = current(graph)
    later = files(tmp_path, LATER, NEWER)

    def stop_half_way(phase: str, percent: float) -> None:
        if phase == PHASE_LINKS:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        graph.import_release(later.vertices, later.edges, later.ranks, on_progress=stop_half_way)
    assert current(graph) == before
    assert profile_rows(graph) == PROFILES
    assert database_files(graph) == [live_file(graph)]


def test_files_of_a_killed_import_are_removed_by_the_next(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    leftover = graph.folder / f"{LATER}.duckdb.building"
    leftover.write_bytes(b"half a database")
    later = files(tmp_path, LATER, NEWER)
    graph.import_release(later.vertices, later.edges, later.ranks)
    assert not leftover.exists()


def test_a_query_during_an_import_answers_from_the_previous_release(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    later = files(tmp_path, LATER, NEWER)
    saving, finish = threading.Event(), threading.Event()
    phases: list[str] = []

    def hold_before_saving(phase: str, percent: float) -> None:
        phases.append(phase)
        if phase == PHASE_SAVING:
            saving.set()
            assert finish.wait(WAIT)

    importer = threading.Thread(
        target=graph.import_release,
        args=(later.vertices, later.edges, later.ranks),
        kwargs={"on_progress": hold_before_saving},
    )
    importer.start()
    try:
        assert saving.wait(WAIT)
        assert graph.release() == Release(OLDER, date(2024, 5, 1))
        assert profile_rows(graph) == PROFILES
    finally:
        finish.set()
        importer.join(WAIT)
    assert list(dict.fromkeys(phases)) == [PHASE_EDGES, PHASE_DOMAINS, PHASE_LINKS, PHASE_SAVING]
    assert graph.release() == Release(LATER, date(2024, 8, 1))
    assert profile_rows(graph) == NEWER_PROFILES


def test_two_imports_take_turns(tmp_path: Path) -> None:
    graph = WebGraph(tmp_path / "webgraph")
    older, later = files(tmp_path, OLDER), files(tmp_path, LATER, NEWER)
    first_holds, first_goes_on, second_waits = (threading.Event() for _ in range(3))
    order: list[str] = []

    def first_progress(phase: str, percent: float) -> None:
        if phase == PHASE_EDGES and not first_holds.is_set():
            first_holds.set()
            assert first_goes_on.wait(WAIT)
        if phase == PHASE_SAVING and "first" not in order:
            order.append("first")

    def second_progress(phase: str, percent: float) -> None:
        if "second" not in order:
            order.append("second")

    first = threading.Thread(
        target=graph.import_release,
        args=(older.vertices, older.edges, older.ranks),
        kwargs={"on_progress": first_progress},
    )
    second = threading.Thread(
        target=WebGraph(tmp_path / "webgraph").import_release,
        args=(later.vertices, later.edges, later.ranks),
        kwargs={"on_progress": second_progress, "on_wait": second_waits.set},
    )
    first.start()
    try:
        assert first_holds.wait(WAIT)
        second.start()
        assert second_waits.wait(WAIT)
    finally:
        first_goes_on.set()
        first.join(WAIT)
        second.join(WAIT)
    assert order == ["first", "second"]
    assert graph.release() == Release(LATER, date(2024, 8, 1))
    assert profile_rows(graph) == NEWER_PROFILES


def test_a_reader_that_finds_its_file_gone_reads_current_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = imported(tmp_path)
    live = json.loads(current(graph))
    # As if an import had replaced CURRENT and deleted the file it named between this
    # reader's reading CURRENT and opening the file.
    readings = iter([{**live, "file": "cc-main-2023-dec.duckdb"}])
    read_current = graph._pointer
    monkeypatch.setattr(graph, "_pointer", lambda: next(readings, None) or read_current())
    assert profile_rows(graph) == PROFILES


def test_reading_before_any_import_says_what_to_do(tmp_path: Path) -> None:
    graph = WebGraph(tmp_path / "webgraph")
    assert graph.release() is None
    with pytest.raises(WebgraphError, match="gapbot webgraph import"), graph.connect():
        pass


def test_a_stored_result_names_its_domains_and_ranks_them_by_name(tmp_path: Path) -> None:
    graph = imported(tmp_path)
    query = make_query(["mysite.com", "rival-a.com", "rival-b.net"], limit=1)
    with running(query, graph) as analysis:
        assert [o.domain for o in analysis.page(1).opportunities] == ["bbc.co.uk"]
        assert analysis.store(tmp_path / "result.parquet") == 3
    rows = duckdb.sql(
        f"SELECT domain, domain_rank, links, authority FROM '{tmp_path / 'result.parquet'}'"
        " ORDER BY domain_rank"
    ).fetchall()
    assert rows == [
        ("bbc.co.uk", 1, [1, 1], 87),
        ("lakeblogger.blogspot.com", 2, [1, 0], 0),
        ("xn--mnchen-blog-thb.de", 3, [0, 1], 12),
    ]
