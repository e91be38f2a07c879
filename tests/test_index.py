"""bot/links/index.py, index_import.py, index_db.py and imports.py: importing exports into
DuckDB and querying profiles."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import NoReturn

import duckdb
import pytest
from export_files import EXPORTS, SCENARIO, export_copy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.engine import analyse
from bot.gaps import GapOptions, RefDomainLinks, SiteProfile, find_gaps
from bot.links.imports import ExportError, SiteRequiredError, UnknownFormatError, date_in_name
from bot.links.index import LinkIndex
from bot.links.index_import import ImportReport
from bot.links.sources import DEFAULT_TEAM, open_source, visible_teams
from bot.query import make_query


@pytest.fixture
def index(tmp_path: Path) -> LinkIndex:
    return LinkIndex(tmp_path / "home" / "index")


def load_scenario(index: LinkIndex, folder: Path) -> None:
    for name, site, utf16 in SCENARIO:
        index.import_file(export_copy(name, folder, utf16=utf16), site=site)


@pytest.fixture(scope="module")
def scenario_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index folder holding the SCENARIO exports, imported once for the module."""
    folder = tmp_path_factory.mktemp("scenario")
    load_scenario(LinkIndex(folder / "index"), folder)
    return folder / "index"


@pytest.fixture
def scenario_index(scenario_folder: Path, tmp_path: Path) -> LinkIndex:
    """The SCENARIO exports imported: a copy of the module's index, this test's to change."""
    folder = tmp_path / "home" / "index"
    shutil.copytree(scenario_folder, folder)
    return LinkIndex(folder)


def test_ahrefs_backlinks_report(index: LinkIndex, tmp_path: Path) -> None:
    path = export_copy("ahrefs-rival-a-backlinks.tsv", tmp_path, utf16=True, crlf=True)
    report = index.import_file(path)
    assert report.format.name == "ahrefs-backlinks"
    assert (report.rows_read, report.rows_imported) == (9, 6)
    assert report.skipped == {"lost link": 1, "link from a site to itself": 1, "duplicate link": 1}
    assert report.sites == {"rival-a.com": 6}
    # Its latest date: a Last seen of 2026-11-01 (the lost link's Lost date is older).
    assert (report.export_date, report.dated_by) == (
        date(2026, 11, 1),
        "Last seen and Lost columns",
    )
    assert report.lines() == [
        "ahrefs-rival-a-backlinks.tsv (Ahrefs backlinks export of 2026-11-01, dated by its"
        " Last seen and Lost columns): read 9 rows, imported 6 links",
        "  skipped 1 duplicate link: news.example",
        "  skipped 1 link from a site to itself: rival-a.com",
        "  skipped 1 lost link: gone.example",
        "  rival-a.com: 6 links",
    ]


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


def replaced(report: ImportReport) -> list[tuple[str, str, date, int]]:
    """What an import replaced: (site, file, export date, links)."""
    return [(held.site, held.file, held.export_date, held.links) for held in report.replaced]


def test_duplicates_count_once_and_reimport_replaces(index: LinkIndex, tmp_path: Path) -> None:
    path = export_copy("gsc-mysite-latest-links.csv", tmp_path)
    first = index.import_file(path, site="mysite.com")
    assert (first.rows_read, first.rows_imported) == (3, 2)
    assert (first.skipped, first.examples) == (
        {"duplicate link": 1},
        {"duplicate link": ["friend.example"]},
    )
    again = index.import_file(path, site="mysite.com")
    assert replaced(again) == [("mysite.com", "gsc-mysite-latest-links.csv", date(2026, 11, 21), 2)]
    assert again.lines()[-1] == (
        "  mysite.com: 2 links, replacing gsc-mysite-latest-links.csv of 2026-11-21 (2 links)"
    )
    profile = index.profile("mysite.com")
    assert profile.refdomains["friend.example"].links == 1
    assert index.summary() == [("mysite.com", 2, 2)]  # (site, referring domains, links)


