"""bot/links/index.py and imports.py: importing exports into DuckDB and querying profiles."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from export_files import SCENARIO, export_copy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.analysis import analyse
from bot.config import Settings
from bot.gaps import GapOptions, RefDomainLinks, SiteProfile, find_gaps
from bot.links.imports import ExportError, SiteRequiredError, UnknownFormatError
from bot.links.index import LinkIndex
from bot.links.sources import DEFAULT_TEAM, open_source, visible_teams
from bot.query import make_query


@pytest.fixture
def index(tmp_path: Path) -> LinkIndex:
    return LinkIndex(tmp_path / "home" / "index")


def load_scenario(index: LinkIndex, folder: Path) -> None:
    for name, site, utf16 in SCENARIO:
        index.import_file(export_copy(name, folder, utf16=utf16), site=site)


def test_ahrefs_backlinks_report(index: LinkIndex, tmp_path: Path) -> None:
    path = export_copy("ahrefs-rival-a-backlinks.tsv", tmp_path, utf16=True)
    report = index.import_file(path)
    assert report.format.name == "ahrefs-backlinks"
    assert (report.rows_read, report.rows_imported) == (9, 7)
    assert report.skipped == {"lost link": 1, "link from a site to itself": 1}
    assert report.sites == {"rival-a.com": 7}


def test_semrush_report_counts_other_targets(index: LinkIndex, tmp_path: Path) -> None:
    report = index.import_file(export_copy("semrush-rival-b-backlinks.csv", tmp_path))
    assert report.format.name == "semrush-backlinks"
    assert report.skipped == {"lost link": 1}
    assert report.sites == {"rival-b.com": 5, "unrelated.com": 1}


def test_site_skips_rows_for_other_targets(index: LinkIndex, tmp_path: Path) -> None:
    path = export_copy("semrush-rival-b-backlinks.csv", tmp_path)
    report = index.import_file(path, site="rival-b.com")
    assert report.skipped == {"lost link": 1, "target is another site": 1}
    assert report.rows_imported == 5


def test_refdomains_export_needs_site(index: LinkIndex, tmp_path: Path) -> None:
    path = export_copy("ahrefs-rival-c-refdomains.tsv", tmp_path, utf16=True)
    with pytest.raises(SiteRequiredError, match="--site"):
        index.import_file(path)
    report = index.import_file(path, site="rival-c.com")
    assert report.format.name == "ahrefs-refdomains"
    assert (report.rows_imported, report.skipped) == (4, {"lost link": 1})


def test_gsc_top_linking_sites_reads_quoted_thousands(index: LinkIndex, tmp_path: Path) -> None:
    path = export_copy("gsc-mysite-top-linking-sites.csv", tmp_path)
    index.import_file(path, site="mysite.com")
    profile = index.profile("mysite.com")
    assert profile.refdomains["mine.org"].links == 1204
    assert profile.refdomains["nofollowme.net"].links == 1


def test_duplicates_count_once_and_reimport_replaces(index: LinkIndex, tmp_path: Path) -> None:
    path = export_copy("gsc-mysite-latest-links.csv", tmp_path)
    index.import_file(path, site="mysite.com")
    again = index.import_file(path, site="mysite.com")
    assert again.replaced == 3
    profile = index.profile("mysite.com")
    assert profile.refdomains["friend.example"].links == 1
    assert index.summary() == [("mysite.com", 2, 2)]  # (site, referring domains, links)


def test_same_content_under_another_name_replaces(index: LinkIndex, tmp_path: Path) -> None:
    first = export_copy("generic-links.csv", tmp_path)
    index.import_file(first)
    second = tmp_path / "renamed.csv"
    second.write_bytes(first.read_bytes())
    assert index.import_file(second).replaced == 3
    assert sum(row[2] for row in index.summary()) == 3


def test_linking_urls_lists_exact_links(index: LinkIndex, tmp_path: Path) -> None:
    load_scenario(index, tmp_path)
    pages = index.linking_urls("news.example", ["rival-a.com", "rival-b.com", "rival-c.com"], 1)
    assert pages["rival-a.com"].total == 2
    assert [url.source_url for url in pages["rival-a.com"].urls] == ["https://news.example/gear"]
    assert pages["rival-b.com"].urls[0].anchor == "Rival B"
    assert pages["rival-c.com"].total == 0  # the refdomains export has no page URLs


def test_lakeblogger_anchor_keeps_quotes_and_markup(index: LinkIndex, tmp_path: Path) -> None:
    load_scenario(index, tmp_path)
    pages = index.linking_urls("lakeblogger.blogspot.com", ["rival-a.com"], 5)
    link = pages["rival-a.com"].urls[0]
    assert (link.anchor, link.nofollow) == ('a <b>great</b> trip, with "quotes"', True)


def snapshot(index: LinkIndex) -> list[tuple[str, int, int]]:
    return index.summary()


BROKEN = {
    "truncated.csv": b'source_url,target_url\nhttps://a.example/x,"https://rival-a.com/',
    "ragged.csv": b"source_url,target_url\nhttps://a.example/x\n",
    "junk.bin": bytes(range(256)) * 4,
    "empty.csv": b"",
    "latin1.csv": "source_url,target_url\nhttps://caf\u00e9.example/x,https://rival-a.com/\n".encode(
        "latin-1"
    ),
    "late-latin1.csv": (
        "source_url,target_url\n"
        + "https://a.example/x,https://rival-a.com/\n" * 3000
        + "https://caf\u00e9.example/x,https://rival-a.com/\n"
    ).encode("latin-1"),
    "header-only-junk.csv": b"name,email\nbob,bob@example.com\n",
}


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("truncated.csv", ExportError, "not a readable generic CSV"),
        ("ragged.csv", ExportError, "not a readable generic CSV"),
        ("junk.bin", ExportError, "binary or UTF-16 without a byte-order mark"),
        ("empty.csv", ExportError, "is empty"),
        ("latin1.csv", ExportError, "not UTF-8 or UTF-16 text"),
        ("late-latin1.csv", ExportError, "not a readable generic CSV"),
        ("header-only-junk.csv", UnknownFormatError, "unrecognised export"),
    ],
)
def test_broken_files_fail_and_leave_the_index_as_it_was(
    index: LinkIndex, tmp_path: Path, name: str, error: type[Exception], message: str
) -> None:
    load_scenario(index, tmp_path)
    before = snapshot(index)
    path = tmp_path / name
    path.write_bytes(BROKEN[name])
    with pytest.raises(error, match=message):
        index.import_file(path)
    assert snapshot(index) == before


def test_failed_reimport_keeps_the_earlier_rows(index: LinkIndex, tmp_path: Path) -> None:
    path = export_copy("generic-links.csv", tmp_path)
    index.import_file(path)
    before = snapshot(index)
    path.write_text(path.read_text() + '"https://x.example/\n')
    with pytest.raises(ExportError):
        index.import_file(path)
    assert snapshot(index) == before


def test_unknown_format_name(index: LinkIndex, tmp_path: Path) -> None:
    with pytest.raises(UnknownFormatError, match="unknown format 'moz'"):
        index.import_file(export_copy("generic-links.csv", tmp_path), format_name="moz")


def test_missing_sites_are_reported(index: LinkIndex, tmp_path: Path) -> None:
    index.import_file(export_copy("generic-links.csv", tmp_path))
    with index.profiles("mysite.com", ["rival-a.com", "nobody.com"]) as profiles:
        assert set(profiles.provenance.failures) == {"mysite.com", "nobody.com"}


# -- the index agrees with the pure engine ----------------------------------------------------

link_rows = st.lists(
    st.tuples(
        st.sampled_from(["d1.com", "www.d2.org", "d3.co.uk", "blog.d4.blogspot.com", "mysite.com"]),
        st.integers(0, 3),
        st.sampled_from(["mysite.com", "c1.com", "c2.com", "c3.com"]),
        st.booleans(),
    ),
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=link_rows, dofollow_only=st.booleans())
def test_index_and_engine_agree(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, int, str, bool]],
    dofollow_only: bool,
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    lines = ["source_url,target_url,nofollow"]
    lines += [f"https://{s}/p{n},https://{t}/,{str(nf).lower()}" for s, n, t, nf in rows]
    (folder / "links.csv").write_text("\n".join(lines) + "\n")
    index = LinkIndex(folder / "index")
    index.import_file(folder / "links.csv")
    query = make_query(["mysite.com", "c1.com", "c2.com", "c3.com"], dofollow_only=dofollow_only)
    from_index = analyse(query, index).opportunities
    expected = find_gaps(*_profiles_by_hand(rows), GapOptions(dofollow_only=dofollow_only))
    assert [(o.domain, dict(o.links)) for o in from_index] == [
        (o.domain, dict(o.links)) for o in expected
    ]


def _profiles_by_hand(
    rows: list[tuple[str, int, str, bool]],
) -> tuple[SiteProfile, list[SiteProfile]]:
    fold = {
        "d1.com": "d1.com",
        "www.d2.org": "d2.org",
        "d3.co.uk": "d3.co.uk",
        "blog.d4.blogspot.com": "d4.blogspot.com",
        "mysite.com": "mysite.com",
    }
    links: dict[tuple[str, str], dict[str, bool]] = {}
    for source, number, target, nofollow in rows:
        if fold[source] == target:
            continue
        pages = links.setdefault((target, fold[source]), {})
        url = f"{source}/p{number}"
        pages[url] = pages.get(url, False) or not nofollow
    profiles: dict[str, list[RefDomainLinks]] = {
        s: [] for s in ("mysite.com", "c1.com", "c2.com", "c3.com")
    }
    for (target, domain), pages in links.items():
        profiles[target].append(RefDomainLinks(domain, len(pages), sum(pages.values())))
    site = SiteProfile.of("mysite.com", profiles["mysite.com"])
    return site, [SiteProfile.of(name, profiles[name]) for name in ("c1.com", "c2.com", "c3.com")]


@pytest.mark.parametrize(
    ("encoding", "bom", "newline", "delimiter"),
    [
        ("utf-8", b"", "\n", ","),
        ("utf-8", b"\xef\xbb\xbf", "\r\n", ","),
        ("utf-16-le", b"\xff\xfe", "\r\n", "\t"),
        ("utf-16-be", b"\xfe\xff", "\n", "\t"),
        ("utf-8", b"", "\n", ";"),
    ],
)
def test_encodings_line_endings_and_delimiters(
    index: LinkIndex, tmp_path: Path, encoding: str, bom: bytes, newline: str, delimiter: str
) -> None:
    rows = [
        ["source_url", "target_url"],
        ["https://café.example/x", "https://rival-a.com/"],
        ["https://b.example/y", "https://rival-a.com/"],
    ]
    text = newline.join(delimiter.join(row) for row in rows) + newline
    path = tmp_path / "links.csv"
    path.write_bytes(bom + text.encode(encoding))
    report = index.import_file(path)
    assert (report.rows_read, report.rows_imported) == (2, 2)
    profile = index.profile("rival-a.com")
    assert set(profile.refdomains) == {"xn--caf-dma.example", "b.example"}


def test_progress_runs_up_to_100(index: LinkIndex, tmp_path: Path) -> None:
    seen: list[float] = []
    index.import_file(export_copy("generic-links.csv", tmp_path), on_progress=seen.append)
    assert seen[-1] == 100
    assert seen == sorted(seen)
    assert all(0 <= value <= 100 for value in seen)


# -- reads never wait for an import -------------------------------------------------------------


def _domains(index: LinkIndex, site: str) -> set[str]:
    return set(index.profile(site).refdomains)


def _blocked_import(index: LinkIndex, path: Path) -> tuple[threading.Thread, threading.Event]:
    """An import running in a thread, held inside its first progress report until released."""
    inside, release = threading.Event(), threading.Event()

    def hold(_percent: float) -> None:
        inside.set()
        assert release.wait(10)

    worker = threading.Thread(target=lambda: index.import_file(path, on_progress=hold))
    worker.start()
    assert inside.wait(10)
    return worker, release


def test_a_query_during_an_import_answers_from_the_previous_state(
    index: LinkIndex, tmp_path: Path
) -> None:
    index.import_file(export_copy("generic-links.csv", tmp_path))
    before = _domains(index, "rival-a.com")
    worker, release = _blocked_import(
        index, export_copy("ahrefs-rival-a-backlinks.tsv", tmp_path, utf16=True)
    )
    try:
        query = make_query(["mysite.com", "rival-a.com"])
        assert {o.domain for o in analyse(query, index).opportunities} == before
    finally:
        release.set()
        worker.join(10)
    assert _domains(index, "rival-a.com") > before  # visible all at once when it is done


def test_an_interrupted_import_leaves_the_previous_index(index: LinkIndex, tmp_path: Path) -> None:
    index.import_file(export_copy("generic-links.csv", tmp_path))
    before = (index.path, _domains(index, "rival-a.com"))

    def interrupt(_percent: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        index.import_file(
            export_copy("ahrefs-rival-a-backlinks.tsv", tmp_path, utf16=True),
            on_progress=interrupt,
        )
    assert (index.path, _domains(index, "rival-a.com")) == before
    assert [p.name for p in index.folder.glob("*.building")] == []


def test_two_imports_at_once_take_turns(index: LinkIndex, tmp_path: Path) -> None:
    index.import_file(export_copy("generic-links.csv", tmp_path))
    first, release = _blocked_import(
        index, export_copy("ahrefs-rival-a-backlinks.tsv", tmp_path, utf16=True)
    )
    waited = threading.Event()
    second = threading.Thread(
        target=lambda: index.import_file(
            export_copy("semrush-rival-b-backlinks.csv", tmp_path), on_wait=waited.set
        )
    )
    second.start()
    try:
        assert waited.wait(10)  # the second import says it waits, and does
    finally:
        release.set()
        first.join(10)
        second.join(10)
    # Both landed: the second built on the first's result, not on the state before it.
    assert "news.example" in _domains(index, "rival-a.com")
    assert _domains(index, "rival-b.com")
    assert len(list(index.folder.glob("links-*.duckdb"))) == 1


def test_a_killed_import_leaves_nothing_for_the_next(index: LinkIndex, tmp_path: Path) -> None:
    index.import_file(export_copy("generic-links.csv", tmp_path))
    assert index.path is not None
    # A process killed half-way through an import: its copy of the index, and a row it
    # wrote that is still in DuckDB's log (os._exit: no checkpoint, no cleanup).
    building = index.folder / "links-000002.duckdb.building"
    killed = f"""
