"""bot/engine.py: one query over a source's profiles; JSON, CSV and stored results by DuckDB."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import duckdb
from gap_reference import analyses, reference_gaps, table
from hypothesis import given, settings

from bot.engine import analyse, running
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
            "unproven": False,
        },
        {
            "domain": "solo.io",
            "matches": 1,
            "links": {"rival-a.com": 9, "rival-b.com": 0},
            "authority": 20,
            "sample_urls": {},
            "unproven": False,
        },
        {
            "domain": "blog.net",
            "matches": 1,
            "links": {"rival-a.com": 0, "rival-b.com": 2},
            "authority": None,
            "sample_urls": {},
            "unproven": False,
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
        ["domain", "matches", "rival-a.com", "rival-b.com", "total_links", "authority", "unproven"],
        ["solo.io", "1", "9", "0", "9", "20", "false"],
        ["blog.net", "1", "0", "2", "2", "", "false"],
        ["news.example", "2", "3", "1", "4", "71", "false"],
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


# -- the run's filters and what may be shown --------------------------------------------------


def test_filters_apply_to_the_page_the_total_json_csv_and_the_stored_result(
    tmp_path: Path,
) -> None:
    query = make_query(["mysite.com", "rival-a.com", "rival-b.com"], excluded=["*.io"])
    out = io.StringIO()
    with running(query, FixedSource()) as analysis:
        page = analysis.page(None)
        write_json(analysis, out, None)
        csv_out = io.StringIO()
        analysis.write_csv(csv_out, None)
        stored = analysis.store(tmp_path / "1.parquet")
    assert (page.total, [o.domain for o in page.opportunities]) == (2, ["news.example", "blog.net"])
    document = json.loads(out.getvalue())
    assert document["total"] == 2 and document["excluded"] == ["*.io"]
    assert [o["domain"] for o in document["opportunities"]] == ["news.example", "blog.net"]
    assert [row[0] for row in csv.reader(io.StringIO(csv_out.getvalue()))][1:] == [
        "news.example",
        "blog.net",
    ]
    assert stored == 2


def test_a_minimum_authority_leaves_unknown_authority_out() -> None:
    report = analyse(
        make_query(["mysite.com", "rival-a.com", "rival-b.com"], min_authority=20), FixedSource()
    )
    assert [(o.domain, o.authority) for o in report.opportunities] == [
        ("news.example", 71),
        ("solo.io", 20),
    ]


@contextmanager
def keyed_profiles() -> Iterator[GapProfiles]:
    """FixedSource's profiles with integer keys for names, as the web graph hands them over."""
    with profiles_in_memory(LinkData(SITE, [RIVAL_A, RIVAL_B], source="keyed")) as named:
        connection = named.connection
        connection.execute(
            "CREATE TEMP TABLE names AS SELECT (row_number() OVER (ORDER BY refdomain))::INTEGER"
            " AS key, refdomain AS name FROM (SELECT DISTINCT refdomain FROM profiles)"
        )
        connection.execute(
            "CREATE TEMP TABLE keyed AS SELECT site, key AS refdomain, links, dofollow_links,"
            " authority, []::VARCHAR[] AS samples FROM profiles JOIN names ON name = refdomain"
        )
        yield GapProfiles(connection, "keyed", named.provenance, names="names")


def test_a_source_that_keys_its_names_is_filtered_by_name() -> None:
    class Keyed(FixedSource):
        def profiles(
            self, site: str, competitors: Sequence[str]
        ) -> AbstractContextManager[GapProfiles]:
            return keyed_profiles()

    query = make_query(["mysite.com", "rival-a.com", "rival-b.com"], tlds=["-io"])
    report = analyse(query, Keyed())
    assert (report.total, [o.domain for o in report.opportunities]) == (
        2,
        ["news.example", "blog.net"],
    )


def test_sample_urls_never_show_user_info(tmp_path: Path) -> None:
    rival = SiteProfile.of(
        "rival-a.com",
        [RefDomainLinks("news.example", 1, 1, None, ("https://editor:s3cret@news.example/p",))],
    )

    class Source(FixedSource):
        def profiles(
            self, site: str, competitors: Sequence[str]
        ) -> AbstractContextManager[GapProfiles]:
            return profiles_in_memory(LinkData(SITE, [rival], source="creds"))

    query = make_query(["mysite.com", "rival-a.com"])
    out = io.StringIO()
    with running(query, Source()) as analysis:
        shown = analysis.page(None).opportunities[0].sample_urls
        write_json(analysis, out, None)
        analysis.store(tmp_path / "1.parquet")
    clean = ["https://news.example/p"]
    assert shown == {"rival-a.com": tuple(clean)}
    assert json.loads(out.getvalue())["opportunities"][0]["sample_urls"] == {"rival-a.com": clean}
    stored = duckdb.sql(f"SELECT sample_urls FROM '{tmp_path / '1.parquet'}'").fetchall()
    assert stored == [({"rival-a.com": clean},)]


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

    filters = options.filters
    query = make_query(
        [site.site, *(c.site for c in competitors)],
        min_matches=options.min_matches,
        dofollow_only=options.dofollow_only,
        sort=options.sort.value,
        min_authority=filters.min_authority,
        tlds=[*filters.tlds, *(f"-{tld}" for tld in filters.excluded_tlds)],
        excluded=filters.excluded,
    )
    report = analyse(query, Source(), options.blocklist)
    expected = reference_gaps(site, competitors, options)
    assert table(report.opportunities) == expected
    assert report.total == len(expected)
