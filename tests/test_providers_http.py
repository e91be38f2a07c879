"""The HTTP client factory's retry policy and credential errors, against the fake providers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_providers import (
    AHREFS_KEY,
    DATAFORSEO_LOGIN,
    DATAFORSEO_PASSWORD,
    MOZ_TOKEN,
    SEMRUSH_KEY,
    FakeProviders,
    Fault,
    provider_source,
    running,
)

from bot.config import ConfigError
from bot.links.base import LinkData, LinkSourceError
from bot.links.http import CredentialsRefused, RetryPolicy


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


def fetch(
    fake: FakeProviders, tmp_path: Path, name: str, sleeps: Sleeps, **overrides: float
) -> LinkData:
    source = provider_source(name, fake.settings(tmp_path), policy=policy(sleeps, **overrides))
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
    source = provider_source(name, settings, policy=policy(Sleeps()))
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
        provider_source(name, settings)


# Stands for the blank value each case is run with.
BLANK = "<blank>"


@pytest.mark.parametrize(
    ("name", "overrides", "variable"),
    [
        ("dataforseo", {"DATAFORSEO_LOGIN": BLANK}, "DATAFORSEO_LOGIN"),
        ("dataforseo", {"DATAFORSEO_PASSWORD": BLANK}, "DATAFORSEO_PASSWORD"),
        ("ahrefs", {"AHREFS_API_KEY": BLANK}, "AHREFS_API_KEY"),
        ("semrush", {"SEMRUSH_API_KEY": BLANK}, "SEMRUSH_API_KEY"),
        ("moz", {"MOZ_TOKEN": BLANK}, "MOZ_TOKEN"),
        (
            "moz",
            {"MOZ_TOKEN": None, "MOZ_ACCESS_ID": BLANK, "MOZ_SECRET_KEY": "s"},
            "MOZ_ACCESS_ID",
        ),
        (
            "moz",
            {"MOZ_TOKEN": None, "MOZ_ACCESS_ID": "id", "MOZ_SECRET_KEY": BLANK},
            "MOZ_SECRET_KEY",
        ),
    ],
)
@pytest.mark.parametrize("blank", ["", "  \t"])
def test_empty_credentials_are_refused_before_any_call(
    fake: FakeProviders,
    tmp_path: Path,
    name: str,
    overrides: dict[str, Any],
    variable: str,
    blank: str,
) -> None:
    values = {key: blank if value == BLANK else value for key, value in overrides.items()}
    settings = fake.settings(tmp_path, **values)
    with pytest.raises(ConfigError, match=f"^{variable} is empty: set it to use --source {name}$"):
        provider_source(name, settings)
    assert fake.paid_calls() == 0


def test_semrush_error_122_is_refused_credentials(fake: FakeProviders, tmp_path: Path) -> None:
    fake.fail("semrush", "a.com", Fault(body="ERROR 122 :: WRONG FORMAT OR EMPTY KEY"))
    source = provider_source("semrush", fake.settings(tmp_path), policy=policy(Sleeps()))
    with pytest.raises(
        CredentialsRefused,
        match=r"^Semrush refused the credentials \(ERROR 122 WRONG FORMAT OR EMPTY KEY\): "
        r"check SEMRUSH_API_KEY$",
    ):
        source.fetch("me.com", ["a.com"], dofollow_only=False)


def test_a_used_up_semrush_balance_says_so(fake: FakeProviders, tmp_path: Path) -> None:
    fake.fail("semrush", "a.com", Fault(body="ERROR 132 :: API UNITS BALANCE IS ZERO"))
    source = provider_source("semrush", fake.settings(tmp_path), policy=policy(Sleeps()))
    with pytest.raises(LinkSourceError, match=r"the API units balance is used up \(ERROR 132\)"):
        source.fetch("me.com", ["a.com"], dofollow_only=False)


def test_a_dataforseo_account_out_of_funds_says_so(fake: FakeProviders, tmp_path: Path) -> None:
    fake.fail("dataforseo", "*", *[Fault(402, body='{"status_code": 40200}')] * 2)
    source = provider_source("dataforseo", fake.settings(tmp_path), policy=policy(Sleeps()))
    with pytest.raises(LinkSourceError, match=r"HTTP 402 Payment Required\): check its balance"):
        source.fetch("me.com", ["a.com"], dofollow_only=False)


def test_the_fakes_refuse_what_the_docs_do_not_list(fake: FakeProviders) -> None:
    """The guard behind every other test: an undocumented parameter fails as the vendor says."""
    with httpx.Client(base_url=fake.url) as client:
        # Ahrefs refdomains has no `offset`; errors are HTTP 4xx with {"error": ...}.
        ahrefs = client.get(
            "/v3/site-explorer/refdomains",
            params={"target": "a.com", "select": "domain", "offset": "1000"},
            headers={"Authorization": f"Bearer {AHREFS_KEY}"},
        )
        assert (ahrefs.status_code, ahrefs.json()) == (400, {"error": "unknown parameter: offset"})
        # DataForSEO reports a bad task field in the task's status, under HTTP 200.
        dataforseo = client.post(
            "/v3/backlinks/referring_domains/live",
            json=[{"target": "a.com", "exclude_targets": ["me.com"]}],
            auth=(DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD),
        )
        task = dataforseo.json()["tasks"][0]
        assert (dataforseo.status_code, task["status_code"]) == (200, 40501)
        assert task["status_message"] == "Invalid Field: 'exclude_targets'."
        # Semrush: backlinks_matrix takes no `target` (it takes targets[]).
        semrush = client.get(
            "/analytics/v1/",
            params={"key": SEMRUSH_KEY, "type": "backlinks_matrix", "target": "a.com"},
        )
        assert semrush.text == "ERROR 400 :: UNDOCUMENTED PARAMETER TARGET"
        # Moz link_intersect sources are pages or root domains, nothing else.
        moz = client.post(
            "/v2/link_intersect",
            json={
                "positive_targets": [{"target": "a.com", "scope": "root_domain"}],
                "source_scope": "subdomain",
            },
            headers={"x-moz-token": MOZ_TOKEN},
        )
        assert (moz.status_code, json.loads(moz.text)["message"]) == (
            400,
            "invalid source_scope: subdomain",
        )
    assert fake.paid_calls() == 0
