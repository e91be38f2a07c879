"""The outreach pipeline (SPEC 7): its statuses and which moves between them are allowed."""

from __future__ import annotations

from enum import StrEnum

MAX_FOLLOW_UPS = 2


class Status(StrEnum):
    NEW = "new"
    TARGETED = "targeted"
    DRAFTED = "drafted"
    CONTACTED = "contacted"
    FOLLOWED_UP = "followed_up"
    REPLIED = "replied"
    WON = "won"
    AT_RISK = "at_risk"  # a won link failed two checks a day apart (bot.outreach.link_checks)
    LOST = "lost"
    NO_RESPONSE = "no_response"
    IGNORED = "ignored"

    @property
    def label(self) -> str:
        """The status as a person reads it: "followed up", "no response", "link at risk"."""
        if self is Status.AT_RISK:
            return "link at risk"
        return self.value.replace("_", " ")


# Before contact a domain can be targeted, drafted, ignored or undone freely. Once an email
# is out, only outcomes follow. Every outcome can be reopened as targeted (a new contact,
# a new angle, a link that was removed); a late reply still counts after no_response.
# A won link whose checks fail becomes at risk; it is won again when the link is back,
# or lost when the team gives it up.
MOVES: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.TARGETED, Status.DRAFTED, Status.CONTACTED, Status.IGNORED}),
    Status.TARGETED: frozenset({Status.NEW, Status.DRAFTED, Status.CONTACTED, Status.IGNORED}),
    Status.DRAFTED: frozenset({Status.DRAFTED, Status.TARGETED, Status.CONTACTED, Status.IGNORED}),
    Status.CONTACTED: frozenset(
        {Status.FOLLOWED_UP, Status.REPLIED, Status.WON, Status.LOST, Status.NO_RESPONSE}
    ),
    Status.FOLLOWED_UP: frozenset(
        {Status.FOLLOWED_UP, Status.REPLIED, Status.WON, Status.LOST, Status.NO_RESPONSE}
    ),
    Status.REPLIED: frozenset({Status.WON, Status.LOST}),
    Status.WON: frozenset({Status.AT_RISK, Status.TARGETED}),
    Status.AT_RISK: frozenset({Status.WON, Status.LOST, Status.TARGETED}),
    Status.LOST: frozenset({Status.TARGETED}),
    Status.NO_RESPONSE: frozenset({Status.REPLIED, Status.WON, Status.TARGETED}),
    Status.IGNORED: frozenset({Status.NEW, Status.TARGETED}),
}


class PipelineError(ValueError):
    """A move the pipeline does not allow; the message is one sentence for the user."""


def parse_status(value: str) -> Status:
    """A status from its stored or typed name; PipelineError if there is no such status."""
    try:
        return Status(value)
    except ValueError:
        known = ", ".join(status.value for status in Status)
        raise PipelineError(f"{value!r} is not a pipeline status (known: {known}).") from None


def allowed_moves(current: Status | str) -> list[Status]:
    """The statuses `current` may move to, in pipeline order (for buttons and menus)."""
    targets = MOVES[parse_status(current)]
    return [status for status in Status if status in targets]


def check_move(current: Status | str, new: Status | str) -> None:
    """Raise PipelineError unless moving from `current` to `new` is allowed."""
    before, after = parse_status(current), parse_status(new)
    if after not in MOVES[before]:
        options = _or_list([status.label for status in allowed_moves(before)])
        raise PipelineError(
            f"A domain that is {before.label} can't become {after.label}; it can become {options}."
        )


def follow_up_refusal(refdomain: str, follow_ups_sent: int) -> str | None:
    """Why one more follow-up to `refdomain` is refused (None while it is allowed)."""
    if follow_ups_sent >= MAX_FOLLOW_UPS:
        return (
            f"{MAX_FOLLOW_UPS} follow-ups were already sent to {refdomain}; "
            "mark it no response instead"
        )
    return None


def _or_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


# Statuses in which a domain belongs to nobody: moving it there gives it up.
UNOWNED = frozenset({Status.NEW, Status.IGNORED})


def owner_after(status: Status, user_id: str) -> str | None:
    """Who owns a domain `user_id` moved to `status`: them, or nobody."""
    return None if status in UNOWNED else user_id


def owned_by_another(status: Status, owner_id: str | None, user_id: str) -> bool:
    """Whether a domain in `status`, owned by `owner_id`, is a teammate's, not `user_id`'s."""
    return status not in UNOWNED and owner_id not in (None, user_id)