def test_same_content_under_another_name_replaces(index: LinkIndex, tmp_path: Path) -> None:
    first = export_copy("generic-links.csv", tmp_path)
    index.import_file(first)
    second = tmp_path / "renamed.csv"
    second.write_bytes(first.read_bytes())
    today = date.today()
    assert replaced(index.import_file(second)) == [
        ("rival-a.com", "generic-links.csv", today, 2),
        ("rival-b.com", "generic-links.csv", today, 1),
    ]
    assert sum(row[2] for row in index.summary()) == 3


def test_linking_urls_lists_exact_links(scenario_index: LinkIndex) -> None:
    pages = scenario_index.linking_urls(
        "news.example", ["rival-a.com", "rival-b.com", "rival-c.com"], 1
    )
    assert pages["rival-a.com"].total == 2
    assert [url.source_url for url in pages["rival-a.com"].urls] == ["https://news.example/gear"]
    assert pages["rival-b.com"].urls[0].anchor == "Rival B"
    assert pages["rival-c.com"].total == 0  # the refdomains export has no page URLs


def test_lakeblogger_anchor_keeps_quotes_and_markup(scenario_index: LinkIndex) -> None:
    pages = scenario_index.linking_urls("lakeblogger.blogspot.com", ["rival-a.com"], 5)
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
    scenario_index: LinkIndex, tmp_path: Path, name: str, error: type[Exception], message: str
) -> None:
    before = snapshot(scenario_index)
    path = tmp_path / name
    path.write_bytes(BROKEN[name])
    with pytest.raises(error, match=message):
        scenario_index.import_file(path)
    assert snapshot(scenario_index) == before


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


def no_app_database() -> NoReturn:
    pytest.fail("the local index opened the providers' store")


def opened(settings: Settings, team: str) -> LinkIndex:
    source = open_source("local", settings, no_app_database, team_id=team)
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
    # Another content: of the same sites and format, and not older, so it replaces them.
    assert [(held.site, held.links) for held in first.import_file(path).replaced] == [
        ("rival-a.com", 2),
        ("rival-b.com", 1),
    ]

    assert first.summary() == [("rival-a.com", 1, 2), ("rival-b.com", 2, 2)]
    assert second.summary() == both
    # Its own earlier import was still there.
    assert [(held.site, held.links) for held in second.import_file(path).replaced] == [
        ("rival-a.com", 2),
        ("rival-b.com", 1),
    ]


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


# -- newer wins ---------------------------------------------------------------------------------

NOV, DEC = "semrush-rival-b-nov.csv", "semrush-rival-b-dec.csv"


def gap_domains(index: LinkIndex, site: str = "mysite.com", *competitors: str) -> list[str]:
    query = make_query([site, *(competitors or ("rival-b.com",))])
    return [o.domain for o in analyse(query, index).opportunities]


def with_mysite(index: LinkIndex, folder: Path) -> None:
    """mysite.com's own profile: one link from mine.org."""
    index.import_file(
        write_links(folder, "mine.csv", "https://mine.org/a,https://mysite.com/,false")
    )


def test_a_newer_export_ends_what_it_marks_lost_or_no_longer_lists(
    index: LinkIndex, tmp_path: Path
) -> None:
    with_mysite(index, tmp_path)
    index.import_file(export_copy(NOV, tmp_path, crlf=True))
    assert gap_domains(index) == ["news.example", "old.example", "two.org"]

    december = index.import_file(export_copy(DEC, tmp_path, crlf=True))
    # news.example's link is lost in December; old.example's is no longer listed.
    assert gap_domains(index) == ["two.org"]
    assert (december.export_date, december.dated_by) == (date(2025, 12, 14), "Last seen column")
    assert replaced(december) == [("rival-b.com", NOV, date(2025, 11, 20), 3)]
    assert december.lines() == [
        f"{DEC} (Semrush backlinks export of 2025-12-14, dated by its Last seen column):"
        " read 2 rows, imported 1 link",
        "  skipped 1 lost link: news.example",
        f"  rival-b.com: 1 link, replacing {NOV} of 2025-11-20 (3 links)",
    ]
    assert index.linking_urls("news.example", ["rival-b.com"], 5)["rival-b.com"].total == 0


