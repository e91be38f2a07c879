"""Identical work asked for while it is running (or queued to run) waits and shares the result."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Value = TypeVar("Value")

# A result kept for announced callers is never shared once older than this, even if a
# caller that announced itself never came (its request died in the queue).
MAX_SHARE_SECONDS = 120.0


@dataclass
class _Run(Generic[Value]):
    future: Future[Value] = field(default_factory=Future)
    started: bool = False
    expected: int = 0  # callers announced with `expect` that have not arrived yet
    finished_at: float | None = None

    def stale(self, now: float) -> bool:
        return self.finished_at is not None and now - self.finished_at > MAX_SHARE_SECONDS


class InFlight(Generic[Value]):
    """Runs `work` once per key at a time; callers arriving meanwhile get that run's outcome.

    A caller whose request is still queued can announce itself with `expect`: the run's
    outcome is then kept for it, so fifty identical commands queued behind two workers
    cost one run, not twenty-five.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[Hashable, _Run[Value]] = {}

    def expect(self, key: Hashable) -> None:
        with self._lock:
            self._current(key).expected += 1

    def run(self, key: Hashable, work: Callable[[], Value]) -> Value:
        with self._lock:
            entry = self._current(key)
            entry.expected = max(0, entry.expected - 1)
            leader, entry.started = not entry.started, True
        try:
            if not leader:
                return entry.future.result()
            return self._lead(entry, work)
        finally:
            self._forget_if_done(key, entry)

    def _current(self, key: Hashable) -> _Run[Value]:
        """The key's run; a new one if there is none or the old one is too old to share."""
        entry = self._runs.get(key)
        if entry is None or entry.stale(time.monotonic()):
            entry = self._runs[key] = _Run()
        return entry

    def _lead(self, entry: _Run[Value], work: Callable[[], Value]) -> Value:
        try:
            value = work()
        except BaseException as error:
            entry.future.set_exception(error)
            raise
        finally:
            entry.finished_at = time.monotonic()
        entry.future.set_result(value)
        return value

    def _forget_if_done(self, key: Hashable, entry: _Run[Value]) -> None:
        with self._lock:
            if entry.future.done() and entry.expected == 0 and self._runs.get(key) is entry:
                del self._runs[key]
