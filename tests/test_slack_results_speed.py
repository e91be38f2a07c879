"""Stored results paged in SQL list exactly what SPEC 5.6 lists (worked out in memory)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import make_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from result_pages import csv_rows, listed, memory_services, select_page, stored_result
from sqlalchemy.engine import Engine

from bot.gaps import (
    GapOptions,
    Listing,
    Opportunity,
    RefDomainLinks,
    SiteProfile,
    SortOrder,
    find_gaps,
)
from bot.outreach.moves import Status
from bot.services import analyses
from bot.services.paging import PAGE_SIZE, ResultView
from bot.store import pipeline
from bot.store.db import create_schema, make_engine, session_scope
from bot.store.pipeline import Move

SITE, COMPETITORS = "mysite.com", ("a.com", "b.com", "c.com")
BLOCKED = frozenset({"r0.example"})

# Few letters, with "-" and "." around, so ties and byte-order corner cases are common.
domains = st.text(alphabet="ab-.z", min_size=1, max_size=4).map(lambda name: f"{name}.example")
counts = st.tuples(*(st.integers(0, 3) for _ in COMPETITORS))
rows = st.dictionaries(
    domains,
    st.tuples(counts, st.data(), st.one_of(st.none(), st.integers(0, 3))),
    max_size=3 * PAGE_SIZE,
)
views = st.builds(
    ResultView,
    analysis_id=st.just(0),
    page=st.integers(-1, 4),
    sort=st.sampled_from(SortOrder),
    min_matches=st.integers(0, 4),
    dofollow_only=st.booleans(),
    show_ignored=st.booleans(),
)


Drawn = dict[str, tuple[tuple[int, ...], st.DataObject, int | None]]


@dataclass(frozen=True)
class Gap:
    """One drawn opportunity: its links and dofollow links per competitor, its authority."""

    domain: str
    links: tuple[int, ...]
    dofollow: tuple[int, ...]
    authority: int | None

    def counted(self, dofollow_only: bool) -> Opportunity:
        counts = self.dofollow if dofollow_only else self.links
        return Opportunity(self.domain, dict(zip(COMPETITORS, counts, strict=True)), self.authority)


def gaps_from(drawn: Drawn) -> list[Gap]:
    gaps = []
    for domain, (links, data, authority) in drawn.items():
        if not any(links):
            continue
        dofollow = tuple(data.draw(st.integers(0, count)) for count in links)
        gaps.append(Gap(domain, links, dofollow, authority))
    return gaps


def competitor_profiles(gaps: list[Gap]) -> list[SiteProfile]:
    """The competitors' profiles the drawn gaps come from (the site has no links)."""
    return [
        SiteProfile.of(
            name,
            [
                RefDomainLinks(gap.domain, gap.links[i], gap.dofollow[i], gap.authority)
                for gap in gaps
                if gap.links[i]
            ],
        )
        for i, name in enumerate(COMPETITORS)
    ]


def store(services: analyses.Services, team: str, gaps: list[Gap], ignored: set[str]) -> int:
    analysis = stored_result(services, team, SiteProfile.of(SITE, []), competitor_profiles(gaps))
    for domain in sorted(ignored):
        with session_scope(services.engine) as session:
            pipeline.move(session, Move(team, SITE, domain, Status.IGNORED, "U1"))
    return analysis.id


def counted(gaps: list[Gap], dofollow_only: bool) -> list[Opportunity]:
    found = (gap.counted(dofollow_only) for gap in gaps)
    return [item for item in found if item.matches]


@pytest.fixture(scope="module", autouse=True)
def no_overlap_picture() -> Iterator[None]:
    """These properties are about pages and exports: each analysis stores a stand-in for its
    overlap picture, not a drawing (a third of a second each; tests/test_charts.py draws it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(analyses, "upset_png", lambda _overlap: b"\x89PNG\r\n\x1a\n")
        yield


@pytest.fixture
def db_services(db: Engine, tmp_path: Path) -> analyses.Services:
    """Services on the `db` app database, shared by a property's examples (each its own team)."""
    return memory_services(make_settings(tmp_path, "sqlite://", "http://slack"), db)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=rows, view=views, data=st.data())
