"""Block Kit for outreach: the draft modal, the draft and reminder DMs, the Won modal and
the DMs about won links' checks, sender settings. Pure.

User and data text in mrkdwn goes through `mrkdwn.escape`; the email itself is shown as
plain text, which Slack never parses, so it can be copied exactly as written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
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
from bot.outreach.followups import SNOOZE_DAYS, follow_up_days_problem
from bot.outreach.link_checks import MAX_URL, Notice
from bot.services.link_checks import CheckedLink
from bot.services.outreach import (
    DraftForm,
    DraftModal,
    DraftTarget,
    ReminderAnswer,
    ReminderChoice,
    SavedDraft,
    SenderSettings,
)
from bot.services.paging import bounded_id
from bot.services.won import AtRiskChoice, WonForm
from bot.slack.blocks import MAX_SECTION_TEXT, context, cut, owned_text, section
from bot.slack.contact_blocks import contact_blocks
from bot.slack.ids import Action, Callback, Field
from bot.slack.mrkdwn import escape, link
from bot.store.clock import as_utc
from bot.store.outreach import Reminder
from bot.store.pipeline import MoveOutcome, PipelineMark
from bot.verify import Verdict

MAX_BUTTON_URL = 3000
MAX_INPUT = 3000
MAX_PLACEHOLDER = 150
WON_TITLE = "Mark won"
_ON_ENTER = {"trigger_actions_on": ["on_enter_pressed"]}
# The single-line fields a template is rendered from; Enter in one re-renders the email.
_CONTEXT_FIELDS = (
    (Field.RECIPIENT_NAME, "Recipient name", True),
    (Field.RECIPIENT_EMAIL, "Recipient email", False),
    (Field.COMMON_GROUND, "Common ground", True),
    (Field.PAGE_NOTE, "A note about their page", True),
    (Field.OFFER, "What you offer", True),
    (Field.MY_PAGE, "My page URL", False),
)
# Written by Gapbot when a found contact is chosen (bot.slack.contact_blocks).
_FILLED_FIELDS = (Field.RECIPIENT_NAME, Field.RECIPIENT_EMAIL)
MAX_FAILED_SHOWN = 10
# Slack's error codes for a reminder that could not be sent, as its owner would put them.
_FAILURE_REASONS = {
    "user_not_found": "the owner is not in the workspace any more",
    "user_disabled": "the owner's account is deactivated",
    "not_installed": "Gapbot is no longer installed in the workspace",
    "token_revoked": "Gapbot's access to the workspace was revoked",
    "account_inactive": "Gapbot's access to the workspace was revoked",
    "invalid_auth": "Slack no longer accepts Gapbot's token",
}
_ANSWERS = {
    ReminderChoice.REPLY: "Marked *replied*; no more reminders.",
    ReminderChoice.WON: "Marked *won* :tada:; no more reminders.",
    ReminderChoice.STOP: "Stopped: marked *no response*; no more reminders.",
}


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
    for field, label, optional in _CONTEXT_FIELDS:
        value = getattr(form, field)
        blocks.append(_text_input(_field_id(field, form), label, value, optional=optional))
    blocks.append(
        context("Pick a template, or press Enter in a field above, to re-write the email.")
    )
    if form.problem:
        blocks.append(context(f":warning: {escape(form.problem)}"))
    blocks.append(
        _text_input(_revised(Field.SUBJECT, form), "Subject", form.subject, dispatch=False)
    )
    blocks.append(
        _text_input(_revised(Field.BODY, form), "Email", form.body, dispatch=False, multiline=True)
    )
    blocks.append(context(word_count_label(form.body)))
    title = "Draft follow-up" if form.target.kind is TemplateKind.FOLLOW_UP else "Draft email"
    return View(
        type="modal",
        callback_id=Callback.DRAFT,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text="Save draft"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(
            {
                "s": form.target.site,
                "d": form.target.refdomain,
                "k": form.target.kind.value,
                "r": form.revision,
                "f": form.filled,
            }
        ),
        blocks=blocks,
    )


def read_draft_modal(view: Mapping[str, Any]) -> DraftForm:
    """The form as the user left it (a submission, or a template change)."""
    meta = json.loads(view.get("private_metadata") or "{}")
    target = DraftTarget(meta["s"], meta["d"], TemplateKind(meta["k"]))
    values: Mapping[str, Mapping[str, Any]] = (view.get("state") or {}).get("values") or {}
    revision = int(meta.get("r", 0))
    filled = int(meta.get("f", 0))
    probe = DraftForm(target, template="", revision=revision, filled=filled)
    fields = {
        field.value: _value(values, _field_id(field, probe)) for field, _, _ in _CONTEXT_FIELDS
    }
    return DraftForm(
        target,
        template=_value(values, Field.TEMPLATE),
        subject=_value(values, _revised(Field.SUBJECT, probe)),
        body=_value(values, _revised(Field.BODY, probe)),
        revision=revision,
        filled=filled,
        **fields,
    )


def field_errors(form: DraftForm, errors: Mapping[str, str]) -> dict[str, str]:
    """check_draft's field -> error, keyed by the modal's block ids (`response_action: errors`)."""
    block_ids = {
        Field.SUBJECT.value: _revised(Field.SUBJECT, form),
        Field.BODY.value: _revised(Field.BODY, form),
        **{field.value: _field_id(field, form) for field in _FILLED_FIELDS},
    }
    return {block_ids.get(field, field): message for field, message in errors.items()}


def _target_line(target: DraftTarget) -> str:
    return f"To *{escape(target.refdomain)}*, for {escape(target.site)}"


def _template_picker(modal: DraftModal) -> InputBlock:
    options = [Option(text=cut(name, 75), value=key) for key, name in modal.templates]
    chosen = next((item for item in options if item.value == modal.form.template), None)
    return InputBlock(
        block_id=Field.TEMPLATE,
        label="Template",
        dispatch_action=True,
        element=StaticSelectElement(
            action_id=Action.DRAFT_RERENDER,
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
) -> InputBlock:
    element = PlainTextInputElement(
        action_id=Action.DRAFT_RERENDER if dispatch else Action.DRAFT_INPUT,
        initial_value=value[:MAX_INPUT] or None,
        multiline=multiline or None,
        max_length=MAX_INPUT,
        dispatch_action_config=_ON_ENTER if dispatch else None,
    )
    return InputBlock(
        block_id=block_id,
        label=label,
        element=element,
        optional=optional,
        dispatch_action=dispatch or None,
    )


def _revised(field: Field, form: DraftForm) -> str:
    return f"{field.value}:{form.revision}"


def _field_id(field: Field, form: DraftForm) -> str:
    """A context field's block id: fresh each time a found contact filled it."""
    return f"{field.value}:f{form.filled}" if field in _FILLED_FIELDS and form.filled else field


