"""bot/scheduler.py: due reminders are delivered exactly once, across workers and restarts."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.outreach.pipeline import Status
from bot.scheduler import ReminderTick
from bot.store.db import make_engine
from bot.store.outreach import STALE_CLAIM, Reminder, ReminderState, claim_due
from bot.store.pipeline import Move, marks_for, move

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def add_reminders(
    engine: Engine, count: int, *, due: datetime = NOW, action: str = "follow_up"
) -> None:
    with Session(engine) as session:
        for number in range(count):
            session.add(
                Reminder(
                    team_id="T1",
                    site="mysite.com",
                    refdomain=f"d{number}.example",
                    owner_id="U1",
                    action=action,
                    due_at=due,
                )
            )
        session.commit()


class Recorder:
    def __init__(self) -> None:
        self.delivered: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, reminder: Reminder) -> None:
        with self.lock:
            self.delivered.append(reminder.refdomain)


def test_only_due_reminders_are_delivered(db: Engine) -> None:
    add_reminders(db, 2)
    add_reminders(db, 1, due=NOW + timedelta(days=1))
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


def test_a_claim_left_by_a_crashed_process_is_taken_over_once(db: Engine) -> None:
    add_reminders(db, 1)
    with Session(db) as session:
        assert len(claim_due(session, "crashed", NOW)) == 1  # claimed, never delivered
    recorder = Recorder()
    assert ReminderTick(db, recorder, worker="new", clock=lambda: NOW + timedelta(minutes=1))() == 0
    later = NOW + STALE_CLAIM + timedelta(minutes=1)
    assert ReminderTick(db, recorder, worker="new", clock=lambda: later)() == 1
    assert ReminderTick(db, recorder, worker="new", clock=lambda: later)() == 0
    assert recorder.delivered == ["d0.example"]


def test_failed_delivery_is_retried_at_the_next_tick(db: Engine) -> None:
    add_reminders(db, 1)
    calls: list[str] = []

    def flaky(reminder: Reminder) -> None:
        calls.append(reminder.refdomain)
        if len(calls) == 1:
            raise RuntimeError("Slack is down")

    assert ReminderTick(db, flaky, clock=lambda: NOW)() == 0
    assert ReminderTick(db, flaky, clock=lambda: NOW)() == 1
    with Session(db) as session:
        assert session.exec(select(Reminder)).one().state == ReminderState.DONE


def test_close_reminder_ends_outreach_as_no_response(db: Engine) -> None:
    with Session(db) as session:
        for status in (Status.TARGETED, Status.CONTACTED, Status.FOLLOWED_UP):
            move(session, Move("T1", "mysite.com", "d0.example", status, "U1"))
        session.commit()
    add_reminders(db, 1, action="close")
    assert ReminderTick(db, Recorder(), clock=lambda: NOW)() == 1
    with Session(db) as session:
        assert marks_for(session, "T1", "mysite.com")["d0.example"].status is Status.NO_RESPONSE