def test_an_older_export_imported_after_a_newer_one_changes_nothing(
    index: LinkIndex, tmp_path: Path
) -> None:
    with_mysite(index, tmp_path)
    index.import_file(export_copy(DEC, tmp_path, crlf=True))
    november = index.import_file(export_copy(NOV, tmp_path, crlf=True))
    assert gap_domains(index) == ["two.org"]
    assert (november.rows_imported, november.skipped) == (0, {"older than the export held": 3})
    assert november.replaced == []
    assert november.lines()[1:] == [
        "  skipped 3 links older than the export held: rival-b.com",
        f"  rival-b.com: not imported, as the index holds a newer export of it, {DEC} of"
        " 2025-12-14 (1 link)",
    ]
    assert [(held.file, held.export_date) for held in index.holdings("rival-b.com")] == [
        (DEC, date(2025, 12, 14))
    ]


def test_a_lost_links_report_marks_links_lost_without_replacing_the_export(
    index: LinkIndex, tmp_path: Path
) -> None:
    with_mysite(index, tmp_path)
    index.import_file(export_copy(NOV, tmp_path, crlf=True))
    # Only the lost row of December, as a "lost backlinks" report holds it; its latest date
    # is the same as November's, so the later import wins.
    lost_only = export_copy(DEC, tmp_path, crlf=True).read_text().splitlines()[:2]
    path = tmp_path / "lost.csv"
    path.write_text("\r\n".join(lost_only) + "\r\n")
    report = index.import_file(path)
    assert (report.replaced, report.skipped) == ([], {"lost link": 1})
    assert gap_domains(index) == ["old.example", "two.org"]
    held = index.holdings("rival-b.com")
    assert [(h.file, h.links, h.lost_links) for h in held] == [(NOV, 3, 0), ("lost.csv", 0, 1)]


def test_a_newer_export_of_another_tool_ends_a_link_it_marks_lost(
    index: LinkIndex, tmp_path: Path
) -> None:
    index.import_file(export_copy("ahrefs-rival-a-backlinks.tsv", tmp_path, utf16=True))
    assert index.profile("rival-a.com").refdomains["news.example"].links == 2
    semrush = tmp_path / "semrush-rival-a.csv"
    semrush.write_text(
        (EXPORTS / DEC).read_text().splitlines()[0]
        + "\r\n45,News,https://www.news.example/best-trail-shoes,https://rival-a.com/shoes,A,1,1,"
        "false,false,false,true,false,false,false,false,2025-01-01,2026-11-20,false,true\r\n"
    )
    index.import_file(semrush)
    # Its other link (/gear) is still live: Ahrefs' export is not replaced, only the link.
    assert index.profile("rival-a.com").refdomains["news.example"].links == 1
    pages = index.linking_urls("news.example", ["rival-a.com"], 5)["rival-a.com"]
    assert [url.source_url for url in pages.urls] == ["https://news.example/gear"]


def test_the_date_in_a_file_name_dates_an_export(index: LinkIndex, tmp_path: Path) -> None:
    later = tmp_path / "rival-a.com-backlinks_2026-12-01_10-26-37.csv"
    later.write_text("source_url,target_url\r\nhttps://a.net/x,https://rival-a.com/\r\n")
    report = index.import_file(later)
    assert (report.export_date, report.dated_by) == (date(2026, 12, 1), "file name")
    earlier = tmp_path / "links 20261115.csv"
    earlier.write_text("source_url,target_url\r\nhttps://b.net/x,https://rival-a.com/\r\n")
    assert index.import_file(earlier).newer_held["rival-a.com"].file == later.name
    # The later of the file name's date and the columns': an export is no older than its data.
    named = export_copy(NOV, tmp_path)
    dated = named.rename(tmp_path / "semrush 2025-11-01.csv")
    assert (index.import_file(dated).export_date, date_in_name(dated.name)) == (
        date(2025, 11, 20),
        date(2025, 11, 1),
    )


