"""App Home: recent analyses (to post again), pipeline counts, my targets to draft for."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import outreach_service, service
from bot.slack.blocks import home_view
from bot.slack.ids import Action
from bot.slack.messages import post_result, team_of
from bot.slack.service import services_of


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)
    app.action(Action.REPOST)(repost)


def publish_home(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    user = event["user"]
    services, team = services_of(context), team_of(context)
    found = service.home(services, team)
    targets = outreach_service.home_targets(services, team, user)
    view = home_view(found.recent, found.counts, targets, datetime.now(UTC))
    client.views_publish(user_id=user, view=view)


def repost(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Post a stored analysis again in its channel (or, if the bot is not there, to the user)."""
    ack()
    user = body["user"]["id"]
    try:
        analysis_id = int(action.get("value", ""))
    except ValueError:
        return
    page = service.first_page(services_of(context), team_of(context), analysis_id)
    if page is None:
        return
    try:
        post_result(client, None, page.analysis.channel_id, page)
    except SlackApiError:
        post_result(client, None, user, page)
