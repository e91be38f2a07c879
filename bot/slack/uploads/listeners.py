"""Exports sent to Gapbot in a DM: imported for the sender's workspace, and answered with
the report `gapbot import` prints."""

from __future__ import annotations

import logging
from typing import Any

import duckdb
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.config import Settings
from bot.links.base import LinkSourceError
from bot.links.duckdb_tools import duckdb_reason
from bot.links.imports import ExportError, SiteRequiredError
from bot.links.sources import open_index
from bot.services.deps import Services
from bot.slack.listening import after_ack
from bot.slack.uploads.blocks import imported_text, not_imported_text, site_required_text
from bot.slack.uploads.files import UploadRefused, downloaded, file_info, file_name, site_in

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event({"type": "message", "subtype": "file_share"})(after_ack(import_upload))
    # message.im sends every message of a DM with Gapbot; the others are acknowledged and
    # let be (an unanswered event is a failed delivery to Slack, retried, then disabled).
    app.event("message")(_ack)


def _ack(ack: Ack) -> None:
    ack()


def import_upload(event: dict[str, Any], client: WebClient, services: Services, team: str) -> None:
    """After the ack: import each file shared in a DM with Gapbot, and answer there."""
    channel = event.get("channel")
    # A bot's file (Gapbot's own CSV of a result, say) is no export sent to be imported.
    if event.get("channel_type") != "im" or event.get("bot_id") or not channel:
        return
    settings = services.settings
    text = str(event.get("text") or "")
    for shared in event.get("files") or []:
        reply = import_shared(client, settings, team, str(shared.get("id", "")), text)
        client.chat_postMessage(channel=channel, text=reply)


def import_shared(client: WebClient, settings: Settings, team: str, file_id: str, text: str) -> str:
    """Import one shared file for `team`; the reply: its report, or why it was not."""
    name = "The file"
    try:
        site = site_in(text)
        info = file_info(client, file_id)
        name = file_name(info)
        with downloaded(info, settings, client.token) as path:
            report = open_index(settings, team).import_file(path, site=site)
    except SiteRequiredError as error:
        return site_required_text(error.problem)
    except (UploadRefused, ExportError, LinkSourceError) as error:
        return not_imported_text(name, str(error))
    except duckdb.Error as error:
        return not_imported_text(
            name, f"the link index could not be written: {duckdb_reason(error)}"
        )
    except Exception:
        log.exception("import of shared file %s failed", file_id)
        return not_imported_text(name, "an internal error")
    return imported_text(report)
