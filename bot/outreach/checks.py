"""The checks a draft passes before it is saved (a valid recipient, a personal note, no
empty or placeholder text, at most 200 words), and the copy-paste warning (looks_copied)
it is saved with."""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from bot.outreach.drafts import Draft, DraftContext, TemplateKind

MAX_WORDS = 200
SIMILARITY_LIMIT = 0.8

_PLACEHOLDER = re.compile(
    r"\[[^\[\]\n]{0,40}[A-Za-z][^\[\]\n]{0,40}\]"  # [Name], [your site]
    r"|\{\{|\}\}|\{%|%\}|\{#|#\}"  # template syntax that was never rendered
    r"|\b(?:TODO|TBD|FIXME|XXX)\b"
    r"|(?i:<\s*(?:your|insert)\b[^<>\n]*>)"  # <your name>, <insert link>
)
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_WORD = re.compile(r"\w+")


def word_count(body: str) -> int:
    """Words as SPEC 7 counts them: whitespace-separated tokens of the body as sent."""
    return len(body.split())


def word_count_label(body: str) -> str:
    """The count the draft modal shows, e.g. "143 / 200 words"."""
    return f"{word_count(body)} / {MAX_WORDS} words"


def find_placeholder(text: str) -> str | None:
    """The first leftover placeholder in `text` ("[Name]", "{{", "TODO", "<your name>"...)."""
    match = _PLACEHOLDER.search(text)
    return match.group(0) if match else None


def is_valid_email(address: str) -> bool:
    """Whether `address` looks like one deliverable mailbox (no display name, no list)."""
    return len(address) <= 254 and _EMAIL.fullmatch(address.strip()) is not None


def similarity(a: str, b: str) -> float:
    """How alike two emails are, 0.0 to 1.0, word by word, ignoring case and punctuation."""
    words_a = _WORD.findall(a.lower())
    words_b = _WORD.findall(b.lower())
    return SequenceMatcher(None, words_a, words_b, autojunk=False).ratio()


def too_similar(body: str, sent_bodies: Iterable[str]) -> bool:
    """Whether `body` is more than 80% the same as an email already sent."""
    return max((similarity(body, sent) for sent in sent_bodies), default=0.0) > SIMILARITY_LIMIT


def looks_copied(draft: Draft, sent_bodies: Iterable[str]) -> bool:
    """Whether a first email is too like one already sent to another recipient (the draft
    is saved with a warning: the author decides). Follow-ups are exempt: they are replies in
    a thread whose first email already passed."""
    return draft.kind == TemplateKind.FIRST and too_similar(draft.body, sent_bodies)


def check_draft(draft: Draft, context: DraftContext) -> dict[str, str]:
    """Every problem with a draft, as field -> one sentence (Slack's `response_action: errors`).

    Keys are "subject", "body" or a DraftContext field name.
    """
    errors: dict[str, str] = {}
    if not is_valid_email(context.recipient_email):
        errors["recipient_email"] = "Enter one valid email address, like jane@example.com."
    if not context.is_personal():
        errors["common_ground"] = (
            "Add what you have in common or a note about their page, so the email is for them."
        )
    subject_error = _text_error(draft.subject, "subject line")
    if subject_error:
        errors["subject"] = subject_error
    body_error = _text_error(draft.body, "email") or _length_error(draft)
    if body_error:
        errors["body"] = body_error
    return errors


def _text_error(text: str, what: str) -> str | None:
    if not text.strip():
        return f"The {what} is empty."
    placeholder = find_placeholder(text)
    if placeholder:
        return f"Replace the placeholder {placeholder!r} in the {what} before sending."
    return None


def _length_error(draft: Draft) -> str | None:
    words = word_count(draft.body)
    if words > MAX_WORDS:
        return f"The email is {words} words; cut it to {MAX_WORDS} or fewer."
    return None
