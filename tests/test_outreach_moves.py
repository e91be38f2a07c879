"""Tests for bot/outreach/moves.py: statuses and allowed moves (SPEC 7, README "Pipeline")."""

import pytest

from bot.outreach.moves import (
    MOVES,
    PipelineError,
    Status,
    allowed_moves,
    check_move,
    follow_up_refusal,
    owned_by_another,
    owner_after,
)

# SPEC 7: new → targeted → drafted → contacted → followed_up → replied → won | lost |
# no_response, plus ignored; plus at_risk, a won link whose checks failed (README "Won links
# that stay won"). Written out by hand from the README's "Pipeline" table, not read from MOVES.
STATUSES = [
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
ALLOWED = {
    "new": {"targeted", "drafted", "contacted", "ignored"},
    "targeted": {"new", "drafted", "contacted", "ignored"},
    "drafted": {"drafted", "targeted", "contacted", "ignored"},
    "contacted": {"followed_up", "replied", "won", "lost", "no_response"},
    "followed_up": {"followed_up", "replied", "won", "lost", "no_response"},
    "replied": {"won", "lost"},
    "won": {"at_risk", "targeted"},
    "at_risk": {"won", "lost", "targeted"},
    "lost": {"targeted"},
    "no_response": {"replied", "won", "targeted"},
    "ignored": {"new", "targeted"},
}
VALID = [(before, after) for before in STATUSES for after in STATUSES if after in ALLOWED[before]]
INVALID = [
    (before, after) for before in STATUSES for after in STATUSES if after not in ALLOWED[before]
]


def test_the_statuses_are_those_of_the_spec() -> None:
    assert [status.value for status in Status] == STATUSES


def test_the_table_is_the_documented_one() -> None:
    assert {before.value: {after.value for after in MOVES[before]} for before in MOVES} == ALLOWED


def test_the_spec_s_path_can_be_walked_and_each_outcome_reached() -> None:
    path = ["new", "targeted", "drafted", "contacted", "followed_up", "replied", "won"]
    for step in range(len(path) - 1):
        check_move(path[step], path[step + 1])
    for outcome in ("won", "lost", "no_response"):
        check_move("followed_up", outcome)
    check_move("new", "ignored")


@pytest.mark.parametrize(("before", "after"), VALID)
def test_every_documented_move_is_accepted(before: str, after: str) -> None:
    check_move(before, after)


@pytest.mark.parametrize(("before", "after"), INVALID)
def test_every_other_move_is_refused(before: str, after: str) -> None:
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


def test_a_domain_is_someone_s_only_outside_new_and_ignored() -> None:
    assert owner_after(Status.TARGETED, "U1") == "U1"
    assert owner_after(Status.NEW, "U1") is None and owner_after(Status.IGNORED, "U1") is None
    assert owned_by_another(Status.CONTACTED, "U2", "U1")
    assert not owned_by_another(Status.CONTACTED, "U1", "U1")
    assert not owned_by_another(Status.CONTACTED, None, "U1")
    assert not owned_by_another(Status.IGNORED, "U2", "U1")
    assert not owned_by_another(Status.NEW, "U2", "U1")
