"""App Home: recent analyses (to post again), pipeline counts, and my targets."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import service
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
    found = service.home(services_of(context), team_of(context), user)
    client.views_publish(user_id=user, view=home_view(found.recent, found.counts, found.mine))


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
