"""Paging stored results in SQL lists exactly what the engine's own ranking lists, on both DBs."""

from __future__ import annotations

import uuid
from pathlib import Path

from conftest import make_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from result_pages import listed, select_page
from sqlalchemy.engine import Engine

from bot.gaps import GapOptions, Opportunity, RefDomainLinks, SiteProfile, SortOrder, find_gaps
from bot.links.base import LinkData
from bot.outreach.pipeline import Status
from bot.slack import service
from bot.slack.results import PAGE_SIZE, ResultView, opportunities_csv
from bot.store import analyses, pipeline
from bot.store.analyses import NewAnalysis, Provenance
from bot.store.db import session_scope
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


def gaps_from(drawn: Drawn) -> list[Opportunity]:
    gaps = []
    for domain, (links, data, authority) in drawn.items():
        if not any(links):
            continue
        dofollow = [data.draw(st.integers(0, count)) for count in links]
        gaps.append(
            Opportunity(
                domain,
                dict(zip(COMPETITORS, links, strict=True)),
                authority,
                dofollow_links=dict(zip(COMPETITORS, dofollow, strict=True)),
            )
        )
    return gaps


def store(db: Engine, team: str, gaps: list[Opportunity], ignored: set[str]) -> int:
    new = NewAnalysis(team, "C1", "U1", "", SITE, COMPETITORS, None, "matches", 1, False)
    with session_scope(db) as session:
        analysis_id = analyses.start_analysis(session, new)
        analyses.finish_analysis(session, team, analysis_id, Provenance("local"), gaps)
    for domain in sorted(ignored):
        with session_scope(db) as session:
            pipeline.move(session, Move(team, SITE, domain, Status.IGNORED, "U1"))
    return analysis_id


def counted(gaps: list[Opportunity], dofollow_only: bool) -> list[Opportunity]:
    found = (
        Opportunity(g.domain, g.dofollow_links if dofollow_only else g.links, g.authority)
        for g in gaps
    )
    return [item for item in found if item.matches]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=rows, view=views, data=st.data())
def test_sql_pages_and_exports_match_the_engines_ranking(
    db: Engine, tmp_path: Path, drawn: Drawn, view: ResultView, data: st.DataObject
) -> None:
    gaps = gaps_from(drawn)
    ignored = data.draw(
        st.sets(st.sampled_from([gap.domain for gap in gaps])) if gaps else st.just(set())
    )
    team = f"T{uuid.uuid4().hex[:12]}"
    analysis_id = store(db, team, gaps, ignored)
    services = service.Services.of(make_settings(tmp_path, "sqlite://", "http://slack"), db)
    view = view.with_(analysis_id=analysis_id, page=view.page)

    page = service.result_page(services, team, view)
    exported = service.export(services, team, view)

    assert page is not None and exported is not None
    with session_scope(db) as session:
        marks = pipeline.marks_for(session, team, SITE)
    expected = select_page(page.analysis, counted(gaps, view.dofollow_only), marks, view)
    assert (page.view, page.rows, page.marks) == (expected.view, expected.rows, expected.marks)
    assert (page.matching, page.ignored, page.page_count) == (
        expected.matching,
        expected.ignored,
        expected.page_count,
    )
    every = listed(counted(gaps, view.dofollow_only), marks, view)
    assert exported.csv == opportunities_csv(COMPETITORS, every, marks)


profiles = st.dictionaries(
    st.sampled_from([f"r{number}.example" for number in range(12)]),
    st.tuples(st.integers(0, 3), st.integers(0, 3)).map(lambda pair: (max(pair), min(pair))),
    max_size=12,
)


@given(site=profiles, competitors=st.tuples(profiles, profiles))
def test_dofollow_counts_are_what_the_engine_finds_with_dofollow_only(
    site: dict[str, tuple[int, int]], competitors: tuple[dict[str, tuple[int, int]], ...]
) -> None:
    data = LinkData(
        site=profile(SITE, site),
        competitors=[
            profile(name, links) for name, links in zip(COMPETITORS, competitors, strict=False)
        ],
        source="local",
    )
    gaps = find_gaps(data.site, data.competitors, GapOptions(blocklist=BLOCKED))
    dofollow = find_gaps(
        data.site,
        data.competitors,
        GapOptions(dofollow_only=True, blocklist=BLOCKED),
    )

    by_domain = {gap.domain: dict(gap.dofollow_links) for gap in gaps}
    assert {item.domain: dict(item.links) for item in dofollow} == {
        domain: links for domain, links in by_domain.items() if any(links.values())
    }


def profile(site: str, refdomains: dict[str, tuple[int, int]]) -> SiteProfile:
    return SiteProfile.of(
        site,
        [
            RefDomainLinks(domain, links, dofollow)
            for domain, (links, dofollow) in refdomains.items()
            if links
        ],
    )
