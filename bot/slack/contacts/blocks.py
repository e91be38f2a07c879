"""Block Kit for the contacts part of the draft modal. Pure.

Each candidate is a radio option: its address (and name) as the option, where it was found
and why it ranks there as its description. Both are plain text, which Slack never parses,
so an address reads exactly as written (`jane_doe@...`) and a page cannot format or ping.
The summary under them is mrkdwn, escaped (bot.slack.mrkdwn).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextObject,
    RadioButtonsElement,
)

from bot.contacts.lookup import MAX_PAGES, ContactLookup
from bot.contacts.ranking import Contact, Reason
from bot.slack.blocks import MAX_OPTION_TEXT, MAX_SECTION_TEXT, context, cut
from bot.slack.contacts.ids import ContactAction, ContactInput
from bot.slack.mrkdwn import escape, link

MAX_CONTACTS_SHOWN = 5
MAX_PROBLEMS_SHOWN = 2
# Slack's limit on an option's value, which carries the address.
MAX_OPTION_VALUE = 150


def contact_blocks(
    domain: str, lookup: ContactLookup | None, looking: bool, recipient: str
) -> list[Block]:
    """Find contacts, the search under way, or the candidates found (`recipient`, the
    address in the form, shown as chosen) with Look again."""
    if looking:
        return [
            context(
                f":mag: Looking for contacts on *{escape(domain)}*: up to {MAX_PAGES} of its "
                "pages, a few seconds apart…"
            )
        ]
    if lookup is None:
        return [
            _button("Find contacts"),
            context(
                f"Reads up to {MAX_PAGES} pages of *{escape(domain)}* (home, contact, about, "
                "write for us…) for whom to write to. Gapbot sends nothing."
            ),
        ]
    shown = [
        contact
        for contact in lookup.contacts
        if not contact.form and len(contact.address) <= MAX_OPTION_VALUE
    ][:MAX_CONTACTS_SHOWN]
    blocks: list[Block] = [_picker(shown, recipient)] if shown else []
    blocks += [context(_summary(lookup, bool(shown))), _button("Look again")]
    return blocks


def _picker(shown: list[Contact], recipient: str) -> InputBlock:
    options = [_option(contact) for contact in shown]
    chosen = next((item for item in options if item.value == recipient), None)
    return InputBlock(
        block_id=ContactInput.CONTACT,
        label="Contacts found (choose one to write to)",
        optional=True,
        dispatch_action=True,
        element=RadioButtonsElement(
            action_id=ContactAction.CHOOSE_CONTACT, options=options, initial_option=chosen
        ),
    )


def _option(contact: Contact) -> Option:
    label = f"{contact.address} · {contact.name}" if contact.name else contact.address
    why = " · ".join([f"found on {_page(contact.found_on)}", *map(_reason, contact.reasons)])
    return Option(
        value=contact.address,
        text=PlainTextObject(text=cut(label, MAX_OPTION_TEXT), emoji=False),
        description=PlainTextObject(text=cut(why, MAX_OPTION_TEXT), emoji=False),
    )


def _reason(reason: Reason) -> str:
    """A reason as shown: those that count against a contact are marked."""
    return f"⚠ {reason.text}" if reason.points < 0 else reason.text


def _summary(lookup: ContactLookup, any_address: bool) -> str:
    pages = ", ".join(link(url, _page(url)) for url in lookup.pages) or "none could be read"
    count = len(lookup.pages)
    lines = [
        f"Looked on {lookup.looked_at:%Y-%m-%d} at {count} page{'s' if count != 1 else ''} "
        f"of *{escape(lookup.domain)}*: {pages}."
    ]
    if not any_address:
        lines.append("No address found.")
    forms = [link(item.address, _page(item.address)) for item in lookup.contacts if item.form]
    if forms:
        lines.append(f"Contact form: {', '.join(forms)}")
    if lookup.author:
        lines.append(
            f"The page that links to your competitors was written by *{escape(lookup.author)}*."
        )
    lines += [f":warning: {escape(problem)}" for problem in lookup.problems[:MAX_PROBLEMS_SHOWN]]
    return cut("\n".join(lines), MAX_SECTION_TEXT)


def _page(url: str) -> str:
    """A page of the prospect's site as its path (`/kontakt`); the home page by name."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return "the home page" if path in ("", "/") else path


def _button(text: str) -> ActionsBlock:
    return ActionsBlock(
        elements=[ButtonElement(text=text, action_id=ContactAction.FIND_CONTACTS, value="find")]
    )
