"""The draft modal's, draft DM's and sender settings' ids, and what their buttons and modal carry.

The subject and body inputs carry a revision suffix (`body:3`): Slack keeps what the user
typed in an input whose block id is unchanged, so a re-rendered email needs fresh ids. So
do the recipient's name and email once a found contact fills them (`recipient_email:f1`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.outreach.drafts import TemplateKind
from bot.services.outreach import DraftForm, DraftTarget
from bot.slack.values import BareId, ButtonValue, Count, ModalMetadata, RowDomain, key


class DraftAction(StrEnum):
    DRAFT_EMAIL = "outreach_draft_email"  # on a result row
    DRAFT_TARGET = "outreach_draft_target"  # on one of my targets in App Home
    DRAFT_RERENDER = "outreach_draft_rerender"
    DRAFT_INPUT = "outreach_draft_input"
    MARK_SENT = "outreach_mark_sent"
    EDIT_DRAFT = "outreach_edit_draft"
    OPEN_MAILTO = "outreach_open_mailto"
    CONTACT_ANYWAY = "outreach_contact_anyway"
    SENDER_SETTINGS = "outreach_sender_settings"


class DraftCallback(StrEnum):
    DRAFT = "outreach_draft_modal"
    SENDER_SETTINGS = "outreach_sender_settings_modal"


class DraftInput(StrEnum):
    """Input block ids of the draft and sender settings modals; the draft's match the
    DraftForm fields they fill."""

    TEMPLATE = "template"
    RECIPIENT_NAME = "recipient_name"
    RECIPIENT_EMAIL = "recipient_email"
    COMMON_GROUND = "common_ground"
    PAGE_NOTE = "page_note"
    OFFER = "offer"
    MY_PAGE = "my_page"
    SUBJECT = "subject"
    BODY = "body"
    SENDER_NAME = "sender_name"
    SIGNATURE = "signature"
    FOLLOW_UP_DAYS = "follow_up_days"


# Written by Gapbot when a found contact is chosen (bot.slack.contacts).
FILLED_INPUTS = (DraftInput.RECIPIENT_NAME, DraftInput.RECIPIENT_EMAIL)
REVISED_INPUTS = (DraftInput.SUBJECT, DraftInput.BODY)


def input_block_id(name: DraftInput, form: DraftForm) -> str:
    """An input's block id in the modal drawn for `form`: fresh for each revision of the
    email, and each time a found contact filled the recipient."""
    if name in REVISED_INPUTS:
        return f"{name.value}:{form.revision}"
    if name in FILLED_INPUTS and form.filled:
        return f"{name.value}:f{form.filled}"
    return name.value


class DraftRef(BareId):
    """Mark as sent and Edit on a draft DM: the draft's id."""


class TargetRef(ButtonValue):
    """Draft email on one of my targets, and Contact anyway: the site and the domain."""

    site: Annotated[RowDomain, key("s")]
    refdomain: Annotated[RowDomain, key("d")]

    @classmethod
    def of(cls, site: str, refdomain: str) -> TargetRef:
        return cls.written(site=site, refdomain=refdomain)


class DraftMetadata(ModalMetadata):
    """The draft modal's private_metadata: whom the email is for, and which revision of
    the email and of the found recipient it shows."""

    site: Annotated[RowDomain, key("s")]
    refdomain: Annotated[RowDomain, key("d")]
    kind: Annotated[TemplateKind, key("k")]
    revision: Annotated[Count, key("r")] = 0
    filled: Annotated[Count, key("f")] = 0

    @classmethod
    def of(cls, form: DraftForm) -> DraftMetadata:
        target = form.target
        return cls.written(
            site=target.site,
            refdomain=target.refdomain,
            kind=target.kind,
            revision=form.revision,
            filled=form.filled,
        )

    @property
    def target(self) -> DraftTarget:
        return DraftTarget(self.site, self.refdomain, self.kind)
