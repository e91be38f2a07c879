"""bot/store/hosts.py: one request at a time per host, spaced, whichever process sends it.

Each worker has its own engine and gate (as a process would) on one database. Time is
virtual: it passes only when a thread sleeps, so the test measures the spacing without
waiting for it."""

from __future__ import annotations

import threading
from itertools import pairwise

from sqlalchemy.engine import Engine

from bot.store.db import make_engine
from bot.store.hosts import HOLD, POLL, SharedHostGate

NOW = 1_000_000.0
SPACING = 3.0


class VirtualClock:
    def __init__(self, start: float) -> None:
        self.now = start
        self.lock = threading.Lock()

    def read(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def test_two_workers_never_send_one_host_two_requests_within_the_spacing(
    db: Engine, app_db_url: str
) -> None:
    clock = VirtualClock(NOW)
    turns: dict[str, list[tuple[float, float]]] = {"w0": [], "w1": []}
    start = threading.Barrier(2)

    def work(worker: str) -> None:
        engine = make_engine(app_db_url)
        gate = SharedHostGate(engine, SPACING, clock=clock.read, sleep=clock.sleep)
        start.wait(5)
        for _ in range(5):
            with gate.turn("blog.example"):
                began = clock.read()
                clock.sleep(0.5)  # the request takes half a second
                turns[worker].append((began, clock.read()))
        engine.dispose()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in turns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # Ten requests, one at a time, each starting at least 3 s after the one before ended.
    every = sorted(turns["w0"] + turns["w1"])
    assert len(every) == 10 and turns["w0"] and turns["w1"]
    assert all(later[0] - earlier[1] >= SPACING for earlier, later in pairwise(every))


def test_hosts_do_not_wait_for_each_other_and_a_crawl_delay_stretches_the_spacing(
    db: Engine,
) -> None:
    clock = VirtualClock(NOW)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.sleep(seconds)

    gate = SharedHostGate(db, SPACING, clock=clock.read, sleep=sleep)
    with gate.turn("a.example"):
        pass
    with gate.turn("b.example"):
        pass
    assert waits == []
    with gate.turn("a.example", spacing=10.0):  # 3 s; robots.txt's Crawl-delay asks 10 after it
        pass
    with gate.turn("a.example"):
        pass
    assert waits == [SPACING, 10.0]


def test_a_turn_held_by_a_process_that_died_runs_out(db: Engine) -> None:
    gate = SharedHostGate(db, SPACING)
    assert gate.take("a.example", NOW, "dead") == 0  # held, never released
    assert gate.take("a.example", NOW + 1, "waiting") == POLL
    assert gate.take("a.example", NOW + HOLD + 1, "next") == 0
    gate.release("a.example", "dead", NOW + HOLD + 2)  # too late: it frees nothing
    assert gate.take("a.example", NOW + HOLD + 3, "another") == POLL
    gate.release("a.example", "next", NOW + HOLD + 4)
    assert gate.take("a.example", NOW + HOLD + 4 + SPACING, "another") == 0
