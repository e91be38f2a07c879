"""The analyses store on SQLite and PostgreSQL: stored once, read back team-scoped."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from bot.links.base import Provenance
from bot.store import analyses
from bot.store.analyses import AnalysisStatus, NewAnalysis
from bot.store.db import session_scope

COMPETITORS = ("a.com", "b.com")
PROVENANCE = Provenance(
    source="local",
    authority_source="Ahrefs DR",
    data_date=date(2026, 11, 1),
    data_label="CC-MAIN-2026-oct-nov-dec",
    cost="$0.10",
    failures={"b.com": "no links for it in the local index"},
)


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


def stored_analysis(db: Engine, team: str = "T1", total: int = 2) -> int:
    with session_scope(db) as session:
        analysis_id = analyses.start_analysis(session, new(team))
    with session_scope(db) as session:
        analyses.finish_analysis(session, team, analysis_id, PROVENANCE, total)
    return analysis_id


def test_a_finished_analysis_reads_back_with_its_total_and_provenance(db: Engine) -> None:
    analysis_id = stored_analysis(db)

    with session_scope(db) as session:
        record = analyses.get_analysis(session, "T1", analysis_id)
    assert record is not None
    assert (record.status, record.total, record.competitors) == (
        AnalysisStatus.DONE,
        2,
        COMPETITORS,
    )
    assert (record.source, record.authority_source, record.data_date, record.cost) == (
        "local",
        "Ahrefs DR",
        date(2026, 11, 1),
        "$0.10",
    )
    assert record.data_label == "CC-MAIN-2026-oct-nov-dec"
    assert record.warning == "b.com: no links for it in the local index"
    assert record.rows_id == analysis_id


def test_an_identical_analysis_shows_the_stored_result_of_the_first(db: Engine) -> None:
    first = stored_analysis(db, total=7)
    with session_scope(db) as session:
        second = analyses.start_analysis(session, new())
    with session_scope(db) as session:
        analyses.finish_like(session, "T1", second, Provenance("local"), first)

    with session_scope(db) as session:
        record = analyses.get_analysis(session, "T1", second)
    assert record is not None
    assert (record.status, record.total, record.rows_id) == (AnalysisStatus.DONE, 7, first)


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
