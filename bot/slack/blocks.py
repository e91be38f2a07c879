"""Block Kit builders: plain data in, slack_sdk models out. Pure.

Slack's limits are kept here: 50 blocks a message, 3000 characters a section,
150 characters a header, 75 an option label. Every piece of text that comes from
data or from a user goes through `mrkdwn.escape` (or `mrkdwn.link`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
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

from bot.domains import shown_domain, without_credentials
from bot.gaps import DomainFilter, Opportunity, SortOrder
from bot.links.base import LinkingPages, LinkingUrl
from bot.outreach.moves import Status
from bot.outreach.report import (
    DEFAULT_PERIOD_DAYS,
    Dimension,
    Figures,
    Report,
    SimilarProspects,
    authority_text,
    duration_text,
    match_group_text,
    percent,
)
from bot.query import GapQuery, QueryError, parse_gap_text
from bot.services.paging import ResultPage, ResultView
from bot.slack.ids import GAPS_COMMAND, WATCH_WORD, WATCHES_WORD, Action, Callback
from bot.slack.mrkdwn import escape, link
from bot.store.analyses import AnalysisRecord, AnalysisStatus
from bot.store.outreach import PipelineRow
from bot.store.pipeline import PipelineMark
from bot.wording import UNPROVEN_MARK, counted, unproven_note

MAX_MESSAGE_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_OPTION_TEXT = 75
MAX_URL_LABEL = 120
MAX_REASON_TEXT = 300
DUE_TITLE = "Follow-ups due"

_SORT_LABELS = {
    SortOrder.MATCHES: "Most competitors first",
    SortOrder.MATCHES_ASC: "Fewest competitors first",
    SortOrder.AUTHORITY: "Highest authority first",
}
_STATUS_VERBS = {
    Status.TARGETED: "Targeted",
    Status.IGNORED: "Ignored",
}

USAGE = (
    f"*{GAPS_COMMAND} SITE vs COMPETITOR... [options]* finds the referring domains that "
    "link to your competitors but not to you.\n"
    f"• `{GAPS_COMMAND} mysite.com vs rival-a.com rival-b.com` (1 to 10 competitors, "
    "spaces or commas; `vs` is optional)\n"
    "• `--min-matches N` only domains linking to at least N competitors\n"
    "• `--dofollow-only` count dofollow links only\n"
    "• `--sort matches|matches-asc|authority`\n"
    "• `--min-authority N` only domains with authority N or more (unknown left out)\n"
    "• `--tld de,at` only these TLDs; `--tld -ru,-cn` all but these\n"
    "• `--exclude *.blogspot.com` leave out a domain or pattern (repeatable)\n"
    "• `--source local|dataforseo|ahrefs|...` where the link data comes from\n"
    f"• `{GAPS_COMMAND} {WATCH_WORD} mysite.com vs rival-a.com --every week` (day, week or "
    "month; the options above apply) posts in this channel what changes: new gaps, domains "
    f"now linking to you, links the competitors lost; `{GAPS_COMMAND} {WATCHES_WORD}` lists "
    "this channel's watches\n"
    "Then triage the list with *Target*, *Ignore* and *Links*, page through it, "
    "and export it as CSV."
)


# -- short replies ---------------------------------------------------------------------------


def working_text(query: GapQuery) -> str:
    competitors = ", ".join(escape(site) for site in query.competitors)
    return (
        f":hourglass_flowing_sand: Working on it: backlink gaps for *{escape(query.site)}* "
        f"vs {competitors}. The result will be posted in this channel."
    )


def query_error_text(error: object) -> str:
    return f":warning: {escape(error)}\nType `{GAPS_COMMAND} help` for usage."


def failure_text(site: str, error: object) -> str:
    # The reason may repeat what was typed (an unknown --source): keep it short.
    return (
        f":x: The gap analysis for *{escape(site)}* failed: "
        f"{escape(cut(str(error), MAX_REASON_TEXT))}\n"
        f"Nothing was posted. Run `{GAPS_COMMAND}` again once that is fixed."
    )


def other_workspace_text() -> str:
    return "This Gapbot serves another Slack workspace, so it cannot answer here."


def slack_failed_text() -> str:
    return ":warning: Slack did not answer in time, so that did not go through: try again."


def internal_error_text() -> str:
    return (
        ":warning: Something went wrong on Gapbot's side (it is logged for the admin): try again."
    )


def damaged_form_text() -> str:
    return "This form can no longer be read: close it and open it again."


def not_posted_text(channel_id: str, reason: str, app_home: str) -> str:
    """The result is stored but Slack would not take the message: say so, and where to go."""
    return (
        f":warning: The gap analysis is done, but Slack would not let me post it in "
        f"<#{escape(channel_id)}> ({escape(reason)}). It is saved: open {app_home} and press "
        "*Post again*."
    )


def chart_not_attached_text(reason: str) -> str:
    return (
        f":warning: The result is posted, but Slack would not take its overlap chart"
        f" ({escape(reason)}). `gapbot gaps ... --chart FILE.png` draws it in a terminal."
    )


def chart_not_drawn_text(reason: str) -> str:
    return (
        f":warning: Slack would not take the pipeline chart ({escape(reason)})."
        " `gapbot pipeline --chart FILE.png` draws it in a terminal."
    )


def app_home_link(team_id: str, app_id: str | None) -> str:
    """A link that opens Gapbot's App Home (Slack's deep link), or its name if unknown."""
    if not app_id:
        return "Gapbot's App Home"
    query = urlencode({"team": team_id, "id": app_id, "tab": "home"})
    return f"<slack://app?{escape(query)}|Gapbot's App Home>"


def invite_text(channel_id: str) -> str:
    return (
        f"I could not post in <#{escape(channel_id)}>, so the result was sent with the "
        "command's reply instead. To let me post (and update the list in place), "
        "invite me with `/invite @Gapbot`."
    )


def owned_text(mark: PipelineMark) -> str:
    return (
        f"*{escape(mark.refdomain)}* is already {escape(mark.status.value)} by "
        f"<@{escape(mark.owner_id or '')}> for {escape(mark.site)}: ask them before "
        "taking it over."
    )


def refused_text(domain: str, reason: str | None) -> str:
    return f"*{escape(domain)}* cannot be moved: {escape(reason or 'not allowed')}."


def gone_text() -> str:
    return "That analysis is not available here any more. Run `/gaps` again."


# -- the result message ------------------------------------------------------------------------


def result_message(page: ResultPage) -> list[Block]:
    """The whole message for one page: header, rows with triage buttons, controls."""
    blocks: list[Block] = [*_header(page.analysis), _summary(page), DividerBlock()]
    if not page.rows:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_empty_text(page))))
    for number, item in enumerate(page.rows, start=page.first_rank):
        blocks.extend(result_row(page, number, item))
    blocks.append(DividerBlock())
    blocks.append(_controls(page))
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text=f"page {page.view.page + 1} of {page.page_count}")]
        )
    )
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    return blocks


def result_fallback(analysis: AnalysisRecord) -> str:
    """The notification text of a result message."""
    return f"{counted(analysis.total, 'backlink gap')} for {escape(analysis.site)}"


def _header(analysis: AnalysisRecord) -> list[Block]:
    title = f"Backlink gaps: {analysis.site}"
    competitors = ", ".join(f"*{escape(site)}*" for site in analysis.competitors)
    gaps = "gap" if analysis.total == 1 else "gaps"
    facts = [f"*{analysis.total:,}* {gaps} for *{escape(analysis.site)}* vs {competitors}"]
    details = [f"source: {escape(analysis.source or analysis.source_name or 'local')}"]
    if analysis.data_label:
        details.append(f"data: {escape(analysis.data_label)}")
    if analysis.data_date:
        details.append(f"data as of {analysis.data_date.isoformat()}")
    if analysis.authority_source:
        details.append(f"authority: {escape(analysis.authority_source)}")
    if analysis.cost:
        details.append(f"cost: {escape(analysis.cost)}")
    if analysis.coverage:
        details.append(escape(analysis.coverage))
    text = "\n".join([*facts, " · ".join(details)])
    if analysis.warning:
        text += f"\n:warning: {escape(analysis.warning)}"
    return [
        HeaderBlock(text=PlainTextObject(text=cut(title, MAX_HEADER_TEXT), emoji=False)),
        section(text),
    ]


def _summary(page: ResultPage) -> ContextBlock:
    view = page.view
    first = page.first_rank if page.rows else 0
    last = page.first_rank + len(page.rows) - 1 if page.rows else 0
    parts = [
        f"showing {first}-{last} of {page.matching}",
        _SORT_LABELS[view.sort].lower(),
    ]
    if view.min_matches > 1:
        parts.append(f"at least {view.min_matches} competitors")
    if view.dofollow_only:
        parts.append("dofollow links only")
    if page.ignored:
        parts.append(f"{page.ignored} ignored {'shown' if view.show_ignored else 'hidden'}")
    if any(item.unproven for item in page.rows):
        parts.append(f"{UNPROVEN_MARK.strip()} {escape(unproven_note(page.analysis.site))}")
    return ContextBlock(elements=[MarkdownTextObject(text=" · ".join(parts))])


def _empty_text(page: ResultPage) -> str:
    if page.analysis.total == 0 and _filtered(page.analysis):
        return "No gaps pass the filters of this command (--min-authority, --tld, --exclude)."
    if page.analysis.total == 0:
        return "No gaps: every domain linking to these competitors links to you too."
    return "No opportunities pass these filters. Lower the minimum matches or show ignored."


def _filtered(analysis: AnalysisRecord) -> bool:
    """Whether the analysis' command left domains out with filters (its stored result holds
    only the rest)."""
    try:
        return parse_gap_text(analysis.query_text).options.filters != DomainFilter()
    except QueryError:
        return False


def result_row(page: ResultPage, number: int, item: Opportunity) -> list[Block]:
    """One opportunity of `page` (number `number`), with its Target, Ignore, Links and Draft
    email buttons; a watch's message shows its new opportunities so too."""
    competitors = page.analysis.competitors
    counts = " · ".join(f"{escape(site)} {item.links.get(site, 0)}" for site in competitors)
    authority = "authority n/a" if item.authority is None else f"authority {item.authority}"
    if item.authority is not None and page.analysis.authority_source:
        authority += f" ({escape(page.analysis.authority_source)})"
    lines = [
        f"*{number}. {escape(shown_domain(item.domain))}*{UNPROVEN_MARK if item.unproven else ''}"
        f" — {item.matches} of {counted(len(competitors), 'competitor')} · {authority}",
        counts,
    ]
    mark = page.marks.get(item.domain)
    if mark is not None and mark.status != Status.NEW:
        lines.append(_mark_line(mark))
    text = cut("\n".join(lines), MAX_SECTION_TEXT)
    return [SectionBlock(text=MarkdownTextObject(text=text)), _row_buttons(page, item, mark)]


