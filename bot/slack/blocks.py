"""Block Kit pieces every feature builds with, and Slack's limits. Pure.

Slack's limits are kept here: 50 blocks a message, 3000 characters a section, 150 a
header, 75 an option label. Every piece of text that comes from data or from a user
goes through `mrkdwn.escape` (or `mrkdwn.link`) before it reaches these.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

MAX_MESSAGE_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_OPTION_TEXT = 75
MAX_PLACEHOLDER = 150
MAX_INPUT = 3000
MAX_URL_LABEL = 120
MAX_REASON_TEXT = 300


def context(text: str) -> ContextBlock:
    """A line of small mrkdwn text (already escaped)."""
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def section(text: str) -> SectionBlock:
    """A mrkdwn section (already escaped), within Slack's 3000 characters."""
    return SectionBlock(text=MarkdownTextObject(text=cut(text, MAX_SECTION_TEXT)))


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters (a Slack limit), an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_date(moment: datetime) -> str:
    """A date Slack shows in the reader's own time zone (UTC date as the fallback)."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}}|{moment:%Y-%m-%d}>"