def _value(values: Mapping[str, Mapping[str, Any]], block_id: str) -> str:
    for state in (values.get(block_id) or {}).values():
        chosen = state.get("selected_option") or {}
        return str(chosen.get("value") or state.get("value") or "")
    return ""


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
    return f":white_check_mark: Sent — follow-up reminder on {_date(next_due)}"


def mailto_url(draft: SavedDraft) -> str | None:
    """A `mailto:` link with subject and body, if it fits in a Slack button (else None)."""
    url = (
        f"mailto:{quote(draft.recipient_email, safe='@')}"
        f"?subject={quote(draft.subject, safe='')}&body={quote(draft.body, safe='')}"
    )
    return url if len(url) <= MAX_BUTTON_URL else None


def _draft_buttons(draft: SavedDraft) -> ActionsBlock:
    value = str(draft.id)
    buttons = [
        ButtonElement(
            text="Mark as sent", action_id=Action.MARK_SENT, value=value, style="primary"
        ),
        ButtonElement(text="Edit", action_id=Action.EDIT_DRAFT, value=value),
    ]
    url = mailto_url(draft)
    if url is not None:
        buttons.append(ButtonElement(text="Open in email", action_id=Action.OPEN_MAILTO, url=url))
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
    value = json.dumps({"s": mark.site, "d": mark.refdomain}, separators=(",", ":"))
    button = ButtonElement(
        text="Contact anyway",
        action_id=Action.CONTACT_ANYWAY,
        value=value,
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


# -- reminders ---------------------------------------------------------------------------------


def reminder_message(reminder: Reminder) -> list[Block]:
    """A due reminder as a DM: follow-up buttons, or the note that the outreach was closed."""
    domain, site = escape(reminder.refdomain), escape(reminder.site)
    if reminder.action == "close":
        return [
            section(
                f":zzz: No reply from *{domain}* after {reminder.follow_ups_sent} follow-ups, "
                f"so it is marked *no response* for {site}. If they write back, mark it "
                "from App Home."
            )
        ]
    value = str(reminder.id)
    sent = reminder.follow_ups_sent
    so_far = f"{sent} follow-up{'s' if sent != 1 else ''} sent so far"
    return [
        section(f":alarm_clock: Time to follow up with *{domain}* for {site} ({so_far})."),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Draft follow-up",
                    action_id=Action.DRAFT_FOLLOW_UP,
                    value=value,
                    style="primary",
                ),
                ButtonElement(text="Got a reply", action_id=Action.GOT_REPLY, value=value),
                ButtonElement(text="Won", action_id=Action.WON, value=value),
                ButtonElement(
                    text=f"Snooze {SNOOZE_DAYS} days", action_id=Action.SNOOZE, value=value
                ),
                ButtonElement(text="Stop", action_id=Action.STOP, value=value),
            ]
        ),
    ]


