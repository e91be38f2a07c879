"""bot/store/requests.py: each signature is served once, across processes; old ones are purged."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.store.db import make_engine
from bot.store.requests import SeenRequest, SeenRequests

SIGNATURE = "v0=" + "ab" * 32
NOW = 1_764_100_000


def stored(db: Engine) -> list[str]:
    with Session(db) as session:
        return sorted(row.signature for row in session.exec(select(SeenRequest)))


def test_a_signature_is_new_once(db: Engine) -> None:
    seen = SeenRequests(db, clock=lambda: NOW)

    assert seen.first_time(SIGNATURE, NOW)
    assert not seen.first_time(SIGNATURE, NOW)
    assert seen.first_time("v0=" + "cd" * 32, NOW)


def test_processes_sharing_the_database_share_what_was_seen(db: Engine) -> None:
    one = SeenRequests(db, clock=lambda: NOW)
    other = SeenRequests(make_engine(db.url.render_as_string(hide_password=False)), lambda: NOW)

    assert one.first_time(SIGNATURE, NOW)
    assert not other.first_time(SIGNATURE, NOW)


def test_of_many_racing_for_one_signature_exactly_one_wins(db: Engine) -> None:
    seen = SeenRequests(db, clock=lambda: NOW)

    with ThreadPoolExecutor(16) as pool:
        wins = list(pool.map(lambda _: seen.first_time(SIGNATURE, NOW), range(32)))

    assert wins.count(True) == 1


def test_signatures_past_slacks_window_are_purged_at_most_once_a_minute(db: Engine) -> None:
    clock = [float(NOW)]
    seen = SeenRequests(db, clock=lambda: clock[0])
    first, second, third = ("v0=" + digits * 32 for digits in ("01", "02", "03"))
    assert seen.first_time(first, NOW)

    clock[0] = NOW + 400  # past Slack's 5 minutes and the minute allowed for skew
    assert seen.first_time(second, NOW + 400)
    assert stored(db) == [second]

    clock[0] = NOW + 430  # the next purge is due a minute after the last one
    assert seen.first_time(third, NOW)
    assert stored(db) == [second, third]

    clock[0] = NOW + 460
    assert seen.first_time("v0=" + "04" * 32, NOW + 460)
    assert third not in stored(db)
