"""App Home: drawn when opened and after each change; Post again, the pipeline chart, and
the workspace's rule for paid link sources."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import analyses, home, reports
from bot.services.deps import Services
from bot.slack.home.blocks import (
    chart_not_drawn_text,
    home_view,
)
from bot.slack.home.ids import AnalysisRef, HomeAction, paid_sources_choice
from bot.slack.listening import after_ack
from bot.slack.posting import slack_reason, tell_user
from bot.slack.reminders.blocks import failed_reminders_blocks
from bot.slack.results.posting import post_result
from bot.slack.values import ValueRefused, carrying
from bot.slack.watches.blocks import home_watches

PIPELINE_CHART_TITLE = "Targets by status, day by day"


def register(app: App) -> None:
    app.event("app_home_opened")(after_ack(publish_home))
    app.action(HomeAction.REPOST, middleware=carrying(AnalysisRef))(after_ack(repost))
    app.action(HomeAction.PAID_SOURCES)(after_ack(choose_paid_sources))
    app.action(HomeAction.PIPELINE_CHART)(after_ack(draw_pipeline))


def publish_home(event: dict[str, Any], client: WebClient, services: Services, team: str) -> None:
    user = event.get("user")
    if event.get("tab", "home") != "home" or not isinstance(user, str):
        return
    publish(client, services, team, user)


def publish(
    client: WebClient,
    services: Services,
    team: str,
    user: str,
    pipeline_chart: str | None = None,
) -> None:
    """Draw `user`'s Home tab afresh (with the pipeline picture of this file id, if any)."""
    found = home.home(services, team, user)
    view = home_view(
        found,
        datetime.now(UTC),
        can_set_paid_sources=is_admin(client, user),
        failed_reminders=failed_reminders_blocks(found.failed_reminders),
        watches=home_watches(found.watches),
        pipeline_chart=pipeline_chart,
    )
    client.views_publish(user_id=user, view=view)


def draw_pipeline(body: dict[str, Any], client: WebClient, services: Services, team: str) -> None:
    """The workspace's pipeline, day by day, as a picture shared in the user's DM with
    Gapbot (so that they may see the file) and shown in the Home tab; if Slack will not
    take it, the user hears why."""
    user = body["user"]["id"]
    png = reports.pipeline_chart(services.engine, team)
    try:
        dm = client.conversations_open(users=user)["channel"]["id"]
        uploaded = client.files_upload_v2(
            channel=dm, content=png, filename="pipeline.png", title=PIPELINE_CHART_TITLE
        )
        file_id = str(uploaded["file"]["id"])
    except (SlackApiError, OSError, KeyError) as error:
        reason = slack_reason(error) if not isinstance(error, KeyError) else "no file id"
        tell_user(client, None, user, chart_not_drawn_text(reason))
        return
    try:
        publish(client, services, team, user, pipeline_chart=file_id)
    except SlackApiError:
        # Slack may refuse a file it has not finished processing: the picture is in the DM.
        publish(client, services, team, user)


def choose_paid_sources(
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    services: Services,
    team: str,
) -> None:
    """A workspace admin turns paid sources off or sets the daily budget (checked again here:
    a button's presence proves nothing)."""
    user = body["user"]["id"]
    value = str((action.get("selected_option") or {}).get("value", ""))
    if is_admin(client, user):
        with contextlib.suppress(ValueRefused):
            home.set_paid_sources(services, team, paid_sources_choice(value))
    # Always redrawn, so the menu shows the rule in force, whoever chose what.
    publish(client, services, team, user)


def is_admin(client: WebClient, user: str) -> bool:
    """Whether Slack says `user` is an admin or owner of the workspace (users.info)."""
    try:
        found = client.users_info(user=user)["user"]
    except (SlackApiError, OSError, KeyError, TypeError):
        return False
    return any(bool(found.get(flag)) for flag in ("is_admin", "is_owner", "is_primary_owner"))


def repost(
    carried: AnalysisRef, body: dict[str, Any], client: WebClient, services: Services, team: str
) -> None:
    """Post a stored analysis again in its channel (or, if the bot is not there, to the user)."""
    page = analyses.first_page(services, team, carried.id)
    if page is None:
        return
    try:
        post_result(client, None, page.analysis.channel_id, page)
    except SlackApiError:
        post_result(client, None, body["user"]["id"], page)
