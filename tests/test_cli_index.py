"""`gapbot import` and `gapbot index` through the real entry point: what the index holds,
removing a site's data, several files at once, and errors as one sentence (SPEC 4)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
from export_files import EXPORTS, export_copy, run_gapbot

NOV, DEC = "semrush-rival-b-nov.csv", "semrush-rival-b-dec.csv"
GENERIC = "generic CSV (source_url,target_url[,nofollow])"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A GAPBOT_HOME with November's and December's exports of rival-b.com, and a generic
    export of rival-a.com and rival-b.com, imported for the terminal's team."""
    paths = [export_copy(name, tmp_path, crlf=True) for name in (NOV, DEC, "generic-links.csv")]
    result = run_gapbot(tmp_path, "import", *paths)
    assert result.returncode == 0, result.stderr
    return tmp_path


def index_json(home: Path, *extra: str) -> list[dict[str, object]]:
    result = run_gapbot(home, "index", *extra, "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    for row in rows:
        assert date.fromisoformat(str(row.pop("imported_at"))[:10]) == date.today()
    return rows


TODAY = date.today().isoformat()
HELD = [
    {
        "site": "rival-a.com",
        "source": "generic",
        "export_date": TODAY,
        "dated_by": "import day",
        "links": 2,
        "lost_links": 0,
        "file": "generic-links.csv",
    },
    {
        "site": "rival-b.com",
        "source": "generic",
        "export_date": TODAY,
        "dated_by": "import day",
        "links": 1,
        "lost_links": 0,
        "file": "generic-links.csv",
    },
    {
        "site": "rival-b.com",
        "source": "semrush-backlinks",
        "export_date": "2025-12-14",
        "dated_by": "Last seen column",
        "links": 1,
        "lost_links": 1,
        "file": DEC,
    },
]


def test_index_lists_each_sites_exports(home: Path) -> None:
    assert index_json(home) == HELD
    assert index_json(home, "list") == HELD
    table = run_gapbot(home, "index", "list")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].strip() == "Link index of team cli: 2 sites, 3 exports"
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in lines if "│" in line]
    assert [row[:7] for row in cells] == [
        ["rival-a.com", "generic", TODAY, "import day", "2", "0", "generic-links.csv"],
        ["rival-b.com", "generic", TODAY, "import day", "1", "0", "generic-links.csv"],
        ["rival-b.com", "semrush-backlinks", "2025-12-14", "Last seen column", "1", "1", DEC],
    ]


def test_index_is_per_team(home: Path) -> None:
    assert index_json(home, "--team", "T1") == []
    empty = run_gapbot(home, "index", "--team", "T1")
    assert (empty.returncode, empty.stdout) == (
        0,
        "The link index holds nothing for team T1: gapbot import FILE...\n",
    )


def test_remove_needs_a_yes_and_takes_one_source_or_all(home: Path) -> None:
    refused = run_gapbot(home, "index", "remove", "www.rival-b.com")
    assert (refused.returncode, refused.stderr) == (
        2,
        "gapbot: error: removing rival-b.com's data needs a yes: run it in a terminal, or"
        " add --yes\n",
    )
    assert index_json(home) == HELD

    one = run_gapbot(
        home, "index", "remove", "rival-b.com", "--source", "semrush-backlinks", "--yes"
    )
    assert (one.returncode, one.stdout) == (
        0,
        f"Removed rival-b.com from semrush-backlinks: {DEC} of 2025-12-14 (1 link)\n",
    )
    assert index_json(home) == HELD[:2]

    gone = run_gapbot(
        home, "index", "remove", "rival-b.com", "--source", "semrush-backlinks", "--yes"
    )
    assert (gone.returncode, gone.stderr) == (
        1,
        "gapbot: error: the link index of team cli holds none of rival-b.com's data from"
        " semrush-backlinks\n",
    )
    every = run_gapbot(home, "index", "remove", "rival-a.com", "--yes")
    assert (
        every.stdout == "Removed rival-a.com from generic: generic-links.csv of"
        f" {TODAY} (2 links)\n"
    )
    assert index_json(home) == HELD[1:2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "semrush"], "unknown source 'semrush': use one of ahrefs-backlinks,"),
        (["--team", "t1"], "--team 't1' is neither a Slack team id"),
    ],
)
def test_remove_usage_errors(home: Path, args: list[str], message: str) -> None:
    result = run_gapbot(home, "index", "remove", "rival-b.com", *args, "--yes")
    assert result.returncode == 2
    assert result.stderr.startswith(f"gapbot: error: {message}")
    assert len(result.stderr.splitlines()) == 1


def remove_in_a_terminal(home: Path, answer: str) -> subprocess.CompletedProcess[str]:
    """`gapbot index remove rival-b.com` with its input a terminal, answered `answer`."""
    controller, terminal = os.openpty()
    os.write(controller, answer.encode() + b"\n")
    try:
        return run_gapbot(home, "index", "remove", "rival-b.com", stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)


