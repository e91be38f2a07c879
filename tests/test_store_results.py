"""bot/store/results.py: a stored result's counts, pages, hidden rows and CSV export, by hand."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import duckdb
from conftest import make_settings
from result_pages import MemorySource, memory_services, stored_result
from sqlalchemy.engine import Engine

from bot.engine import running
from bot.gaps import Listing, Opportunity, RefDomainLinks, SiteProfile, SortOrder
from bot.links.base import LinkData
from bot.query import GapQuery
from bot.services import analyses
from bot.services.paging import ResultView
from bot.store.results import ListingCounts, ResultFiles

MUNICH = "xn--mnchen-blog-thb.de"
COMPETITORS = ("a.com", "b.com", MUNICH)
SITE = SiteProfile.of("mysite.com", [RefDomainLinks("mine.example", 1, 0)])
THEIRS = [
    SiteProfile.of(
        "a.com",
        [
            RefDomainLinks("news.example", 3, 2, 71, ("https://news.example/p",)),
            RefDomainLinks("forum.example", 2, 0),
            RefDomainLinks("blog.example", 1, 1, 40),
            RefDomainLinks("mine.example", 5, 5),  # links to the site: no gap
            RefDomainLinks("tie-b.example", 1, 1),
        ],
    ),
    SiteProfile.of(
        "b.com",
        [
            RefDomainLinks("news.example", 1, 0, 71),
            RefDomainLinks("blog.example", 1, 1, 40),
            RefDomainLinks("a.com", 2, 2),  # an analysed site: never a gap
            RefDomainLinks("tie-a.example", 1, 1),
        ],
    ),
    SiteProfile.of(
        MUNICH,
        [RefDomainLinks("news.example", 1, 1, 71), RefDomainLinks("wide.example", 4, 4, 90)],
    ),
]
# matches, total links (all / dofollow), authority:
#   news  3 5 / 2 3  71    blog   2 2 / 2 2  40    wide   1 4 / 1 4  90
#   forum 1 2 / -    -     tie-a  1 1 / 1 1  -     tie-b  1 1 / 1 1  -


def stored(folder: Path) -> ResultFiles:
    """The result of mysite.com vs COMPETITORS, stored as team T1's analysis 1."""
    files = ResultFiles(folder)
    source = MemorySource(LinkData(SITE, THEIRS, source="memory"))
    with running(GapQuery(SITE.site, COMPETITORS), source) as analysis:
        assert analysis.store(files.path("T1", 1)) == 6
    return files


def domains(
    files: ResultFiles,
    listing: Listing,
    *,
    hidden: Sequence[str] = (),
    offset: int = 0,
    limit: int | None = None,
) -> list[str]:
    page = files.page("T1", 1, COMPETITORS, listing, hidden=hidden, offset=offset, limit=limit)
    return [item.domain for item in page]


def test_pages_list_the_stored_gaps_in_each_spec_order(tmp_path: Path) -> None:
    files = stored(tmp_path)

    assert domains(files, Listing()) == [
        "news.example",
        "blog.example",
        "wide.example",
        "forum.example",
        "tie-a.example",
        "tie-b.example",
    ]
    assert domains(files, Listing(SortOrder.MATCHES_ASC)) == [
        "wide.example",
        "forum.example",
        "tie-a.example",
        "tie-b.example",
        "blog.example",
        "news.example",
    ]
    assert domains(files, Listing(SortOrder.AUTHORITY)) == [
        "wide.example",
        "news.example",
        "blog.example",
        "forum.example",
        "tie-a.example",
        "tie-b.example",
    ]
    assert domains(files, Listing(), offset=2, limit=2) == ["wide.example", "forum.example"]
    assert domains(files, Listing(min_matches=2)) == ["news.example", "blog.example"]


def test_dofollow_only_counts_dofollow_links_and_drops_nofollow_only_domains(
    tmp_path: Path,
) -> None:
    files = stored(tmp_path)
    page = files.page("T1", 1, COMPETITORS, Listing(dofollow_only=True), limit=2)

    assert files.counts("T1", 1, Listing(dofollow_only=True), []) == ListingCounts(5, 0)
    assert page == [
        Opportunity("news.example", {"a.com": 2, "b.com": 0, MUNICH: 1}, 71),
        Opportunity("blog.example", {"a.com": 1, "b.com": 1, MUNICH: 0}, 40),
    ]


