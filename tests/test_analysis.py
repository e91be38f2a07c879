"""bot/analysis.py: running a query against a source, and the collector pause around it."""

from __future__ import annotations

import gc
import threading

import pytest

from bot.analysis import collector_paused


def test_collector_is_paused_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer analysis is still running
    assert gc.isenabled()


def test_collector_is_back_on_after_an_error() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("source failed")
    assert gc.isenabled()


def test_concurrent_analyses_share_one_pause() -> None:
    inside, release = threading.Barrier(3), threading.Event()

    def analysis() -> None:
        with collector_paused():
            inside.wait(5)
            release.wait(5)

    threads = [threading.Thread(target=analysis) for _ in range(2)]
    for thread in threads:
        thread.start()
    inside.wait(5)
    assert not gc.isenabled()
    release.set()
    for thread in threads:
        thread.join(5)
    assert gc.isenabled()
