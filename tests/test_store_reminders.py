"""bot/store/reminders.py and bot/store/claims.py: reminders claimed, retried and given up
across workers, and bot/store/overview.py's view of them. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.outreach.moves import Status
from bot.store import claims
from bot.store.claims import LEASE, ClaimState
from bot.store.clock import as_utc
from bot.store.db import make_engine
from bot.store.overview import pipeline_rows
from bot.store.pipeline import Move, move
from bot.store.reminders import Delivery, Reminder, failed_reminders

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def target(session: Session, domain: str, user: str = "U1") -> None:
    move(session, Move("T1", "mysite.com", domain, Status.TARGETED, user))
    session.commit()


def reminders(session: Session) -> list[Reminder]:
    return list(session.exec(select(Reminder).order_by(col(Reminder.id))).all())


def add_due(session: Session, team: str, count: int, due: datetime = NOW) -> None:
    for number in range(count):
        session.add(
            Reminder(
                team_id=team,
                site="mysite.com",
                refdomain=f"{team.lower()}-{number}.example",
                owner_id="U1",
                action="follow_up",
                due_at=due,
            )
        )
    session.commit()


def test_two_workers_claiming_at_once_get_disjoint_non_empty_sets(
    db: Engine, app_db_url: str
) -> None:
    with Session(db) as session:
        add_due(session, "T1", 30)
    engines = [make_engine(app_db_url) for _ in range(2)]
    start = threading.Barrier(2)
    claimed: dict[str, set[int]] = {}

    def claim(worker: str, engine: Engine) -> None:
        with Session(engine) as session:
            start.wait(5)
            claimed[worker] = {
                row.id
                for row in claims.claim_due(session, Reminder, worker, NOW, limit=10)
                if row.id
            }

    threads = [threading.Thread(target=claim, args=(f"w{i}", e)) for i, e in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for engine in engines:
        engine.dispose()
    assert len(claimed["w0"]) == len(claimed["w1"]) == 10
    assert not claimed["w0"] & claimed["w1"]
    with Session(db) as session:
        holders = {row.id: row.claimed_by for row in reminders(session)}
    assert all(holders[rid] == worker for worker, ids in claimed.items() for rid in ids)


def test_a_claim_shares_its_batch_between_workspaces(db: Engine) -> None:
    with Session(db) as session:
        add_due(session, "T1", 40, due=NOW - timedelta(days=1))  # a backlog, due first
        add_due(session, "T2", 3)
        batch = claims.claim_due(session, Reminder, "w", NOW, limit=10)
    teams = [row.team_id for row in batch]
    assert len(batch) == 10 and teams.count("T2") == 3
    assert set(teams[:2]) == {"T1", "T2"}  # taken in turns, not T1's backlog first


def test_a_failed_try_waits_behind_later_reminders_until_its_retry_time(db: Engine) -> None:
    with Session(db) as session:
        add_due(session, "T1", 1, due=NOW - timedelta(hours=1))
        [failed] = claims.claim_due(session, Reminder, "w", NOW, limit=1)
        assert failed.id is not None
        assert claims.retry_later(
            session, Reminder, failed.id, "w", NOW + timedelta(minutes=5), "http_503"
        )
        add_due(session, "T2", 1)
        [other] = claims.claim_due(session, Reminder, "w", NOW)
        assert other.team_id == "T2" and other.id is not None
        claims.finish(session, Reminder, other.id, "w", NOW)
        assert claims.claim_due(session, Reminder, "w", NOW + timedelta(minutes=4)) == []
        [again] = claims.claim_due(session, Reminder, "w", NOW + timedelta(minutes=5))
    assert (again.id, again.attempts, as_utc(again.first_claimed_at or NOW)) == (failed.id, 2, NOW)


def test_a_claim_taken_over_cannot_be_settled_by_its_old_holder(db: Engine) -> None:
    with Session(db) as session:
        add_due(session, "T1", 1)
        [reminder] = claims.claim_due(session, Reminder, "old", NOW)
        assert reminder.id is not None
        later = NOW + LEASE + timedelta(seconds=1)
        assert claims.renew_leases(session, Reminder, "new", later) == 0
        assert [row.id for row in claims.claim_due(session, Reminder, "new", later)] == [
            reminder.id
        ]
        assert not claims.finish(session, Reminder, reminder.id, "old", later)
        assert not claims.retry_later(session, Reminder, reminder.id, "old", later, "http_500")
        assert not claims.give_up(session, Reminder, reminder.id, "old", later, "user_not_found")
        [row] = reminders(session)
    assert (row.state, row.claimed_by, row.attempts) == (ClaimState.CLAIMED, "new", 2)


def test_the_pipeline_shows_each_domains_reminder_delivery(db: Engine) -> None:
    with Session(db) as session:
        for domain in ("t1-0.example", "t1-1.example", "t1-2.example"):
            target(session, domain)
        add_due(session, "T1", 3)
        first, second, third = claims.claim_due(session, Reminder, "w", NOW)
        assert first.id and second.id and third.id
        claims.retry_later(session, Reminder, first.id, "w", NOW + timedelta(minutes=2), "http_503")
        claims.give_up(session, Reminder, second.id, "w", NOW, "user_not_found")
        claims.finish(session, Reminder, third.id, "w", NOW)
        rows = {row.refdomain: row for row in pipeline_rows(session, "T1")}
        failed = failed_reminders(session, "T1")
        assert failed_reminders(session, "T2") == []
    retrying, given_up, done = (rows[f"t1-{n}.example"] for n in range(3))
    assert (retrying.reminder, retrying.reminder_error) == (Delivery.RETRYING, "http_503")
    assert retrying.retry_at == NOW + timedelta(minutes=2) and retrying.next_due == NOW
    assert (given_up.reminder, given_up.reminder_error) == (Delivery.FAILED, "user_not_found")
    assert given_up.next_due is None
    assert (done.reminder, done.next_due) == (None, None)
    assert [(row.refdomain, row.last_error) for row in failed] == [
        ("t1-1.example", "user_not_found")
    ]


def test_a_new_reminder_replaces_a_failed_one_in_view(db: Engine) -> None:
    with Session(db) as session:
        target(session, "t1-0.example")
        add_due(session, "T1", 1)
        [reminder] = claims.claim_due(session, Reminder, "w", NOW)
        assert reminder.id is not None
        claims.give_up(session, Reminder, reminder.id, "w", NOW, "user_not_found")
        add_due(session, "T1", 1, due=NOW + timedelta(days=3))
        [row] = pipeline_rows(session, "T1")
        assert failed_reminders(session, "T1") == []
    assert (row.reminder, row.next_due) == (Delivery.SCHEDULED, NOW + timedelta(days=3))
