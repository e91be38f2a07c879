"""bot/store/hosts.py: one request per host every few seconds, whichever process sends it.

Each worker has its own engine and gate (as a process would) on one database; the clock
stands still and sleeping only records how long each request had to wait, so the test
measures the spacing without waiting for it."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from bot.store.db import make_engine
from bot.store.hosts import SharedHostGate

NOW = 1_000_000.0
SPACING = 3.0


def test_two_workers_never_send_one_host_two_requests_within_the_spacing(
    db: Engine, app_db_url: str
) -> None:
    waits: dict[str, list[float]] = {"w0": [], "w1": []}
    start = threading.Barrier(2)

    def work(worker: str) -> None:
        engine = make_engine(app_db_url)
        gate = SharedHostGate(
            engine, SPACING, clock=lambda: NOW, sleep=lambda seconds: waits[worker].append(seconds)
        )
        start.wait(5)
        for _ in range(5):
            gate.wait("blog.example")
        engine.dispose()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in waits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # Ten requests, one slot each: the first goes at once, each other waits 3 s more.
    assert sorted(waits["w0"] + waits["w1"]) == [3.0 * n for n in range(1, 10)]
    assert waits["w0"] and waits["w1"]  # both took turns


def test_hosts_do_not_wait_for_each_other_and_a_slot_that_passed_is_free(db: Engine) -> None:
    clock = [NOW]
    waits: list[float] = []
    gate = SharedHostGate(db, SPACING, clock=lambda: clock[0], sleep=waits.append)

    assert gate.reserve("a.example", NOW, SPACING) == NOW
    assert gate.reserve("b.example", NOW, SPACING) == NOW
    assert gate.reserve("a.example", NOW + 1, SPACING) == NOW + SPACING
    clock[0] = NOW + 60
    gate.wait("a.example")  # at once
    gate.wait("a.example", spacing=10.0)  # 3 s; a robots.txt Crawl-delay asks for 10 after it
    gate.wait("a.example")  # 3 + 10 s

    assert waits == [SPACING, SPACING + 10.0]
