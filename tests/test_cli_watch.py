"""`gapbot watch add|list|remove|run-due` and `gapbot gaps ... --since DATE`: analyses made in
the terminal are stored, and what changed since an earlier one is printed."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from conftest import build_index, sample_links
from export_files import run_gapbot
from sqlalchemy import update

from bot.store.db import make_engine, session_scope
from bot.store.watches import Watch

SITES = ("mysite.com", "vs", "a.com", "b.com", "c.com")
# gap23 loses its one link, gap00 links to mysite.com now, fresh.example starts linking to b.com.
CHANGED = sample_links().replace(
    "https://gap23.example/one,https://a.com/,false\n",
    "https://gap00.example/mine,https://mysite.com/,false\n"
    "https://fresh.example/p,https://b.com/,false\n",
)
TODAY = datetime.now(UTC).date().isoformat()


def gapbot(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_gapbot(home, *args)


def ok(home: Path, *args: str) -> str:
    result = gapbot(home, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def failed(home: Path, status: int, *args: str) -> str:
    """The one line a failing command writes on stderr."""
    result = gapbot(home, *args)
    assert result.returncode == status, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    return line


def indexed(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    build_index(home, sample_links())
    return home


def due_now(home: Path) -> None:
    engine = make_engine(f"sqlite:///{home / 'gapbot.db'}")
    with session_scope(engine) as session:
        session.execute(update(Watch).values(due_at=datetime.now(UTC)))
    engine.dispose()


def test_watches_are_added_listed_and_removed(tmp_path: Path) -> None:
    home = indexed(tmp_path)
    added = ok(home, "watch", "add", *SITES, "--min-matches", "2", "--every", "month")
    assert added.startswith(
        "Watch 1 added for team cli: mysite.com vs a.com b.com c.com --min-matches 2, every month."
    )
    ok(home, "watch", "add", "mysite.com", "a.com", "--team", "T1")

    [listed] = json.loads(ok(home, "watch", "list", "--format", "json"))
    assert (listed["id"], listed["every"], listed["channel"], listed["paused"]) == (
        1,
        "month",
        None,
        False,
    )
    assert listed["competitors"] == ["a.com", "b.com", "c.com"]
    assert listed["query"] == "mysite.com vs a.com b.com c.com --min-matches 2"
    assert listed["last_run"] is None
    table = ok(home, "watch", "list")
    assert "mysite.com vs a.com, b.com, c.com, every month" in table and "watch run-due" in table
    assert "mysite.com vs a.com, every week" in ok(home, "watch", "list", "--team", "T1")

    assert "needs a yes" in failed(home, 2, "watch", "remove", "1")
    assert failed(home, 1, "watch", "remove", "2") == (
        "gapbot: error: team cli has no watch 2: gapbot watch list shows them"
    )
    removed = ok(home, "watch", "remove", "1", "--yes")
    assert removed.strip() == "Removed watch 1 (mysite.com vs a.com, b.com, c.com, every month)."
    assert "Team cli has no watches" in ok(home, "watch", "list")


def test_a_bad_watch_is_refused_in_one_sentence(tmp_path: Path) -> None:
    home = indexed(tmp_path)
    assert "--every 'hourly': use one of day, week, month" in failed(
        home, 2, "watch", "add", *SITES, "--every", "hourly"
    )
    assert "--refresh does not apply to a watch" in failed(
        home, 2, "watch", "add", *SITES, "--refresh"
    )
    assert "--exclude @missing.txt" in failed(
        home, 2, "watch", "add", *SITES, "--exclude", "@missing.txt"
    )


def test_run_due_prints_the_baseline_then_what_changed(tmp_path: Path) -> None:
    home = indexed(tmp_path)
    ok(home, "watch", "add", *SITES, "--every", "day")
    first = ok(home, "watch", "run-due")
    assert first.startswith(
        "Watch 1 (mysite.com vs a.com, b.com, c.com, every day): the first run, starting from"
        " 26 gaps; next run"
    )
    assert ok(home, "watch", "run-due") == ""  # not due again until tomorrow

    build_index(home, CHANGED)
    due_now(home)
    changed = ok(home, "watch", "run-due")
    assert (
        "every day), since" in changed
        and ": 1 new gap, 1 now linking to mysite.com, 1 lost by the competitors" in changed
    )
    assert "│ 1 │ fresh.example" in changed
    assert "Now linking to mysite.com: gap00.example" in changed
    assert "Lost by the competitors: gap23.example" in changed


def test_a_failing_watch_is_said_once_and_run_due_still_succeeds(tmp_path: Path) -> None:
    home = indexed(tmp_path)
    ok(home, "watch", "add", *SITES, "--source", "dataforseo")
    result = gapbot(home, "watch", "run-due")
    assert result.returncode == 0 and result.stdout == ""
    assert "watch 1 (mysite.com vs a.com, b.com, c.com, every week) failed" in result.stderr
    assert "DATAFORSEO_LOGIN" in result.stderr
    [listed] = json.loads(ok(home, "watch", "list", "--format", "json"))
    assert "DATAFORSEO_LOGIN" in listed["last_error"]


def test_gaps_since_compares_with_the_stored_analysis(tmp_path: Path) -> None:
    home = indexed(tmp_path)
    ok(home, "gaps", *SITES, "--format", "csv")  # stored, as every analysis is
    build_index(home, CHANGED)

    table = ok(home, "gaps", *SITES, "--since", TODAY)
    assert "Since analysis 1 of" in table
    assert ": 1 new gap, 1 now linking to mysite.com, 1 lost by the competitors" in table
    assert "│ 1 │ fresh.example    │ 1 of 3" in table

    # Analysis 2 (the one above) already saw the change: compared with it, nothing is new.
    document = json.loads(ok(home, "gaps", *SITES, "--since", TODAY, "--format", "json"))
    assert document["compared_with"]["analysis_id"] == 2
    assert (document["new"]["total"], document["won"], document["lost"]) == (
        0,
        {"total": 0, "domains": []},
        {"total": 0, "domains": []},
    )


def test_gaps_since_needs_a_stored_analysis_of_the_same_rows(tmp_path: Path) -> None:
    home = indexed(tmp_path)
    ok(home, "gaps", *SITES, "--format", "json")
    assert failed(home, 1, "gaps", *SITES, "--min-authority", "10", "--since", TODAY) == (
        "gapbot: error: team cli has no stored analysis of mysite.com vs a.com, b.com, c.com"
        f" with these sources and filters made on or before {TODAY}: run it without --since"
        " first"
    )
    assert "on or before 2020-01-01" in failed(home, 1, "gaps", *SITES, "--since", "2020-01-01")
    assert "--since takes a date such as" in failed(home, 2, "gaps", *SITES, "--since", "monday")
    assert "unknown format 'csv': use table or json" in failed(
        home, 2, "gaps", *SITES, "--since", TODAY, "--format", "csv"
    )
    # The same rows with another view (--min-matches, --sort) compare fine.
    document = json.loads(
        ok(home, "gaps", *SITES, "--min-matches", "2", "--since", TODAY, "--format", "json")
    )
    assert document["new"]["total"] == 0
