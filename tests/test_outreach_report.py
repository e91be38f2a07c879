"""bot/outreach/report.py: the report's groups, rates and wording, without a database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.outreach.report import (
    AUTHORITY_BANDS,
    MATCH_GROUPS,
    NO_FIGURES,
    Dimension,
    Figures,
    Report,
    ReportLine,
    SimilarProspects,
    default_since,
    duration_text,
    group_of,
    match_group_text,
)


@pytest.mark.parametrize(
    ("matches", "group"),
    [(None, "unknown"), (0, "unknown"), (1, "1"), (2, "2"), (3, "3+"), (10, "3+")],
)
def test_match_groups(matches: int | None, group: str) -> None:
    assert group_of(matches, MATCH_GROUPS) == group


@pytest.mark.parametrize(
    ("authority", "band"),
    [
        (None, "unknown"),
        (0, "0-29"),
        (29, "0-29"),
        (30, "30-59"),
        (59, "30-59"),
        (60, "60+"),
        (100, "60+"),
    ],
)
def test_authority_bands(authority: int | None, band: str) -> None:
    assert group_of(authority, AUTHORITY_BANDS) == band


def test_rates_are_of_the_emails_sent_and_none_without_any() -> None:
    figures = Figures(drafted=8, sent=4, replied=3, won=1, lost=1, median_reply=None)
    assert (figures.reply_rate, figures.win_rate) == (0.75, 0.25)
    assert (NO_FIGURES.reply_rate, NO_FIGURES.win_rate) == (None, None)


def test_groups_are_listed_in_their_order_with_unknown_last() -> None:
    lines = tuple(
        ReportLine(dimension, key, NO_FIGURES)
        for dimension, key in [
            (Dimension.MATCHES, "unknown"),
            (Dimension.MATCHES, "3+"),
            (Dimension.MATCHES, "1"),
            (Dimension.AUTHORITY, "60+"),
            (Dimension.AUTHORITY, "unknown"),
            (Dimension.AUTHORITY, "0-29"),
            (Dimension.TEMPLATE, "resource_page"),
            (Dimension.TEMPLATE, "broken_link"),
        ]
    )
    report = Report(date(2026, 3, 1), "T1", NO_FIGURES, lines)

    assert [line.key for line in report.by(Dimension.MATCHES)] == ["1", "3+", "unknown"]
    assert [line.key for line in report.by(Dimension.AUTHORITY)] == ["0-29", "60+", "unknown"]
    assert [line.key for line in report.by(Dimension.TEMPLATE)] == ["broken_link", "resource_page"]
    assert report.by(Dimension.OWNER) == []


def test_the_default_period_is_the_last_90_days() -> None:
    assert default_since(date(2026, 5, 31)) == date(2026, 3, 2)


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (None, "—"),
        (timedelta(minutes=20), "under an hour"),
        (timedelta(minutes=50), "1 hour"),
        (timedelta(hours=5, minutes=20), "5 hours"),
        (timedelta(hours=47), "47 hours"),
        (timedelta(hours=60), "2.5 days"),
    ],
)
def test_times_to_reply_read_in_hours_then_days(span: timedelta | None, text: str) -> None:
    assert duration_text(span) == text


def test_similar_prospects_need_ten_sent() -> None:
    assert not SimilarProspects("2", "30-59", sent=9, won=9).enough_history
    ten = SimilarProspects("2", "30-59", sent=10, won=3)
    assert ten.enough_history and ten.win_rate == 0.3
    assert [match_group_text(group) for group in ("1", "3+", "unknown")] == [
        "1 competitor",
        "3+ competitors",
        "competitors unknown",
    ]
