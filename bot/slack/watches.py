"""Watches in Slack: `/gaps watch` and `/gaps watches`, the Pause / Resume / Delete buttons,
and what a watch's run posts in its channel (or, when it cannot, tells its creator)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy.engine import Engine

from bot.query import QueryError, parse_watch_text
from bot.scheduler import DeliveryFailed
from bot.services import watches
from bot.services.paging import ResultPage, ResultView, ViewError
from bot.services.runs import Runner
from bot.services.watches import ChannelUnreachable, WatchRun, WatchTick
from bot.slack import home
from bot.slack.blocks import query_error_text
from bot.slack.context import services_of, team_of
from bot.slack.ids import WATCHES_WORD, Action
from bot.slack.listening import after_ack
from bot.slack.posting import CANNOT_POST, direct_message, tell
from bot.slack.reminders import PERMANENT_ERRORS
from bot.slack.watch_blocks import (
    WatchValue,
    channel_watches_message,
    not_run_text,
    paused_text,
    watch_added_text,
    watch_gone_text,
    watch_news_fallback,
    watch_news_message,
)
from bot.store import pipeline
from bot.store.db import session_scope
from bot.store.watches import Watch, in_slack

log = logging.getLogger(__name__)

# What Slack answers when the watch's channel will not take its news until someone acts.
UNREACHABLE = CANNOT_POST | PERMANENT_ERRORS


def register(app: App) -> None:
    for action in (Action.WATCH_PAUSE, Action.WATCH_RESUME, Action.WATCH_DELETE):
        app.action(action)(after_ack(change_watch))


def ack_watch(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """`/gaps watches` (the channel's list) or `/gaps watch ...` (a new watch), answered in
    the ack: both only read or write one row."""
    first, _, rest = (command.get("text") or "").strip().partition(" ")
    services, team, channel = services_of(context), team_of(context), command["channel_id"]
    if first.lower() == WATCHES_WORD:
        listed = watches.team_watches(services.engine, team, channel)
        ack(response_type="ephemeral", blocks=channel_watches_message(listed), text="Watches")
        return
    try:
        query, every = parse_watch_text(rest)
    except QueryError as error:
        ack(response_type="ephemeral", text=query_error_text(error))
        return
    watch = watches.add_watch(services.engine, team, channel, command["user_id"], query, every)
    ack(response_type="ephemeral", text=watch_added_text(watch))


def change_watch(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Pause, resume or delete one of the workspace's watches, then redraw where the button
    was: the channel's list, or the Home tab (which has no response URL)."""
    ack()
    services, team = services_of(context), team_of(context)
    try:
        watch_id: int | None = WatchValue.decode(str(action.get("value", ""))).watch_id
    except ViewError:
        watch_id = None
    found = watch_id is not None and _change(services.engine, team, watch_id, action)
    if (body.get("view") or {}).get("type") == "home":
        home.publish(client, context, body["user"]["id"])
    elif not found:
        tell(respond, watch_gone_text())
    else:
        channel = str((body.get("channel") or {}).get("id", ""))
        listed = watches.team_watches(services.engine, team, channel)
        respond(blocks=channel_watches_message(listed), text="Watches", replace_original=True)


def _change(engine: Engine, team_id: str, watch_id: int, action: dict[str, Any]) -> bool:
    """Apply the button to the team's watch; False if the team has no such watch."""
    kind = Action(action["action_id"])
    if kind is Action.WATCH_DELETE:
        return watches.remove_watch(engine, team_id, watch_id)
    paused = kind is Action.WATCH_PAUSE
    return watches.set_paused(engine, team_id, watch_id, paused) is not None


def watch_tick(runner: Runner, client_for: Callable[[str], WebClient]) -> WatchTick:
    """The tick a serving process runs: the due watches of every workspace's channels."""
    return WatchTick(runner, ChannelNews(runner.engine, client_for), only=in_slack())


class ChannelNews:
    """A watch's news in its channel; a channel that cannot take it is told to its creator."""

    def __init__(self, engine: Engine, client_for: Callable[[str], WebClient]) -> None:
        self.engine = engine
        self.client_for = client_for

    def changed(self, run: WatchRun, next_run: datetime) -> None:
        blocks = watch_news_message(run, self._page(run), next_run)
        self._post(run.watch, blocks, watch_news_fallback(run))

    def not_run(self, watch: Watch, reason: str, *, over_budget: bool, next_run: datetime) -> None:
        text = not_run_text(watch, reason, over_budget=over_budget, next_run=next_run)
        self._post(watch, [], text)

    def paused(self, watch: Watch, reason: str) -> None:
        text = paused_text(watch, reason)
        try:
            direct_message(self.client_for(watch.team_id), watch.created_by, [], text)
        except (LookupError, SlackApiError, OSError) as error:
            log.warning("could not tell %s of watch %s: %s", watch.created_by, watch.id, error)

    def _post(self, watch: Watch, blocks: list[Block], text: str) -> None:
        try:
            client = self.client_for(watch.team_id)
        except LookupError:
            raise ChannelUnreachable("not_installed") from None
        try:
            client.chat_postMessage(channel=watch.channel_id, blocks=blocks or None, text=text)
        except SlackApiError as error:
            code = str(error.response.get("error") or f"http_{error.response.status_code}")
            if code in UNREACHABLE:
                raise ChannelUnreachable(code) from None
            raise DeliveryFailed(code, permanent=False) from None
        except OSError:
            raise DeliveryFailed("slack_unreachable", permanent=False) from None

    def _page(self, run: WatchRun) -> ResultPage:
        """The new opportunities as rows of the run's result (their buttons act on it)."""
        rows = run.changes.new if run.changes is not None else []
        with session_scope(self.engine) as session:
            domains = [row.domain for row in rows]
            marks = pipeline.marks_for(session, run.watch.team_id, run.analysis.site, domains)
        view = replace(ResultView.of(run.analysis), alert=True)
        return ResultPage(run.analysis, view, rows, marks, len(rows), 0, 1)
