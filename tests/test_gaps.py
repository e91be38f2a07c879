"""bot/gaps.py: the engine's rules (SPEC 5.2-5.7), on plain profiles."""

from __future__ import annotations

import pytest
from gap_reference import analyses, reference_gaps, table
from hypothesis import given, settings

from bot.gaps import (
    DomainFilter,
    GapInputError,
    GapOptions,
    RefDomainLinks,
    SiteProfile,
    SortOrder,
    find_gaps,
)

SITE = SiteProfile.of(
    "mysite.com", [RefDomainLinks("mine.org", 4, 4), RefDomainLinks("nofollowme.net", 1, 0)]
)
RIVALS = [
    SiteProfile.of(
        "rival-a.com",
        [
            RefDomainLinks("news.example", 3, 3, 71),
            RefDomainLinks("mine.org", 2, 2),
            RefDomainLinks("solo.io", 9, 9, 20),
            RefDomainLinks("nofollowme.net", 1, 1),
            RefDomainLinks("sponsored.biz", 2, 0, 90),
            RefDomainLinks("rival-b.com", 1, 1),
        ],
    ),
    SiteProfile.of(
        "rival-b.com",
        [
            RefDomainLinks("news.example", 1, 1, 65),
            RefDomainLinks("two.org", 2, 1),
            RefDomainLinks("mysite.com", 5, 5),
        ],
    ),
    SiteProfile.of(
        "rival-c.com",
        [
            RefDomainLinks("news.example", 2, 2),
            RefDomainLinks("two.org", 1, 1, 40),
            RefDomainLinks("aaa.net", 1, 1),
        ],
    ),
]


def test_default_order_and_counts() -> None:
    assert table(find_gaps(SITE, RIVALS)) == [
        ("news.example", 3, (3, 1, 2), 71),
        ("two.org", 2, (0, 2, 1), 40),
        ("solo.io", 1, (9, 0, 0), 20),
        ("sponsored.biz", 1, (2, 0, 0), 90),
        ("aaa.net", 1, (0, 0, 1), None),
    ]


def test_links_has_every_competitor_as_a_key() -> None:
    for opportunity in find_gaps(SITE, RIVALS):
        assert list(opportunity.links) == ["rival-a.com", "rival-b.com", "rival-c.com"]


def test_matches_ascending_starts_with_single_competitor_domains() -> None:
    order = [o.domain for o in find_gaps(SITE, RIVALS, GapOptions(sort=SortOrder.MATCHES_ASC))]
    assert order == ["solo.io", "sponsored.biz", "aaa.net", "two.org", "news.example"]


def test_authority_order_puts_unknown_last() -> None:
    order = [o.domain for o in find_gaps(SITE, RIVALS, GapOptions(sort=SortOrder.AUTHORITY))]
    assert order == ["sponsored.biz", "news.example", "two.org", "solo.io", "aaa.net"]


def test_min_matches_filters() -> None:
    found = find_gaps(SITE, RIVALS, GapOptions(min_matches=2))
    assert [o.domain for o in found] == ["news.example", "two.org"]


def test_dofollow_only_counts_dofollow_links_and_keeps_my_nofollow_linkers_out() -> None:
    found = table(find_gaps(SITE, RIVALS, GapOptions(dofollow_only=True)))
    assert found == [
        ("news.example", 3, (3, 1, 2), 71),
        ("two.org", 2, (0, 1, 1), 40),
        ("solo.io", 1, (9, 0, 0), 20),
        ("aaa.net", 1, (0, 0, 1), None),
    ]
    # nofollowme.net links to mysite.com with a nofollow link only: still not a gap.
    assert "nofollowme.net" not in {row[0] for row in found}


def test_analysed_sites_and_my_linkers_are_never_opportunities() -> None:
    domains = {o.domain for o in find_gaps(SITE, RIVALS)}
    assert not domains & {"mysite.com", "rival-a.com", "rival-b.com", "rival-c.com", "mine.org"}


def test_blocklist_hides_platform_domains() -> None:
    found = find_gaps(SITE, RIVALS, GapOptions(blocklist=frozenset({"news.example"})))
    assert "news.example" not in {o.domain for o in found}


@pytest.mark.parametrize(
    ("competitors", "message"),
    [
        ([], "at least one competitor"),
        ([f"r{i}.com" for i in range(11)], "at most 10 competitors"),
        (["mysite.com"], "both the site and a competitor"),
        (["a.com", "a.com"], "listed twice"),
    ],
)
def test_refuses_bad_competitor_lists(competitors: list[str], message: str) -> None:
    profiles = [SiteProfile.of(name, []) for name in competitors]
    with pytest.raises(GapInputError, match=message):
        find_gaps(SITE, profiles)


# -- the run's filters: --min-authority, --tld, --exclude ----------------------------------------

