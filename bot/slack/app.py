"""Builds the Bolt app: one Slack Web API client, the services, and every feature's listeners."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import SecretStr
from slack_bolt import App, BoltContext
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.config import ConfigError, Settings
from bot.slack import actions, commands, drafts, home, reminders, views
from bot.slack.oauth import oauth_mode, oauth_settings
from bot.slack.service import SERVICES_KEY, Services
from bot.store.db import create_schema, make_engine

# Analyses running at once. More than the CPUs can serve only slows every ack down
# (they share one interpreter); further commands wait their turn in the queue.
LISTENER_THREADS = max(2, min(8, os.cpu_count() or 2) // 2)


def build_app(settings: Settings, client: WebClient | None = None) -> App:
    """The Slack app: one workspace (SLACK_BOT_TOKEN) or OAuth installs (SLACK_CLIENT_ID/SECRET)."""
    signing_secret = required(settings.slack_signing_secret, "SLACK_SIGNING_SECRET")
    engine = make_engine(settings.app_database_url)
    create_schema(engine)
    services = Services.of(settings, engine)
    if oauth_mode(settings):
        # Each request's workspace token comes from the installation store.
        credentials: dict[str, Any] = {"oauth_settings": oauth_settings(settings, engine)}
        client = client or web_client(settings)
    else:
        client = client or web_client(
            settings, required(settings.slack_bot_token, "SLACK_BOT_TOKEN")
        )
        credentials = {}
    try:
        app = App(
            client=client,
            signing_secret=signing_secret,
            # Listeners answer in the request's own thread, so an ack never waits
            # behind running analyses; the analyses are lazy listeners on the pool.
            process_before_response=True,
            listener_executor=ThreadPoolExecutor(LISTENER_THREADS, "gapbot-listener"),
            logger=logging.getLogger("gapbot.slack"),
            **credentials,
        )
    except BoltError as error:
        raise ConfigError(f"SLACK_BOT_TOKEN was not accepted by Slack: {error}") from None

    @app.middleware
    def provide_services(context: BoltContext, next: Callable[[], None]) -> None:
        context[SERVICES_KEY] = services
        next()

    for feature in (commands, actions, views, home, drafts, reminders):
        feature.register(app)
    return app


def team_clients(app: App, settings: Settings) -> Callable[[str], WebClient]:
    """A Web API client per workspace, for messages no request triggered (reminders)."""
    store = app.installation_store
    if store is None:
        return lambda _team_id: app.client

    def client_for(team_id: str) -> WebClient:
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise LookupError(f"Gapbot is not installed in workspace {team_id}")
        return web_client(settings, bot.bot_token)

    return client_for


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client for SLACK_API_URL that waits out 429s as Slack's Retry-After asks."""
    base_url = (
        settings.slack_api_url
        if settings.slack_api_url.endswith("/")
        else (settings.slack_api_url + "/")
    )
    return WebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


def required(value: SecretStr | None, variable: str) -> str:
    if value is None or not value.get_secret_value().strip():
        raise ConfigError(f"{variable} is not set: copy it from your Slack app's settings")
    return value.get_secret_value().strip()
