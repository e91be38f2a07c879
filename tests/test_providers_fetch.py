"""Each live provider's answers become the engine's profiles: mapping, paging, gaps end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_providers import FakeProviders, running

from bot.analysis import analyse
from bot.gaps import RefDomainLinks
from bot.links.ahrefs import Ahrefs
from bot.links.dataforseo import DataForSEO
from bot.links.http import RetryPolicy
from bot.links.live import open_provider
from bot.links.moz import Moz
from bot.links.providers import ProfileRequest
from bot.links.semrush import Semrush
from bot.query import make_query

PROVIDERS = ["dataforseo", "ahrefs", "semrush", "moz"]
ADAPTERS = {"dataforseo": DataForSEO, "ahrefs": Ahrefs, "semrush": Semrush, "moz": Moz}
NO_WAIT = RetryPolicy(attempts=2, sleep=lambda _: None, timeout=5)


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    with running(FakeProviders()) as server:
        yield server


def test_dataforseo_maps_rank_rels_and_folds_hosts(fake: FakeProviders, tmp_path: Path) -> None:
    source = open_provider("dataforseo", fake.settings(tmp_path), policy=NO_WAIT)
    data = source.fetch("me.com", ["a.com", "b.com"], dofollow_only=False)
    assert data.source == "dataforseo"
    assert data.authority_source == "DataForSEO rank"
    # www.news.example (2 links) and blog.news.example (1 nofollow) fold into one domain;
    # shared.net and bbc.co.uk link to me.com, so the provider left them out.
    assert data.competitors[0].refdomains == {
        "news.example": RefDomainLinks("news.example", 3, 2, 71),
        "forum.org": RefDomainLinks("forum.org", 1, 1, 40),
    }
    assert set(data.competitors[1].refdomains) == {
        "news.example",
        "forum.org",
        "lakeblogger.blogspot.com",
    }
    assert data.site.refdomains == {}
    assert data.cost == "2 requests, about $0.04"
    assert sorted(call.target for call in fake.calls) == ["a.com", "b.com"]


def test_ahrefs_fetches_every_site_with_dr(fake: FakeProviders, tmp_path: Path) -> None:
    source = open_provider("ahrefs", fake.settings(tmp_path), policy=NO_WAIT)
    data = source.fetch("me.com", ["a.com"], dofollow_only=False)
    assert data.authority_source == "Ahrefs DR"
    assert set(data.site.refdomains) == {"shared.net", "bbc.co.uk"}
    assert data.competitors[0].refdomains["news.example"] == RefDomainLinks(
        "news.example", 3, 2, 71
    )
    assert sorted(call.target for call in fake.calls) == ["a.com", "me.com"]
    assert data.cost == "2 requests, about 100 Ahrefs units (~$0.01)"


@pytest.mark.parametrize("name", PROVIDERS)
def test_paging_reads_every_page(fake: FakeProviders, tmp_path: Path, name: str) -> None:
    adapter = ADAPTERS[name](fake.settings(tmp_path), page_size=2)
    with adapter.open_client(NO_WAIT) as http:
        fetched = adapter.fetch_profile(http, ProfileRequest("a.com"), max_rows=100)
    assert set(fetched.profile.refdomains) == {
        "news.example",
        "forum.org",
        "shared.net",
        "bbc.co.uk",
    }
    pages = 3 if name != "moz" else 5  # 5 hosts, or 9 linking pages for Moz
    assert fetched.spend.requests == pages == fake.paid_calls()


@pytest.mark.parametrize("name", PROVIDERS)
def test_max_rows_bounds_what_is_paid_for(fake: FakeProviders, tmp_path: Path, name: str) -> None:
    adapter = ADAPTERS[name](fake.settings(tmp_path), page_size=2)
    with adapter.open_client(NO_WAIT) as http:
        fetched = adapter.fetch_profile(http, ProfileRequest("a.com"), max_rows=2)
    assert fake.paid_calls() == 1
    assert fetched.spend.requests == 1


@pytest.mark.parametrize("name", PROVIDERS)
def test_end_to_end_gaps_are_ranked(fake: FakeProviders, tmp_path: Path, name: str) -> None:
    source = open_provider(name, fake.settings(tmp_path), policy=NO_WAIT)
    report = analyse(make_query(["me.com", "vs", "a.com", "b.com", "c.com"]), source)
    assert [(o.domain, o.matches, dict(o.links)) for o in report.opportunities] == [
        ("forum.org", 3, {"a.com": 1, "b.com": 1, "c.com": 2}),
        ("news.example", 2, {"a.com": 3, "b.com": 1, "c.com": 0}),
        ("lakeblogger.blogspot.com", 1, {"a.com": 0, "b.com": 2, "c.com": 0}),
        ("tiny.io", 1, {"a.com": 0, "b.com": 0, "c.com": 1}),
    ]
    assert report.opportunities[1].authority == 71
    assert report.source == name
    assert report.provenance.failures == {}


@pytest.mark.parametrize("name", ["dataforseo", "ahrefs"])
def test_dofollow_only_uses_the_rel_counts(fake: FakeProviders, tmp_path: Path, name: str) -> None:
    source = open_provider(name, fake.settings(tmp_path), policy=NO_WAIT)
    query = make_query(["me.com", "a.com", "b.com", "c.com"], dofollow_only=True)
    report = analyse(query, source)
    assert [o.domain for o in report.opportunities] == ["forum.org", "news.example", "tiny.io"]
    assert report.opportunities[1].links["a.com"] == 2


@pytest.mark.parametrize("name", PROVIDERS)
def test_linking_urls(fake: FakeProviders, tmp_path: Path, name: str) -> None:
    source = open_provider(name, fake.settings(tmp_path), policy=NO_WAIT)
    pages = source.linking_urls("lakeblogger.blogspot.com", ["b.com"], limit=10)
    urls = pages["b.com"].urls
    # Moz gives pages without their scheme.
    assert [u.source_url.split("://")[1] for u in urls] == [
        "lakeblogger.blogspot.com/post-1",
        "lakeblogger.blogspot.com/post-2",
    ]
    assert pages["b.com"].total == 2
    assert urls[0].nofollow is True