def _mark_line(mark: PipelineMark) -> str:
    verb = _STATUS_VERBS.get(mark.status, mark.status.label.capitalize())
    if mark.owner_id:
        return f":dart: {verb} by <@{escape(mark.owner_id)}>"
    return f":no_entry_sign: {verb}"


def _row_buttons(page: ResultPage, item: Opportunity, mark: PipelineMark | None) -> ActionsBlock:
    value = page.view.encode(d=item.domain)
    ignored = mark is not None and mark.status == Status.IGNORED
    triage = (
        ButtonElement(text="Restore", action_id=Action.RESTORE, value=value)
        if ignored
        else ButtonElement(text="Ignore", action_id=Action.IGNORE, value=value)
    )
    return ActionsBlock(
        elements=[
            ButtonElement(text="Target", action_id=Action.TARGET, value=value, style="primary"),
            triage,
            ButtonElement(text="Links", action_id=Action.LINKS, value=value),
            ButtonElement(text="Draft email", action_id=Action.DRAFT_EMAIL, value=value),
        ]
    )


def _controls(page: ResultPage) -> ActionsBlock:
    view = page.view
    elements: list[ButtonElement | StaticSelectElement] = []
    if view.page > 0:
        elements.append(
            ButtonElement(
                text="◀ Previous",
                action_id=Action.PAGE_PREVIOUS,
                value=view.with_(page=view.page - 1).encode(),
            )
        )
    if view.page + 1 < page.page_count:
        elements.append(
            ButtonElement(
                text="Next ▶",
                action_id=Action.PAGE_NEXT,
                value=view.with_(page=view.page + 1).encode(),
            )
        )
    elements.append(_sort_select(view))
    elements.append(_min_matches_select(view, len(page.analysis.competitors)))
    elements.append(
        ButtonElement(
            text=f"Dofollow only: {'on' if view.dofollow_only else 'off'}",
            action_id=Action.DOFOLLOW,
            value=view.with_(dofollow_only=not view.dofollow_only).encode(),
        )
    )
    if page.ignored or view.show_ignored:
        label = (
            f"Hide ignored ({page.ignored})"
            if view.show_ignored
            else (f"Show ignored ({page.ignored})")
        )
        elements.append(
            ButtonElement(
                text=label,
                action_id=Action.SHOW_IGNORED,
                value=view.with_(show_ignored=not view.show_ignored).encode(),
            )
        )
    elements.append(
        ButtonElement(text="Export CSV", action_id=Action.EXPORT_CSV, value=view.encode())
    )
    return ActionsBlock(elements=elements)