def test_remove_in_a_terminal_asks_first(home: Path) -> None:
    declined = remove_in_a_terminal(home, "n")
    assert declined.returncode == 1
    assert declined.stderr == (
        "This removes from the link index of team cli:\n"
        f"  rival-b.com from generic: generic-links.csv of {TODAY} (1 link)\n"
        f"  rival-b.com from semrush-backlinks: {DEC} of 2025-12-14 (1 link)\n"
        "Remove? [y/N] gapbot: error: nothing removed\n"
    )
    assert index_json(home) == HELD

    accepted = remove_in_a_terminal(home, "y")
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.splitlines() == [
        f"Removed rival-b.com from generic: generic-links.csv of {TODAY} (1 link)",
        f"Removed rival-b.com from semrush-backlinks: {DEC} of 2025-12-14 (1 link)",
    ]
    assert index_json(home) == HELD[:1]


# -- gapbot import ------------------------------------------------------------------------------


def test_several_files_go_on_past_a_bad_one_and_end_with_a_summary(tmp_path: Path) -> None:
    broken = tmp_path / "broken [old].csv"
    broken.write_bytes(b'source_url,target_url\r\nhttps://a.example/x,"https://rival-a.com/\r\n')
    good = export_copy(NOV, tmp_path, crlf=True)
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("name,email\r\nbob,bob@example.com\r\n")
    result = run_gapbot(tmp_path, "import", broken, good, "missing.csv", contacts)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{NOV} (Semrush backlinks export of 2025-11-20")
    assert result.stderr == (
        "gapbot: error: 3 of 4 files were not imported (the others were):\n"
        f"  broken [old].csv is not a readable {GENERIC}: line 2: unterminated quote (the file"
        " ends inside a quoted value)\n"
        "  missing.csv: no such file\n"
        f"  {contacts}: unrecognised export (columns: name, email): expected an Ahrefs, Semrush,"
        " Search Console or generic source_url,target_url CSV\n"
    )
    assert [row["file"] for row in index_json(tmp_path)] == [NOV]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_a_broken_line_is_named_with_its_reason(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "links [old].csv"
    lines = ["source_url,target_url", "https://a.example/x,https://rival-a.com/"] * 6
    lines[11] = "44,Friend,https://x.example/,a,b"
    path.write_text(newline.join(lines[1:]).join(["source_url,target_url" + newline, newline]))
    result = run_gapbot(tmp_path, "import", path)
    assert (result.returncode, result.stderr) == (
        1,
        f"gapbot: error: links [old].csv is not a readable {GENERIC}: line 12: expected 2"
        " columns, found 5\n",
    )
    assert index_json(tmp_path) == []


def test_a_file_name_with_brackets_is_printed_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "links [old].csv"
    path.write_text("source_url,target_url\r\nhttps://a.example/[x],https://rival-a.com/\r\n")
    result = run_gapbot(tmp_path, "import", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"links [old].csv ({GENERIC} of {TODAY}, dated by the import day): read 1 row,"
        " imported 1 link\n"
        "  rival-a.com: 1 link\n"
    )


def test_a_format_that_does_not_fit_is_a_usage_error(tmp_path: Path) -> None:
    path = export_copy("generic-links.csv", tmp_path, crlf=True)
    result = run_gapbot(tmp_path, "import", path, "--format", "ahrefs-backlinks")
    assert (result.returncode, result.stderr) == (
        2,
        "gapbot: error: generic-links.csv has no 'Referring page URL' and 'Target URL' columns,"
        " which --format ahrefs-backlinks needs\n",
    )


def test_an_unknown_format_name_stops_before_any_file(tmp_path: Path) -> None:
    result = run_gapbot(tmp_path, "import", EXPORTS / NOV, "--format", "moz")
    assert result.returncode == 2
    assert result.stderr.startswith("gapbot: error: unknown format 'moz': use one of")
    assert not (tmp_path / "index").exists()


def test_a_directory_is_named_as_one(tmp_path: Path) -> None:
    result = run_gapbot(tmp_path, "import", ".")
    assert (result.returncode, result.stderr) == (
        1,
        "gapbot: error: . is a directory: name the export files in it (e.g. ./*.csv)\n",
    )


def test_newer_wins_from_the_command_line(home: Path) -> None:
    mine = home / "mine.csv"
    mine.write_text("source_url,target_url\r\nhttps://mine.org/a,https://mysite.com/\r\n")
    assert run_gapbot(home, "import", mine).returncode == 0
    again = run_gapbot(home, "import", export_copy(NOV, home, crlf=True))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[1:] == [
        "  skipped 3 links older than the export held: rival-b.com",
        f"  rival-b.com: not imported, as the index holds a newer export of it, {DEC} of"
        " 2025-12-14 (1 link)",
    ]
    gaps = run_gapbot(home, "gaps", "mysite.com", "rival-b.com", "--format", "json")
    payload = json.loads(gaps.stdout)
    # two.org (December) and the generic export's 203.0.113.9; news.example's link is lost.
    assert [o["domain"] for o in payload["opportunities"]] == ["203.0.113.9", "two.org"]
    assert payload["data_date"] == "2025-12-14"