def test_an_export_with_no_date_is_dated_by_its_import_day(
    index: LinkIndex, tmp_path: Path
) -> None:
    report = index.import_file(export_copy("generic-links.csv", tmp_path))
    assert (report.export_date, report.dated_by) == (date.today(), "import day")
    assert report.lines()[0].startswith(
        "generic-links.csv (generic CSV (source_url,target_url[,nofollow]) of"
        f" {date.today().isoformat()}, dated by the import day)"
    )


def test_reusing_a_file_name_for_another_site_keeps_both(index: LinkIndex, tmp_path: Path) -> None:
    path = write_links(tmp_path, "links.csv", "https://aaa.net/p,https://rival-a.com/,false")
    index.import_file(path)
    write_links(tmp_path, "links.csv", "https://bbb.net/p,https://rival-b.com/,false")
    report = index.import_file(path)
    assert report.replaced == []
    assert report.lines()[1:] == ["  rival-b.com: 1 link"]
    assert index.summary() == [("rival-a.com", 1, 1), ("rival-b.com", 1, 1)]


# -- what the index holds, and removing it ------------------------------------------------------


def test_holdings_per_site_and_source(index: LinkIndex, tmp_path: Path) -> None:
    index.import_file(export_copy(NOV, tmp_path))
    index.import_file(export_copy("semrush-rival-b-backlinks.csv", tmp_path))
    index.import_file(export_copy("generic-links.csv", tmp_path))
    held = [
        (h.site, h.format, h.export_date, h.dated_by, h.links, h.lost_links, h.file)
        for h in index.holdings()
    ]
    # The fixture export of 2026-11-01 replaced November's of rival-b.com.
    assert held == [
        ("rival-a.com", "generic", date.today(), "import day", 2, 0, "generic-links.csv"),
        ("rival-b.com", "generic", date.today(), "import day", 1, 0, "generic-links.csv"),
        (
            "rival-b.com",
            "semrush-backlinks",
            date(2026, 11, 1),
            "Last seen column",
            5,
            1,
            "semrush-rival-b-backlinks.csv",
        ),
        (
            "unrelated.com",
            "semrush-backlinks",
            date(2026, 11, 1),
            "Last seen column",
            1,
            0,
            "semrush-rival-b-backlinks.csv",
        ),
    ]
    assert LinkIndex(index.folder, team="T1").holdings() == []


def test_remove_a_site_from_one_source_then_all(index: LinkIndex, tmp_path: Path) -> None:
    index.import_file(export_copy("semrush-rival-b-backlinks.csv", tmp_path))
    index.import_file(export_copy("generic-links.csv", tmp_path))
    removed = index.remove("rival-b.com", "semrush-backlinks")
    assert [(h.site, h.format, h.links) for h in removed] == [
        ("rival-b.com", "semrush-backlinks", 5)
    ]
    assert index.summary() == [
        ("rival-a.com", 1, 2),
        ("rival-b.com", 1, 1),
        ("unrelated.com", 1, 1),
    ]
    assert [h.site for h in index.holdings()] == ["rival-a.com", "rival-b.com", "unrelated.com"]

    assert [h.format for h in index.remove("rival-b.com")] == ["generic"]
    assert index.summary() == [("rival-a.com", 1, 2), ("unrelated.com", 1, 1)]
    assert index.linking_urls("203.0.113.9", ["rival-b.com"], 5)["rival-b.com"].total == 0
    # The generic export still holds rival-a.com; the Semrush one unrelated.com.
    assert [h.file for h in index.holdings()] == [
        "generic-links.csv",
        "semrush-rival-b-backlinks.csv",
    ]


# -- authority and the data's date --------------------------------------------------------------


def test_authority_is_the_domain_level_score_and_says_so(index: LinkIndex, tmp_path: Path) -> None:
    index.import_file(export_copy("semrush-rival-b-backlinks.csv", tmp_path))
    # Semrush's Page ascore (45 for news.example's page) is no domain's authority.
    assert index.profile("rival-b.com").refdomains["news.example"].authority is None
    with index.profiles("mysite.com", ["rival-b.com"]) as profiles:
        assert profiles.provenance.authority_source is None
    index.import_file(export_copy("ahrefs-rival-a-backlinks.tsv", tmp_path, utf16=True))
    assert index.profile("rival-a.com").refdomains["news.example"].authority == 71
    with index.profiles("mysite.com", ["rival-a.com", "rival-b.com"]) as profiles:
        assert profiles.provenance.authority_source == "Ahrefs DR"
        # The oldest export's date: the data is as old as that.
        assert profiles.provenance.data_date == date(2026, 11, 1)