def _sort_select(view: ResultView) -> StaticSelectElement:
    options = [
        Option(text=cut(label, MAX_OPTION_TEXT), value=view.with_(sort=order).encode())
        for order, label in _SORT_LABELS.items()
    ]
    chosen = options[list(_SORT_LABELS).index(view.sort)]
    return StaticSelectElement(
        action_id=Action.SORT, placeholder="Sort", options=options, initial_option=chosen
    )


def _min_matches_select(view: ResultView, competitors: int) -> StaticSelectElement:
    options = [
        Option(
            text=f"Linking to ≥ {count} of {competitors}",
            value=view.with_(min_matches=count).encode(),
        )
        for count in range(1, competitors + 1)
    ]
    chosen = options[min(max(view.min_matches, 1), competitors) - 1]
    return StaticSelectElement(
        action_id=Action.MIN_MATCHES,
        placeholder="Minimum matches",
        options=options,
        initial_option=chosen,
    )


# -- the links modal ---------------------------------------------------------------------------


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
        callback_id=Callback.LINKS,
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


# -- App Home ----------------------------------------------------------------------------------


def home_view(
    recent: Sequence[AnalysisRecord],
    counts: Mapping[Status, int],
    targets: Sequence[PipelineRow],
    now: datetime,
    paid: PaidSourcesShown,
    failed_reminders: Sequence[Block] = (),
    watches: Sequence[Block] = (),
    *,
    report: Report,
    pipeline_chart: str | None = None,
) -> View:
    """The Home tab; `pipeline_chart`: the id of the pipeline picture to show, if drawn."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Gapbot", emoji=False))]
    blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*Recent analyses*  {USAGE_HINT}")))
    if not recent:
        blocks.append(context("None yet."))
    for analysis in recent:
        blocks.append(_recent_row(analysis))
    blocks.append(DividerBlock())
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text=_counts_text(counts)),
            accessory=ButtonElement(
                text="Chart over time", action_id=Action.PIPELINE_CHART, value="draw"
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
    blocks.append(section(_report_text(report)))
    blocks.append(DividerBlock())
    blocks.extend(_targets(targets, now))
    blocks.extend(failed_reminders)
    if watches:
        blocks.append(DividerBlock())
        blocks.extend(watches)
    blocks.append(DividerBlock())
    blocks.append(_paid_sources(paid))
    return View(type="home", blocks=blocks)


# What an admin may choose for the live providers: off, or a daily budget in dollars.
PAID_SOURCE_CHOICES: tuple[float | None, ...] = (None, 1.0, 5.0, 20.0, 100.0)
PAID_SOURCES_OFF = "off"


@dataclass(frozen=True)
class PaidSourcesShown:
    """The workspace's rule for paid link sources, as App Home shows it."""

    allowed: bool
    daily_budget_usd: float
    can_change: bool  # workspace admins and owners only