def test_sql_pages_and_exports_list_what_spec_5_6_lists(
    db_services: analyses.Services, drawn: Drawn, view: ResultView, data: st.DataObject
) -> None:
    gaps = gaps_from(drawn)
    ignored = data.draw(
        st.sets(st.sampled_from([gap.domain for gap in gaps])) if gaps else st.just(set())
    )
    team = f"T{uuid.uuid4().hex[:12]}"
    analysis_id = store(db_services, team, gaps, ignored)
    view = view.with_(analysis_id=analysis_id, page=view.page)

    page = analyses.result_page(db_services, team, view)
    exported = analyses.export(db_services, team, view)

    assert page is not None and exported is not None
    assert page.analysis.total == len(gaps)
    with session_scope(db_services.engine) as session:
        marks = pipeline.marks_for(session, team, SITE)
    expected = select_page(page.analysis, counted(gaps, view.dofollow_only), marks, view)
    assert (page.view, page.rows, page.marks) == (expected.view, expected.rows, expected.marks)
    assert (page.matching, page.ignored, page.page_count) == (
        expected.matching,
        expected.ignored,
        expected.page_count,
    )
    every = listed(counted(gaps, view.dofollow_only), marks, view)
    assert list(csv.DictReader(io.StringIO(exported.csv))) == csv_rows(COMPETITORS, every, marks)


profiles = st.dictionaries(
    st.sampled_from([f"r{number}.example" for number in range(12)]),
    st.tuples(st.integers(0, 3), st.integers(0, 3)).map(lambda pair: (max(pair), min(pair))),
    max_size=12,
)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[analyses.Services]:
    """Services on a SQLite app database, shared by a property's examples."""
    home = tmp_path_factory.mktemp("home")
    settings = make_settings(home, f"sqlite:///{home / 'app.db'}", "http://slack")
    engine = make_engine(settings.app_database_url)
    create_schema(engine)
    yield memory_services(settings, engine)
    engine.dispose()


@settings(max_examples=40, deadline=None)
@given(site=profiles, competitors=st.tuples(profiles, profiles))
def test_stored_dofollow_counts_are_what_the_engine_finds_with_dofollow_only(
    services: analyses.Services,
    site: dict[str, tuple[int, int]],
    competitors: tuple[dict[str, tuple[int, int]], ...],
) -> None:
    names = COMPETITORS[: len(competitors)]
    mine = profile(SITE, site)
    theirs = [profile(name, links) for name, links in zip(names, competitors, strict=True)]
    options = GapOptions(blocklist=BLOCKED)
    analysis = stored_result(services, "T1", mine, theirs, options)
    stored = services.results.page("T1", analysis.id, names, Listing(dofollow_only=True))
    found = find_gaps(mine, theirs, GapOptions(dofollow_only=True, blocklist=BLOCKED))

    expected = dofollow_gaps_by_hand(site, dict(zip(names, competitors, strict=True)))
    assert {item.domain: dict(item.links) for item in stored} == expected
    assert {item.domain: dict(item.links) for item in found} == expected


def dofollow_gaps_by_hand(
    site: dict[str, tuple[int, int]], competitors: dict[str, dict[str, tuple[int, int]]]
) -> dict[str, dict[str, int]]:
    """SPEC 5.3-5.5: each domain with a dofollow link to a competitor, no live link to the
    site, and not blocked, with its dofollow links per competitor."""
    linked = {domain for domain, (links, _) in site.items() if links}
    gaps: dict[str, dict[str, int]] = {}
    for name, refdomains in competitors.items():
        for domain, (_, dofollow) in refdomains.items():
            if dofollow and domain not in linked and domain not in BLOCKED:
                gaps.setdefault(domain, dict.fromkeys(competitors, 0))[name] = dofollow
    return gaps


def profile(site: str, refdomains: dict[str, tuple[int, int]]) -> SiteProfile:
    return SiteProfile.of(
        site,
        [
            RefDomainLinks(domain, links, dofollow)
            for domain, (links, dofollow) in refdomains.items()
            if links
        ],
    )
