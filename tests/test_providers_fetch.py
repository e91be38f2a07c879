"""Each live provider's answers become the engine's profiles: mapping, paging, gaps end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_providers import FakeProviders, Ref, provider_source, running

from bot.engine import GapReport, analyse
from bot.gaps import RefDomainLinks
from bot.links.adapter import ProfileRequest, Provider
from bot.links.ahrefs import Ahrefs
from bot.links.dataforseo import DataForSEO
from bot.links.http import RetryPolicy
from bot.links.moz import Moz
from bot.links.semrush import Semrush
from bot.query import make_query

PROVIDERS = ["dataforseo", "ahrefs", "semrush", "moz"]
ADAPTERS: dict[str, type[Provider]] = {
    "dataforseo": DataForSEO,
    "ahrefs": Ahrefs,
    "semrush": Semrush,
    "moz": Moz,
}
NO_WAIT = RetryPolicy(attempts=2, sleep=lambda _: None, timeout=5)
REFERRING_DOMAINS = "/v3/backlinks/referring_domains/live"


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    with running(FakeProviders()) as server:
        yield server


def gaps(report: GapReport) -> list[tuple[str, int, dict[str, int]]]:
    return [(o.domain, o.matches, dict(o.links)) for o in report.opportunities]


def test_dataforseo_fetches_each_sites_referring_domains(
    fake: FakeProviders, tmp_path: Path
) -> None:
    source = provider_source("dataforseo", fake.settings(tmp_path), policy=NO_WAIT)
    data = source.fetch("me.com", ["a.com", "b.com"], dofollow_only=False)
    assert data.source == "dataforseo"
    assert data.authority_source == "DataForSEO rank"
    # www.news.example (2 links) and blog.news.example (1 nofollow) fold into one domain;
    # rank 710 of 1000 is authority 71.
    assert data.competitors[0].refdomains == {
        "news.example": RefDomainLinks("news.example", 3, 2, 71),
        "forum.org": RefDomainLinks("forum.org", 1, 1, 40),
        "shared.net": RefDomainLinks("shared.net", 5, 5, 50),
        "bbc.co.uk": RefDomainLinks("bbc.co.uk", 1, 1, 90),
    }
    assert set(data.site.refdomains) == {"shared.net", "bbc.co.uk"}
    # $0.02 a request and $0.00003 an item: 0.02006 + 0.02015 + 0.02009.
    assert data.cost == "3 requests, about $0.06"
    assert sorted((call.path, call.target) for call in fake.calls) == [
        (REFERRING_DOMAINS, "a.com"),
        (REFERRING_DOMAINS, "b.com"),
        (REFERRING_DOMAINS, "me.com"),
    ]


def test_dataforseo_analyses_a_single_competitor(fake: FakeProviders, tmp_path: Path) -> None:
    source = provider_source("dataforseo", fake.settings(tmp_path), policy=NO_WAIT)
    report = analyse(make_query(["me.com", "vs", "a.com"]), source)
    # shared.net and bbc.co.uk link to me.com too.
    assert gaps(report) == [("news.example", 1, {"a.com": 3}), ("forum.org", 1, {"a.com": 1})]
    assert {call.path for call in fake.calls} == {REFERRING_DOMAINS}


def test_ahrefs_fetches_every_site_with_dr(fake: FakeProviders, tmp_path: Path) -> None:
    source = provider_source("ahrefs", fake.settings(tmp_path), policy=NO_WAIT)
    data = source.fetch("me.com", ["a.com"], dofollow_only=False)
    assert data.authority_source == "Ahrefs DR"
    assert set(data.site.refdomains) == {"shared.net", "bbc.co.uk"}
    assert data.competitors[0].refdomains["news.example"] == RefDomainLinks(
        "news.example", 3, 2, 71
    )
    assert sorted(call.target for call in fake.calls) == ["a.com", "me.com"]
    assert data.cost == "2 requests, about 100 Ahrefs units (~$0.01)"


def test_ahrefs_pages_past_the_first_thousand_without_repeats(tmp_path: Path) -> None:
    # 3,200 referring domains; DR n % 7, so that pages end inside runs of equal DR.
    graph = {
        "big.com": {f"ref{n:04d}.example": Ref(1 + n % 3, authority=n % 7) for n in range(3200)}
    }
    with running(FakeProviders(graph)) as fake:
        adapter = Ahrefs(fake.settings(tmp_path))
        with adapter.open_client(NO_WAIT) as http:
            fetched = adapter.fetch_profile(http, ProfileRequest("big.com"), max_rows=5000)
        assert fake.paid_calls() == 4
    profile = fetched.profile.refdomains
    assert len(profile) == 3200
    # 1 + n % 3 links each: 3,200 + 1,066 x (0 + 1 + 2) + (0 + 1) for n = 3198, 3199.
    assert sum(entry.links for entry in profile.values()) == 6399
    assert profile["ref1234.example"] == RefDomainLinks("ref1234.example", 2, 2, 2)
    # 3 pages of 1,000 rows and one of 200, 4 fields a row.
    assert fetched.spend.requests == 4
    assert fetched.spend.units == 12_800


@pytest.mark.parametrize(
    ("name", "excluding", "domains", "pages"),
    [
        # 5 hosts link to a.com.
        ("dataforseo", None, {"news.example", "forum.org", "shared.net", "bbc.co.uk"}, 3),
        ("ahrefs", None, {"news.example", "forum.org", "shared.net", "bbc.co.uk"}, 3),
        # 3 hosts link to a.com and not to me.com.
        ("semrush", "me.com", {"news.example", "forum.org"}, 2),
        # 3 root domains link to a.com and from no page to c.com.
        ("moz", "c.com", {"news.example", "shared.net", "bbc.co.uk"}, 2),
    ],
)
def test_paging_reads_every_page(
    fake: FakeProviders,
    tmp_path: Path,
    name: str,
    excluding: str | None,
    domains: set[str],
    pages: int,
) -> None:
    adapter = ADAPTERS[name](fake.settings(tmp_path))
    adapter.page_size = 2
    with adapter.open_client(NO_WAIT) as http:
        fetched = adapter.fetch_profile(http, ProfileRequest("a.com", excluding), max_rows=100)
    assert set(fetched.profile.refdomains) == domains
    assert fetched.spend.requests == pages == fake.paid_calls()


@pytest.mark.parametrize(
    ("name", "excluding"),
    [("dataforseo", None), ("ahrefs", None), ("semrush", "me.com"), ("moz", "c.com")],
)
def test_max_rows_bounds_what_is_paid_for(
    fake: FakeProviders, tmp_path: Path, name: str, excluding: str | None
) -> None:
    adapter = ADAPTERS[name](fake.settings(tmp_path))
    adapter.page_size = 2
    with adapter.open_client(NO_WAIT) as http:
        fetched = adapter.fetch_profile(http, ProfileRequest("a.com", excluding), max_rows=2)
    assert fake.paid_calls() == 1
    assert fetched.spend.requests == 1


LINK_COUNTS = [
    ("forum.org", 3, {"a.com": 1, "b.com": 1, "c.com": 2}),
    ("news.example", 2, {"a.com": 3, "b.com": 1, "c.com": 0}),
    ("lakeblogger.blogspot.com", 1, {"a.com": 0, "b.com": 2, "c.com": 0}),
    ("tiny.io", 1, {"a.com": 0, "b.com": 0, "c.com": 1}),
]
# Moz answers root domains with no link counts: each counts as one link.
ONE_LINK_EACH = [
    ("forum.org", 3, {"a.com": 1, "b.com": 1, "c.com": 1}),
    ("news.example", 2, {"a.com": 1, "b.com": 1, "c.com": 0}),
    ("lakeblogger.blogspot.com", 1, {"a.com": 0, "b.com": 1, "c.com": 0}),
    ("tiny.io", 1, {"a.com": 0, "b.com": 0, "c.com": 1}),
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dataforseo", LINK_COUNTS),
        ("ahrefs", LINK_COUNTS),
        ("semrush", LINK_COUNTS),
        ("moz", ONE_LINK_EACH),
    ],
)
def test_end_to_end_gaps_are_ranked(
    fake: FakeProviders, tmp_path: Path, name: str, expected: list[object]
) -> None:
    source = provider_source(name, fake.settings(tmp_path), policy=NO_WAIT)
    report = analyse(make_query(["me.com", "vs", "a.com", "b.com", "c.com"]), source)
    assert gaps(report) == expected
    assert report.opportunities[1].authority == 71
    assert report.source == name
    assert report.provenance.failures == {}


def test_moz_leaves_out_a_domain_linking_to_the_site_from_another_page(tmp_path: Path) -> None:
    graph = {
        "me.com": {"www.news.example": Ref(1, authority=70), "shared.net": Ref(1, authority=50)},
        "a.com": {
            "blog.news.example": Ref(2, authority=70),
            "shared.net": Ref(3, authority=50),
            "forum.org": Ref(1, authority=40),
        },
    }
    with running(FakeProviders(graph)) as fake:
        source = provider_source("moz", fake.settings(tmp_path), policy=NO_WAIT)
        report = analyse(make_query(["me.com", "vs", "a.com"]), source)
    # news.example links to me.com from www. and to a.com from blog.; shared.net/post-1 links
    # to both, post-2 and post-3 to a.com only. Neither domain is a gap.
    assert gaps(report) == [("forum.org", 1, {"a.com": 1})]


@pytest.mark.parametrize("name", ["dataforseo", "ahrefs"])
def test_dofollow_only_uses_the_rel_counts(fake: FakeProviders, tmp_path: Path, name: str) -> None:
    source = provider_source(name, fake.settings(tmp_path), policy=NO_WAIT)
    query = make_query(["me.com", "a.com", "b.com", "c.com"], dofollow_only=True)
    report = analyse(query, source)
    assert [o.domain for o in report.opportunities] == ["forum.org", "news.example", "tiny.io"]
    assert report.opportunities[1].links["a.com"] == 2


@pytest.mark.parametrize("name", PROVIDERS)
def test_linking_urls(fake: FakeProviders, tmp_path: Path, name: str) -> None:
    source = provider_source(name, fake.settings(tmp_path), policy=NO_WAIT)
    pages = source.linking_urls("lakeblogger.blogspot.com", ["b.com"], limit=10)
    urls = pages["b.com"].urls
    # Moz gives pages without their scheme.
    assert [u.source_url.split("://")[1] for u in urls] == [
        "lakeblogger.blogspot.com/post-1",
        "lakeblogger.blogspot.com/post-2",
    ]
    assert pages["b.com"].total == 2
    assert urls[0].nofollow is True
