"""Block Kit for watches: the list with its buttons, and what a run posts. Pure.

Text from users and data goes through `mrkdwn.escape`; the rows of new opportunities are
a result's own rows (bot.slack.results.blocks.result_row), with the same buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
)

from bot.services.paging import ResultPage
from bot.services.watches import WatchRun
from bot.slack.blocks import MAX_REASON_TEXT, context, cut, section
from bot.slack.home.ids import AnalysisRef, HomeAction
from bot.slack.mrkdwn import escape
from bot.slack.results.blocks import result_row
from bot.slack.results.ids import GAPS_COMMAND
from bot.slack.values import encode
from bot.slack.watches.ids import WATCH_WORD, WATCHES_WORD, WatchAction, WatchRef
from bot.store.clock import as_utc
from bot.store.pipeline import PipelineMark
from bot.store.watches import Watch, competitors_of
from bot.wording import counted

# Watches listed (two blocks each) within Slack's 50 blocks a message and 100 a Home tab.
MAX_LISTED = 20
MAX_HOME_LISTED = 10

WATCH_HELP = (
    f"`{GAPS_COMMAND} {WATCH_WORD} mysite.com vs rival-a.com --every day|week|month` posts in"
    f" this channel what changes; `{GAPS_COMMAND} {WATCHES_WORD}` lists this channel's watches"
)


# -- short replies ---------------------------------------------------------------------------


def watch_added_text(watch: Watch) -> str:
    return (
        f":eyes: Watching {_sites(watch)} every {escape(watch.every)} in this channel. The"
        " first run, in a minute or so, says how many gaps it starts from; after that I post"
        f" only what changed. `{GAPS_COMMAND} {WATCHES_WORD}` pauses or deletes it."
    )


def watch_gone_text() -> str:
    return f"That watch is not there any more. `{GAPS_COMMAND} {WATCHES_WORD}` lists them."


def not_run_text(watch: Watch, reason: str, *, over_budget: bool, next_run: datetime) -> str:
    """A run skipped over the budget, or failing: said once, until a run goes through."""
    why = escape(cut(reason, MAX_REASON_TEXT))
    when = _day(next_run)
    if over_budget:
        return (
            f":warning: The watch of {_sites(watch)} was skipped: {why}. It runs again on"
            f" {when}; I won't repeat this until it has run."
        )
    return (
        f":x: The watch of {_sites(watch)} could not run: {why}. I'll retry it (and run it"
        f" again on {when}); I won't repeat this until it has run."
    )


def paused_text(watch: Watch, reason: str) -> str:
    """The DM to a watch's creator when its channel cannot take its news."""
    return (
        f":double_vertical_bar: I paused your watch of {_sites(watch)}: I can't post in"
        f" <#{escape(watch.channel_id)}> ({escape(reason)}). Invite me there with"
        f" `/invite @Gapbot`, then press *Resume* in `{GAPS_COMMAND} {WATCHES_WORD}` there or"
        " on my Home tab."
    )


def alert_moved_text(mark: PipelineMark) -> str:
    """A row of a watch's message was triaged: said to the one who clicked."""
    who = f" by <@{escape(mark.owner_id)}>" if mark.owner_id else ""
    return (
        f"*{escape(mark.refdomain)}* is now {escape(mark.status.label)}{who} for"
        f" {escape(mark.site)}."
    )


# -- the list ----------------------------------------------------------------------------------


def channel_watches_message(watches: Sequence[Watch]) -> list[Block]:
    """`/gaps watches`: the channel's watches, each with its buttons."""
    if not watches:
        return [section(f"No watches in this channel yet. {WATCH_HELP}.")]
    return [section("*Watches in this channel*"), *watch_rows(watches, MAX_LISTED)]


def home_watches(watches: Sequence[Watch]) -> list[Block]:
    """App Home: the workspace's watches, each with its channel and buttons."""
    blocks: list[Block] = [section("*Watches*")]
    if not watches:
        blocks.append(context(f"None yet: {WATCH_HELP}."))
    return blocks + watch_rows(watches, MAX_HOME_LISTED, channels=True)


def watch_rows(watches: Sequence[Watch], most: int, *, channels: bool = False) -> list[Block]:
    """The first `most` watches, each with its schedule and buttons; then how many more."""
    blocks: list[Block] = []
    for watch in watches[:most]:
        facts = [f"every {escape(watch.every)}"]
        if channels:
            facts.append(f"in <#{escape(watch.channel_id)}>")
        facts.append("*paused*" if watch.paused else f"next run {_moment(watch.due_at)}")
        if watch.last_run_at is not None:
            facts.append(f"last run {_moment(watch.last_run_at)}")
        text = f"{_sites(watch)}\n{' · '.join(facts)}"
        if watch.last_error:
            text += f"\n:warning: the last try failed: {escape(watch.last_error)}"
        blocks += [section(text), _watch_buttons(watch)]
    if len(watches) > most:
        blocks.append(context(f"…and {len(watches) - most} more."))
    return blocks


