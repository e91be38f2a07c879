"""Contacts in the draft modal: Find contacts (or Look again), and choosing one found.

Finding reads a handful of the prospect's pages, seconds apart, so it runs after the ack:
the modal says it is looking, then shows what was found (views.update, each time with
the hash of the view it replaces, so an edit made meanwhile is never overwritten).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import contacts, outreach
from bot.services.deps import Services
from bot.services.outreach import DraftModal
from bot.slack.contacts.ids import ContactAction
from bot.slack.drafts.blocks import draft_modal
from bot.slack.drafts.forms import read_draft_form
from bot.slack.drafts.ids import DraftMetadata
from bot.slack.listening import after_ack
from bot.slack.values import carrying

log = logging.getLogger(__name__)


def register(app: App) -> None:
    modal = carrying(DraftMetadata)
    app.action(ContactAction.FIND_CONTACTS, middleware=modal)(after_ack(find_contacts))
    app.action(ContactAction.CHOOSE_CONTACT, middleware=modal)(after_ack(choose_contact))


def find_contacts(
    carried: DraftMetadata, body: dict[str, Any], client: WebClient, services: Services, team: str
) -> None:
    """Find contacts / Look again: read the prospect's pages now, then show the candidates."""
    current = body["view"]
    form = read_draft_form(carried, current)
    looking = outreach.modal_of(services, team, form, datetime.now(UTC), looking=True)
    shown = _update(client, current["id"], current.get("hash"), looking)
    if shown is None:
        return
    contacts.look_up(services, team, form.target, datetime.now(UTC))
    found = outreach.modal_of(services, team, form, datetime.now(UTC))
    _update(client, current["id"], shown or None, found)


def choose_contact(
    carried: DraftMetadata,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    services: Services,
    team: str,
) -> None:
    """A found contact was chosen: it becomes the recipient, and the email is written again."""
    current = body["view"]
    form = read_draft_form(carried, current)
    address = str((action.get("selected_option") or {}).get("value") or "")
    user, now = body["user"]["id"], datetime.now(UTC)
    modal = contacts.choose(services, team, user, form, address, now)
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
