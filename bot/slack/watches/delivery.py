"""What a watch's run posts in its channel (or, when the channel cannot take it, tells
the watch's creator), as the scheduled tick of a serving process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy.engine import Engine

from bot.scheduler import DeliveryFailed
from bot.services import watches
from bot.services.runs import Runner
from bot.services.watches import ChannelUnreachable, WatchRun, WatchTick
from bot.slack.delivery import PERMANENT_ERRORS, delivered
from bot.slack.posting import CANNOT_POST, direct_message
from bot.slack.watches.blocks import (
    not_run_text,
    paused_text,
    watch_news_fallback,
    watch_news_message,
)
from bot.store.watches import Watch, in_slack

log = logging.getLogger(__name__)

# What Slack answers when the watch's channel will not take its news until someone acts.
UNREACHABLE = CANNOT_POST | PERMANENT_ERRORS


def watch_tick(runner: Runner, client_for: Callable[[str], WebClient]) -> WatchTick:
    """The tick a serving process runs: the due watches of every workspace's channels."""
    return WatchTick(runner, ChannelNews(runner.engine, client_for), only=in_slack())


class ChannelNews:
    """A watch's news in its channel; a channel that cannot take it is told to its creator."""

    def __init__(self, engine: Engine, client_for: Callable[[str], WebClient]) -> None:
        self.engine = engine
        self.client_for = client_for

    def changed(self, run: WatchRun, next_run: datetime) -> None:
        blocks = watch_news_message(run, watches.news_page(self.engine, run), next_run)
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
        def post(client: WebClient) -> None:
            client.chat_postMessage(channel=watch.channel_id, blocks=blocks or None, text=text)

        try:
            delivered(self.client_for, watch.team_id, post)
        except DeliveryFailed as failed:
            if failed.reason in UNREACHABLE:
                raise ChannelUnreachable(failed.reason) from None
            raise DeliveryFailed(failed.reason, permanent=False) from None