def _watch_buttons(watch: Watch) -> ActionsBlock:
    assert watch.id is not None
    value = encode(WatchRef.of(watch.id))
    toggle = (
        ButtonElement(text="Resume", action_id=WatchAction.RESUME, value=value, style="primary")
        if watch.paused
        else ButtonElement(text="Pause", action_id=WatchAction.PAUSE, value=value)
    )
    confirm = ConfirmObject(
        title="Delete this watch?",
        text=f"{watch.site} will no longer be watched. Its past results stay.",
        confirm="Delete",
        deny="Keep it",
        style="danger",
    )
    delete = ButtonElement(
        text="Delete", action_id=WatchAction.DELETE, value=value, style="danger", confirm=confirm
    )
    return ActionsBlock(elements=[toggle, delete])


# -- what a run posts ------------------------------------------------------------------------


def watch_news_message(run: WatchRun, page: ResultPage, next_run: datetime) -> list[Block]:
    """One compact message: the baseline, what changed (new gaps as result rows, with their
    buttons; wins; losses), or that nothing did; and where to see the whole result."""
    blocks: list[Block] = [section(_news_summary(run))]
    changes = run.changes
    if changes is not None and changes.new:
        blocks.append(context(f"*New {_gaps(changes.new_count)}*"))
        for number, item in enumerate(changes.new, start=1):
            blocks.extend(result_row(page, number, item))
        blocks += _more(changes.new_count, len(changes.new))
    if changes is not None and changes.won:
        site = escape(run.analysis.site)
        names = _names(changes.won, changes.won_count)
        blocks.append(section(f":tada: *Now linking to {site}:* {names}"))
    if changes is not None and changes.lost:
        names = _names(changes.lost, changes.lost_count)
        blocks.append(section(f":small_red_triangle_down: *The competitors lost:* {names}"))
    see_all = ButtonElement(
        text=f"See all {_gaps(run.analysis.total)}",
        action_id=HomeAction.REPOST,
        value=encode(AnalysisRef.of(run.analysis.id)),
    )
    blocks.append(ActionsBlock(elements=[see_all]))
    blocks.append(context(_provenance(run, next_run)))
    return blocks


def watch_news_fallback(run: WatchRun) -> str:
    site = escape(run.analysis.site)
    changes = run.changes
    if changes is None:
        return f"Watching {site}: {_gaps(run.analysis.total)} to start from"
    if changes.nothing_new:
        return f"{site}: nothing new"
    return (
        f"{site}: {counted(changes.new_count, 'new gap')}, {changes.won_count} won,"
        f" {changes.lost_count} lost by the competitors"
    )


def _news_summary(run: WatchRun) -> str:
    analysis, changes = run.analysis, run.changes
    head = f":eyes: *Watch:* {_sites(run.watch)}"
    if changes is None:
        return (
            f"{head}\nStarting from *{_gaps(analysis.total)}*. From now on I post here what"
            f" changes, every {escape(run.watch.every)}."
        )
    assert run.previous is not None
    since = f"Since {_day(run.previous.created_at)}"
    if changes.nothing_new:
        return f"{head}\n{since}: nothing new, still *{_gaps(analysis.total)}*."
    facts = [
        f"*{changes.new_count:,}* new",
        f"*{changes.won_count:,}* now linking to {escape(analysis.site)}",
        f"*{changes.lost_count:,}* lost by the competitors",
        f"*{_gaps(analysis.total)}* in all",
    ]
    return f"{head}\n{since}: {' · '.join(facts)}"


def _provenance(run: WatchRun, next_run: datetime) -> str:
    analysis = run.analysis
    parts = [f"source: {escape(analysis.source or analysis.source_name or 'local')}"]
    if analysis.data_date:
        parts.append(f"data as of {analysis.data_date.isoformat()}")
    if analysis.cost:
        parts.append(f"cost: {escape(analysis.cost)}")
    parts.append(f"next run {_day(next_run)}")
    return " · ".join(parts)


def _more(count: int, shown: int) -> list[Block]:
    return [context(f"+{count - shown:,} more new: see all below")] if count > shown else []


def _names(names: Sequence[str], count: int) -> str:
    shown = ", ".join(escape(name) for name in names)
    return shown + (f" (+{count - len(names):,} more)" if count > len(names) else "")


def _sites(watch: Watch) -> str:
    competitors = ", ".join(escape(site) for site in competitors_of(watch))
    return f"*{escape(watch.site)}* vs {competitors}"


def _gaps(count: int) -> str:
    return counted(count, "gap")


def _moment(moment: datetime) -> str:
    return f"{as_utc(moment):%Y-%m-%d %H:%M} UTC"


def _day(moment: datetime) -> str:
    return f"{as_utc(moment):%Y-%m-%d}"
