"""The result message and the command's replies: plain data in, slack_sdk models out. Pure.

Every piece of text from data or from a user goes through `mrkdwn.escape` (or `mrkdwn.link`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.domains import shown_domain
from bot.gaps import DomainFilter, Opportunity, SortOrder
from bot.outreach.moves import Status
from bot.outreach.report import SimilarProspects, authority_text, match_group_text, percent
from bot.query import GapQuery, QueryError, stored_query
from bot.services.paging import ResultPage, ResultView
from bot.slack.blocks import (
    MAX_HEADER_TEXT,
    MAX_MESSAGE_BLOCKS,
    MAX_OPTION_TEXT,
    MAX_REASON_TEXT,
    MAX_SECTION_TEXT,
    cut,
    section,
)
from bot.slack.drafts.ids import DraftAction
from bot.slack.mrkdwn import escape
from bot.slack.results.ids import GAPS_COMMAND, ResultAction, RowValue, ViewValue
from bot.slack.values import encode
from bot.slack.watches.ids import WATCH_WORD, WATCHES_WORD
from bot.store.analyses import AnalysisRecord
from bot.store.pipeline import PipelineMark
from bot.wording import UNPROVEN_MARK, counted, unproven_note

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
        return stored_query(analysis.query_text).options.filters != DomainFilter()
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
    value = encode(RowValue.of_row(page.view, item.domain))
    ignored = mark is not None and mark.status == Status.IGNORED
    triage = (
        ButtonElement(text="Restore", action_id=ResultAction.RESTORE, value=value)
        if ignored
        else ButtonElement(text="Ignore", action_id=ResultAction.IGNORE, value=value)
    )
    return ActionsBlock(
        elements=[
            ButtonElement(
                text="Target", action_id=ResultAction.TARGET, value=value, style="primary"
            ),
            triage,
            ButtonElement(text="Links", action_id=ResultAction.LINKS, value=value),
            ButtonElement(text="Draft email", action_id=DraftAction.DRAFT_EMAIL, value=value),
        ]
    )


def _controls(page: ResultPage) -> ActionsBlock:
    view = page.view
    elements: list[ButtonElement | StaticSelectElement] = []
    if view.page > 0:
        elements.append(
            ButtonElement(
                text="◀ Previous",
                action_id=ResultAction.PAGE_PREVIOUS,
                value=_value(view.with_(page=view.page - 1)),
            )
        )
    if view.page + 1 < page.page_count:
        elements.append(
            ButtonElement(
                text="Next ▶",
                action_id=ResultAction.PAGE_NEXT,
                value=_value(view.with_(page=view.page + 1)),
            )
        )
    elements.append(_sort_select(view))
    elements.append(_min_matches_select(view, len(page.analysis.competitors)))
    elements.append(
        ButtonElement(
            text=f"Dofollow only: {'on' if view.dofollow_only else 'off'}",
            action_id=ResultAction.DOFOLLOW,
            value=_value(view.with_(dofollow_only=not view.dofollow_only)),
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
                action_id=ResultAction.SHOW_IGNORED,
                value=_value(view.with_(show_ignored=not view.show_ignored)),
            )
        )
    elements.append(
        ButtonElement(text="Export CSV", action_id=ResultAction.EXPORT_CSV, value=_value(view))
    )
    return ActionsBlock(elements=elements)


def _sort_select(view: ResultView) -> StaticSelectElement:
    options = [
        Option(text=cut(label, MAX_OPTION_TEXT), value=_value(view.with_(sort=order)))
        for order, label in _SORT_LABELS.items()
    ]
    chosen = options[list(_SORT_LABELS).index(view.sort)]
    return StaticSelectElement(
        action_id=ResultAction.SORT, placeholder="Sort", options=options, initial_option=chosen
    )


def _min_matches_select(view: ResultView, competitors: int) -> StaticSelectElement:
    options = [
        Option(
            text=f"Linking to ≥ {count} of {competitors}",
            value=_value(view.with_(min_matches=count)),
        )
        for count in range(1, competitors + 1)
    ]
    chosen = options[min(max(view.min_matches, 1), competitors) - 1]
    return StaticSelectElement(
        action_id=ResultAction.MIN_MATCHES,
        placeholder="Minimum matches",
        options=options,
        initial_option=chosen,
    )


def similar_text(domain: str, similar: SimilarProspects) -> str:
    """The win rate of prospects like `domain`, told when it is targeted."""
    like = f"{match_group_text(similar.matches)}, {authority_text(similar.authority)}"
    return (
        f":bar_chart: Prospects like *{escape(domain)}* ({like}) were won"
        f" {percent(similar.win_rate)} of the time: {similar.won} of"
        f" {similar.sent} sent."
    )


def _value(view: ResultView) -> str:
    return encode(ViewValue.of(view))
