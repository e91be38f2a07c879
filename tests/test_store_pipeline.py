"""The pipeline store on SQLite and PostgreSQL: idempotent, owned, team-scoped, race-safe."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from pipeline_log import events_for
from sqlalchemy.engine import Engine

from bot.outreach.moves import Status
from bot.store import pipeline
from bot.store.db import session_scope
from bot.store.pipeline import Move, MoveOutcome, MoveResult, PipelineEvent


def move(
    db: Engine, status: Status, user: str = "U1", team: str = "T1", domain: str = "news.example"
) -> MoveResult:
    with session_scope(db) as session:
        return pipeline.move(session, Move(team, "mysite.com", domain, status, user))


def events(
    db: Engine, team: str = "T1", domain: str = "news.example"
) -> list[tuple[str | None, str, str]]:
    with session_scope(db) as session:
        return [
            (event.from_status, event.to_status, event.user_id)
            for event in events_for(session, team, "mysite.com", domain)
        ]


def test_a_move_is_logged_with_who_and_when(db: Engine) -> None:
    result = move(db, Status.TARGETED)

    assert result.outcome is MoveOutcome.CHANGED
    assert result.mark is not None and result.mark.owner_id == "U1"
    assert events(db) == [(None, "targeted", "U1")]


def test_a_move_logs_the_status_it_came_from(db: Engine) -> None:
    move(db, Status.TARGETED)
    move(db, Status.DRAFTED)

    assert events(db) == [(None, "targeted", "U1"), ("targeted", "drafted", "U1")]


def test_the_same_move_twice_changes_nothing_the_second_time(db: Engine) -> None:
    move(db, Status.TARGETED)
    again = move(db, Status.TARGETED)

    assert again.outcome is MoveOutcome.UNCHANGED
    assert events(db) == [(None, "targeted", "U1")]


def test_someone_elses_target_is_not_taken_over(db: Engine) -> None:
    move(db, Status.TARGETED, user="U1")
    for status in (Status.TARGETED, Status.IGNORED):
        other = move(db, status, user="U2")
        assert other.outcome is MoveOutcome.OWNED
        assert other.mark is not None and other.mark.owner_id == "U1"
    assert len(events(db)) == 1


def test_ignore_then_restore_frees_the_domain(db: Engine) -> None:
    move(db, Status.IGNORED, user="U1")
    assert move(db, Status.NEW, user="U2").outcome is MoveOutcome.CHANGED
    assert move(db, Status.TARGETED, user="U2").outcome is MoveOutcome.CHANGED
    assert [step[1] for step in events(db)] == ["ignored", "new", "targeted"]


def test_a_move_the_pipeline_forbids_is_refused(db: Engine) -> None:
    move(db, Status.TARGETED)
    refused = move(db, Status.WON)
    assert refused.outcome is MoveOutcome.REFUSED and refused.reason


def test_teams_never_see_each_others_pipeline(db: Engine) -> None:
    move(db, Status.TARGETED, team="T1", user="U1")
    assert move(db, Status.TARGETED, team="T2", user="U9").outcome is MoveOutcome.CHANGED

    with session_scope(db) as session:
        mine = pipeline.marks_for(session, "T1", "mysite.com")
        theirs = pipeline.marks_for(session, "T2", "mysite.com")
        assert mine["news.example"].owner_id == "U1"
        assert theirs["news.example"].owner_id == "U9"
        assert pipeline.counts_by_status(session, "T3") == {}


def test_racing_double_clicks_make_one_change(db: Engine) -> None:
    results: list[MoveOutcome] = []
    start = threading.Barrier(6)

    def click() -> None:
        start.wait()
        results.append(move(db, Status.TARGETED).outcome)

    threads = [threading.Thread(target=click) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results).count(MoveOutcome.CHANGED) == 1
    assert events(db) == [(None, "targeted", "U1")]


def test_the_status_series_replays_the_log_day_by_day(db: Engine) -> None:
    def logged(domain: str, status: Status, day: int, hour: int = 12, team: str = "T1") -> None:
        at = datetime(2026, 11, day, hour, tzinfo=UTC)
        with session_scope(db) as session:
            session.add(
                PipelineEvent(
                    team_id=team,
                    site="mysite.com",
                    refdomain=domain,
                    to_status=status,
                    user_id="U1",
                    at=at,
                )
            )

    logged("a.example", Status.TARGETED, 1)
    logged("b.example", Status.TARGETED, 1)
    logged("a.example", Status.CONTACTED, 2, hour=9)
    logged("b.example", Status.IGNORED, 2, hour=23)
    logged("a.example", Status.WON, 4)
    logged("c.example", Status.TARGETED, 2, team="T2")  # another workspace's
    with session_scope(db) as session:
        series = pipeline.status_series(session, "T1", date(2026, 10, 31), date(2026, 11, 4))
    assert series.days == tuple(date(2026, 10, 31) + timedelta(days=n) for n in range(5))
    assert series.counts == {
        "targeted": (0, 2, 0, 0, 0),
        "contacted": (0, 0, 1, 1, 0),
        "won": (0, 0, 0, 0, 1),
        "ignored": (0, 0, 1, 1, 1),
    }
