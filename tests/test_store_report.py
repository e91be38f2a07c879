"""bot/store/report.py on SQLite and PostgreSQL: the report's figures on the pipeline that
tests/outreach_history.py builds, every count and rate worked out by hand from its story."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import make_settings
from outreach_history import SINCE, build_world
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.outreach.report import Dimension, Figures, Report
from bot.store.report import outreach_report, similar_prospects
from bot.store.results import ResultFiles


@pytest.fixture
def world(db: Engine, tmp_path: Path) -> Iterator[tuple[Engine, ResultFiles]]:
    settings = make_settings(tmp_path / "home", "sqlite://", "http://slack.invalid")
    build_world(settings, db)
    yield db, ResultFiles(settings.results_path)


def report(
    world: tuple[Engine, ResultFiles], team: str | None = "T1", since: date = SINCE
) -> Report:
    engine, results = world
    with Session(engine) as session:
        return outreach_report(session, results, team, since)


def lines(found: Report, dimension: Dimension) -> dict[str, Figures]:
    return {line.key: line.figures for line in found.by(dimension)}


def figures(
    drafted: int, sent: int, replied: int, won: int, lost: int, median_hours: float | None
) -> Figures:
    median = None if median_hours is None else timedelta(hours=median_hours)
    return Figures(drafted, sent, replied, won, lost, median)


def test_totals_and_per_template_and_owner_by_the_first_email_sent(
    world: tuple[Engine, ResultFiles],
) -> None:
    found = report(world)

    # one two three four five six; replies after 24, 48, 96 and 10 hours
    assert found.total == figures(6, 5, 4, 3, 1, (24 + 48) / 2)
    assert (found.total.reply_rate, found.total.win_rate) == (4 / 5, 3 / 5)
    assert found.since == SINCE and found.team_id == "T1"
    assert lines(found, Dimension.TEMPLATE) == {
        "broken_link": figures(2, 2, 1, 1, 0, 96),  # three four
        "guest_contribution": figures(1, 1, 1, 1, 0, 10),  # six, as sent
        "resource_page": figures(3, 2, 2, 1, 1, 36),  # one two five
    }
    assert lines(found, Dimension.OWNER) == {
        "U1": figures(4, 3, 3, 3, 0, 24),  # one four five six
        "U2": figures(2, 2, 1, 0, 1, 48),  # two three
    }
    templates = [line.key for line in found.by(Dimension.TEMPLATE)]
    assert templates == ["broken_link", "guest_contribution", "resource_page"]


def test_a_report_asked_by_some_dimensions_groups_by_those_only(
    world: tuple[Engine, ResultFiles],
) -> None:
    engine, results = world
    with Session(engine) as session:
        found = outreach_report(session, results, "T1", SINCE, (Dimension.TEMPLATE,))

    assert found.total == figures(6, 5, 4, 3, 1, (24 + 48) / 2)
    assert {line.dimension for line in found.lines} == {Dimension.TEMPLATE}
    assert lines(found, Dimension.TEMPLATE)["broken_link"] == figures(2, 2, 1, 1, 0, 96)


def test_per_match_count_and_authority_band_of_the_latest_analysis_listing_the_domain(
    world: tuple[Engine, ResultFiles],
) -> None:
    found = report(world)

    assert lines(found, Dimension.MATCHES) == {
        "1": figures(2, 2, 2, 2, 0, (24 + 96) / 2),  # one four
        "2": figures(2, 1, 1, 0, 1, 48),  # two five
        "3+": figures(1, 1, 0, 0, 0, None),  # three
        "unknown": figures(1, 1, 1, 1, 0, 10),  # six
    }
    assert [line.key for line in found.by(Dimension.MATCHES)] == ["1", "2", "3+", "unknown"]
    assert lines(found, Dimension.AUTHORITY) == {
        "0-29": figures(1, 1, 1, 1, 0, 24),  # one
        "30-59": figures(2, 1, 1, 0, 1, 48),  # two five
        "60+": figures(1, 1, 0, 0, 0, None),  # three
        "unknown": figures(2, 2, 2, 2, 0, (96 + 10) / 2),  # four six
    }
    assert [line.key for line in found.by(Dimension.AUTHORITY)][-1] == "unknown"
    strong = lines(found, Dimension.AUTHORITY)["60+"]
    assert (strong.reply_rate, strong.win_rate) == (0, 0)


def test_the_period_is_when_the_first_email_was_first_drafted(
    world: tuple[Engine, ResultFiles],
) -> None:
    assert report(world, since=date(2026, 2, 20)).total == figures(7, 6, 5, 4, 1, 24)
    # five was drafted at 14:00 on 2 March; six at 10:00, then re-drafted and sent later
    assert report(world, since=date(2026, 3, 3)).total == figures(0, 0, 0, 0, 0, None)
    assert report(world, since=date(2026, 3, 3)).lines == ()


def test_every_workspace_together_or_one_only(world: tuple[Engine, ResultFiles]) -> None:
    everyone = report(world, team=None)
    assert everyone.total == figures(7, 6, 5, 4, 1, 24)  # T2's one.example, replied in 3 h
    assert lines(everyone, Dimension.TEMPLATE)["unlinked_mention"] == figures(1, 1, 1, 1, 0, 3)
    # T2 has no analysis: its one.example is not T1's
    assert lines(everyone, Dimension.MATCHES)["unknown"] == figures(2, 2, 2, 2, 0, 6.5)
    alone = report(world, team="T2")
    assert alone.total == figures(1, 1, 1, 1, 0, 3)
    assert "resource_page" not in lines(alone, Dimension.TEMPLATE)


def test_a_result_file_gone_leaves_its_domains_unknown(
    world: tuple[Engine, ResultFiles],
) -> None:
    _, results = world
    for path in results.folder.glob("T1/*.parquet"):
        path.unlink()

    found = report(world)

    assert set(lines(found, Dimension.MATCHES)) == {"unknown"}
    assert found.total == figures(6, 5, 4, 3, 1, 36)


def test_similar_prospects_share_the_match_group_and_band_over_all_history(
    world: tuple[Engine, ResultFiles],
) -> None:
    engine, results = world
    with Session(engine) as session:
        one_unknown = similar_prospects(session, results, "T1", 1, None)
        two_middle = similar_prospects(session, results, "T1", 2, 59)
        wide_strong = similar_prospects(session, results, "T1", 7, 60)
        old = similar_prospects(session, results, "T1", 4, None)

    assert (one_unknown.matches, one_unknown.authority) == ("1", "unknown")
    assert (one_unknown.sent, one_unknown.won) == (1, 1)  # four
    assert (two_middle.sent, two_middle.won) == (1, 0)  # two (five was not sent)
    assert (wide_strong.sent, wide_strong.won) == (1, 0)  # three
    assert (old.sent, old.won) == (0, 0)  # no prospect linking to 3+ of unknown authority
    assert not one_unknown.enough_history
