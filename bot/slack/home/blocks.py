"""App Home: recent analyses, the pipeline, what works in outreach, my targets, paid
sources and the workspace's watches. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.outreach.followups import NextAction
from bot.outreach.moves import Status
from bot.outreach.report import (
    DEFAULT_PERIOD_DAYS,
    Dimension,
    Figures,
    Report,
    duration_text,
    match_group_text,
    percent,
)
from bot.services.home import Home, PaidSourcesNow
from bot.slack.blocks import MAX_SECTION_TEXT, context, cut, section
from bot.slack.drafts.ids import DraftAction, TargetRef
from bot.slack.home.ids import PAID_SOURCE_CHOICES, AnalysisRef, HomeAction, paid_sources_value
from bot.slack.mrkdwn import escape
from bot.slack.results.ids import GAPS_COMMAND
from bot.slack.values import encode
from bot.store.analyses import AnalysisRecord, AnalysisStatus
from bot.store.overview import PipelineRow

DUE_TITLE = "Follow-ups due"
USAGE_HINT = f"(`{GAPS_COMMAND} mysite.com vs rival.com` in any channel)"


def home_view(
    home: Home,
    now: datetime,
    *,
    can_set_paid_sources: bool,
    failed_reminders: Sequence[Block] = (),
    watches: Sequence[Block] = (),
    pipeline_chart: str | None = None,
) -> View:
    """The Home tab; `pipeline_chart`: the id of the pipeline picture to show, if drawn;
    the paid-sources menu only for those who may set it (workspace admins and owners)."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Gapbot", emoji=False))]
    blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*Recent analyses*  {USAGE_HINT}")))
    if not home.recent:
        blocks.append(context("None yet."))
    for analysis in home.recent:
        blocks.append(_recent_row(analysis))
    blocks.append(DividerBlock())
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text=_counts_text(home.counts)),
            accessory=ButtonElement(
                text="Chart over time", action_id=HomeAction.PIPELINE_CHART, value="draw"
            ),
        )
    )
    if pipeline_chart is not None:
        blocks.append(
            ImageBlock(
                slack_file={"id": pipeline_chart},
                alt_text=f"Domains in each status, day by day, over {DEFAULT_PERIOD_DAYS} days",
            )
        )
    blocks.append(DividerBlock())
    blocks.append(section(_report_text(home.report)))
    blocks.append(DividerBlock())
    blocks.extend(_targets(home.targets, now))
    blocks.extend(failed_reminders)
    if watches:
        blocks.append(DividerBlock())
        blocks.extend(watches)
    blocks.append(DividerBlock())
    blocks.append(_paid_sources(home.paid, can_set_paid_sources))
    return View(type="home", blocks=blocks)


def _paid_sources_label(allowed: bool, budget_usd: float | None) -> str:
    if not allowed or budget_usd is None:
        return "Off: local data and the web graph only"
    return f"Up to ${budget_usd:,.2f} a day"


def _paid_sources(paid: PaidSourcesNow, can_change: bool) -> SectionBlock:
    now = _paid_sources_label(paid.allowed, paid.daily_budget_usd)
    text = f"*Paid link sources* (DataForSEO, Ahrefs, Semrush, Moz)\n{escape(now)}"
    if not can_change:
        return SectionBlock(text=MarkdownTextObject(text=text + "\n_Set by a workspace admin._"))
    options = [
        Option(value=paid_sources_value(budget), label=_paid_sources_label(True, budget))
        for budget in PAID_SOURCE_CHOICES
    ]
    current = paid_sources_value(paid.daily_budget_usd if paid.allowed else None)
    chosen = next((option for option in options if option.value == current), None)
    return SectionBlock(
        text=MarkdownTextObject(text=text),
        accessory=StaticSelectElement(
            action_id=HomeAction.PAID_SOURCES, options=options, initial_option=chosen
        ),
    )


