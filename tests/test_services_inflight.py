"""Identical work asked for while it runs is shared; after it ends (or fails) it runs again."""

from __future__ import annotations

import threading
import time

import pytest

from bot.services import inflight
from bot.services.inflight import InFlight


class Key:
    """A key that tells which threads have looked it up (a caller's run has arrived once its
    thread has)."""

    def __init__(self) -> None:
        self.seen_by: set[str] = set()
        self.looked_up = threading.Condition()

    def __hash__(self) -> int:
        with self.looked_up:
            self.seen_by.add(threading.current_thread().name)
            self.looked_up.notify_all()
        return 1

    def wait_for(self, thread: str) -> None:
        with self.looked_up:
            assert self.looked_up.wait_for(lambda: thread in self.seen_by, 5), thread


def test_a_second_caller_waits_for_the_running_work_and_shares_its_result() -> None:
    running: InFlight[int] = InFlight()
    key = Key()
    started, release = threading.Event(), threading.Event()
    results: list[int] = []

    def slow() -> int:
        started.set()
        assert release.wait(5)
        return 1

    def never() -> int:
        raise AssertionError("shared work ran twice")

    leader = threading.Thread(target=lambda: results.append(running.run(key, slow)))
    leader.start()
    assert started.wait(5)
    follower = threading.Thread(
        target=lambda: results.append(running.run(key, never)), name="follower"
    )
    follower.start()
    key.wait_for("follower")  # it has found the leader's run (under the same lock)
    release.set()
    leader.join(5)
    follower.join(5)

    assert results == [1, 1]
    assert running.run(key, lambda: 2) == 2


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
