"""Watches in Slack: `/gaps watch` and `/gaps watches` (answered in the command's ack), and
the Pause / Resume / Delete buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.query import QueryError, parse_watch_text
from bot.services import watches
from bot.services.deps import Services
from bot.slack.home.listeners import publish
from bot.slack.listening import after_ack
from bot.slack.posting import tell
from bot.slack.results.blocks import query_error_text
from bot.slack.values import carrying
from bot.slack.watches.blocks import channel_watches_message, watch_added_text, watch_gone_text
from bot.slack.watches.ids import WATCHES_WORD, WatchAction, WatchRef


def register(app: App) -> None:
    watch = carrying(WatchRef, refused=watch_gone_text())
    for action in WatchAction:
        app.action(action, middleware=watch)(after_ack(change_watch))


def ack_watch(ack: Ack, command: dict[str, Any], services: Services, team: str) -> None:
    """`/gaps watches` (the channel's list) or `/gaps watch ...` (a new watch), answered in
    the ack: both only read or write one row."""
    first, _, rest = (command.get("text") or "").strip().partition(" ")
    channel = command["channel_id"]
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
    carried: WatchRef,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    team: str,
) -> None:
    """Pause, resume or delete one of the workspace's watches, then redraw where the button
    was: the channel's list, or the Home tab (which has no response URL)."""
    kind = WatchAction(action["action_id"])
    found = _change(services.engine, team, carried.watch_id, kind)
    if (body.get("view") or {}).get("type") == "home":
        publish(client, services, team, body["user"]["id"])
    elif not found:
        tell(respond, watch_gone_text())
    else:
        channel = str((body.get("channel") or {}).get("id", ""))
        listed = watches.team_watches(services.engine, team, channel)
        respond(blocks=channel_watches_message(listed), text="Watches", replace_original=True)


def _change(engine: Engine, team_id: str, watch_id: int, kind: WatchAction) -> bool:
    """Apply the button to the team's watch; False if the team has no such watch."""
    if kind is WatchAction.DELETE:
        return watches.remove_watch(engine, team_id, watch_id)
    paused = kind is WatchAction.PAUSE
    return watches.set_paused(engine, team_id, watch_id, paused) is not None