def test_the_data_date_is_the_oldest_exports_date(index: LinkIndex, tmp_path: Path) -> None:
    index.import_file(export_copy(NOV, tmp_path))
    index.import_file(export_copy("ahrefs-rival-a-backlinks.tsv", tmp_path, utf16=True))
    with index.profiles("rival-a.com", ["rival-b.com"]) as profiles:
        assert profiles.provenance.data_date == date(2025, 11, 20)


# -- clear errors, LF and CRLF alike ------------------------------------------------------------

HEADER = "source_url,target_url,nofollow"
GOOD_ROW = "https://a.example/x,https://rival-a.com/,false"


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize(
    ("lines", "message"),
    [
        # A file cut inside a quote, on its last line.
        (
            [HEADER, GOOD_ROW, 'https://b.example/y,"https://rival-a.com/'],
            "line 3: unterminated quote",
        ),
        # A quote opened on line 3 and never closed: the reason is where it opened.
        (
            [HEADER, GOOD_ROW, 'https://b.example/y,"https://rival-a.com/,false', GOOD_ROW],
            "line 3: unterminated quote",
        ),
        (
            [HEADER, GOOD_ROW, "44,Friend,https://x.example/,a,b,c,d"],
            "line 3: expected 3 columns, found 7",
        ),
        ([HEADER, GOOD_ROW, "https://c.example/z"], "line 3: expected 3 columns, found 1"),
        (
            [HEADER, *[GOOD_ROW] * 3000, "https://caf\udce9.example/x,https://rival-a.com/,false"],
            "line 3002: not UTF-8 text",
        ),
        # A stray quote that a later one closes: the value runs over three lines.
        (
            [
                HEADER,
                GOOD_ROW,
                'https://b.example/y,"https://rival-a.com/,false',
                GOOD_ROW,
                'x",y,z',
            ],
            "line 3: a quoted value runs on to line 5 (a quote is missing or extra)",
        ),
        (
            [HEADER, GOOD_ROW, 'https://d.example/"x","https://rival-a.com/"junk,false'],
            "line 3: text after the closing quote of a value",
        ),
    ],
    ids=[
        "cut-in-quote",
        "unclosed-quote",
        "too-many-columns",
        "too-few-columns",
        "latin-1",
        "runs-on",
        "junk",
    ],
)
def test_a_broken_file_names_the_line_and_the_reason(
    scenario_index: LinkIndex, tmp_path: Path, lines: list[str], message: str, newline: str
) -> None:
    before = snapshot(scenario_index)
    path = tmp_path / "broken.csv"
    path.write_bytes(newline.join(lines).encode("utf-8", "surrogateescape") + newline.encode())
    if lines[-1].endswith("rival-a.com/"):  # cut: no line end after the last line
        path.write_bytes(path.read_bytes().removesuffix(newline.encode()))
    with pytest.raises(ExportError) as raised:
        scenario_index.import_file(path)
    assert str(raised.value).startswith(
        f"broken.csv is not a readable generic CSV (source_url,target_url[,nofollow]): {message}"
    )
    assert snapshot(scenario_index) == before


def test_a_format_that_does_not_fit_names_the_missing_columns(
    index: LinkIndex, tmp_path: Path
) -> None:
    path = export_copy("generic-links.csv", tmp_path, crlf=True)
    with pytest.raises(UnknownFormatError) as raised:
        index.import_file(path, format_name="ahrefs-backlinks")
    assert str(raised.value) == (
        "generic-links.csv has no 'Referring page URL' and 'Target URL' columns,"
        " which --format ahrefs-backlinks needs"
    )
    with pytest.raises(UnknownFormatError, match="has no 'Source url' and 'Lost link' columns,"):
        index.import_file(
            export_copy("ahrefs-rival-a-backlinks.tsv", tmp_path), format_name="semrush-backlinks"
        )