def test_hidden_domains_are_left_out_and_counted(tmp_path: Path) -> None:
    files = stored(tmp_path)
    hidden = ["blog.example", "forum.example", "not-a-gap.example"]

    assert files.counts("T1", 1, Listing(), hidden) == ListingCounts(listed=4, hidden=2)
    assert files.counts("T1", 1, Listing(min_matches=2), hidden) == ListingCounts(1, 1)
    assert domains(files, Listing(), hidden=hidden) == [
        "news.example",
        "wide.example",
        "tie-a.example",
        "tie-b.example",
    ]


def test_one_opportunity_has_all_its_links_and_sample_pages(tmp_path: Path) -> None:
    files = stored(tmp_path)

    assert files.opportunity("T1", 1, COMPETITORS, "news.example") == Opportunity(
        "news.example",
        {"a.com": 3, "b.com": 1, MUNICH: 1},
        71,
        {"a.com": ("https://news.example/p",)},
    )
    assert files.opportunity("T1", 1, COMPETITORS, "mine.example") is None


def test_the_csv_export_is_the_whole_listing_in_order_with_statuses(tmp_path: Path) -> None:
    files = stored(tmp_path)
    statuses = {"news.example": "targeted", "forum.example": "ignored"}

    text = files.export_csv(
        "T1",
        1,
        COMPETITORS,
        Listing(SortOrder.AUTHORITY),
        statuses,
        hidden=["forum.example"],
    )

    assert list(csv.reader(io.StringIO(text))) == [
        [
            "domain",
            "matches",
            "a.com",
            "b.com",
            MUNICH,
            "total_links",
            "authority",
            "unproven",
            "status",
        ],
        ["wide.example", "1", "0", "0", "4", "4", "90", "false", ""],
        ["news.example", "3", "3", "1", "1", "5", "71", "false", "targeted"],
        ["blog.example", "2", "1", "1", "0", "2", "40", "false", ""],
        ["tie-a.example", "1", "0", "1", "0", "1", "", "false", ""],
        ["tie-b.example", "1", "1", "0", "0", "1", "", "false", ""],
    ]


def test_each_team_has_its_own_folder_and_odd_team_ids_stay_inside(tmp_path: Path) -> None:
    files = ResultFiles(tmp_path)

    assert files.path("T1", 7) == tmp_path / "T1" / "7.parquet"
    odd = files.path("../../etc", 7)
    assert odd.parent.parent == tmp_path and ".." not in odd.parts


def test_a_result_whose_file_is_gone_is_no_page_no_export_and_no_sample_pages(
    db: Engine, tmp_path: Path
) -> None:
    services = memory_services(make_settings(tmp_path, "sqlite://", "http://slack"), db)
    analysis = stored_result(services, "T1", SITE, THEIRS)
    assert analyses.result_page(services, "T1", ResultView(analysis.id)) is not None
    assert analyses.linking_samples(services, "T1", SITE.site, "news.example") == {
        "a.com": ("https://news.example/p",),
        "b.com": (),
        MUNICH: (),
    }
    assert analyses.linking_samples(services, "T1", SITE.site, "wide.example") == {MUNICH: ()}

    services.results.path("T1", analysis.id).unlink()

    assert analyses.first_page(services, "T1", analysis.id) is None
    assert analyses.result_page(services, "T1", ResultView(analysis.id, page=1)) is None
    assert analyses.export(services, "T1", ResultView(analysis.id)) is None
    assert analyses.linking_samples(services, "T1", SITE.site, "news.example") == {}


def test_a_result_stored_before_coverage_was_kept_reads_as_proven(tmp_path: Path) -> None:
    files = ResultFiles(tmp_path)
    path = files.path("T1", 1)
    path.parent.mkdir(parents=True)
    duckdb.sql(
        "COPY (SELECT 'old.example' AS domain, 50::SMALLINT AS authority, 1 AS matches,"
        " 2::BIGINT AS total_links, 1 AS dofollow_matches, 2::BIGINT AS dofollow_total,"
        " [2, 0]::BIGINT[] AS links, [2, 0]::BIGINT[] AS dofollow_links, 1 AS domain_rank,"
        " map([]::VARCHAR[], []::VARCHAR[][]) AS sample_urls)"
        f" TO '{path}' (FORMAT parquet)"
    )
    assert files.page("T1", 1, ["a.com", "b.com"], Listing()) == [
        Opportunity("old.example", {"a.com": 2, "b.com": 0}, 50)
    ]