def _recent_row(analysis: AnalysisRecord) -> SectionBlock:
    competitors = ", ".join(escape(site) for site in analysis.competitors)
    state = {
        AnalysisStatus.DONE: f"{analysis.total} gaps",
        AnalysisStatus.RUNNING: "running",
        AnalysisStatus.FAILED: "failed",
    }[analysis.status]
    text = (
        f"*{escape(analysis.site)}* vs {competitors}\n{state} · "
        f"{analysis.created_at:%Y-%m-%d %H:%M} UTC · <#{escape(analysis.channel_id)}>"
    )
    accessory = None
    if analysis.status is AnalysisStatus.DONE:
        accessory = ButtonElement(
            text="Post again",
            action_id=HomeAction.REPOST,
            value=encode(AnalysisRef.of(analysis.id)),
        )
    return SectionBlock(
        text=MarkdownTextObject(text=cut(text, MAX_SECTION_TEXT)), accessory=accessory
    )


def _counts_text(counts: Mapping[Status, int]) -> str:
    lines = ["*Pipeline*"]
    for status in Status:
        if counts.get(status):
            lines.append(f"{status.label}: *{counts[status]}*")
    if len(lines) == 1:
        lines.append("Nothing targeted yet.")
    return "\n".join(lines)


def _report_text(report: Report) -> str:
    """What works, in a few lines: all first emails, then per template and per match count."""
    title = f"*What works* (first emails drafted in the last {DEFAULT_PERIOD_DAYS} days)"
    if not report.total.drafted:
        return f"{title}\nNothing drafted in that time."
    lines = [f"{title}: {_figures_text(report.total)}", "*By template*"]
    lines += [
        f"{escape(line.key)}: {_figures_text(line.figures)}"
        for line in report.by(Dimension.TEMPLATE)
    ]
    lines.append("*By competitors linked*")
    lines += [
        f"{match_group_text(line.key)}: {_figures_text(line.figures)}"
        for line in report.by(Dimension.MATCHES)
    ]
    return "\n".join(lines)


def _figures_text(figures: Figures) -> str:
    """Figures in a line: "2 sent of 3 drafted · 50% replied · 50% won · median reply 5 hours"."""
    parts = [f"{figures.sent} sent of {figures.drafted} drafted"]
    if figures.sent:
        parts.append(f"{percent(figures.reply_rate)} replied")
        parts.append(f"{percent(figures.win_rate)} won")
    if figures.median_reply is not None:
        parts.append(f"median reply {duration_text(figures.median_reply)}")
    return " · ".join(parts)


def _targets(targets: Sequence[PipelineRow], now: datetime) -> list[Block]:
    """My targets: follow-ups due first, then by pipeline status, each with Draft email."""
    settings = ButtonElement(
        text="Sender settings", action_id=DraftAction.SENDER_SETTINGS, value="open"
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text="*My targets*"), accessory=settings)
    ]
    if not targets:
        blocks.append(context("None yet: press *Target* on a gap to own it."))
    due = [row for row in targets if _is_due(row, now)]
    groups = [(DUE_TITLE, due)] + [
        (status.label.capitalize(), [row for row in targets if row.status is status])
        for status in Status
    ]
    for title, rows in groups:
        rows = [row for row in rows if title == DUE_TITLE or row not in due]
        if not rows:
            continue
        blocks.append(context(f"*{title}*"))
        blocks.extend(_target_row(row) for row in rows)
    return blocks


def _is_due(row: PipelineRow, now: datetime) -> bool:
    return (
        row.next_action == NextAction.FOLLOW_UP and row.next_due is not None and row.next_due <= now
    )


def _target_row(row: PipelineRow) -> SectionBlock:
    text = f"*{escape(row.refdomain)}* for {escape(row.site)} — {escape(row.status.label)}"
    if row.next_due is not None:
        text += f" · next reminder {row.next_due:%Y-%m-%d}"
    value = encode(TargetRef.of(row.site, row.refdomain))
    return SectionBlock(
        text=MarkdownTextObject(text=cut(text, MAX_SECTION_TEXT)),
        accessory=ButtonElement(
            text="Draft email", action_id=DraftAction.DRAFT_TARGET, value=value
        ),
    )


def chart_not_drawn_text(reason: str) -> str:
    return (
        f":warning: Slack would not take the pipeline chart ({escape(reason)})."
        " `gapbot pipeline --chart FILE.png` draws it in a terminal."
    )
