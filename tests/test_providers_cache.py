"""Never paying twice: the profile cache and its TTL, the daily budget, cost before fetching."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_providers import FakeProviders, Fault, app_store, provider_source, running

from bot.config import Settings
from bot.links.base import LinkData, LinkSourceError
from bot.links.http import RetryPolicy
from bot.links.live import PROVIDERS
from bot.links.providers import BudgetExceeded
from bot.links.sources import PROVIDER_NAMES, estimate_cost
from bot.store.db import create_schema, make_engine, session_scope
from bot.store.settings import PaidSources, set_paid_sources

NO_WAIT = RetryPolicy(attempts=2, sleep=lambda _: None, timeout=5)
SITES = ("me.com", ["a.com", "b.com", "c.com"])


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    with running(FakeProviders()) as server:
        yield server


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def estimate(name: str, settings: Settings, site: str, competitors: list[str]) -> str | None:
    return estimate_cost(name, settings, site, competitors, lambda: app_store(settings))


def run(fake: FakeProviders, tmp_path: Path, name: str = "dataforseo", **options: Any) -> LinkData:
    source = provider_source(name, fake.settings(tmp_path), policy=NO_WAIT, **options)
    return source.fetch(*SITES, dofollow_only=False)


def test_a_repeated_analysis_never_calls_the_provider(fake: FakeProviders, tmp_path: Path) -> None:
    first = run(fake, tmp_path, "ahrefs")
    calls = fake.paid_calls()
    second = run(fake, tmp_path, "ahrefs")
    assert calls == 4
    assert fake.paid_calls() == calls
    assert second.competitors == first.competitors
    assert second.site == first.site
    assert second.cost == "no paid requests; 4 profiles from cache"


def test_dofollow_only_reuses_the_same_cached_profiles(fake: FakeProviders, tmp_path: Path) -> None:
    run(fake, tmp_path)
    source = provider_source("dataforseo", fake.settings(tmp_path), policy=NO_WAIT)
    source.fetch(*SITES, dofollow_only=True)
    assert fake.paid_calls() == 4


def test_refresh_pays_again(fake: FakeProviders, tmp_path: Path) -> None:
    run(fake, tmp_path)
    run(fake, tmp_path, refresh=True)
    assert fake.paid_calls() == 8


def test_cached_profiles_expire_after_the_ttl(fake: FakeProviders, tmp_path: Path) -> None:
    clock = Clock()
    run(fake, tmp_path, clock=clock)
    clock.now += timedelta(days=6, hours=23)
    data = run(fake, tmp_path, clock=clock)
    assert fake.paid_calls() == 4
    assert data.data_date == datetime(2026, 3, 2).date()
    clock.now += timedelta(hours=1)
    run(fake, tmp_path, clock=clock)
    assert fake.paid_calls() == 8


def test_only_missing_profiles_are_fetched(fake: FakeProviders, tmp_path: Path) -> None:
    source = provider_source("dataforseo", fake.settings(tmp_path), policy=NO_WAIT)
    source.fetch("me.com", ["a.com", "b.com"], dofollow_only=False)
    data = run(fake, tmp_path)
    assert [call.target for call in fake.calls[3:]] == ["c.com"]
    assert data.cost == "1 request, about $0.02; 3 profiles from cache"


def test_one_failing_competitor_leaves_the_rest(fake: FakeProviders, tmp_path: Path) -> None:
    fake.fail("ahrefs", "b.com", Fault(400, body='{"error": "invalid target"}'))
    data = run(fake, tmp_path, "ahrefs")
    assert data.failures == {"b.com": "Ahrefs answered HTTP 400: invalid target"}
    assert data.competitors[1].refdomains == {}
    assert "forum.org" in data.competitors[2].refdomains
    # The failure is not cached: the next run asks for b.com only.
    run(fake, tmp_path, "ahrefs")
    assert [call.target for call in fake.calls[3:]] == ["b.com"]


def test_the_site_itself_failing_fails_the_analysis(fake: FakeProviders, tmp_path: Path) -> None:
    fake.fail("ahrefs", "me.com", Fault(400, body='{"error": "invalid target"}'))
    with pytest.raises(LinkSourceError, match=r"could not fetch me\.com: Ahrefs answered HTTP 400"):
        run(fake, tmp_path, "ahrefs")


def test_cost_is_estimated_before_paying(fake: FakeProviders, tmp_path: Path) -> None:
    settings = fake.settings(tmp_path)
    # A request for each of the 4 sites: $0.02 + 1,000 rows x $0.00003.
    assert estimate("dataforseo", settings, *SITES) == "at most 4 requests, about $0.20"
    assert (
        estimate("ahrefs", settings, *SITES)
        == "at most 4 requests, about 16,000 Ahrefs units (~$1.60)"
    )
    assert estimate("local", settings, *SITES) is None
    assert fake.paid_calls() == 0
    provider_source("dataforseo", settings, policy=NO_WAIT).fetch(
        "me.com", ["a.com", "b.com"], dofollow_only=False
    )
    assert (
        estimate("dataforseo", settings, *SITES)
        == "at most 1 request, about $0.05 (3 of 4 profiles cached, free)"
    )
    assert estimate("dataforseo", settings, "me.com", ["a.com"]) == (
        "no paid requests: every profile is cached"
    )


def test_a_workspace_budget_refuses_an_analysis_over_it(
    fake: FakeProviders, tmp_path: Path
) -> None:
    settings = fake.settings(tmp_path, GAPBOT_WORKSPACE_BUDGET_USD=0.16)
    clock = Clock()
    source = provider_source("dataforseo", settings, policy=NO_WAIT, clock=clock, team_id="T1")
    source.fetch("me.com", ["a.com", "b.com"], dofollow_only=False)  # at most $0.15, paid $0.06
    with pytest.raises(BudgetExceeded, match=r"up to \$0\.15 but only \$0\.10 of today's \$0\.16"):
        source.fetch("you.com", ["c.com", "d.com"], dofollow_only=False)
    assert fake.paid_calls() == 3
    # Another workspace has its own budget, and a new day starts afresh.
    other = provider_source("dataforseo", settings, policy=NO_WAIT, clock=clock, team_id="T2")
    other.fetch("you.com", ["c.com", "d.com"], dofollow_only=False)
    clock.now += timedelta(days=1)
    source.fetch("them.com", ["e.com", "f.com"], dofollow_only=False)
    assert fake.paid_calls() == 9


def test_moz_rows_are_weighted_in_the_estimate_and_the_budget(
    fake: FakeProviders, tmp_path: Path
) -> None:
    settings = fake.settings(tmp_path, GAPBOT_DAILY_BUDGET_USD=20)
    # link_intersect counts 5 rows a result: 3 competitors x 1,000 results x 5, at 50 results a
    # request, each row at about $0.002.
    assert estimate("moz", settings, *SITES) == (
        "at most 60 requests, about 15,000 Moz rows (~$30.00)"
    )
    with pytest.raises(BudgetExceeded, match=r"up to \$30\.00 but only \$20\.00 of today's"):
        provider_source("moz", settings, policy=NO_WAIT).fetch(*SITES, dofollow_only=False)
    assert fake.paid_calls() == 0
    # What a fetch pays is weighted too: 2 root domains link to a.com and not to me.com.
    data = provider_source("moz", fake.settings(tmp_path), policy=NO_WAIT).fetch(
        "me.com", ["a.com"], dofollow_only=False
    )
    assert data.cost == "1 request, about 10 Moz rows (~$0.02)"


def test_the_command_line_has_its_own_budget(fake: FakeProviders, tmp_path: Path) -> None:
    settings = fake.settings(
        tmp_path, GAPBOT_DAILY_BUDGET_USD=0.01, GAPBOT_WORKSPACE_BUDGET_USD=100
    )
    with pytest.raises(BudgetExceeded, match=r"only \$0\.01 of today's \$0\.01"):
        provider_source("dataforseo", settings, policy=NO_WAIT).fetch(*SITES, dofollow_only=False)
    assert fake.paid_calls() == 0


def test_a_workspace_admin_sets_the_budget_or_forbids_paid_sources(
    fake: FakeProviders, tmp_path: Path
) -> None:
    settings = fake.settings(tmp_path, GAPBOT_WORKSPACE_BUDGET_USD=100)
    engine = make_engine(settings.app_database_url)
    create_schema(engine)
    with session_scope(engine) as session:
        set_paid_sources(session, "T1", PaidSources(allowed=True, daily_budget_usd=0.02))
        set_paid_sources(session, "T2", PaidSources(allowed=False, daily_budget_usd=None))
    with pytest.raises(BudgetExceeded, match=r"only \$0\.02 of today's \$0\.02"):
        provider_source("dataforseo", settings, policy=NO_WAIT, team_id="T1").fetch(
            *SITES, dofollow_only=False
        )
    with pytest.raises(LinkSourceError, match="paid link sources are turned off"):
        provider_source("dataforseo", settings, policy=NO_WAIT, team_id="T2")
    assert fake.paid_calls() == 0


def test_cached_analyses_fit_any_budget(fake: FakeProviders, tmp_path: Path) -> None:
    run(fake, tmp_path)
    settings = fake.settings(tmp_path, GAPBOT_DAILY_BUDGET_USD=0)
    data = provider_source("dataforseo", settings, policy=NO_WAIT).fetch(
        *SITES, dofollow_only=False
    )
    assert len(data.competitors) == 3


def test_linking_urls_are_cached_too(fake: FakeProviders, tmp_path: Path) -> None:
    source = provider_source("dataforseo", fake.settings(tmp_path), policy=NO_WAIT)
    first = source.linking_urls("forum.org", ["a.com", "c.com"], limit=5)
    again = source.linking_urls("forum.org", ["a.com", "c.com"], limit=5)
    assert first == again
    assert first["c.com"].total == 2
    assert fake.paid_calls() == 2


def test_every_provider_name_has_an_adapter() -> None:
    assert set(PROVIDER_NAMES) == set(PROVIDERS)
