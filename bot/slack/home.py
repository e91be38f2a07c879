"""App Home: recent analyses (to post again), pipeline counts, what works in outreach, my
targets to draft for, the workspace's watches."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import analyses, outreach, watches
from bot.services.paging import bounded_id
from bot.slack.blocks import (
    PAID_SOURCES_OFF,
    PaidSourcesShown,
    chart_not_drawn_text,
    home_view,
)
from bot.slack.context import services_of, team_of
from bot.slack.draft_blocks import failed_reminders_blocks
from bot.slack.ids import Action
from bot.slack.listening import after_ack
from bot.slack.posting import post_result, slack_reason, tell_user
from bot.slack.watch_blocks import home_watches

PIPELINE_CHART_TITLE = "Targets by status, day by day"


def register(app: App) -> None:
    app.event("app_home_opened")(after_ack(publish_home))
    app.action(Action.REPOST)(after_ack(repost))
    app.action(Action.PAID_SOURCES)(after_ack(choose_paid_sources))
    app.action(Action.PIPELINE_CHART)(after_ack(draw_pipeline))


def publish_home(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    user = event.get("user")
    if event.get("tab", "home") != "home" or not isinstance(user, str):
        return
    publish(client, context, user)


def publish(
    client: WebClient, context: BoltContext, user: str, pipeline_chart: str | None = None
) -> None:
    """Draw `user`'s Home tab afresh (with the pipeline picture of this file id, if any)."""
    services, team = services_of(context), team_of(context)
    found = analyses.home(services, team)
    targets = outreach.home_targets(services, team, user)
    paid = PaidSourcesShown(
        found.paid.allowed, found.paid.daily_budget_usd, can_change=is_admin(client, user)
    )
    failed = failed_reminders_blocks(found.failed_reminders)
    watched = home_watches(watches.team_watches(services.engine, team))
    view = home_view(
        found.recent,
        found.counts,
        targets,
        datetime.now(UTC),
        paid,
        failed,
        watched,
        report=found.report,
        pipeline_chart=pipeline_chart,
    )
    client.views_publish(user_id=user, view=view)


def draw_pipeline(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The workspace's pipeline, day by day, as a picture shared in the user's DM with
    Gapbot (so that they may see the file) and shown in the Home tab; if Slack will not
    take it, the user hears why."""
    ack()
    user = body["user"]["id"]
    png = analyses.pipeline_chart(services_of(context), team_of(context))
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
        publish(client, context, user, pipeline_chart=file_id)
    except SlackApiError:
        # Slack may refuse a file it has not finished processing: the picture is in the DM.
        publish(client, context, user)


def choose_paid_sources(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A workspace admin turns paid sources off or sets the daily budget (checked again here:
    a button's presence proves nothing)."""
    ack()
    user = body["user"]["id"]
    value = str((action.get("selected_option") or {}).get("value", ""))
    if is_admin(client, user):
        with contextlib.suppress(ValueError):
            budget = None if value == PAID_SOURCES_OFF else float(value)
            analyses.set_paid_sources(services_of(context), team_of(context), budget)
    # Always redrawn, so the menu shows the rule in force, whoever chose what.
    publish(client, context, user)


def is_admin(client: WebClient, user: str) -> bool:
    """Whether Slack says `user` is an admin or owner of the workspace (users.info)."""
    try:
        found = client.users_info(user=user)["user"]
    except (SlackApiError, OSError, KeyError, TypeError):
        return False
    return any(bool(found.get(flag)) for flag in ("is_admin", "is_owner", "is_primary_owner"))


def repost(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Post a stored analysis again in its channel (or, if the bot is not there, to the user)."""
    ack()
    user = body["user"]["id"]
    try:
        analysis_id = bounded_id(action.get("value", ""))
    except ValueError:
        return
    page = analyses.first_page(services_of(context), team_of(context), analysis_id)
    if page is None:
        return
    try:
        post_result(client, None, page.analysis.channel_id, page)
    except SlackApiError:
        post_result(client, None, user, page)
