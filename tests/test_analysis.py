"""bot/analysis.py: one query over a source's profiles; JSON, CSV and stored results by DuckDB."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import duckdb
from gap_reference import analyses, reference_gaps, table
from hypothesis import given, settings

from bot.analysis import analyse, running
from bot.gaps import GapOptions, RefDomainLinks, SiteProfile
from bot.links.base import GapProfiles, LinkData, LinkingPages, profiles_in_memory
from bot.query import make_query
from bot.render import write_json

SITE = SiteProfile.of("mysite.com", [RefDomainLinks("mine.org", 2, 2)])
RIVAL_A = SiteProfile.of(
    "rival-a.com",
    [
        RefDomainLinks(
            "news.example", 3, 1, 71, ("https://news.example/a1", "https://news.example/a2")
        ),
        RefDomainLinks("mine.org", 1, 1),
        RefDomainLinks("solo.io", 9, 9, 20),
    ],
)
RIVAL_B = SiteProfile.of(
    "rival-b.com",
    [
        RefDomainLinks("news.example", 1, 1, 65, ("https://news.example/b",)),
        RefDomainLinks("blog.net", 2, 0),
    ],
)


class FixedSource:
    """A source over hand-written profiles, as a live provider hands them over."""

    name = "fixed"

    def profiles(
        self, site: str, competitors: Sequence[str]
    ) -> AbstractContextManager[GapProfiles]:
        data = LinkData(SITE, [RIVAL_A, RIVAL_B], source="fixed", authority_source="Test DR")
        return profiles_in_memory(data)

    def linking_urls(
        self, refdomain: str, competitors: Sequence[str], limit: int
    ) -> dict[str, LinkingPages]:
        return {}


def test_json_is_the_spec_document_with_samples_and_every_competitor_key() -> None:
    query = make_query(["mysite.com", "vs", "rival-a.com", "rival-b.com"])
    out = io.StringIO()
    with running(query, FixedSource()) as analysis:
        write_json(analysis, out, None)
    document = json.loads(out.getvalue())
    assert list(document)[:4] == ["site", "competitors", "total", "opportunities"]
    assert (document["site"], document["competitors"], document["total"]) == (
        "mysite.com",
        ["rival-a.com", "rival-b.com"],
        3,
    )
    assert document["opportunities"] == [
        {
            "domain": "news.example",
            "matches": 2,
            "links": {"rival-a.com": 3, "rival-b.com": 1},
            "authority": 71,
            "sample_urls": {
                "rival-a.com": ["https://news.example/a1", "https://news.example/a2"],
                "rival-b.com": ["https://news.example/b"],
            },
        },
        {
            "domain": "solo.io",
            "matches": 1,
            "links": {"rival-a.com": 9, "rival-b.com": 0},
            "authority": 20,
            "sample_urls": {},
        },
        {
            "domain": "blog.net",
            "matches": 1,
            "links": {"rival-a.com": 0, "rival-b.com": 2},
            "authority": None,
            "sample_urls": {},
        },
    ]
    assert (document["source"], document["authority_source"]) == ("fixed", "Test DR")


def test_json_limit_keeps_the_total_of_the_whole_list() -> None:
    query = make_query(["mysite.com", "rival-a.com", "rival-b.com"], limit=1, dofollow_only=True)
    out = io.StringIO()
    with running(query, FixedSource()) as analysis:
        write_json(analysis, out, query.limit)
    document = json.loads(out.getvalue())
    # Dofollow only: blog.net's links are all nofollow, so it is no gap in this view.
    assert document["total"] == 2
    assert [(o["domain"], o["links"]) for o in document["opportunities"]] == [
        ("news.example", {"rival-a.com": 1, "rival-b.com": 1})  # dofollow counts
    ]


def test_csv_has_a_column_per_competitor_in_the_chosen_order() -> None:
    query = make_query(["mysite.com", "rival-a.com", "rival-b.com"], sort="matches-asc")
    out = io.StringIO()
    with running(query, FixedSource()) as analysis:
        analysis.write_csv(out, None)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["domain", "matches", "rival-a.com", "rival-b.com", "total_links", "authority"],
        ["solo.io", "1", "9", "0", "9", "20"],
        ["blog.net", "1", "0", "2", "2", ""],
        ["news.example", "2", "3", "1", "4", "71"],
    ]


def test_a_report_holds_only_the_shown_rows_and_the_total() -> None:
    report = analyse(
        make_query(["mysite.com", "rival-a.com", "rival-b.com"], limit=2), FixedSource()
    )
    assert report.total == 3
    assert [o.domain for o in report.opportunities] == ["news.example", "solo.io"]
    assert report.opportunities[0].sample_urls["rival-b.com"] == ("https://news.example/b",)


def test_a_stored_result_holds_both_counts_and_the_samples(tmp_path: Path) -> None:
    query = make_query(["mysite.com", "rival-a.com", "rival-b.com"])
    path = tmp_path / "results" / "7.parquet"
    with running(query, FixedSource()) as analysis:
        assert analysis.store(path) == 3
    rows = duckdb.sql(
        f"SELECT domain, links, dofollow_links, sample_urls FROM '{path}' ORDER BY domain"
    ).fetchall()
    assert rows == [
        ("blog.net", [0, 2], [0, 0], {}),
        (
            "news.example",
            [3, 1],
            [1, 1],
            {
                "rival-a.com": ["https://news.example/a1", "https://news.example/a2"],
                "rival-b.com": ["https://news.example/b"],
            },
        ),
        ("solo.io", [9, 0], [9, 0], {}),
    ]
    assert [p.name for p in path.parent.iterdir()] == ["7.parquet"]  # no partial file left


@settings(max_examples=60, deadline=None)
@given(analyses())
def test_the_running_analysis_agrees_with_the_obvious_reference(
    case: tuple[SiteProfile, list[SiteProfile], GapOptions],
) -> None:
    """The production path (tally without lists, then lists for the rows shown) as well."""
    site, competitors, options = case

    class Source(FixedSource):
        def profiles(
            self, site_name: str, names: Sequence[str]
        ) -> AbstractContextManager[GapProfiles]:
            return profiles_in_memory(LinkData(site, competitors, source="random"))

    query = make_query(
        [site.site, *(c.site for c in competitors)],
        min_matches=options.min_matches,
        dofollow_only=options.dofollow_only,
        sort=options.sort.value,
    )
    report = analyse(query, Source(), options.blocklist)
    expected = reference_gaps(site, competitors, options)
    assert table(report.opportunities) == expected
    assert report.total == len(expected)
