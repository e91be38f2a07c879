"""Contacts in the draft modal: Find contacts (or Look again), and choosing one found.

Finding reads a handful of the prospect's pages, seconds apart, so it runs after the ack:
the modal says it is looking, then shows what was found (views.update, each time with
the hash of the view it replaces, so an edit made meanwhile is never overwritten).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import contacts, outreach
from bot.services.outreach import DraftModal
from bot.slack.context import services_of, team_of
from bot.slack.draft_blocks import draft_modal
from bot.slack.drafts import read_form
from bot.slack.ids import Action
from bot.slack.listening import after_ack

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(Action.FIND_CONTACTS)(after_ack(find_contacts))
    app.action(Action.CHOOSE_CONTACT)(after_ack(choose_contact))


def find_contacts(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Find contacts / Look again: read the prospect's pages now, then show the candidates."""
    ack()
    current = body["view"]
    form = read_form(current)
    if form is None:
        return
    services, team = services_of(context), team_of(context)
    looking = outreach.modal_of(services, team, form, datetime.now(UTC), looking=True)
    shown = _update(client, current["id"], current.get("hash"), looking)
    if shown is None:
        return
    contacts.look_up(services, team, form.target, datetime.now(UTC))
    found = outreach.modal_of(services, team, form, datetime.now(UTC))
    _update(client, current["id"], shown or None, found)


def choose_contact(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A found contact was chosen: it becomes the recipient, and the email is written again."""
    ack()
    current = body["view"]
    form = read_form(current)
    if form is None:
        return
    address = str((action.get("selected_option") or {}).get("value") or "")
    services = services_of(context)
    modal = contacts.choose(
        services, team_of(context), body["user"]["id"], form, address, datetime.now(UTC)
    )
    if modal is not None:
        _update(client, current["id"], current.get("hash"), modal)


def _update(client: WebClient, view_id: str, hash: str | None, modal: DraftModal) -> str | None:
    """Replace the modal if it is still the view `hash` names; the new view's hash, or None
    when the user changed the modal meanwhile (their change stands; what was found is
    stored, and shown the next time the modal is drawn)."""
    try:
        answer = client.views_update(view_id=view_id, hash=hash, view=draft_modal(modal))
    except SlackApiError as error:
        if error.response.get("error") != "hash_conflict":
            raise
        log.info("the draft modal changed while contacts were looked up; left as it is")
        return None
    return str((answer.get("view") or {}).get("hash") or "")
