"""Tests for bot/outreach/followups.py: business days, the follow-up limit, snoozing."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.outreach.followups import (
    FOLLOW_UP_AFTER_DAYS,
    NextAction,
    NextStep,
    add_business_days,
    closing_status,
    follow_up_days_problem,
    next_step,
    snooze_until,
)
from bot.outreach.moves import MAX_FOLLOW_UPS, Status

MONDAY = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
starts = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))


def weekdays_between(start: date, end: date) -> int:
    """Weekdays after `start`, up to and including `end`."""
    days = (start + timedelta(days=offset) for offset in range(1, (end - start).days + 1))
    return sum(1 for day in days if day.weekday() < 5)


@given(starts, st.integers(min_value=1, max_value=60))
def test_the_result_is_a_later_weekday_exactly_n_weekdays_on(start: datetime, n: int) -> None:
    result = add_business_days(start, n)
    assert result.weekday() < 5
    assert result > start
    assert weekdays_between(start.date(), result.date()) == n
    assert result.time() == start.time()


@given(starts, st.integers(min_value=0, max_value=20), st.integers(min_value=0, max_value=20))
def test_business_days_add_up(start: datetime, a: int, b: int) -> None:
    assert add_business_days(add_business_days(start, a), b) == add_business_days(start, a + b)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2025, 6, 2), 4, date(2025, 6, 6)),  # Monday -> Friday
        (date(2025, 6, 5), 4, date(2025, 6, 11)),  # Thursday -> next Wednesday
        (date(2025, 6, 6), 1, date(2025, 6, 9)),  # Friday -> Monday
        (date(2025, 6, 7), 1, date(2025, 6, 9)),  # Saturday -> Monday
        (date(2025, 6, 8), 4, date(2025, 6, 12)),  # Sunday -> Thursday
        (date(2025, 6, 4), 0, date(2025, 6, 4)),
    ],
)
def test_business_day_examples(start: date, days: int, expected: date) -> None:
    moment = datetime.combine(start, MONDAY.timetz())
    assert add_business_days(moment, days) == datetime.combine(expected, MONDAY.timetz())


def test_the_default_wait_is_four_business_days() -> None:
    assert FOLLOW_UP_AFTER_DAYS == 4
    assert add_business_days(MONDAY) == MONDAY + timedelta(days=4)


def test_the_local_time_of_day_is_kept_across_a_clock_change() -> None:
    london = ZoneInfo("Europe/London")
    friday = datetime(2025, 3, 28, 9, 0, tzinfo=london)  # clocks go forward on Sunday 30th
    assert add_business_days(friday, 1) == datetime(2025, 3, 31, 9, 0, tzinfo=london)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        add_business_days(MONDAY, -1)


def test_a_first_email_gets_a_follow_up_reminder() -> None:
    step = next_step(Status.CONTACTED, 0, MONDAY)
    assert step == NextStep(NextAction.FOLLOW_UP, add_business_days(MONDAY, 4))
    assert closing_status(step.action) is None


def test_two_follow_ups_then_no_response() -> None:
    assert next_step("followed_up", 1, MONDAY).action is NextAction.FOLLOW_UP
    last = next_step(Status.FOLLOWED_UP, MAX_FOLLOW_UPS, MONDAY)
    assert last == NextStep(NextAction.CLOSE, add_business_days(MONDAY, 4))
    assert closing_status(last.action) is Status.NO_RESPONSE


@pytest.mark.parametrize(
    "status", [s for s in Status if s not in (Status.CONTACTED, Status.FOLLOWED_UP)]
)
def test_nothing_is_scheduled_unless_waiting_for_a_reply(status: Status) -> None:
    assert next_step(status, 0, MONDAY) == NextStep(NextAction.NONE)


def test_a_snooze_comes_back_two_business_days_later() -> None:
    thursday = datetime(2025, 6, 5, 15, 0, tzinfo=UTC)
    assert snooze_until(thursday) == datetime(2025, 6, 9, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("days", ["1", "4", "30"])
def test_a_workspace_may_choose_1_to_30_days(days: str) -> None:
    assert follow_up_days_problem(days) is None


@pytest.mark.parametrize(
    "days", ["0", "31", "", "-1", "²", "4.5", "045678901234567890", "9" * 5000]
)
def test_other_follow_up_days_are_refused_in_one_sentence(days: str) -> None:
    assert follow_up_days_problem(days) == "Enter a whole number of days from 1 to 30."
