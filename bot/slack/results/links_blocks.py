"""The Links modal: the exact pages of a referring domain that link to each competitor. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import Block, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.domains import shown_domain, without_credentials
from bot.links.base import LinkingPages, LinkingUrl
from bot.slack.blocks import MAX_SECTION_TEXT, MAX_URL_LABEL, cut
from bot.slack.mrkdwn import escape, link
from bot.slack.results.ids import ResultCallback
from bot.wording import counted


def links_loading_modal(domain: str) -> View:
    text = f"Looking up the pages of *{escape(shown_domain(domain))}*…"
    return _links_view([SectionBlock(text=MarkdownTextObject(text=text))])


def links_modal(domain: str, pages: Mapping[str, LinkingPages]) -> View:
    """The exact linking URLs from `domain` to each competitor (first few, then "+N more")."""
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(text=f"Pages on *{escape(shown_domain(domain))}* that link to:")
        )
    ]
    for competitor, found in pages.items():
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_pages_text(competitor, found))))
    return _links_view(blocks)


def links_error_modal(domain: str, error: object) -> View:
    text = f":x: Could not look up the pages of *{escape(domain)}*: {escape(error)}"
    return _links_view([SectionBlock(text=MarkdownTextObject(text=text))])


def _links_view(blocks: Sequence[Block]) -> View:
    return View(
        type="modal",
        callback_id=ResultCallback.LINKS,
        title=PlainTextObject(text="Linking pages"),
        close=PlainTextObject(text="Close"),
        blocks=list(blocks),
    )


def _pages_text(competitor: str, found: LinkingPages) -> str:
    head = f"*{escape(competitor)}* — {counted(found.total, 'link')}"
    if not found.urls:
        return f"{head}\nno exact pages known"
    lines = [head]
    shown = 0
    for url in found.urls:
        line = _url_line(url)
        if sum(len(item) + 1 for item in lines) + len(line) > MAX_SECTION_TEXT - 40:
            break
        lines.append(line)
        shown += 1
    if found.total > shown:
        lines.append(f"+{found.total - shown} more")
    return "\n".join(lines)


def _url_line(url: LinkingUrl) -> str:
    page = without_credentials(url.source_url)
    parts = [f"• {link(page, cut(page, MAX_URL_LABEL))}"]
    if url.anchor:
        parts.append(f"“{escape(cut(url.anchor, MAX_URL_LABEL))}”")
    if url.nofollow:
        parts.append("nofollow")
    return " · ".join(parts)
