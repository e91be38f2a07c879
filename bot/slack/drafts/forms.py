"""What the draft and sender settings modals send back, as the use cases take it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.outreach.followups import follow_up_days_problem
from bot.services.outreach import DraftForm, SenderSettings
from bot.slack.drafts.blocks import CONTEXT_INPUTS
from bot.slack.drafts.ids import (
    FILLED_INPUTS,
    REVISED_INPUTS,
    DraftInput,
    DraftMetadata,
    input_block_id,
)
from bot.slack.forms import input_value


def read_draft_form(meta: DraftMetadata, view: Mapping[str, Any]) -> DraftForm:
    """The form as the user left it (a submission, a template change, a contact chosen)."""
    drawn = DraftForm(target=meta.target, template="", revision=meta.revision, filled=meta.filled)

    def typed(name: DraftInput) -> str:
        return input_value(view, input_block_id(name, drawn))

    return DraftForm(
        target=meta.target,
        template=typed(DraftInput.TEMPLATE),
        subject=typed(DraftInput.SUBJECT),
        body=typed(DraftInput.BODY),
        revision=meta.revision,
        filled=meta.filled,
        **{name.value: typed(name) for name, _, _ in CONTEXT_INPUTS},
    )


def field_errors(form: DraftForm, errors: Mapping[str, str]) -> dict[str, str]:
    """check_draft's field -> error, keyed by the modal's block ids (`response_action: errors`)."""
    block_ids = {name.value: input_block_id(name, form) for name in REVISED_INPUTS + FILLED_INPUTS}
    return {block_ids.get(field, field): message for field, message in errors.items()}


def read_sender_settings(view: Mapping[str, Any]) -> SenderSettings | dict[str, str]:
    """The settings entered, or block id -> error for `response_action: errors`."""
    days = input_value(view, DraftInput.FOLLOW_UP_DAYS).strip()
    problem = follow_up_days_problem(days)
    if problem is not None:
        return {DraftInput.FOLLOW_UP_DAYS.value: problem}
    name, signature = (
        input_value(view, key) for key in (DraftInput.SENDER_NAME, DraftInput.SIGNATURE)
    )
    return SenderSettings(name, signature, int(days))
