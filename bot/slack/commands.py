"""`/gaps`: ack at once with a "working on it" line, then analyse, store and post the result.

`/gaps watch ...` and `/gaps watches` go to bot.slack.watches.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError
from bot.links.base import LinkSourceError
from bot.query import QueryError, parse_gap_text
from bot.services import analyses
from bot.services.deps import Services
from bot.services.runs import new_analysis
from bot.slack.blocks import (
    USAGE,
    app_home_link,
    chart_not_attached_text,
    failure_text,
    not_posted_text,
    query_error_text,
    working_text,
)
from bot.slack.context import services_of, team_of
from bot.slack.ids import GAPS_COMMAND, WATCH_WORD, WATCHES_WORD
from bot.slack.posting import post_result, slack_reason, tell_user
from bot.slack.watches import ack_watch
from bot.store.analyses import AnalysisRecord

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
    if _is_watch(text):
        ack_watch(ack, command, context)
        return
    try:
        query = parse_gap_text(text)
    except QueryError as error:
        ack(response_type="ephemeral", text=query_error_text(error))
        return
    analyses.expect_analysis(services_of(context), team_of(context), query)
    ack(response_type="ephemeral", text=working_text(query))


def run_gaps(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """After the ack: run the analysis, store it, post page one in the channel.

    Whatever happens, the user hears where the result went or why there is none.
    """
    text = command.get("text") or ""
    if _is_help(text) or _is_watch(text):
        return  # all done in the ack
    try:
        query = parse_gap_text(text)
    except QueryError:
        return  # already answered by the ack
    services = services_of(context)
    team, user = team_of(context), command["user_id"]
    try:
        new = new_analysis(team, command["channel_id"], user, query, text)
        analysis = analyses.run_analysis(services, new, query)
    except (LinkSourceError, ConfigError) as error:
        tell_user(client, respond, user, failure_text(query.site, error))
        return
    except Exception:
        log.exception("gap analysis failed: %s", text)
        tell_user(client, respond, user, failure_text(query.site, "an internal error"))
        return
    page = analyses.first_page(services, team, analysis.id)
    assert page is not None
    try:
        posted = post_result(client, respond, analysis.channel_id, page)
    except (SlackApiError, OSError) as error:
        log.warning("analysis %s was not posted: %s", analysis.id, error)
        home = app_home_link(team, command.get("api_app_id"))
        reason = slack_reason(error)
        tell_user(client, respond, user, not_posted_text(analysis.channel_id, reason, home))
        return
    if posted is not None:
        attach_overlap_chart(client, respond, user, analysis, posted, services)


def attach_overlap_chart(
    client: WebClient,
    respond: Respond,
    user: str,
    analysis: AnalysisRecord,
    thread_ts: str,
    services: Services,
) -> None:
    """The overlap picture, in the result's thread; the user hears if Slack refused it."""
    png = analyses.overlap_chart(services, analysis)
    if png is None:
        return
    try:
        client.files_upload_v2(
            channel=analysis.channel_id,
            thread_ts=thread_ts,
            content=png,
            filename=f"overlap-{analysis.site}.png",
            title=f"How the competitors of {analysis.site} share their referring domains",
        )
    except (SlackApiError, OSError) as error:
        log.warning("the chart of analysis %s was not attached: %s", analysis.id, error)
        tell_user(client, respond, user, chart_not_attached_text(slack_reason(error)))


def _is_help(text: str) -> bool:
    return text.strip().lower() in _HELP_WORDS


def _is_watch(text: str) -> bool:
    """`/gaps watch ...` or `/gaps watches` (neither word is a domain)."""
    words = text.split(maxsplit=1)
    return bool(words) and words[0].lower() in (WATCH_WORD, WATCHES_WORD)
