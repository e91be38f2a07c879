"""Sending what no request asked for (a due reminder, a link's news): Slack's refusals told
to the scheduler, as a failure worth retrying or not."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.scheduler import DeliveryFailed
from bot.slack.posting import error_code

# Errors that trying again will not mend: the owner is gone, or so is Gapbot's token.
PERMANENT_ERRORS = frozenset(
    {
        "not_installed",
        "user_not_found",
        "user_not_visible",
        "user_disabled",
        "cannot_dm_bot",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "invalid_auth",
        "not_authed",
    }
)


def delivered(
    client_for: Callable[[str], WebClient], team_id: str, send: Callable[[WebClient], None]
) -> None:
    """`send` with the workspace's client, for a scheduled job: Slack's refusals become
    `DeliveryFailed` with Slack's error code, permanent or not."""
    try:
        client = client_for(team_id)
    except LookupError:
        raise DeliveryFailed("not_installed", permanent=True) from None
    try:
        send(client)
    except SlackApiError as error:
        code = error_code(error)
        raise DeliveryFailed(code, permanent=code in PERMANENT_ERRORS) from None
    except OSError:
        raise DeliveryFailed("slack_unreachable", permanent=False) from None