def paid_sources_value(allowed: bool, budget_usd: float | None) -> str:
    """A choice's option value: `off`, or the daily budget in dollars."""
    return PAID_SOURCES_OFF if not allowed or budget_usd is None else f"{budget_usd:g}"


def _paid_sources_label(allowed: bool, budget_usd: float | None) -> str:
    if not allowed or budget_usd is None:
        return "Off: local data and the web graph only"
    return f"Up to ${budget_usd:,.2f} a day"


def _paid_sources(paid: PaidSourcesShown) -> SectionBlock:
    now = _paid_sources_label(paid.allowed, paid.daily_budget_usd)
    text = f"*Paid link sources* (DataForSEO, Ahrefs, Semrush, Moz)\n{escape(now)}"
    if not paid.can_change:
        return SectionBlock(text=MarkdownTextObject(text=text + "\n_Set by a workspace admin._"))
    options = [
        Option(value=paid_sources_value(True, budget), label=_paid_sources_label(True, budget))
        for budget in PAID_SOURCE_CHOICES
    ]
    current = paid_sources_value(paid.allowed, paid.daily_budget_usd)
    chosen = next((option for option in options if option.value == current), None)
    return SectionBlock(
        text=MarkdownTextObject(text=text),
        accessory=StaticSelectElement(
            action_id=Action.PAID_SOURCES, options=options, initial_option=chosen
        ),
    )


