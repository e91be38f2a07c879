"""What live providers keep between calls, as the small interface the app database implements
(bot.store.cache): answers younger than the cache TTL, each workspace's spend per UTC day, and
whether a workspace's admin allows paid sources at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol


@dataclass(frozen=True)
class Cached:
    """One kept answer (a JSON value) and when the provider gave it."""

    payload: Any
    fetched_at: datetime


class PaidSourcesRule(Protocol):
    """A workspace admin's choice in App Home."""

    @property
    def allowed(self) -> bool: ...

    @property
    def daily_budget_usd(self) -> float | None: ...  # None: the installation's default


def workspace_budget(rule: PaidSourcesRule, default_usd: float) -> float:
    """The daily budget a workspace's rule sets: its own, or the installation's default."""
    return default_usd if rule.daily_budget_usd is None else rule.daily_budget_usd


class ProviderStore(Protocol):
    """Answers keyed by provider + site + mode, and money spent per workspace and UTC day."""

    def cached(self, provider: str, site: str, mode: str, max_age: timedelta) -> Cached | None:
        """The answer kept for this question, if it is younger than `max_age`."""
        ...

    def keep(self, provider: str, site: str, mode: str, payload: Any) -> None: ...

    def spent_today(self, team_id: str) -> float: ...

    def record_spend(self, team_id: str, provider: str, usd: float, requests: int) -> None: ...

    def paid_sources(self, team_id: str) -> PaidSourcesRule: ...


# Opens the store only when a live provider is used: the local sources never touch it.
StoreOpener = Callable[[], ProviderStore]
