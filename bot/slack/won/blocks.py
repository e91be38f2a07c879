"""The Won modal, the DMs about a won link's checks, and the link-at-risk answers. Pure."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.outreach.link_checks import MAX_URL, Notice
from bot.services.link_checks import CheckedLink
from bot.services.won import AtRiskChoice, WonForm
from bot.slack.blocks import MAX_PLACEHOLDER, MAX_SECTION_TEXT, context, cut, section
from bot.slack.mrkdwn import escape, link
from bot.slack.values import encode
from bot.slack.won.ids import LinkRef, WonAction, WonCallback, WonInput, WonMetadata
from bot.verify import Verdict

WON_TITLE = "Mark won"
NOT_YOURS_LINK = "That link is not yours, or it is gone."


def won_loading_modal(form: WonForm) -> View:
    """Shown at once (a trigger lasts 3 s) while the data is asked for a known page."""
    text = f"Looking for the page of *{escape(form.refdomain)}* that links to {escape(form.site)}…"
    return _won_view(form, [section(text)], submit=False)


def won_modal(form: WonForm) -> View:
    """Won asks for the page that links to the site, prefilled when the data knows one."""
    page = InputBlock(
        block_id=WonInput.LINKING_PAGE,
        label=cut(f"Page that links to {form.site}", MAX_PLACEHOLDER),
        optional=True,
        element=PlainTextInputElement(
            action_id=WonAction.LINKING_PAGE,
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


def _won_view(form: WonForm, blocks: list[Block], *, submit: bool) -> View:
    return View(
        type="modal",
        callback_id=WonCallback.WON,
        title=PlainTextObject(text=WON_TITLE),
        submit=PlainTextObject(text=WON_TITLE) if submit else None,
        close=PlainTextObject(text="Cancel"),
        private_metadata=encode(WonMetadata.of(form)),
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
    value = encode(LinkRef.of(link_id))
    return ActionsBlock(
        elements=[
            ButtonElement(text="Check again now", action_id=WonAction.LINK_RECHECK, value=value),
            ButtonElement(
                text="Mark lost", action_id=WonAction.LINK_LOST, value=value, style="danger"
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