import duckdb, os, shutil
shutil.copyfile({str(index.path)!r}, {str(building)!r})
connection = duckdb.connect({str(building)!r})
connection.execute("SET checkpoint_threshold = '1TB'")
connection.execute(
    "INSERT INTO profiles VALUES ('rival-a.com', 'ghost.example', 1, 1, NULL, [], 'cli')"
)
os._exit(0)
"""
    subprocess.run([sys.executable, "-c", killed], check=True, timeout=60)
    assert building.with_name(building.name + ".wal").exists()

    index.import_file(export_copy("semrush-rival-b-backlinks.csv", tmp_path))
    assert "ghost.example" not in _domains(index, "rival-a.com")
    assert [p.name for p in index.folder.glob("*.building*")] == []


def test_an_index_of_an_earlier_version_is_adopted(tmp_path: Path) -> None:
    earlier = LinkIndex(tmp_path / "before")
    earlier.import_file(export_copy("generic-links.csv", tmp_path))
    assert earlier.path is not None
    home = tmp_path / "home"
    home.mkdir()
    earlier.path.replace(home / "links.duckdb")  # where Gapbot kept its index before
    index = LinkIndex(home / "index")
    domains = _domains(index, "rival-a.com")
    assert domains  # read where it is
    index.import_file(export_copy("semrush-rival-b-backlinks.csv", tmp_path))
    assert _domains(index, "rival-a.com") == domains  # and kept by the next import
    assert not (home / "links.duckdb").exists()


# -- imports belong to a team -------------------------------------------------------------------


def write_links(folder: Path, name: str, *rows: str) -> Path:
    """A generic CSV export with `rows` (source_url,target_url,nofollow)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("source_url,target_url,nofollow\n" + "".join(f"{row}\n" for row in rows))
    return path