def test_a_directory_or_a_missing_file_says_so(index: LinkIndex, tmp_path: Path) -> None:
    with pytest.raises(ExportError) as raised:
        index.import_file(tmp_path)
    assert str(raised.value) == (
        f"{tmp_path} is a directory: name the export files in it (e.g. {tmp_path}/*.csv)"
    )
    with pytest.raises(ExportError, match=r"^nothing\.csv: no such file$"):
        index.import_file(Path("nothing.csv"))
    assert index.path is None  # no import began


# -- counts that are true -----------------------------------------------------------------------


def test_the_report_counts_each_reason_with_examples(index: LinkIndex, tmp_path: Path) -> None:
    path = write_links(
        tmp_path,
        "mixed.csv",
        "https://a.net/1,https://mysite.com/,false",
        "https://a.net/1,https://mysite.com/,true",  # the same link again
        "https://a.net/2,https://mysite.com/,false",
        "https://user:secret@localhost/x,https://mysite.com/,false",
        "not a url,https://mysite.com/,false",
        "https://b.net/1,https://co.uk/,false",
        "https://c.net/1,https://rival-a.com/,false",
        "https://d.net/1,https://rival-a.com/,false",
        "https://e.net/1,https://rival-b.com/,false",
        "https://f.net/1,https://rival-c.com/,false",
        "https://g.net/1,https://rival-d.com/,false",
        "https://www.mysite.com/blog,https://mysite.com/,false",
    )
    report = index.import_file(path, site="mysite.com")
    assert report.lines()[1:] == [
        "  skipped 5 links to another site: rival-a.com, rival-b.com, rival-c.com, …",
        "  skipped 2 rows with a bad referring host: localhost, not a url",
        "  skipped 1 duplicate link: a.net",
        "  skipped 1 link from a site to itself: mysite.com",
        "  skipped 1 row with a bad target host: co.uk",
        "  mysite.com: 2 links",
    ]
    assert "secret" not in "\n".join(report.lines())
    assert index.profile("mysite.com").refdomains["a.net"].dofollow_links == 2


# -- an index written before exports had a date -------------------------------------------------


def test_an_index_written_before_dates_is_read_then_upgraded(
    index: LinkIndex, tmp_path: Path
) -> None:
    index.import_file(export_copy("semrush-rival-b-backlinks.csv", tmp_path))
    assert index.path is not None
    with duckdb.connect(str(index.path)) as connection:  # as the previous version wrote it
        connection.execute("DELETE FROM links WHERE lost")
        for table, column in (
            ("imports", "export_date"),
            ("imports", "dated_by"),
            ("import_sites", "lost_links"),
            ("links", "lost"),
        ):
            connection.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        # It took Semrush's Page ascore for authority.
        connection.execute("UPDATE links SET authority = 45 WHERE source_domain = 'news.example'")
        connection.execute("UPDATE profiles SET authority = 45 WHERE refdomain = 'news.example'")
        connection.execute("UPDATE imports SET authority_source = 'Semrush page AS'")
        imported = connection.execute("SELECT CAST(imported_at AS DATE) FROM imports").fetchone()
    assert imported is not None

    assert [(h.site, h.export_date, h.dated_by) for h in index.holdings()] == [
        ("rival-b.com", imported[0], "import day"),
        ("unrelated.com", imported[0], "import day"),
    ]
    assert index.profile("rival-b.com").refdomains["news.example"].authority == 45  # as written
    index.import_file(export_copy("generic-links.csv", tmp_path))
    assert index.profile("rival-b.com").refdomains["news.example"].authority is None
    assert [h.dated_by for h in index.holdings("rival-b.com")] == ["import day", "import day"]
    assert index.summary() == [
        ("rival-a.com", 1, 2),
        ("rival-b.com", 5, 6),
        ("unrelated.com", 1, 1),
    ]
