"""App Home's action ids, and what its buttons carry."""

from __future__ import annotations

from enum import StrEnum

from bot.slack.values import BareId, ValueRefused


class HomeAction(StrEnum):
    REPOST = "home_repost"  # also See all on a watch's message
    PAID_SOURCES = "home_paid_sources"
    PIPELINE_CHART = "home_pipeline_chart"


# What an admin may choose for the live providers: off (None), or a daily budget in dollars.
PAID_SOURCE_CHOICES: tuple[float | None, ...] = (None, 1.0, 5.0, 20.0, 100.0)
_PAID_SOURCES_OFF = "off"


def paid_sources_value(budget_usd: float | None) -> str:
    """A paid-sources option's value: `off`, or the daily budget in dollars."""
    return _PAID_SOURCES_OFF if budget_usd is None else f"{budget_usd:g}"


def paid_sources_choice(value: str) -> float | None:
    """The budget an option's value chose (None: off); ValueRefused for any value this app
    does not offer (`inf`, `nan`, a budget never listed)."""
    for choice in PAID_SOURCE_CHOICES:
        if value == paid_sources_value(choice):
            return choice
    raise ValueRefused(f"not a paid-sources choice: {value[:80]!r}")


class AnalysisRef(BareId):
    """Post again (and a watch's See all): the analysis' id."""