def test_each_team_sees_only_its_own_imports_of_a_site(tmp_path: Path) -> None:
    folder = tmp_path / "home" / "index"
    first, second = LinkIndex(folder, team="T1"), LinkIndex(folder, team="T2")
    first.import_file(
        write_links(
            tmp_path / "t1",
            "links.csv",
            "https://aaa.net/p,https://rival-a.com/,false",
            "https://bbb.net/x,https://rival-a.com/,true",
            "https://ccc.net/m,https://mysite.com/,false",
        )
    )
    second.import_file(
        write_links(
            tmp_path / "t2",
            "links.csv",
            "https://ddd.net/p,https://rival-a.com/,false",
            "https://aaa.net/p,https://mysite.com/,false",
        )
    )

    query = make_query(["mysite.com", "rival-a.com"])
    assert [o.domain for o in analyse(query, first).opportunities] == ["aaa.net", "bbb.net"]
    assert [o.domain for o in analyse(query, second).opportunities] == ["ddd.net"]
    assert first.summary() == [("mysite.com", 1, 1), ("rival-a.com", 2, 2)]
    assert second.summary() == [("mysite.com", 1, 1), ("rival-a.com", 1, 1)]
    assert first.linking_urls("aaa.net", ["rival-a.com"], 5)["rival-a.com"].total == 1
    assert second.linking_urls("aaa.net", ["rival-a.com"], 5)["rival-a.com"].total == 0
    terminal = LinkIndex(folder)
    assert terminal.summary() == []
    with terminal.profiles("mysite.com", ["rival-a.com"]) as profiles:
        assert set(profiles.provenance.failures) == {"mysite.com", "rival-a.com"}


