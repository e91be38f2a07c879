"""Drafting outreach email: the Draft email buttons, the draft modal, Mark as sent, Edit,
Contact anyway, sender settings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services import outreach
from bot.services.deps import Services
from bot.services.outreach import DraftTarget
from bot.slack.drafts.blocks import (
    draft_fallback,
    draft_message,
    draft_modal,
    owned_elsewhere_text,
    owned_message,
    sender_settings_modal,
    taken_over_text,
)
from bot.slack.drafts.forms import field_errors, read_draft_form, read_sender_settings
from bot.slack.drafts.ids import (
    DraftAction,
    DraftCallback,
    DraftInput,
    DraftMetadata,
    DraftRef,
    TargetRef,
)
from bot.slack.listening import after_ack
from bot.slack.posting import direct_message, replace_message, tell
from bot.slack.results.ids import RowValue
from bot.slack.texts import gone_text, owned_text, refused_text
from bot.slack.values import carrying
from bot.store.pipeline import MoveOutcome


def register(app: App) -> None:
    row = carrying(RowValue, refused=gone_text())
    drafts = carrying(DraftRef, refused=gone_text())
    app.action(DraftAction.DRAFT_EMAIL, middleware=row)(after_ack(draft_from_result))
    app.action(DraftAction.DRAFT_TARGET, middleware=carrying(TargetRef))(after_ack(draft_from_home))
    app.action(DraftAction.EDIT_DRAFT, middleware=drafts)(after_ack(edit_draft))
    app.action(DraftAction.MARK_SENT, middleware=drafts)(after_ack(mark_sent))
    app.action(DraftAction.CONTACT_ANYWAY, middleware=carrying(TargetRef, refused=gone_text()))(
        after_ack(contact_anyway)
    )
    app.action(DraftAction.OPEN_MAILTO)(acknowledge)
    modal = carrying(DraftMetadata, errors_on=DraftInput.TEMPLATE)
    app.action(DraftAction.DRAFT_RERENDER, middleware=modal)(after_ack(rerender_draft))
    app.view(DraftCallback.DRAFT, middleware=modal)(submit_draft)
    app.action(DraftAction.SENDER_SETTINGS)(after_ack(open_sender_settings))
    app.view(DraftCallback.SENDER_SETTINGS)(save_sender_settings)


def draft_from_result(
    carried: RowValue,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    team: str,
) -> None:
    """Draft email on a result row."""
    target = outreach.target_in_analysis(services, team, carried.analysis_id, carried.domain)
    if target is None:
        tell(respond, gone_text())
        return
    open_draft(client, body, services, team, target)


def draft_from_home(
    carried: TargetRef, body: dict[str, Any], client: WebClient, services: Services, team: str
) -> None:
    """Draft email on one of my targets in App Home."""
    target = outreach.target_in_pipeline(services, team, carried.site, carried.refdomain)
    if target is not None:
        open_draft(client, body, services, team, target)


def edit_draft(
    carried: DraftRef,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    team: str,
) -> None:
    """Edit on a draft DM: the modal again, filled with the latest version."""
    target = outreach.target_of_draft(services, team, carried.id)
    if target is None:
        tell(respond, gone_text())
        return
    open_draft(client, body, services, team, target)


def open_draft(
    client: WebClient, body: dict[str, Any], services: Services, team: str, target: DraftTarget
) -> None:
    """Open the draft modal; rendering reads the database only, so it fits the trigger's 3 s."""
    modal = outreach.open_form(services, team, body["user"]["id"], target, datetime.now(UTC))
    client.views_open(trigger_id=body["trigger_id"], view=draft_modal(modal))


def rerender_draft(
    carried: DraftMetadata,
    body: dict[str, Any],
    client: WebClient,
    services: Services,
    team: str,
) -> None:
    """A template was picked, or Enter pressed in a field: write the email again, in place."""
    current = body["view"]
    form = read_draft_form(carried, current)
    fresh = outreach.rerender(services, team, body["user"]["id"], form, form.template)
    modal = outreach.modal_of(services, team, fresh, datetime.now(UTC))
    client.views_update(view_id=current["id"], hash=current.get("hash"), view=draft_modal(modal))


def submit_draft(
    ack: Ack,
    carried: DraftMetadata,
    body: dict[str, Any],
    client: WebClient,
    services: Services,
    team: str,
) -> None:
    """Save draft: inline errors, or a new version saved and sent to the author as a DM."""
    form = read_draft_form(carried, body["view"])
    user = body["user"]["id"]
    done = outreach.submit(services, team, user, form, datetime.now(UTC))
    if done.saved is None:
        owner = done.owner
        errors = done.errors if owner is None else {"template": owned_elsewhere_text()}
        ack(response_action="errors", errors=field_errors(form, errors))
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
    carried: DraftRef,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    team: str,
) -> None:
    """Mark as sent (once, however often it is clicked): the DM shows the reminder date."""
    sent = outreach.mark_sent(services, team, body["user"]["id"], carried.id, datetime.now(UTC))
    if sent.draft is not None:
        replace_message(client, body, draft_message(sent.draft), draft_fallback(sent.draft))
    elif sent.result.outcome is MoveOutcome.OWNED and sent.result.mark is not None:
        tell(respond, owned_text(sent.result.mark))
    else:
        tell(respond, refused_text("That draft", sent.result.reason))


def contact_anyway(
    carried: TargetRef, body: dict[str, Any], respond: Respond, services: Services, team: str
) -> None:
    """Take over a domain someone else owns (after Slack's confirm dialog)."""
    site, domain = carried.site, carried.refdomain
    done = outreach.take_over(services, team, body["user"]["id"], site, domain)
    tell(respond, taken_over_text(site, domain, done))


def open_sender_settings(
    body: dict[str, Any], client: WebClient, services: Services, team: str
) -> None:
    found = outreach.sender_settings(services, team, body["user"]["id"])
    client.views_open(trigger_id=body["trigger_id"], view=sender_settings_modal(found))


def save_sender_settings(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services, team: str
) -> None:
    entered = read_sender_settings(view)
    if isinstance(entered, dict):
        ack(response_action="errors", errors=entered)
        return
    ack()
    outreach.save_sender_settings(services, team, body["user"]["id"], entered)


def acknowledge(ack: Ack) -> None:
    """Link buttons (mailto:) still send an action; Slack wants it acknowledged."""
    ack()
