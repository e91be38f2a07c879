"""The Won modal's and the link-at-risk DM's ids, and what their buttons and modal carry."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.services.won import WonForm
from bot.slack.values import BareId, Id, ModalMetadata, Text, key


class WonAction(StrEnum):
    LINKING_PAGE = "won_linking_page"
    LINK_LOST = "won_link_lost"
    LINK_RECHECK = "won_link_recheck"


class WonCallback(StrEnum):
    WON = "won_link_modal"


class WonInput(StrEnum):
    LINKING_PAGE = "linking_page"


class LinkRef(BareId):
    """Check again now and Mark lost on a link-at-risk DM: the won link's id."""


class WonMetadata(ModalMetadata):
    """The Won modal's private_metadata: the reminder it answers, and the DM it came from."""

    reminder_id: Annotated[Id, key("r")]
    channel_id: Annotated[Text, key("c")]
    message_ts: Annotated[Text, key("t")]

    @classmethod
    def of(cls, form: WonForm) -> WonMetadata:
        return cls.written(
            reminder_id=form.reminder_id, channel_id=form.channel_id, message_ts=form.message_ts
        )
