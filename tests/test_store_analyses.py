"""The analyses store on SQLite and PostgreSQL: stored once, read back team-scoped."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy.engine import Engine

from bot.gaps import Opportunity
from bot.store import analyses
from bot.store.analyses import (
    AnalysisStatus,
    Listing,
    NewAnalysis,
    Provenance,
    counts_json,
)
from bot.store.db import session_scope

COMPETITORS = ("a.com", "b.com")


def new(team: str = "T1") -> NewAnalysis:
    return NewAnalysis(
        team_id=team,
        channel_id="C1",
        user_id="U1",
        query_text="mysite.com vs a.com b.com",
        site="mysite.com",
        competitors=COMPETITORS,
        source_name=None,
        sort="matches",
        min_matches=1,
        dofollow_only=False,
    )


GAPS = [
    Opportunity(
        "news.example",
        {"a.com": 3, "b.com": 1},
        71,
        {"a.com": ("https://news.example/p",)},
        dofollow_links={"a.com": 2, "b.com": 0},
    ),
    Opportunity("forum.example", {"a.com": 2, "b.com": 0}, dofollow_links={"a.com": 0, "b.com": 0}),
]


def stored_analysis(db: Engine, team: str = "T1") -> int:
    with session_scope(db) as session:
        analysis_id = analyses.start_analysis(session, new(team))
    with session_scope(db) as session:
        provenance = Provenance("local", "Ahrefs DR", date(2026, 11, 1), "$0.10")
        analyses.finish_analysis(session, team, analysis_id, provenance, GAPS)
    return analysis_id


def test_a_finished_analysis_reads_back_with_both_counts(db: Engine) -> None:
    analysis_id = stored_analysis(db)

    with session_scope(db) as session:
        record = analyses.get_analysis(session, "T1", analysis_id)
        assert record is not None
        every = analyses.listed_opportunities(session, record, Listing())
        dofollow = analyses.listed_opportunities(session, record, Listing(dofollow_only=True))
    assert (record.status, record.total, record.competitors) == (
        AnalysisStatus.DONE,
        2,
        COMPETITORS,
    )
    assert (record.source, record.data_date, record.cost) == ("local", date(2026, 11, 1), "$0.10")
    by_domain = {item.domain: item for item in every}
    assert by_domain["news.example"].links == {"a.com": 3, "b.com": 1}
    assert [(item.domain, item.links["a.com"], item.matches) for item in dofollow] == [
        ("news.example", 2, 1)
    ]


def test_another_team_sees_nothing(db: Engine) -> None:
    analysis_id = stored_analysis(db, team="T1")

    with session_scope(db) as session:
        assert analyses.get_analysis(session, "T2", analysis_id) is None
        assert analyses.recent_analyses(session, "T2") == []
        analyses.fail_analysis(session, "T2", analysis_id, "not yours")
    with session_scope(db) as session:
        record = analyses.get_analysis(session, "T1", analysis_id)
        assert record is not None and record.status is AnalysisStatus.DONE


def test_a_failed_analysis_keeps_its_error(db: Engine) -> None:
    with session_scope(db) as session:
        analysis_id = analyses.start_analysis(session, new())
    with session_scope(db) as session:
        analyses.fail_analysis(session, "T1", analysis_id, "DataForSEO said 401")
    with session_scope(db) as session:
        [record] = analyses.recent_analyses(session, "T1")
    assert record.status is AnalysisStatus.FAILED and record.error == "DataForSEO said 401"


@pytest.mark.parametrize(
    "counts",
    [
        {},
        {"rival-a.com": 3, "xn--mnchen-blog-thb.de": 0},
        {"2001:db8::1": 2, "203.0.113.9": 1},
        {'odd"key': 1, "back\\slash": 2},
    ],
)
def test_counts_are_written_as_json(counts: dict[str, int]) -> None:
    assert json.loads(counts_json(counts)) == counts