FILTER_SITE = SiteProfile.of("mysite.com", [RefDomainLinks("mine.de", 1, 1, 30)])
FILTER_RIVALS = [
    SiteProfile.of(
        "a.com",
        [
            RefDomainLinks("news.de", 3, 3, 70),
            RefDomainLinks("blog.at", 1, 1, 20),
            RefDomainLinks("shop.ru", 2, 2, 50),
            RefDomainLinks("bbc.co.uk", 1, 1, 90),
            RefDomainLinks("lakeblogger.blogspot.com", 1, 1, 12),
            RefDomainLinks("casino-deals.net", 4, 4),
            RefDomainLinks("xn--mnchen-blog-thb.de", 1, 1, 40),
        ],
    ),
    SiteProfile.of(
        "b.com",
        [
            RefDomainLinks("news.de", 1, 1, 65),
            RefDomainLinks("spam.cn", 5, 5, 5),
            RefDomainLinks("lakeblogger.blogspot.com", 2, 2),
            RefDomainLinks("xn--mnchen-blog-thb.de", 2, 2, 40),
            RefDomainLinks("203.0.113.9", 1, 1),
        ],
    ),
]
# (domain, matches, links per competitor, authority), in the default order.
NEWS = ("news.de", 2, (3, 1), 70)
LAKE = ("lakeblogger.blogspot.com", 2, (1, 2), 12)
MUNICH = ("xn--mnchen-blog-thb.de", 2, (1, 2), 40)
SPAM = ("spam.cn", 1, (0, 5), 5)
CASINO = ("casino-deals.net", 1, (4, 0), None)
SHOP = ("shop.ru", 1, (2, 0), 50)
ADDRESS = ("203.0.113.9", 1, (0, 1), None)
BBC = ("bbc.co.uk", 1, (1, 0), 90)
BLOG = ("blog.at", 1, (1, 0), 20)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (DomainFilter(), [NEWS, LAKE, MUNICH, SPAM, CASINO, SHOP, ADDRESS, BBC, BLOG]),
        # Unknown authority is left out as soon as there is a minimum.
        (DomainFilter(min_authority=40), [NEWS, MUNICH, SHOP, BBC]),
        (DomainFilter(min_authority=1), [NEWS, LAKE, MUNICH, SPAM, SHOP, BBC, BLOG]),
        (DomainFilter(tlds=("de", "at")), [NEWS, MUNICH, BLOG]),
        (
            DomainFilter(excluded_tlds=("ru", "cn")),
            [NEWS, LAKE, MUNICH, CASINO, ADDRESS, BBC, BLOG],
        ),
        (DomainFilter(tlds=("uk",)), [BBC]),
        (DomainFilter(tlds=("co.uk",)), [BBC]),
        (DomainFilter(tlds=("com",)), [LAKE]),  # blogspot.com is under .com
        (DomainFilter(tlds=("uk", "de"), excluded_tlds=("co.uk",)), [NEWS, MUNICH]),
        (
            DomainFilter(excluded=("*.blogspot.com", "*casino*", "spam.cn")),
            [NEWS, MUNICH, SHOP, ADDRESS, BBC, BLOG],
        ),
        (
            DomainFilter(excluded=("203.0.113.*", "????.ru")),
            [NEWS, LAKE, MUNICH, SPAM, CASINO, BBC, BLOG],
        ),
        (DomainFilter(min_authority=30, tlds=("de",), excluded=("news.de",)), [MUNICH]),
    ],
)
def test_the_runs_filters(filters: DomainFilter, expected: list[tuple[object, ...]]) -> None:
    found = find_gaps(FILTER_SITE, FILTER_RIVALS, GapOptions(filters=filters))
    assert table(found) == expected


def test_filters_and_views_combine() -> None:
    options = GapOptions(
        min_matches=2, sort=SortOrder.AUTHORITY, filters=DomainFilter(excluded_tlds=("de",))
    )
    assert table(find_gaps(FILTER_SITE, FILTER_RIVALS, options)) == [LAKE]


# -- invariants ------------------------------------------------------------------------------


# No deadline: each example runs DuckDB queries, slow now and then on a busy machine.
@settings(deadline=None)
@given(analyses())
def test_engine_agrees_with_the_obvious_reference(
    case: tuple[SiteProfile, list[SiteProfile], GapOptions],
) -> None:
    site, competitors, options = case
    assert table(find_gaps(site, competitors, options)) == reference_gaps(
        site, competitors, options
    )


@settings(deadline=None)
@given(analyses())
def test_every_competitor_linker_not_linking_to_me_is_found_at_min_matches_one(
    case: tuple[SiteProfile, list[SiteProfile], GapOptions],
) -> None:
    site, competitors, _ = case
    found = {o.domain for o in find_gaps(site, competitors)}
    expected = set().union(*(c.refdomains for c in competitors)) - set(site.refdomains)
    expected -= {site.site, *(c.site for c in competitors)}
    assert found == expected
