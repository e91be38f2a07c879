"""Drafting outreach email: Draft email buttons, the draft modal, Mark as sent, Edit, settings."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.services import outreach
from bot.services.outreach import DraftForm, DraftTarget
from bot.services.paging import bounded_id, is_row_domain
from bot.slack.blocks import damaged_form_text, gone_text, owned_text, refused_text
from bot.slack.context import services_of, team_of
from bot.slack.draft_blocks import (
    draft_fallback,
    draft_message,
    draft_modal,
    field_errors,
    owned_message,
    read_draft_modal,
    read_sender_settings,
    sender_settings_modal,
    taken_over_text,
)
from bot.slack.ids import Action, Callback, Field
from bot.slack.listening import after_ack
from bot.slack.posting import direct_message, replace_message, row_of, tell
from bot.store.pipeline import MoveOutcome

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(Action.DRAFT_EMAIL)(after_ack(draft_from_result))
    app.action(Action.DRAFT_TARGET)(after_ack(draft_from_home))
    app.action(Action.EDIT_DRAFT)(after_ack(edit_draft))
    app.action(Action.DRAFT_RERENDER)(after_ack(rerender_draft))
    app.view(Callback.DRAFT)(submit_draft)
    app.action(Action.MARK_SENT)(after_ack(mark_sent))
    app.action(Action.OPEN_MAILTO)(acknowledge)
    app.action(Action.CONTACT_ANYWAY)(after_ack(contact_anyway))
    app.action(Action.SENDER_SETTINGS)(after_ack(open_sender_settings))
    app.view(Callback.SENDER_SETTINGS)(save_sender_settings)


def draft_from_result(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Draft email on a result row."""
    ack()
    row = row_of(action, respond)
    if row is None:
        return
    view, domain = row
    services = services_of(context)
    target = outreach.target_in_analysis(services, team_of(context), view.analysis_id, domain)
    if target is None:
        tell(respond, gone_text())
        return
    open_draft(client, body, context, target)


def draft_from_home(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Draft email on one of my targets in App Home."""
    ack()
    site, domain = _site_and_domain(action)
    target = outreach.target_in_pipeline(services_of(context), team_of(context), site, domain)
    if target is not None:
        open_draft(client, body, context, target)


def edit_draft(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Edit on a draft DM: the modal again, filled with the latest version."""
    ack()
    target = outreach.target_of_draft(services_of(context), team_of(context), number_value(action))
    if target is None:
        tell(respond, gone_text())
        return
    open_draft(client, body, context, target)


def open_draft(
    client: WebClient, body: dict[str, Any], context: BoltContext, target: DraftTarget
) -> None:
    """Open the draft modal; rendering reads the database only, so it fits the trigger's 3 s."""
    user = body["user"]["id"]
    modal = outreach.open_form(
        services_of(context), team_of(context), user, target, datetime.now(UTC)
    )
    client.views_open(trigger_id=body["trigger_id"], view=draft_modal(modal))


def rerender_draft(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A template was picked, or Enter pressed in a field: write the email again, in place."""
    ack()
    current = body["view"]
    form = read_form(current)
    if form is None:
        return
    services, team = services_of(context), team_of(context)
    fresh = outreach.rerender(services, team, body["user"]["id"], form, form.template)
    modal = outreach.modal_of(services, team, fresh, datetime.now(UTC))
    client.views_update(view_id=current["id"], hash=current.get("hash"), view=draft_modal(modal))


def submit_draft(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Save draft: inline errors, or a new version saved and sent to the author as a DM."""
    form = read_form(view)
    if form is None:
        ack(response_action="errors", errors={Field.TEMPLATE.value: damaged_form_text()})
        return
    user = body["user"]["id"]
    services = services_of(context)
    done = outreach.submit(services, team_of(context), user, form, datetime.now(UTC))
    if done.saved is None:
        ack(response_action="errors", errors=field_errors(form, done.errors))
        owner = done.owner
        if owner is not None:
            services.after_answer(
                lambda: direct_message(client, user, owned_message(owner), owned_text(owner))
            )
        return
    ack()
    saved = done.saved
    services.after_answer(
        lambda: direct_message(client, user, draft_message(saved), draft_fallback(saved))
    )


def mark_sent(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Mark as sent (once, however often it is clicked): the DM shows the reminder date."""
    ack()
    sent = outreach.mark_sent(
        services_of(context),
        team_of(context),
        body["user"]["id"],
        number_value(action),
        datetime.now(UTC),
    )
    if sent.draft is not None:
        replace_message(client, body, draft_message(sent.draft), draft_fallback(sent.draft))
    elif sent.result.outcome is MoveOutcome.OWNED and sent.result.mark is not None:
        tell(respond, owned_text(sent.result.mark))
    else:
        tell(respond, refused_text("That draft", sent.result.reason))


def contact_anyway(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """Take over a domain someone else owns (after Slack's confirm dialog)."""
    ack()
    site, domain = _site_and_domain(action)
    done = outreach.take_over(
        services_of(context), team_of(context), body["user"]["id"], site, domain
    )
    tell(respond, taken_over_text(site, domain, done))


def open_sender_settings(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    found = outreach.sender_settings(services_of(context), team_of(context), body["user"]["id"])
    client.views_open(trigger_id=body["trigger_id"], view=sender_settings_modal(found))


def save_sender_settings(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    entered = read_sender_settings(view)
    if isinstance(entered, dict):
        ack(response_action="errors", errors=entered)
        return
    ack()
    outreach.save_sender_settings(
        services_of(context), team_of(context), body["user"]["id"], entered
    )


def acknowledge(ack: Ack) -> None:
    """Link buttons (mailto:) still send an action; Slack wants it acknowledged."""
    ack()


def number_value(action: dict[str, Any]) -> int:
    """A button value that is an id (0, which matches nothing, if it is not)."""
    try:
        return bounded_id(action.get("value", ""))
    except ValueError:
        return 0


def _site_and_domain(action: dict[str, Any]) -> tuple[str, str]:
    """An App Home row's site and domain; empty (which match nothing) if it is forged."""
    try:
        value = json.loads(action.get("value", ""))
        site, domain = str(value["s"]), str(value["d"])
    except (ValueError, KeyError, TypeError):
        return "", ""
    return (site, domain) if is_row_domain(site) and is_row_domain(domain) else ("", "")


def read_form(view: dict[str, Any]) -> DraftForm | None:
    """The draft form a modal carries; None (logged) if its private_metadata is not ours."""
    try:
        form = read_draft_modal(view)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as error:
        log.warning("a draft modal's private_metadata could not be read: %r", error)
        return None
    target = form.target
    if not (is_row_domain(target.site) and is_row_domain(target.refdomain)):
        log.warning("a draft modal names a domain this app did not write")
        return None
    return form
