"""The HTTP client factory's retry policy and credential errors, against the fake providers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_providers import FakeProviders, Fault, running

from bot.config import ConfigError
from bot.links.base import LinkSourceError
from bot.links.http import CredentialsRefused, RetryPolicy
from bot.links.live import open_provider


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    with running(FakeProviders()) as server:
        yield server


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def policy(sleeps: Sleeps, **overrides: float) -> RetryPolicy:
    values = {"attempts": 4, "base_delay": 1.0, "max_delay": 30.0, "timeout": 2.0}
    return RetryPolicy(**(values | overrides), sleep=sleeps, jitter=lambda: 1.0)  # type: ignore[arg-type]


def fetch(fake: FakeProviders, tmp_path: Path, name: str, sleeps: Sleeps, **overrides: float):  # type: ignore[no-untyped-def]
    source = open_provider(name, fake.settings(tmp_path), policy=policy(sleeps, **overrides))
    return source.fetch("me.com", ["a.com", "b.com"], dofollow_only=False)


def test_429_waits_exactly_what_retry_after_says(fake: FakeProviders, tmp_path: Path) -> None:
    fake.fail("ahrefs", "a.com", Fault(429, {"Retry-After": "2"}), Fault(429, {"Retry-After": "7"}))
    sleeps = Sleeps()
    data = fetch(fake, tmp_path, "ahrefs", sleeps)
    assert sorted(sleeps) == [2.0, 7.0]
    assert not data.failures
    assert "news.example" in data.competitors[0].refdomains


def test_5xx_and_in_body_rate_limits_back_off_exponentially(
    fake: FakeProviders, tmp_path: Path
) -> None:
    busy = (
        '{"status_code": 40202, "status_message": "Rate limit per minute exceeded.", "tasks": []}'
    )
    fake.fail(
        "dataforseo", "a.com", Fault(503), Fault(200, {"content-type": "application/json"}, busy)
    )
    sleeps = Sleeps()
    data = fetch(fake, tmp_path, "dataforseo", sleeps)
    assert sleeps == [1.0, 2.0]
    assert not data.failures


def test_timeouts_are_retried(fake: FakeProviders, tmp_path: Path) -> None:
    fake.fail("moz", "b.com", Fault(delay=0.6))
    sleeps = Sleeps()
    data = fetch(fake, tmp_path, "moz", sleeps, timeout=0.3)
    assert sleeps == [1.0]
    assert "forum.org" in data.competitors[1].refdomains


def test_retries_are_bounded_then_the_site_is_reported_failed(
    fake: FakeProviders, tmp_path: Path
) -> None:
    fake.fail("semrush", "b.com", *[Fault(500)] * 4)
    sleeps = Sleeps()
    data = fetch(fake, tmp_path, "semrush", sleeps)
    assert len(sleeps) == 3
    assert data.failures == {
        "b.com": "Semrush did not answer after 4 attempts (last: HTTP 500); try again later"
    }
    assert data.competitors[1].refdomains == {}
    assert "forum.org" in data.competitors[0].refdomains


def test_a_retry_after_beyond_the_policy_fails_without_waiting(
    fake: FakeProviders, tmp_path: Path
) -> None:
    fake.fail("ahrefs", "me.com", Fault(429, {"Retry-After": "3600"}))
    sleeps = Sleeps()
    with pytest.raises(LinkSourceError, match="rate limiting us for 3600 s"):
        fetch(fake, tmp_path, "ahrefs", sleeps)
    assert sleeps == []


@pytest.mark.parametrize(
    ("name", "setting", "variable"),
    [
        ("dataforseo", "DATAFORSEO_PASSWORD", "DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD"),
        ("ahrefs", "AHREFS_API_KEY", "AHREFS_API_KEY"),
        ("semrush", "SEMRUSH_API_KEY", "SEMRUSH_API_KEY"),
        ("moz", "MOZ_TOKEN", "MOZ_TOKEN"),
    ],
)
def test_refused_credentials_name_the_variable(
    fake: FakeProviders, tmp_path: Path, name: str, setting: str, variable: str
) -> None:
    settings = fake.settings(tmp_path, **{setting: "wrong"})
    source = open_provider(name, settings, policy=policy(Sleeps()))
    with pytest.raises(CredentialsRefused, match=f"check {variable}") as caught:
        source.fetch("me.com", ["a.com"], dofollow_only=False)
    assert "wrong" not in str(caught.value)
    assert fake.paid_calls() == 0


@pytest.mark.parametrize(
    ("name", "setting", "variable"),
    [
        ("dataforseo", "DATAFORSEO_LOGIN", "DATAFORSEO_LOGIN"),
        ("ahrefs", "AHREFS_API_KEY", "AHREFS_API_KEY"),
        ("semrush", "SEMRUSH_API_KEY", "SEMRUSH_API_KEY"),
        ("moz", "MOZ_TOKEN", "MOZ_TOKEN"),
    ],
)
def test_missing_credentials_are_a_config_error(
    fake: FakeProviders, tmp_path: Path, name: str, setting: str, variable: str
) -> None:
    settings = fake.settings(tmp_path, **{setting: None})
    with pytest.raises(ConfigError, match=variable):
        open_provider(name, settings)
