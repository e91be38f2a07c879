"""bot/outreach/link_checks.py: the schedule of a won link's checks, the two-failure rule,
and which pages may be tracked. Expected times are written out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.outreach.link_checks import (
    NextCheck,
    Notice,
    Streak,
    after_check,
    linking_page_problem,
)
from bot.outreach.moves import Status

MON = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(day: int, hour: int = 9) -> datetime:
    return MON.replace(day=day, hour=hour)


def test_a_first_live_check_is_reported_and_repeated_weekly() -> None:
    assert after_check(Streak(), True, MON, first=True) == NextCheck(
        at(9), Streak(), notice=Notice.FIRST
    )
    assert after_check(Streak(), True, at(9), first=False) == NextCheck(at(16), Streak())


def test_a_first_failed_check_is_reported_and_repeated_the_next_day() -> None:
    assert after_check(Streak(), False, MON, first=True) == NextCheck(
        at(3), Streak(1, MON), notice=Notice.FIRST
    )


def test_one_failed_check_is_not_a_loss() -> None:
    failed = after_check(Streak(), False, at(9), first=False)
    assert failed == NextCheck(at(10), Streak(1, at(9)))

    back = after_check(failed.streak, True, at(10), first=False)

    assert back == NextCheck(at(17), Streak())


def test_a_second_failed_check_a_day_later_puts_the_link_at_risk() -> None:
    failed = after_check(Streak(), False, at(9), first=False)

    second = after_check(failed.streak, False, at(10), first=False)

    assert second == NextCheck(at(17), Streak(2, at(9)), Status.AT_RISK, Notice.AT_RISK)


def test_a_second_failed_check_within_the_day_waits_for_the_day() -> None:
    early = after_check(Streak(1, at(9)), False, at(9, 20), first=False)

    assert early == NextCheck(at(10), Streak(1, at(9)))
    assert after_check(early.streak, False, at(10), first=False).move_to is Status.AT_RISK


def test_an_at_risk_link_that_still_fails_is_checked_weekly_without_news() -> None:
    assert after_check(Streak(2, at(9)), False, at(17), first=False) == NextCheck(
        at(24), Streak(3, at(9))
    )


def test_an_at_risk_link_that_is_live_again_is_won_again() -> None:
    assert after_check(Streak(3, at(9)), True, at(24), first=False) == NextCheck(
        MON.replace(month=12, day=1), Streak(), Status.WON, Notice.BACK
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://blog.example/post", None),
        ("http://www.Blog.example/post?x=1", None),
        ("https://news.blog.example/", None),
        ("blog.example/post", "Give the page's whole address, starting with https:// or http://."),
        (
            "ftp://blog.example/post",
            "Give the page's whole address, starting with https:// or http://.",
        ),
        ("https://", "Give the page's whole address, starting with https:// or http://."),
        ("https://[::1/post", "Give the page's whole address, starting with https:// or http://."),
        (
            "https://other.example/post",
            "That page is on other.example, not blog.example: give the page on blog.example"
            " that links to mysite.com.",
        ),
        (
            "https://localhost/post",
            "That is not blog.example: give the page on blog.example that links to mysite.com.",
        ),
        ("https://me:pw@blog.example/post", "Leave the user name and password out of the address."),
        (
            "https://blog.example/" + "p" * 2100,
            "That address is longer than 2,048 characters, more than Gapbot keeps.",
        ),
    ],
)
def test_a_linking_page_must_be_a_web_page_of_the_won_domain(url: str, problem: str | None) -> None:
    assert linking_page_problem(url, "blog.example", "mysite.com") == problem