def settings_for(home: Path, **slack: str) -> Settings:
    return Settings(_env_file=None, GAPBOT_HOME=str(home), **slack)  # type: ignore[call-arg]


ONE_WORKSPACE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
MANY_WORKSPACES = {
    "SLACK_CLIENT_ID": "1.2",
    "SLACK_CLIENT_SECRET": "s",
    "SLACK_SIGNING_SECRET": "s",
}


def test_which_teams_imports_a_workspace_reads(tmp_path: Path) -> None:
    one, many = settings_for(tmp_path, **ONE_WORKSPACE), settings_for(tmp_path, **MANY_WORKSPACES)
    assert visible_teams(one, "T1") == ("T1", DEFAULT_TEAM)
    assert visible_teams(many, "T1") == ("T1",)
    assert visible_teams(one, DEFAULT_TEAM) == visible_teams(many, DEFAULT_TEAM) == ("cli",)


def opened(settings: Settings, team: str) -> LinkIndex:
    source = open_source("local", settings, team_id=team)
    assert isinstance(source, LinkIndex)
    return source


def test_one_workspace_reads_the_terminals_imports_too(tmp_path: Path) -> None:
    home = tmp_path / "home"
    one, many = settings_for(home, **ONE_WORKSPACE), settings_for(home, **MANY_WORKSPACES)
    opened(one, DEFAULT_TEAM).import_file(
        write_links(
            tmp_path / "cli",
            "links.csv",
            "https://aaa.net/p,https://rival-a.com/,false",
            "https://aaa.net/q,https://rival-a.com/,false",
            "https://eee.net/m,https://mysite.com/,false",
        )
    )
    opened(one, "T1").import_file(
        write_links(
            tmp_path / "t1",
            "links.csv",
            "https://aaa.net/p,https://rival-a.com/,false",
            "https://fff.net/z,https://rival-a.com/,false",
        )
    )

    # Both teams' rows of a site, and per referring domain the larger count: aaa.net's
    # link /p is in both imports.
    workspace = opened(one, "T1")
    assert {d: r.links for d, r in workspace.profile("rival-a.com").refdomains.items()} == {
        "aaa.net": 2,
        "fff.net": 1,
    }
    assert workspace.profile("rival-a.com").refdomains["aaa.net"].sample_urls == (
        "https://aaa.net/p",
        "https://aaa.net/q",
    )
    assert workspace.summary() == [("mysite.com", 1, 1), ("rival-a.com", 2, 3)]
    assert workspace.linking_urls("aaa.net", ["rival-a.com"], 5)["rival-a.com"].total == 2
    gaps = analyse(make_query(["mysite.com", "rival-a.com"]), workspace).opportunities
    assert [(o.domain, dict(o.links)) for o in gaps] == [
        ("aaa.net", {"rival-a.com": 2}),
        ("fff.net", {"rival-a.com": 1}),
    ]
    # With many workspaces, the terminal's imports are no workspace's.
    assert opened(many, "T1").summary() == [("rival-a.com", 2, 2)]
    assert opened(many, DEFAULT_TEAM).summary() == [("mysite.com", 1, 1), ("rival-a.com", 1, 2)]


