"""The sentences more than one feature says: failures, a value that names nothing, ownership."""

from __future__ import annotations

from bot.slack.mrkdwn import escape
from bot.store.pipeline import PipelineMark


def other_workspace_text() -> str:
    return "This Gapbot serves another Slack workspace, so it cannot answer here."


def slack_failed_text() -> str:
    return ":warning: Slack did not answer in time, so that did not go through: try again."


def internal_error_text() -> str:
    return (
        ":warning: Something went wrong on Gapbot's side (it is logged for the admin): try again."
    )


def damaged_form_text() -> str:
    return "This form can no longer be read: close it and open it again."


def gone_text() -> str:
    return "That analysis is not available here any more. Run `/gaps` again."


def owned_text(mark: PipelineMark) -> str:
    return (
        f"*{escape(mark.refdomain)}* is already {escape(mark.status.value)} by "
        f"<@{escape(mark.owner_id or '')}> for {escape(mark.site)}: ask them before "
        "taking it over."
    )


def refused_text(domain: str, reason: str | None) -> str:
    return f"*{escape(domain)}* cannot be moved: {escape(reason or 'not allowed')}."