USAGE_HINT = f"(`{GAPS_COMMAND} mysite.com vs rival.com` in any channel)"


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
            text="Post again", action_id=Action.REPOST, value=str(analysis.id)
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


def similar_text(domain: str, similar: SimilarProspects) -> str:
    """The win rate of prospects like `domain`, told when it is targeted."""
    like = f"{match_group_text(similar.matches)}, {authority_text(similar.authority)}"
    return (
        f":bar_chart: Prospects like *{escape(domain)}* ({like}) were won"
        f" {percent(similar.win_rate)} of the time: {similar.won} of"
        f" {similar.sent} sent."
    )


def _targets(targets: Sequence[PipelineRow], now: datetime) -> list[Block]:
    """My targets: follow-ups due first, then by pipeline status, each with Draft email."""
    settings = ButtonElement(text="Sender settings", action_id=Action.SENDER_SETTINGS, value="open")
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
    return row.next_action == "follow_up" and row.next_due is not None and row.next_due <= now


def _target_row(row: PipelineRow) -> SectionBlock:
    text = f"*{escape(row.refdomain)}* for {escape(row.site)} — {escape(row.status.label)}"
    if row.next_due is not None:
        text += f" · next reminder {row.next_due:%Y-%m-%d}"
    value = json.dumps({"s": row.site, "d": row.refdomain}, separators=(",", ":"))
    return SectionBlock(
        text=MarkdownTextObject(text=cut(text, MAX_SECTION_TEXT)),
        accessory=ButtonElement(text="Draft email", action_id=Action.DRAFT_TARGET, value=value),
    )


def context(text: str) -> ContextBlock:
    """A line of small mrkdwn text (already escaped)."""
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def section(text: str) -> SectionBlock:
    """A mrkdwn section (already escaped), within Slack's 3000 characters."""
    return SectionBlock(text=MarkdownTextObject(text=cut(text, MAX_SECTION_TEXT)))


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters (a Slack limit), an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
