"""bot/scheduler.py: due reminders are delivered exactly once, across workers and restarts,
and reminders that cannot be delivered back off, give up, and never hold up the others."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.outreach.moves import Status
from bot.scheduler import DeliveryFailed, RetryPolicy
from bot.services.reminders import ReminderTick
from bot.store import claims
from bot.store.claims import LEASE, ClaimState
from bot.store.clock import as_utc
from bot.store.db import make_engine
from bot.store.pipeline import Move, marks_for, move
from bot.store.reminders import Reminder

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
POLICY = RetryPolicy()


def add_reminders(
    engine: Engine,
    count: int,
    *,
    due: datetime = NOW,
    action: str = "follow_up",
    team: str = "T1",
    owner: str = "U1",
    prefix: str = "d",
) -> None:
    with Session(engine) as session:
        for number in range(count):
            session.add(
                Reminder(
                    team_id=team,
                    site="mysite.com",
                    refdomain=f"{prefix}{number}.example",
                    owner_id=owner,
                    action=action,
                    due_at=due,
                )
            )
        session.commit()


def all_reminders(engine: Engine) -> list[Reminder]:
    with Session(engine) as session:
        return list(session.exec(select(Reminder).order_by(col(Reminder.id))).all())


def lease_of(reminder: Reminder) -> datetime:
    assert reminder.lease_until is not None
    return as_utc(reminder.lease_until)


class Recorder:
    """A delivery that records each reminder; owner U404 has left, workspace T9 is gone."""

    def __init__(self) -> None:
        self.delivered: list[str] = []
        self.tries: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, reminder: Reminder) -> None:
        with self.lock:
            self.tries[reminder.refdomain] += 1
        if reminder.team_id == "T9":
            raise DeliveryFailed("not_installed", permanent=True)
        if reminder.owner_id == "U404":
            raise DeliveryFailed("user_not_found", permanent=True)
        with self.lock:
            self.delivered.append(reminder.refdomain)


class Clock:
    """A clock the test moves forward."""

    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_only_due_reminders_are_delivered(db: Engine) -> None:
    add_reminders(db, 2)
    add_reminders(db, 1, due=NOW + timedelta(days=1), prefix="later")
    recorder = Recorder()
    assert ReminderTick(db, recorder, clock=lambda: NOW)() == 2
    assert ReminderTick(db, recorder, clock=lambda: NOW)() == 0
    assert sorted(recorder.delivered) == ["d0.example", "d1.example"]


def test_two_schedulers_over_one_database_deliver_each_reminder_once(
    db: Engine, app_db_url: str
) -> None:
    add_reminders(db, 40)
    recorder = Recorder()
    engines = [make_engine(app_db_url) for _ in range(2)]
    ticks = [
        ReminderTick(engine, recorder, worker=f"w{i}", clock=lambda: NOW)
        for i, engine in enumerate(engines)
    ]
    threads = [threading.Thread(target=tick) for tick in ticks for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(recorder.delivered) == sorted(f"d{i}.example" for i in range(40))
    for engine in engines:
        engine.dispose()


def test_a_reminder_due_while_down_is_sent_once_after_restart(db: Engine) -> None:
    add_reminders(db, 1, due=NOW - timedelta(days=3))
    first, second = Recorder(), Recorder()
    assert ReminderTick(db, first, worker="before", clock=lambda: NOW)() == 1
    # The process restarts (a new worker name) and ticks again: nothing is sent twice.
    assert ReminderTick(db, second, worker="after", clock=lambda: NOW + timedelta(minutes=1))() == 0
    assert (first.delivered, second.delivered) == (["d0.example"], [])


def test_a_dead_workers_claims_come_back_after_one_lease(db: Engine) -> None:
    add_reminders(db, 3)
    with Session(db) as session:
        assert (
            len(claims.claim_due(session, Reminder, "killed", NOW)) == 3
        )  # claimed, never delivered
    recorder = Recorder()
    within = NOW + LEASE - timedelta(seconds=1)
    assert ReminderTick(db, recorder, worker="new", clock=lambda: within)() == 0
    after = NOW + LEASE + timedelta(seconds=1)
    assert ReminderTick(db, recorder, worker="new", clock=lambda: after)() == 3
    assert ReminderTick(db, recorder, worker="new", clock=lambda: after)() == 0
    assert sorted(recorder.delivered) == ["d0.example", "d1.example", "d2.example"]
    assert [reminder.attempts for reminder in all_reminders(db)] == [2, 2, 2]


def test_lease_renewal_keeps_a_live_workers_claim(db: Engine) -> None:
    add_reminders(db, 1)
    clock = Clock()
    inside, finish = threading.Event(), threading.Event()

    def slow(reminder: Reminder) -> None:
        inside.set()
        assert finish.wait(10)

    tick = ReminderTick(db, slow, worker="live", clock=clock, renew_seconds=0.02)
    worker = threading.Thread(target=tick)
    worker.start()
    assert inside.wait(10)
    clock.at = NOW + 3 * LEASE  # the delivery takes longer than three leases
    deadline = time.monotonic() + 10
    while lease_of(all_reminders(db)[0]) <= clock.at:
        assert time.monotonic() < deadline, "the lease was not renewed"
        time.sleep(0.01)
    with Session(db) as session:
        assert claims.claim_due(session, Reminder, "other", clock.at) == []
    finish.set()
    worker.join(10)
    (reminder,) = all_reminders(db)
    assert (reminder.state, reminder.claimed_by, reminder.attempts) == ("done", "live", 1)


def test_undeliverable_reminders_due_first_do_not_hold_up_the_others(db: Engine) -> None:
    early = NOW - timedelta(hours=1)
    add_reminders(db, 30, due=early, owner="U404", prefix="left")
    add_reminders(db, 30, due=early, team="T9", prefix="gone")
    add_reminders(db, 10, prefix="good")
    recorder = Recorder()
    clock = Clock()
    tick = ReminderTick(db, recorder, clock=clock)

    assert tick() == 10  # the first tick delivers every good reminder
    assert sorted(recorder.delivered) == sorted(f"good{i}.example" for i in range(10))
    failing = [reminder for reminder in all_reminders(db) if reminder.refdomain[:4] != "good"]
    assert all(reminder.state == ClaimState.PENDING for reminder in failing)
    assert all(reminder.retry_at and as_utc(reminder.retry_at) > NOW for reminder in failing)
    assert tick() == 0 and set(recorder.tries.values()) == {1}  # backing off, not retried

    deadline = NOW + timedelta(days=1)
    while any(r.state != ClaimState.DONE for r in all_reminders(db)[60:]) or any(
        r.state != ClaimState.FAILED for r in all_reminders(db)[:60]
    ):
        assert clock.at < deadline, "the undeliverable reminders were not given up"
        clock.at += timedelta(minutes=1)
        tick()
    errors = Counter(reminder.last_error for reminder in all_reminders(db)[:60])
    assert errors == {"user_not_found": 30, "not_installed": 30}
    assert {recorder.tries[f"left{i}.example"] for i in range(30)} == {POLICY.permanent_tries}
    assert recorder.delivered.count("good0.example") == 1


def test_a_transient_failure_backs_off_then_delivers(db: Engine) -> None:
    add_reminders(db, 1)
    calls: list[datetime] = []
    clock = Clock()

    def flaky(reminder: Reminder) -> None:
        calls.append(clock.at)
        if len(calls) < 3:
            raise TimeoutError("Slack did not answer")

    tick = ReminderTick(db, flaky, clock=clock)
    assert tick() == 0
    (reminder,) = all_reminders(db)
    assert reminder.state == ClaimState.PENDING and reminder.last_error == "TimeoutError"
    assert tick() == 0 and len(calls) == 1  # not again before its backoff
    while not tick():
        clock.at += timedelta(seconds=10)
        assert clock.at < NOW + timedelta(hours=1)
    # Exponential: the second wait is about twice the first (each within its 25% jitter).
    first, second = calls[1] - calls[0], calls[2] - calls[1]
    assert POLICY.first_delay * 0.75 <= first <= POLICY.first_delay * 1.25 + timedelta(seconds=10)
    assert POLICY.first_delay * 1.5 <= second <= POLICY.first_delay * 2.5 + timedelta(seconds=10)
    assert all_reminders(db)[0].state == ClaimState.DONE


def test_transient_failures_are_given_up_after_more_tries(db: Engine) -> None:
    add_reminders(db, 1)
    tries: list[int] = []
    clock = Clock()

    def down(reminder: Reminder) -> None:
        tries.append(reminder.attempts)
        raise DeliveryFailed("http_503", permanent=False)

    tick = ReminderTick(db, down, clock=clock)
    while all_reminders(db)[0].state != ClaimState.FAILED:
        assert clock.at < NOW + timedelta(days=2)
        tick()
        clock.at += timedelta(minutes=5)
    assert tries == list(range(1, POLICY.transient_tries + 1))
    assert POLICY.transient_tries > POLICY.permanent_tries
    assert all_reminders(db)[0].last_error == "http_503"


def test_close_reminder_ends_outreach_as_no_response(db: Engine) -> None:
    with Session(db) as session:
        for status in (Status.TARGETED, Status.CONTACTED, Status.FOLLOWED_UP):
            move(session, Move("T1", "mysite.com", "d0.example", status, "U1"))
        session.commit()
    add_reminders(db, 1, action="close")
    assert ReminderTick(db, Recorder(), clock=lambda: NOW)() == 1
    with Session(db) as session:
        assert marks_for(session, "T1", "mysite.com")["d0.example"].status is Status.NO_RESPONSE
