"""The Links modal: the exact pages of a referring domain that link to each competitor."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.config import ConfigError
from bot.links.base import LinkSourceError
from bot.services import analyses
from bot.slack.blocks import gone_text, links_error_modal, links_loading_modal, links_modal
from bot.slack.context import services_of, team_of
from bot.slack.ids import Action
from bot.slack.listening import after_ack
from bot.slack.posting import row_of

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(Action.LINKS)(after_ack(open_links))


def open_links(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Open the modal at once (the trigger expires in 3 s), then fill it in."""
    ack()
    row = row_of(action, respond)
    if row is None:
        return
    view, domain = row
    opened = client.views_open(trigger_id=body["trigger_id"], view=links_loading_modal(domain))
    modal = opened["view"]
    try:
        pages = analyses.linking_pages(
            services_of(context), team_of(context), view.analysis_id, domain
        )
    except (LinkSourceError, ConfigError) as error:
        filled = links_error_modal(domain, error)
    else:
        filled = (
            links_error_modal(domain, gone_text())
            if pages is None
            else (links_modal(domain, pages))
        )
    client.views_update(view_id=modal["id"], hash=modal.get("hash"), view=filled)
