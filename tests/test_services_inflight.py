"""Identical work asked for while it runs is shared; after it ends (or fails) it runs again."""

from __future__ import annotations

import threading
import time

import pytest

from bot.services import inflight
from bot.services.inflight import InFlight


def test_a_second_caller_waits_for_the_running_work_and_shares_its_result() -> None:
    running: InFlight[int] = InFlight()
    release = threading.Event()
    results: list[int] = []

    def slow() -> int:
        release.wait(5)
        return 1

    def never() -> int:
        raise AssertionError("shared work ran twice")

    leader = threading.Thread(target=lambda: results.append(running.run("key", slow)))
    leader.start()
    time.sleep(0.1)
    follower = threading.Thread(target=lambda: results.append(running.run("key", never)))
    follower.start()
    time.sleep(0.1)
    release.set()
    leader.join(5)
    follower.join(5)

    assert results == [1, 1]
    assert running.run("key", lambda: 2) == 2


def test_a_failure_is_raised_and_the_next_call_runs_again() -> None:
    running: InFlight[int] = InFlight()

    def broken() -> int:
        raise ValueError("no data")

    with pytest.raises(ValueError, match="no data"):
        running.run("key", broken)
    assert running.run("key", lambda: 3) == 3


def test_callers_announced_while_queued_share_a_run_that_ended_before_they_arrived() -> None:
    running: InFlight[int] = InFlight()
    for _ in range(3):
        running.expect("key")
    runs: list[int] = []

    def work() -> int:
        runs.append(1)
        return len(runs)

    assert [running.run("key", work) for _ in range(3)] == [1, 1, 1]
    assert runs == [1]
    assert running.run("key", work) == 2  # everyone announced has arrived: a new run


def test_a_kept_result_is_not_shared_once_too_old(monkeypatch: pytest.MonkeyPatch) -> None:
    running: InFlight[int] = InFlight()
    running.expect("key")
    running.expect("key")  # this caller never arrives
    assert running.run("key", lambda: 1) == 1
    clock = time.monotonic() + inflight.MAX_SHARE_SECONDS + 1
    monkeypatch.setattr(inflight.time, "monotonic", lambda: clock)
    assert running.run("key", lambda: 2) == 2
