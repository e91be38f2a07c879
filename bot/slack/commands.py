"""`/gaps`: ack at once with a "working on it" line, then analyse, store and post the result."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError
from bot.links.base import LinkSourceError
from bot.query import GapQuery, QueryError, parse_gap_text
from bot.slack import service
from bot.slack.blocks import (
    USAGE,
    app_home_link,
    failure_text,
    not_posted_text,
    query_error_text,
    working_text,
)
from bot.slack.ids import GAPS_COMMAND
from bot.slack.messages import post_result, team_of, tell_user
from bot.slack.service import services_of
from bot.store.analyses import NewAnalysis

log = logging.getLogger(__name__)

_HELP_WORDS = frozenset({"", "help", "-h", "--help"})


def register(app: App) -> None:
    app.command(GAPS_COMMAND)(ack=ack_gaps, lazy=[run_gaps])


def ack_gaps(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """Within Slack's 3 seconds: usage, the parse error, or "working on it"."""
    text = command.get("text") or ""
    if _is_help(text):
        ack(response_type="ephemeral", text=USAGE)
        return
    try:
        query = parse_gap_text(text)
    except QueryError as error:
        ack(response_type="ephemeral", text=query_error_text(error))
        return
    service.expect_analysis(services_of(context), team_of(context), query)
    ack(response_type="ephemeral", text=working_text(query))


def run_gaps(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """After the ack: run the analysis, store it, post page one in the channel.

    Whatever happens, the user hears where the result went or why there is none.
    """
    text = command.get("text") or ""
    if _is_help(text):
        return
    try:
        query = parse_gap_text(text)
    except QueryError:
        return  # already answered by the ack
    services = services_of(context)
    team, user = team_of(context), command["user_id"]
    try:
        analysis = service.run_analysis(services, _new_analysis(team, command, query), query)
    except (LinkSourceError, ConfigError) as error:
        tell_user(client, respond, user, failure_text(query.site, error))
        return
    except Exception:
        log.exception("gap analysis failed: %s", text)
        tell_user(client, respond, user, failure_text(query.site, "an internal error"))
        return
    page = service.first_page(services, team, analysis.id)
    assert page is not None
    try:
        post_result(client, respond, analysis.channel_id, page)
    except (SlackApiError, OSError) as error:
        log.warning("analysis %s was not posted: %s", analysis.id, error)
        reason = "Slack could not be reached"
        if isinstance(error, SlackApiError):
            status = error.response.status_code
            reason = f"HTTP {status}" if status != 200 else str(error.response.get("error"))
        home = app_home_link(team, command.get("api_app_id"))
        tell_user(client, respond, user, not_posted_text(analysis.channel_id, reason, home))


def _new_analysis(team: str, command: dict[str, Any], query: GapQuery) -> NewAnalysis:
    return NewAnalysis(
        team_id=team,
        channel_id=command["channel_id"],
        user_id=command["user_id"],
        query_text=command.get("text") or "",
        site=query.site,
        competitors=query.competitors,
        source_name=query.source,
        sort=query.options.sort.value,
        min_matches=query.options.min_matches,
        dofollow_only=query.options.dofollow_only,
    )


def _is_help(text: str) -> bool:
    return text.strip().lower() in _HELP_WORDS
