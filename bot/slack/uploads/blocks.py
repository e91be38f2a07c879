"""What Gapbot answers in the DM a link export was sent in. Pure: data in, text out."""

from __future__ import annotations

from bot.links.index_import import ImportReport
from bot.slack.mrkdwn import escape

# Of a reason echoed back: an export's error can quote the file.
_SHOWN_CHARACTERS = 300


def site_required_text(problem: str) -> str:
    return (
        f"{escape(problem)}: say whose links these are by sending it again with"
        " `site: example.com` as its message."
    )


def imported_text(report: ImportReport) -> str:
    """The report `gapbot import` prints, as a DM."""
    lines = escape("\n".join(report.lines()))
    return (
        f"Imported for this workspace:\n```\n{lines}\n```\n"
        "Next: `/gaps SITE vs COMPETITOR...` over the sites it holds."
    )


def not_imported_text(name: str, reason: str) -> str:
    if len(reason) > _SHOWN_CHARACTERS:
        reason = reason[:_SHOWN_CHARACTERS] + "…"
    return f"{escape(name)} was not imported: {escape(reason.rstrip('.'))}."
