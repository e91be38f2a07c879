"""Identical work asked for while it is already running waits for that run and shares its result."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

Value = TypeVar("Value")


class InFlight(Generic[Value]):
    """Runs `work` once per key at a time; callers arriving meanwhile get that run's outcome."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[Hashable, Future[Value]] = {}

    def run(self, key: Hashable, work: Callable[[], Value]) -> Value:
        with self._lock:
            running = self._running.get(key)
            if running is None:
                self._running[key] = mine = Future[Value]()
        if running is not None:
            return running.result()
        try:
            value = work()
        except BaseException as error:
            mine.set_exception(error)
            raise
        finally:
            with self._lock:
                del self._running[key]
        mine.set_result(value)
        return value
