"""bot/charts.py: the overlap picture (UpSet) and the pipeline picture, and the overlap's
counts as an analysis finds them."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from PIL import Image

from bot.charts import MAX_COMBINATIONS, pipeline_png, shown_combinations, upset_png
from bot.engine import running
from bot.gaps import RefDomainLinks, SiteProfile
from bot.links.base import GapProfiles, LinkData, LinkingPages, profiles_in_memory
from bot.outreach.report import StatusSeries
from bot.overlap import Combination, Overlap, overlap_of
from bot.query import make_query

A, B, C = "a.com", "b.com", "c.com"
SITE = SiteProfile.of(
    "mysite.com", [RefDomainLinks("d3.org", 1, 1), RefDomainLinks("d4.org", 2, 0)]
)
PROFILES = [
    SiteProfile.of(
        A,
        [
            RefDomainLinks("d1.org", 2, 2, 50),
            RefDomainLinks("d2.org", 1, 1, 10),
            RefDomainLinks("d3.org", 1, 1),
            RefDomainLinks("d6.org", 1, 1, 70),
            RefDomainLinks(B, 4, 4),  # an analysed site is never counted
        ],
    ),
    SiteProfile.of(
        B,
        [
            RefDomainLinks("d1.org", 1, 1, 50),
            RefDomainLinks("d3.org", 3, 3),
            RefDomainLinks("d4.org", 1, 1),
            RefDomainLinks("d6.org", 2, 0, 70),  # nofollow only
        ],
    ),
    SiteProfile.of(C, [RefDomainLinks("d3.org", 1, 1), RefDomainLinks("d5.org", 1, 0, 30)]),
]


class HandWritten:
    """A link source over the profiles above."""

    name = "hand"

    def profiles(
        self, site: str, competitors: Sequence[str]
    ) -> AbstractContextManager[GapProfiles]:
        return profiles_in_memory(LinkData(SITE, PROFILES, source="hand"))

    def linking_urls(
        self, refdomain: str, competitors: Sequence[str], limit: int
    ) -> dict[str, LinkingPages]:
        return {}


def overlap(**options: Any) -> tuple[Overlap, int]:
    query = make_query(["mysite.com", "vs", A, B, C], **options)
    with running(query, HandWritten()) as analysis:
        return analysis.overlap(), analysis.count()


def counts(found: Overlap) -> dict[tuple[bool, ...], tuple[int, int]]:
    return {c.links_to: (c.gaps, c.shared) for c in found.combinations}


def test_each_domain_counts_once_in_the_combination_it_links_to() -> None:
    found, total = overlap()
    # d1 and d6 link to a and b; d2 to a; d5 to c: gaps. d3 (all three) and d4 (b) link
    # to mysite.com too.
    assert counts(found) == {
        (True, True, False): (2, 0),
        (True, False, False): (1, 0),
        (False, False, True): (1, 0),
        (True, True, True): (0, 1),
        (False, True, False): (0, 1),
    }
    assert found.gaps == total == 4
    assert found.per_competitor() == [(3, 1), (2, 2), (1, 1)]


def test_the_overlap_follows_the_view_dofollow_and_minimum_matches() -> None:
    dofollow, total = overlap(dofollow_only=True)
    # d6's link to b is nofollow, d5's only link is: d6 moves to "a only", d5 leaves.
    assert counts(dofollow) == {
        (True, True, False): (1, 0),
        (True, False, False): (2, 0),
        (True, True, True): (0, 1),
        (False, True, False): (0, 1),
    }
    assert dofollow.gaps == total == 3
    two, total = overlap(min_matches=2)
    assert counts(two) == {(True, True, False): (2, 0), (True, True, True): (0, 1)}
    assert two.gaps == total == 2
    known, total = overlap(min_authority=40)
    assert counts(known) == {(True, True, False): (2, 0)}
    assert known.gaps == total == 2


def test_the_picture_opens_and_carries_the_counts_it_shows() -> None:
    found, _ = overlap()
    image = Image.open(io.BytesIO(upset_png(found)))
    assert image.format == "PNG"
    width, height = image.size
    assert 500 <= width <= 1600 and 250 <= height <= 900
    data = json.loads(image.info["Description"])
    assert data["competitors"] == [A, B, C]
    assert {(tuple(c["links_to"]), c["gaps"], c["shared"]) for c in data["combinations"]} == {
        ((A, B), 2, 0),
        ((A,), 1, 0),
        ((C,), 1, 0),
        ((A, B, C), 0, 1),
        ((B,), 0, 1),
    }


def test_ten_competitors_stay_readable_with_the_largest_combinations_drawn() -> None:
    names = tuple(f"competitor-{i}.example" for i in range(10))
    masks = [tuple(bool(n >> i & 1) for i in range(10)) for n in range(1, 200)]
    many = overlap_of("mysite.com", names, [(mask, n) for n, mask in enumerate(masks, 1)], [])
    assert [c.total for c in shown_combinations(many)] == list(
        range(199, 199 - MAX_COMBINATIONS, -1)
    )
    image = Image.open(io.BytesIO(upset_png(many)))
    width, height = image.size
    assert width <= 2000 and height <= 1000
    assert len(json.loads(image.info["Description"])["combinations"]) == 199


def test_rows_of_gaps_and_shared_domains_merge_by_combination() -> None:
    merged = overlap_of(
        "me.com",
        ["x.com", "y.com"],
        [([True, False], 3), ([False, False], 9)],
        [((True, False), 2)],
    )
    # A domain linking to no competitor is no part of the picture.
    assert merged.combinations == (Combination((True, False), 3, 2),)


def test_the_pipeline_picture_carries_its_series() -> None:
    series = StatusSeries(
        (date(2026, 11, 1), date(2026, 11, 2)), {"targeted": (3, 1), "contacted": (0, 2)}
    )
    image = Image.open(io.BytesIO(pipeline_png(series)))
    assert image.format == "PNG"
    assert json.loads(image.info["Description"]) == {
        "days": ["2026-11-01", "2026-11-02"],
        "counts": {"targeted": [3, 1], "contacted": [0, 2]},
    }


def test_an_empty_pipeline_still_draws() -> None:
    assert Image.open(io.BytesIO(pipeline_png(StatusSeries((), {})))).format == "PNG"
