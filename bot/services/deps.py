"""What every use case is handed: the settings, the one engine, the link sources, the pools.

Built once at start-up (`gapbot serve`, the terminal) and passed down; nothing below
makes its own engine or reads the environment.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.services.inflight import InFlight
from bot.services.runs import Runner, SourceOpener, app_sources
from bot.store.results import ResultFiles

if TYPE_CHECKING:
    from bot.contacts.lookup import ContactFinder, ContactLookup
    from bot.fetch import Fetcher
    from bot.services.analyses import Stored

log = logging.getLogger(__name__)

# Analyses running at once. More than the CPUs can serve only slows every click down (they
# share one interpreter); further commands wait their turn.
ANALYSES_AT_ONCE = max(2, min(8, os.cpu_count() or 2) // 2)
# The process's turns at analysing: /gaps and the watches' runs share them.
ANALYSIS_SLOTS = threading.BoundedSemaphore(ANALYSES_AT_ONCE)
# Work done after answering Slack (bot.slack.listening): mostly waiting on Slack's API.
WORK_THREADS = 16


class Unfinished:
    """How much of the work handed over is not done yet; `wait` until none is."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def add(self) -> None:
        with self._changed:
            self._count += 1

    def done(self) -> None:
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def wait(self, timeout: float) -> bool:
        """True once no work is left, False if some still was after `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout)


@dataclass(frozen=True)
class Services:
    """Everything a listener needs, built once per app."""

    settings: Settings
    engine: Engine
    open_source: SourceOpener
    running: InFlight[Stored] = field(default_factory=InFlight)
    analysis_slots: threading.BoundedSemaphore = ANALYSIS_SLOTS
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(WORK_THREADS, "gapbot-after-answer")
    )
    # What `after_answer` was handed and has not finished (a test waits for it all to end).
    unfinished: Unfinished = field(default_factory=Unfinished)
    # Looks contacts up on prospects' pages; None: on the web and in DNS (tests give theirs).
    contact_finder: ContactFinder | None = None
    # A double click on Find contacts reads the domain's pages once.
    contact_lookups: InFlight[ContactLookup] = field(default_factory=InFlight)

    @classmethod
    def of(
        cls, settings: Settings, engine: Engine, contact_finder: ContactFinder | None = None
    ) -> Services:
        return cls(settings, engine, app_sources(settings, engine), contact_finder=contact_finder)

    @cached_property
    def fetcher(self) -> Fetcher:
        """The fetcher of the won-link checks and contact lookups: one per process, so that
        its robots.txt cache lasts; requests to a host are spaced across processes."""
        # Imported here, as in contacts: the terminal's analyses never fetch a page.
        from bot.store.hosts import shared_fetcher

        return shared_fetcher(self.settings, self.engine)

    @cached_property
    def contacts(self) -> ContactFinder:
        """The finder of contacts, with the shared fetcher (kept open after each lookup)."""
        from bot.contacts.lookup import ContactFinder

        return self.contact_finder or ContactFinder(lambda: nullcontext(self.fetcher))

    @cached_property
    def results(self) -> ResultFiles:
        return ResultFiles(self.settings.results_path)

    @cached_property
    def runner(self) -> Runner:
        """Analyses for the record, taking turns at the analysis slots."""
        blocklist = self.settings.blocked_domains
        return Runner(self.engine, self.results, self.open_source, blocklist, self.analysis_slots)

    def after_answer(self, work: Callable[[], object]) -> None:
        """Run `work` once the listener has answered Slack (a modal's submission must be
        answered with its errors or its closing, and a DM may be slow); failures are logged."""

        def logged() -> None:
            try:
                work()
            except Exception:
                log.exception("work after answering Slack failed")
            finally:
                self.unfinished.done()

        self.unfinished.add()
        try:
            self.background.submit(logged)
        except BaseException:
            self.unfinished.done()
            raise
