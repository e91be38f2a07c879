"""The draft modal, the draft DM, taking over a domain someone owns, sender settings. Pure.

User and data text in mrkdwn goes through `mrkdwn.escape`; the email itself is shown as
plain text, which Slack never parses, so it can be copied exactly as written.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.outreach.checks import word_count_label
from bot.outreach.drafts import TemplateKind
from bot.services.outreach import DraftModal, DraftTarget, SavedDraft, SenderSettings
from bot.slack.blocks import (
    MAX_INPUT,
    MAX_OPTION_TEXT,
    MAX_SECTION_TEXT,
    context,
    cut,
    section,
    slack_date,
)
from bot.slack.contacts.blocks import contact_blocks
from bot.slack.drafts.ids import (
    DraftAction,
    DraftCallback,
    DraftInput,
    DraftMetadata,
    DraftRef,
    TargetRef,
    input_block_id,
)
from bot.slack.mrkdwn import escape
from bot.slack.texts import owned_text
from bot.slack.values import encode
from bot.store.pipeline import PipelineMark

MAX_BUTTON_URL = 3000
MAX_SETTING = 500
_ON_ENTER = {"trigger_actions_on": ["on_enter_pressed"]}
# The single-line inputs a template is rendered from: label, and whether optional. Enter
# in one re-renders the email.
CONTEXT_INPUTS = (
    (DraftInput.RECIPIENT_NAME, "Recipient name", True),
    (DraftInput.RECIPIENT_EMAIL, "Recipient email", False),
    (DraftInput.COMMON_GROUND, "Common ground", True),
    (DraftInput.PAGE_NOTE, "A note about their page", True),
    (DraftInput.OFFER, "What you offer", True),
    (DraftInput.MY_PAGE, "My page URL", False),
)


# -- the draft modal ---------------------------------------------------------------------------


def draft_modal(modal: DraftModal) -> View:
    """The email editor: template picker, the fields it is written from, subject, body, count."""
    form = modal.form
    blocks: list[Block] = [context(_target_line(form.target)), _template_picker(modal)]
    if modal.skipped:
        skipped = "; ".join(modal.skipped)
        note = f":warning: Templates skipped (fix and restart): {escape(skipped)}"
        blocks.append(context(cut(note, 2000)))
    blocks += contact_blocks(
        form.target.refdomain, modal.contacts, modal.looking, form.recipient_email
    )
    for name, label, optional in CONTEXT_INPUTS:
        value = getattr(form, name)
        blocks.append(_text_input(input_block_id(name, form), label, value, optional=optional))
    blocks.append(
        context("Pick a template, or press Enter in a field above, to re-write the email.")
    )
    if form.problem:
        blocks.append(context(f":warning: {escape(form.problem)}"))
    subject, body = (input_block_id(name, form) for name in (DraftInput.SUBJECT, DraftInput.BODY))
    blocks.append(_text_input(subject, "Subject", form.subject, dispatch=False))
    blocks.append(_text_input(body, "Email", form.body, dispatch=False, multiline=True))
    blocks.append(context(word_count_label(form.body)))
    title = "Draft follow-up" if form.target.kind is TemplateKind.FOLLOW_UP else "Draft email"
    return View(
        type="modal",
        callback_id=DraftCallback.DRAFT,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text="Save draft"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=encode(DraftMetadata.of(form)),
        blocks=blocks,
    )


def _target_line(target: DraftTarget) -> str:
    return f"To *{escape(target.refdomain)}*, for {escape(target.site)}"


def _template_picker(modal: DraftModal) -> InputBlock:
    options = [Option(text=cut(name, MAX_OPTION_TEXT), value=key) for key, name in modal.templates]
    chosen = next((item for item in options if item.value == modal.form.template), None)
    return InputBlock(
        block_id=DraftInput.TEMPLATE,
        label="Template",
        dispatch_action=True,
        element=StaticSelectElement(
            action_id=DraftAction.DRAFT_RERENDER,
            placeholder="Choose a template",
            options=options,
            initial_option=chosen,
        ),
    )


def _text_input(
    block_id: str,
    label: str,
    value: str,
    *,
    optional: bool = False,
    dispatch: bool = True,
    multiline: bool = False,
    max_length: int = MAX_INPUT,
) -> InputBlock:
    """A plain text input; with `dispatch`, Enter in it re-renders the email."""
    element = PlainTextInputElement(
        action_id=DraftAction.DRAFT_RERENDER if dispatch else DraftAction.DRAFT_INPUT,
        initial_value=value[:max_length] or None,
        multiline=multiline or None,
        max_length=max_length,
        dispatch_action_config=_ON_ENTER if dispatch else None,
    )
    return InputBlock(
        block_id=block_id,
        label=label,
        element=element,
        optional=optional,
        dispatch_action=dispatch or None,
    )


# -- the draft DM ------------------------------------------------------------------------------


def draft_message(draft: SavedDraft) -> list[Block]:
    """A saved draft, ready to copy; Mark as sent and Edit until it is sent, then the reminder."""
    kind = "Follow-up" if draft.kind is TemplateKind.FOLLOW_UP else "Email"
    blocks: list[Block] = [
        section(
            f":email: {kind} to *{escape(draft.refdomain)}* for {escape(draft.site)} · "
            f"version {draft.version} · {word_count_label(draft.body)}\n"
            f"*To:* {escape(draft.recipient_email)}\n*Subject:* {escape(draft.subject)}"
        ),
        *_plain_sections(draft.body),
    ]
    if draft.similar:
        blocks.append(
            context(
                ":warning: This email is over 80% the same as one already sent to another "
                "domain. Make it about this recipient before you send it."
            )
        )
    if draft.sent_at is not None:
        blocks.append(section(sent_text(draft.next_due)))
        return blocks
    blocks.append(_draft_buttons(draft))
    return blocks


def draft_fallback(draft: SavedDraft) -> str:
    return f"Draft email to {escape(draft.refdomain)}: {escape(draft.subject)}"


def sent_text(next_due: datetime | None) -> str:
    if next_due is None:
        return ":white_check_mark: Sent."
    return f":white_check_mark: Sent — follow-up reminder on {slack_date(next_due)}"


def mailto_url(draft: SavedDraft) -> str | None:
    """A `mailto:` link with subject and body, if it fits in a Slack button (else None)."""
    url = (
        f"mailto:{quote(draft.recipient_email, safe='@')}"
        f"?subject={quote(draft.subject, safe='')}&body={quote(draft.body, safe='')}"
    )
    return url if len(url) <= MAX_BUTTON_URL else None


def _draft_buttons(draft: SavedDraft) -> ActionsBlock:
    value = encode(DraftRef.of(draft.id))
    buttons = [
        ButtonElement(
            text="Mark as sent", action_id=DraftAction.MARK_SENT, value=value, style="primary"
        ),
        ButtonElement(text="Edit", action_id=DraftAction.EDIT_DRAFT, value=value),
    ]
    url = mailto_url(draft)
    if url is not None:
        buttons.append(
            ButtonElement(text="Open in email", action_id=DraftAction.OPEN_MAILTO, url=url)
        )
    return ActionsBlock(elements=buttons)


def _plain_sections(text: str) -> list[Block]:
    """The email as plain text (nothing in it is parsed), in section-sized pieces."""
    pieces = [
        text[start : start + MAX_SECTION_TEXT] for start in range(0, len(text), MAX_SECTION_TEXT)
    ]
    return [
        SectionBlock(text=PlainTextObject(text=piece, emoji=False)) for piece in pieces or [" "]
    ]


# -- ownership ---------------------------------------------------------------------------------


def owned_message(mark: PipelineMark) -> list[Block]:
    """Whose domain it is, and a confirmed **Contact anyway** to take it over."""
    button = ButtonElement(
        text="Contact anyway",
        action_id=DraftAction.CONTACT_ANYWAY,
        value=encode(TargetRef.of(mark.site, mark.refdomain)),
        style="danger",
        confirm=ConfirmObject(
            title="Take over this domain?",
            text=f"It becomes yours, and <@{escape(mark.owner_id or '')}> is no longer its owner.",
            confirm="Contact anyway",
            deny="Cancel",
        ),
    )
    return [section(owned_text(mark)), ActionsBlock(elements=[button])]


def taken_over_text(site: str, refdomain: str, done: bool) -> str:
    if not done:
        return f"*{escape(refdomain)}* has no other owner for {escape(site)} now."
    return f"*{escape(refdomain)}* is yours now for {escape(site)}; the change is logged."


# -- sender settings ---------------------------------------------------------------------------


def sender_settings_modal(settings: SenderSettings) -> View:
    def setting(name: DraftInput, label: str, value: str, **options: bool) -> InputBlock:
        return _text_input(name, label, value, dispatch=False, max_length=MAX_SETTING, **options)

    return View(
        type="modal",
        callback_id=DraftCallback.SENDER_SETTINGS,
        title=PlainTextObject(text="Sender settings"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            setting(DraftInput.SENDER_NAME, "Your name", settings.sender_name, optional=True),
            setting(
                DraftInput.SIGNATURE,
                "Signature",
                settings.signature,
                optional=True,
                multiline=True,
            ),
            setting(
                DraftInput.FOLLOW_UP_DAYS,
                "Follow up after (business days, whole workspace)",
                str(settings.follow_up_days),
            ),
        ],
    )


def owned_elsewhere_text() -> str:
    """The draft modal's answer when a teammate owns the domain (the DM says who)."""
    return "Someone else owns this domain: see my DM."