def reminder_fallback(reminder: Reminder) -> str:
    return f"Follow-up reminder: {escape(reminder.refdomain)}"


def reminder_answer_message(answer: ReminderAnswer) -> list[Block]:
    """The reminder DM after a button: what happened, without the buttons."""
    head = f"*{escape(answer.refdomain)}* for {escape(answer.site)}: "
    if answer.snoozed_until is not None:
        return [section(f"{head}snoozed until {_date(answer.snoozed_until)}.")]
    if answer.result.outcome is MoveOutcome.REFUSED:
        return [section(f"{head}{escape(answer.result.reason or 'not allowed')}")]
    return [section(head + _ANSWERS[answer.choice])]


def failed_reminders_blocks(reminders: Sequence[Reminder]) -> list[Block]:
    """App Home: the reminders Gapbot gave up sending, and why ([] when there are none)."""
    if not reminders:
        return []
    lines = [_failed_line(reminder) for reminder in reminders[:MAX_FAILED_SHOWN]]
    if len(reminders) > MAX_FAILED_SHOWN:
        lines.append(f"…and {len(reminders) - MAX_FAILED_SHOWN} more.")
    return [
        section("*Reminders that could not be sent*\n" + "\n".join(lines)),
        context(
            "Gapbot tried several times, then gave up. The next reminder is scheduled when "
            "the next email to that domain is marked as sent."
        ),
    ]


def _failed_line(reminder: Reminder) -> str:
    error = reminder.last_error or ""
    reason = _FAILURE_REASONS.get(error) or f"Slack answered {escape(error or 'nothing')}"
    tries = f"{reminder.attempts} {'try' if reminder.attempts == 1 else 'tries'}"
    return (
        f":warning: *{escape(reminder.refdomain)}* for {escape(reminder.site)}, due "
        f"{_date(as_utc(reminder.due_at))}, to <@{escape(reminder.owner_id)}>: {reason} "
        f"(gave up after {tries})"
    )


# -- won links ---------------------------------------------------------------------------------


def won_loading_modal(form: WonForm) -> View:
    """Shown at once (a trigger lasts 3 s) while the data is asked for a known page."""
    text = f"Looking for the page of *{escape(form.refdomain)}* that links to {escape(form.site)}…"
    return _won_view(form, [section(text)], submit=False)


def won_modal(form: WonForm) -> View:
    """Won asks for the page that links to the site, prefilled when the data knows one."""
    page = InputBlock(
        block_id=Field.LINKING_PAGE,
        label=cut(f"Page that links to {form.site}", MAX_PLACEHOLDER),
        optional=True,
        element=PlainTextInputElement(
            action_id=Action.LINKING_PAGE,
            initial_value=form.url[:MAX_URL] or None,
            placeholder=cut(f"https://{form.refdomain}/…", MAX_PLACEHOLDER),
            max_length=MAX_URL,
        ),
        hint=(
            "Gapbot checks this page now and every week, and tells you if the link is gone "
            "or stops counting. Leave it empty to mark the domain won without checking it."
        ),
    )
    head = f":tada: *{escape(form.refdomain)}* links to {escape(form.site)}: mark it won."
    return _won_view(form, [section(head), page], submit=True)


