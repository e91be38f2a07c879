"""Buttons and menus on a result message: paging, sorting, filters, triage, CSV export."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.outreach.moves import Status
from bot.services import analyses
from bot.services.paging import ResultView, ViewError
from bot.slack.blocks import gone_text, owned_text, refused_text, similar_text
from bot.slack.context import services_of, team_of
from bot.slack.draft_blocks import owned_message
from bot.slack.ids import Action
from bot.slack.listening import after_ack
from bot.slack.posting import row_of, tell, update_result
from bot.slack.watch_blocks import alert_moved_text
from bot.store.pipeline import MoveOutcome

_VIEW_CHANGES = (
    Action.PAGE_PREVIOUS,
    Action.PAGE_NEXT,
    Action.SORT,
    Action.MIN_MATCHES,
    Action.DOFOLLOW,
    Action.SHOW_IGNORED,
)
_TRIAGE = {
    Action.TARGET: Status.TARGETED,
    Action.IGNORE: Status.IGNORED,
    Action.RESTORE: Status.NEW,
}


def register(app: App) -> None:
    app.action(_any_of(_VIEW_CHANGES))(after_ack(change_view))
    app.action(_any_of(tuple(_TRIAGE)))(after_ack(triage))
    app.action(Action.EXPORT_CSV)(after_ack(export_csv))


def change_view(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Show another page, order or filter of the stored result, in place."""
    ack()
    try:
        view = ResultView.decode(action_value(action))
    except ViewError:
        tell(respond, gone_text())
        return
    page = analyses.result_page(services_of(context), team_of(context), view)
    if page is None:
        tell(respond, gone_text())
        return
    update_result(client, respond, body, page)


def triage(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Target, ignore or restore one referring domain, once, then redraw the page; a target
    is told how similar prospects did, once enough were sent to say."""
    ack()
    row = row_of(action, respond)
    if row is None:
        return
    view, domain = row
    status = _TRIAGE[Action(action["action_id"])]
    user = body["user"]["id"]
    done = analyses.triage(services_of(context), team_of(context), user, view, domain, status)
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
    elif result.outcome is MoveOutcome.CHANGED and view.alert and result.mark is not None:
        tell(respond, alert_moved_text(result.mark))  # a watch's message stays as it is
    elif result.outcome is MoveOutcome.CHANGED:
        update_result(client, respond, body, done.page)
    similar = analyses.similar_to_target(services_of(context), team_of(context), done)
    if similar is not None:
        tell(respond, similar_text(domain, similar))


def export_csv(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """The whole list, as the message orders and filters it, as a CSV file in its thread."""
    ack()
    try:
        view = ResultView.decode(action_value(action))
    except ViewError:
        tell(respond, gone_text())
        return
    found = analyses.export(services_of(context), team_of(context), view)
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


def action_value(action: dict[str, Any]) -> str:
    """A button's value, or the chosen option's value of a select menu."""
    if "selected_option" in action:
        return str((action["selected_option"] or {}).get("value", ""))
    return str(action.get("value", ""))


def _any_of(ids: tuple[Action, ...]) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(re.escape(item.value) for item in ids) + ")$")
