"""`gapbot report`: the outreach report as a table, JSON and CSV, over a chosen period."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
import time_machine
from conftest import make_settings
from export_files import run_gapbot
from outreach_history import build_world
from PIL import Image
from sqlmodel import Session

from bot.outreach.moves import Status
from bot.store.db import create_schema, make_engine
from bot.store.pipeline import Move, move


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GAPBOT_HOME with the report tests' world in its default SQLite database."""
    home = tmp_path_factory.mktemp("home")
    url = f"sqlite:///{home / 'gapbot.db'}"
    engine = make_engine(url)
    create_schema(engine)
    build_world(make_settings(home, url, "http://slack.invalid"), engine)
    engine.dispose()
    return home


def test_json_has_the_totals_and_each_dimensions_groups(home: Path) -> None:
    result = run_gapbot(home, "report", "--since", "2026-03-01", "--team", "T1", "--format", "json")

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["team"] == "T1" and document["since"] == "2026-03-01"
    assert document["total"] == {
        "drafted": 6,
        "sent": 5,
        "replied": 4,
        "won": 3,
        "lost": 1,
        "reply_rate": 0.8,
        "win_rate": 0.6,
        "median_hours_to_reply": 36.0,
    }
    assert list(document["by"]) == ["template", "matches", "authority", "owner"]
    assert [group["group"] for group in document["by"]["matches"]] == ["1", "2", "3+", "unknown"]
    broken_link = document["by"]["template"][0]
    assert broken_link == {
        "group": "broken_link",
        "drafted": 2,
        "sent": 2,
        "replied": 1,
        "won": 1,
        "lost": 0,
        "reply_rate": 0.5,
        "win_rate": 0.5,
        "median_hours_to_reply": 96.0,
    }
    strong = document["by"]["authority"][2]
    assert strong["group"] == "60+" and strong["median_hours_to_reply"] is None


def test_csv_has_a_row_per_group_after_the_totals(home: Path) -> None:
    result = run_gapbot(home, "report", "--since", "2026-03-01", "--format", "csv")

    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["dimension"], row["group"]) for row in rows] == [
        ("all", ""),
        ("template", "broken_link"),
        ("template", "guest_contribution"),
        ("template", "resource_page"),
        ("template", "unlinked_mention"),  # every workspace: T2's too
        ("matches", "1"),
        ("matches", "2"),
        ("matches", "3+"),
        ("matches", "unknown"),
        ("authority", "0-29"),
        ("authority", "30-59"),
        ("authority", "60+"),
        ("authority", "unknown"),
        ("owner", "U1"),
        ("owner", "U2"),
        ("owner", "U9"),
    ]
    assert rows[0] == {
        "dimension": "all",
        "group": "",
        "drafted": "7",
        "sent": "6",
        "replied": "5",
        "won": "4",
        "lost": "1",
        "reply_rate": "0.8333",
        "win_rate": "0.6667",
        "median_hours_to_reply": "24.0",
    }


def cells(text: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is `first`."""
    row = next(line for line in text.splitlines() if line.startswith(f"│ {first} "))
    return [cell.strip() for cell in row.strip("│").split("│")]


def test_the_table_shows_rates_as_percentages_and_times_in_words(home: Path) -> None:
    result = run_gapbot(home, "report", "--since", "2026-03-01", "--team", "T1")

    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "What works: prospects first drafted since 2026-03-01, workspace T1" in text
    assert cells(text, "all") == ["all", "", "6", "5", "4", "3", "1", "80%", "60%", "36 hours"]
    assert cells(text, "template") == [
        "template",
        "broken_link",
        "2",
        "2",
        "1",
        "1",
        "0",
        "50%",
        "50%",
        "4.0 days",
    ]
    assert cells(text, "authority")[:3] == ["authority", "0-29", "1"]


@pytest.mark.parametrize(("today", "drafted"), [("2026-05-31", 6), ("2026-05-01", 7)])
def test_the_period_defaults_to_the_last_90_days(home: Path, today: str, drafted: int) -> None:
    # 90 days before 31 May is 2 March, when the world's outreach starts; before 1 May,
    # 31 January, which holds old.example's too
    with time_machine.travel(date.fromisoformat(today), tick=False):
        result = run_gapbot(home, "report", "--format", "json", "--team", "T1")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"]["drafted"] == drafted


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last week"], "--since takes a date such as"),
        (["--since", "2999-01-01"], "--since 2999-01-01 is in the future"),
        (["--format", "xml"], "unknown format 'xml': use table, json or csv"),
        (["--team", "nobody!"], "--team 'nobody!' is neither a Slack team id"),
    ],
)
def test_usage_errors_are_one_line(home: Path, args: list[str], message: str) -> None:
    result = run_gapbot(home, "report", *args)

    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_a_workspace_with_no_outreach_has_an_empty_report(home: Path) -> None:
    result = run_gapbot(home, "report", "--team", "T3", "--format", "json")

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["total"]["sent"] == 0 and document["total"]["reply_rate"] is None
    assert document["by"] == {"template": [], "matches": [], "authority": [], "owner": []}


def test_the_report_chart_carries_the_figures_it_draws(home: Path, tmp_path: Path) -> None:
    chart = tmp_path / "report.png"
    args = ["report", "--since", "2026-03-01", "--team", "T1"]
    drawn = run_gapbot(home, *args, "--chart", chart)
    assert drawn.returncode == 0, drawn.stderr
    figures = json.loads(run_gapbot(home, *args, "--format", "json").stdout)["by"]
    data = json.loads(Image.open(chart).info["Description"])
    assert list(data) == list(figures)
    for dimension, groups in figures.items():
        assert [
            (group["group"], group["sent"], group["replied"], group["won"]) for group in groups
        ] == [(bar["group"], bar["sent"], bar["replied"], bar["won"]) for bar in data[dimension]]


def test_the_pipeline_chart_counts_each_status_day_by_day(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gapbot.db'}")
    create_schema(engine)
    steps = [
        (date(2026, 5, 30), "a.example", Status.TARGETED),
        (date(2026, 5, 30), "b.example", Status.TARGETED),
        (date(2026, 5, 31), "a.example", Status.CONTACTED),
        (date(2026, 6, 1), "a.example", Status.WON),
    ]
    for day, domain, status in steps:
        with time_machine.travel(day, tick=False), Session(engine) as session:
            move(session, Move("T1", "mysite.com", domain, status, "U1"))
            session.commit()
    engine.dispose()
    chart = tmp_path / "pipeline.png"
    with time_machine.travel(date(2026, 6, 1), tick=False):
        drawn = run_gapbot(tmp_path, "pipeline", "--chart", chart)
    assert drawn.returncode == 0, drawn.stderr
    data = json.loads(Image.open(chart).info["Description"])
    assert len(data["days"]) == 91 and data["days"][-3:] == [
        "2026-05-30",
        "2026-05-31",
        "2026-06-01",
    ]
    assert {status: counts[-3:] for status, counts in data["counts"].items()} == {
        "targeted": [2, 1, 1],
        "contacted": [0, 1, 0],
        "won": [0, 0, 1],
    }