def read_won_modal(view: Mapping[str, Any]) -> WonForm:
    """The form as submitted (its domain is read again from the reminder); raises
    ValueError, KeyError or TypeError if its private_metadata is not this app's."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values: Mapping[str, Mapping[str, Any]] = (view.get("state") or {}).get("values") or {}
    return WonForm(
        reminder_id=bounded_id(meta["r"]),
        site="",
        refdomain="",
        url=_value(values, Field.LINKING_PAGE),
        channel_id=str(meta["c"]),
        message_ts=str(meta["t"]),
    )


def _won_view(form: WonForm, blocks: list[Block], *, submit: bool) -> View:
    return View(
        type="modal",
        callback_id=Callback.WON,
        title=PlainTextObject(text=WON_TITLE),
        submit=PlainTextObject(text=WON_TITLE) if submit else None,
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(
            {"r": form.reminder_id, "c": form.channel_id, "t": form.message_ts},
            separators=(",", ":"),
        ),
        blocks=blocks,
    )


def link_news_message(checked: CheckedLink) -> list[Block]:
    """What a check tells the owner: the first verdict, the link at risk (with the
    evidence), or the link back."""
    row, verdict = checked.link, checked.check.verdict
    domain, site, page = escape(row.refdomain), escape(row.site), link(row.url)
    said = f"*{escape(verdict.value)}*"
    notice = checked.next_check.notice
    if notice is Notice.BACK:
        return [
            section(
                f":tada: The link from *{domain}* to {site} is back: {page} is {said} again, "
                "so it is marked *won*."
            )
        ]
    if notice is Notice.AT_RISK:
        return [
            section(
                f":rotating_light: The link from *{domain}* to {site} is at risk: {page} was "
                f"{said} in two checks a day apart, so it is marked *link at risk*."
            ),
            _evidence(checked),
            context("Gapbot checks it every week and tells you when the link is back."),
            link_at_risk_buttons(row.id),
        ]
    if notice is None and verdict is not Verdict.LIVE:  # a check the owner asked for
        return [
            section(f":warning: Checked again: {page} is still {said} for {site}."),
            _evidence(checked),
            link_at_risk_buttons(row.id),
        ]
    if verdict is not Verdict.LIVE:
        return [
            section(f":warning: The first check of {page} for {site} found it {said}."),
            _evidence(checked),
            context("Gapbot checks again tomorrow; if it fails again, the link is at risk."),
        ]
    return [
        section(
            f":white_check_mark: The link from *{domain}* to {site} is {said}: {page}. "
            "Gapbot checks it every week."
        )
    ]


def link_at_risk_buttons(link_id: int | None) -> ActionsBlock:
    """What the owner can do about a link at risk: give it up, or have it checked now
    (after asking the site to restore it)."""
    value = str(link_id)
    return ActionsBlock(
        elements=[
            ButtonElement(text="Check again now", action_id=Action.LINK_RECHECK, value=value),
            ButtonElement(
                text="Mark lost", action_id=Action.LINK_LOST, value=value, style="danger"
            ),
        ]
    )


def link_at_risk_answer(refdomain: str, choice: AtRiskChoice) -> list[Block]:
    """The at-risk DM once its owner has answered it."""
    domain = escape(refdomain)
    if choice is AtRiskChoice.LOST:
        text = f"*{domain}* is marked *lost*; its page is no longer checked."
    else:
        text = f"Checking the page of *{domain}* again now; the verdict comes here."
    return [section(text)]


def link_news_fallback(checked: CheckedLink) -> str:
    return f"Won link {escape(checked.link.refdomain)}: {checked.check.verdict.value}"


def _evidence(checked: CheckedLink) -> SectionBlock:
    """The check, one fact a line: status, redirects, links and their rel, robots, canonical."""
    lines = "\n".join(escape(line) for line in checked.check.lines())
    return section(f"```{cut(lines, MAX_SECTION_TEXT - 6)}```")


# -- sender settings ---------------------------------------------------------------------------


def sender_settings_modal(settings: SenderSettings) -> View:
    return View(
        type="modal",
        callback_id=Callback.SENDER_SETTINGS,
        title=PlainTextObject(text="Sender settings"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            _setting(Field.SENDER_NAME, "Your name", settings.sender_name),
            _setting(Field.SIGNATURE, "Signature", settings.signature, multiline=True),
            _setting(
                Field.FOLLOW_UP_DAYS,
                "Follow up after (business days, whole workspace)",
                str(settings.follow_up_days),
                optional=False,
            ),
        ],
    )


def read_sender_settings(view: Mapping[str, Any]) -> SenderSettings | dict[str, str]:
    """The settings entered, or block id -> error for `response_action: errors`."""
    values: Mapping[str, Mapping[str, Any]] = (view.get("state") or {}).get("values") or {}
    days = _value(values, Field.FOLLOW_UP_DAYS).strip()
    problem = follow_up_days_problem(days)
    if problem is not None:
        return {Field.FOLLOW_UP_DAYS.value: problem}
    return SenderSettings(
        _value(values, Field.SENDER_NAME), _value(values, Field.SIGNATURE), int(days)
    )


def _setting(
    block_id: Field, label: str, value: str, *, optional: bool = True, multiline: bool = False
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=PlainTextInputElement(
            action_id=Action.DRAFT_INPUT,
            initial_value=value or None,
            multiline=multiline or None,
            max_length=500,
        ),
    )


# -- small parts -------------------------------------------------------------------------------


def _date(moment: datetime) -> str:
    """A date Slack shows in the reader's own time zone (UTC date as the fallback)."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}}|{moment:%Y-%m-%d}>"
