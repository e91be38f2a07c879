"""Tests for bot/outreach/pipeline.py: statuses and allowed moves."""

import pytest

from bot.outreach.moves import (
    MOVES,
    PipelineError,
    Status,
    allowed_moves,
    check_move,
    follow_up_refusal,
)

VALID = [(before, after) for before in Status for after in Status if after in MOVES[before]]
INVALID = [(before, after) for before in Status for after in Status if after not in MOVES[before]]


def test_the_statuses_are_those_of_the_spec() -> None:
    assert [status.value for status in Status] == [
        "new",
        "targeted",
        "drafted",
        "contacted",
        "followed_up",
        "replied",
        "won",
        "at_risk",
        "lost",
        "no_response",
        "ignored",
    ]


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(MOVES) == set(Status)


@pytest.mark.parametrize(("before", "after"), VALID)
def test_every_valid_move_is_accepted(before: Status, after: Status) -> None:
    check_move(before, after)


@pytest.mark.parametrize(("before", "after"), INVALID)
def test_every_other_move_is_refused(before: Status, after: Status) -> None:
    with pytest.raises(PipelineError):
        check_move(before, after)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Status.TARGETED, Status.IGNORED),
        (Status.IGNORED, Status.TARGETED),
        (Status.CONTACTED, Status.REPLIED),
        (Status.FOLLOWED_UP, Status.FOLLOWED_UP),
        (Status.REPLIED, Status.WON),
        (Status.REPLIED, Status.LOST),
        (Status.CONTACTED, Status.NO_RESPONSE),
        (Status.FOLLOWED_UP, Status.NO_RESPONSE),
        (Status.NO_RESPONSE, Status.REPLIED),
    ],
)
def test_the_moves_users_need_are_there(before: Status, after: Status) -> None:
    check_move(before, after)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Status.NEW, Status.REPLIED),
        (Status.NEW, Status.WON),
        (Status.TARGETED, Status.FOLLOWED_UP),
        (Status.CONTACTED, Status.IGNORED),
        (Status.CONTACTED, Status.DRAFTED),
        (Status.REPLIED, Status.FOLLOWED_UP),
        (Status.WON, Status.WON),
        (Status.IGNORED, Status.CONTACTED),
    ],
)
def test_a_sample_of_invalid_moves_is_refused(before: Status, after: Status) -> None:
    with pytest.raises(PipelineError):
        check_move(before, after)


def test_a_refusal_is_one_sentence_naming_the_options() -> None:
    with pytest.raises(PipelineError) as info:
        check_move("replied", "followed_up")
    assert str(info.value) == (
        "A domain that is replied can't become followed up; it can become won or lost."
    )


def test_follow_ups_stop_at_the_limit() -> None:
    assert follow_up_refusal("news.example", 0) is None
    assert follow_up_refusal("news.example", 1) is None
    assert follow_up_refusal("news.example", 2) == (
        "2 follow-ups were already sent to news.example; mark it no response instead"
    )


def test_statuses_may_be_given_as_stored_strings() -> None:
    check_move("contacted", "no_response")
    with pytest.raises(PipelineError, match="'pending' is not a pipeline status"):
        check_move("pending", "won")


def test_allowed_moves_are_in_pipeline_order() -> None:
    assert allowed_moves("replied") == [Status.WON, Status.LOST]
    assert allowed_moves(Status.IGNORED) == [Status.NEW, Status.TARGETED]


def test_labels_read_as_words() -> None:
    assert Status.NO_RESPONSE.label == "no response"
    assert Status.WON.label == "won"
    assert Status.AT_RISK.label == "link at risk"


def test_a_won_link_can_be_at_risk_then_won_lost_or_started_over() -> None:
    assert allowed_moves(Status.WON) == [Status.TARGETED, Status.AT_RISK]
    assert allowed_moves(Status.AT_RISK) == [Status.TARGETED, Status.WON, Status.LOST]


@pytest.mark.parametrize(
    "before", [Status.CONTACTED, Status.REPLIED, Status.LOST, Status.NO_RESPONSE]
)
def test_only_a_won_link_can_become_at_risk(before: Status) -> None:
    with pytest.raises(PipelineError, match="can't become link at risk"):
        check_move(before, Status.AT_RISK)
