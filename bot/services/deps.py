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
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.contacts.lookup import ContactFinder, ContactLookup
from bot.links.base import LinkSource
from bot.links.sources import open_source
from bot.services.inflight import InFlight
from bot.services.link_checks import checking_fetcher
from bot.services.runs import Runner, SourceOpener
from bot.store.results import ResultFiles

if TYPE_CHECKING:
    from bot.services.analyses import Stored

log = logging.getLogger(__name__)

# Analyses running at once. More than the CPUs can serve only slows every click down (they
# share one interpreter); further commands wait their turn.
ANALYSES_AT_ONCE = max(2, min(8, os.cpu_count() or 2) // 2)
# The process's turns at analysing: /gaps and the watches' runs share them.
ANALYSIS_SLOTS = threading.BoundedSemaphore(ANALYSES_AT_ONCE)
# Work done after answering Slack (bot.slack.listening): mostly waiting on Slack's API.
WORK_THREADS = 16


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
    # Looks contacts up on prospects' pages; None: on the web and in DNS (tests give theirs).
    contact_finder: ContactFinder | None = None
    # A double click on Find contacts reads the domain's pages once.
    contact_lookups: InFlight[ContactLookup] = field(default_factory=InFlight)

    @classmethod
    def of(
        cls, settings: Settings, engine: Engine, contact_finder: ContactFinder | None = None
    ) -> Services:
        def opener(name: str | None, team_id: str, refresh: bool) -> LinkSource:
            return open_source(name, settings, refresh=refresh, team_id=team_id)

        return cls(settings, engine, opener, contact_finder=contact_finder)

    @cached_property
    def contacts(self) -> ContactFinder:
        """The finder of contacts; its fetcher spaces requests to a host across every
        process that shares the app database, as the checks of won links do."""
        return self.contact_finder or ContactFinder(
            lambda: checking_fetcher(self.settings, self.engine)
        )

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

        self.background.submit(logged)

    def __deepcopy__(self, memo: dict[int, object]) -> Services:
        # Bolt deep-copies the request context for lazy listeners; the services are shared.
        return self