def test_reimporting_a_file_for_one_team_leaves_another_teams_import(tmp_path: Path) -> None:
    folder = tmp_path / "home" / "index"
    first, second = LinkIndex(folder, team="T1"), LinkIndex(folder, team="T2")
    path = export_copy("generic-links.csv", tmp_path)
    first.import_file(path)
    second.import_file(path)
    both = [("rival-a.com", 1, 2), ("rival-b.com", 1, 1)]
    assert first.summary() == second.summary() == both

    with path.open("a") as export:
        export.write("https://zzz.net/new,https://rival-b.com/,false\n")
    assert first.import_file(path).replaced == 3

    assert first.summary() == [("rival-a.com", 1, 2), ("rival-b.com", 2, 2)]
    assert second.summary() == both
    assert second.import_file(path).replaced == 3  # its own earlier import was still there


def test_an_index_without_teams_is_read_as_the_terminals_then_adopted(tmp_path: Path) -> None:
    index = LinkIndex(tmp_path / "home" / "index")
    index.import_file(export_copy("generic-links.csv", tmp_path))
    assert index.path is not None
    with duckdb.connect(str(index.path)) as connection:  # as the previous version wrote it
        for table in ("imports", "links", "profiles"):
            connection.execute(f"ALTER TABLE {table} DROP COLUMN team")
    terminal_rows = [("rival-a.com", 1, 2), ("rival-b.com", 1, 1)]

    assert index.summary() == terminal_rows
    assert LinkIndex(index.folder, team="T1").summary() == []
    assert LinkIndex(index.folder, team="T1", visible=["T1", "cli"]).summary() == terminal_rows

    workspace = LinkIndex(index.folder, team="T1")
    workspace.import_file(export_copy("semrush-rival-b-backlinks.csv", tmp_path))
    assert workspace.summary() == [("rival-b.com", 4, 5), ("unrelated.com", 1, 1)]
    assert index.summary() == terminal_rows
    assert index.path is not None
    adopted = tmp_path / "adopted.duckdb"  # a copy: this process holds the live file open
    shutil.copyfile(index.path, adopted)
    with duckdb.connect(str(adopted), read_only=True) as connection:
        teams = connection.execute("SELECT DISTINCT team FROM links ORDER BY 1").fetchall()
    assert teams == [("T1",), ("cli",)]
