"""The one place that makes data and user text safe to show in Slack mrkdwn.

Slack reads `&`, `<` and `>` as control characters (`<!channel>` pings a channel,
`<@U123>` a person), so they are HTML-escaped as Slack documents. The formatting
characters `*`, `_`, `~` and a backquote have no escape in mrkdwn; they are shown
as look-alike characters so that text from a link export can never bold, strike
or quote the rest of a message.
"""

from __future__ import annotations

_CONTROL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_FORMATTING = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
_TABLE = str.maketrans({**_CONTROL, **_FORMATTING})
_URL_TABLE = str.maketrans({**_CONTROL, "|": "%7C", " ": "%20"})
_LINKABLE_SCHEMES = ("http://", "https://")


def escape(text: object) -> str:
    """`text` as mrkdwn that shows it literally and pings nobody."""
    return str(text).translate(_TABLE)


def link(url: str, label: str | None = None) -> str:
    """A clickable link to an http(s) URL, labelled with the escaped text; else escaped text."""
    shown = escape(label if label is not None else url)
    if not url.lower().startswith(_LINKABLE_SCHEMES):
        return shown
    # Slack decodes the entities inside `<...|...>`; a `|` would end the address early,
    # and percent-encoding it keeps the address the same for the browser.
    target = url.translate(_URL_TABLE)
    return f"<{target}|{shown}>"
