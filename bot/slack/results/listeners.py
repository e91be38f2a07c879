"""`/gaps` and the result message's buttons: the command acks at once with a "working on it"
line, then analyses, stores and posts; the buttons page, sort, filter, triage, show a row's
linking pages and export, each from the stored result.

`/gaps watch ...` and `/gaps watches` go to bot.slack.watches.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.config import ConfigError
from bot.links.base import LinkSourceError
from bot.outreach.moves import Status
from bot.query import QueryError, parse_gap_text
from bot.services import analyses
from bot.services.deps import Services
from bot.services.runs import new_analysis
from bot.slack.drafts.blocks import owned_message
from bot.slack.listening import after_ack
from bot.slack.posting import open_then_fill, slack_reason, tell, tell_user
from bot.slack.results.blocks import (
    USAGE,
    app_home_link,
    chart_not_attached_text,
    failure_text,
    not_posted_text,
    query_error_text,
    similar_text,
    working_text,
)
from bot.slack.results.ids import GAPS_COMMAND, ResultAction, RowValue, ViewValue
from bot.slack.results.links_blocks import links_error_modal, links_loading_modal, links_modal
from bot.slack.results.posting import post_result, update_result
from bot.slack.texts import gone_text, owned_text, refused_text
from bot.slack.values import carrying
from bot.slack.watches.blocks import alert_moved_text
from bot.slack.watches.ids import WATCH_WORD, WATCHES_WORD
from bot.slack.watches.listeners import ack_watch
from bot.store.analyses import AnalysisRecord
from bot.store.pipeline import MoveOutcome

log = logging.getLogger(__name__)

_HELP_WORDS = frozenset({"", "help", "-h", "--help"})
_VIEW_CHANGES = (
    ResultAction.PAGE_PREVIOUS,
    ResultAction.PAGE_NEXT,
    ResultAction.SORT,
    ResultAction.MIN_MATCHES,
    ResultAction.DOFOLLOW,
    ResultAction.SHOW_IGNORED,
)
_TRIAGE = {
    ResultAction.TARGET: Status.TARGETED,
    ResultAction.IGNORE: Status.IGNORED,
    ResultAction.RESTORE: Status.NEW,
}


def register(app: App) -> None:
    app.command(GAPS_COMMAND)(after_ack(run_gaps, answer=ack_gaps))
    views = carrying(ViewValue, refused=gone_text())
    rows = carrying(RowValue, refused=gone_text())
    app.action(_any_of(_VIEW_CHANGES), middleware=views)(after_ack(change_view))
    app.action(_any_of(tuple(_TRIAGE)), middleware=rows)(after_ack(triage))
    app.action(ResultAction.EXPORT_CSV, middleware=views)(after_ack(export_csv))
    app.action(ResultAction.LINKS, middleware=rows)(after_ack(open_links))


# -- the command -----------------------------------------------------------------------------


def ack_gaps(ack: Ack, command: dict[str, Any], services: Services, team: str) -> None:
    """Within Slack's 3 seconds: usage, the parse error, or "working on it"."""
    text = command.get("text") or ""
    if _is_help(text):
        ack(response_type="ephemeral", text=USAGE)
        return
    if _is_watch(text):
        ack_watch(ack, command, services, team)
        return
    try:
        query = parse_gap_text(text)
    except QueryError as error:
        ack(response_type="ephemeral", text=query_error_text(error))
        return
    analyses.expect_analysis(services, team, query)
    ack(response_type="ephemeral", text=working_text(query))


def run_gaps(
    command: dict[str, Any], client: WebClient, respond: Respond, services: Services, team: str
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
    user = command["user_id"]
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
    page = analyses.page_one(services, analysis)
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


# -- the buttons -----------------------------------------------------------------------------


def change_view(
    carried: ViewValue,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    team: str,
) -> None:
    """Show another page, order or filter of the stored result, in place."""
    page = analyses.result_page(services, team, carried.view)
    if page is None:
        tell(respond, gone_text())
        return
    update_result(client, respond, body, page)


def triage(
    carried: RowValue,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    team: str,
) -> None:
    """Target, ignore or restore one referring domain, once, then redraw the page; a target
    is told how similar prospects did, once enough were sent to say."""
    status, domain = _TRIAGE[ResultAction(action["action_id"])], carried.domain
    done = analyses.triage(services, team, body["user"]["id"], carried.view, domain, status)
    if done is None:
        tell(respond, gone_text())
        return
    result = done.result
    if result.outcome is MoveOutcome.OWNED and result.mark is not None:
        respond(
            text=owned_text(result.mark),
            blocks=owned_message(result.mark),
            response_type="ephemeral",
            replace_original=False,
        )
    elif result.outcome is MoveOutcome.REFUSED:
        tell(respond, refused_text(domain, result.reason))
    elif result.outcome is MoveOutcome.CHANGED and carried.alert and result.mark is not None:
        tell(respond, alert_moved_text(result.mark))  # a watch's message stays as it is
    elif result.outcome is MoveOutcome.CHANGED:
        update_result(client, respond, body, done.page)
    similar = analyses.similar_to_target(services, team, done)
    if similar is not None:
        tell(respond, similar_text(domain, similar))


def export_csv(
    carried: ViewValue,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    team: str,
) -> None:
    """The whole list, as the message orders and filters it, as a CSV file in its thread."""
    found = analyses.export(services, team, carried.view)
    if found is None:
        tell(respond, gone_text())
        return
    client.files_upload_v2(
        channel=body["channel"]["id"],
        thread_ts=(body.get("container") or {}).get("message_ts"),
        content=found.csv,
        filename=found.filename,
        title=f"Backlink gaps for {found.analysis.site}",
    )


def open_links(
    carried: RowValue, body: dict[str, Any], client: WebClient, services: Services, team: str
) -> None:
    """The Links modal: open at once, then filled with the pages (a provider may be slow)."""
    domain = carried.domain

    def filled() -> View:
        try:
            pages = analyses.linking_pages(services, team, carried.analysis_id, domain)
        except (LinkSourceError, ConfigError) as error:
            return links_error_modal(domain, error)
        return (
            links_error_modal(domain, gone_text()) if pages is None else links_modal(domain, pages)
        )

    open_then_fill(client, body["trigger_id"], links_loading_modal(domain), filled)


def _any_of(ids: tuple[ResultAction, ...]) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(re.escape(item.value) for item in ids) + ")$")
