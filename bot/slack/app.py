"""Builds the Bolt app: one Slack Web API client, the services, and every feature's listeners."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from pydantic import SecretStr
from slack_bolt import App, BoltContext
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.config import ConfigError, Settings
from bot.slack import actions, commands, home, views
from bot.slack.service import SERVICES_KEY, Services
from bot.store.db import create_schema, make_engine

# Analyses running at once. More than the CPUs can serve only slows every ack down
# (they share one interpreter); further commands wait their turn in the queue.
LISTENER_THREADS = max(2, min(8, os.cpu_count() or 2) // 2)


def build_app(settings: Settings, client: WebClient | None = None) -> App:
    """The Slack app for one workspace (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)."""
    token = required(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    signing_secret = required(settings.slack_signing_secret, "SLACK_SIGNING_SECRET")
    engine = make_engine(settings.app_database_url)
    create_schema(engine)
    services = Services.of(settings, engine)
    try:
        app = App(
            client=client or web_client(settings, token),
            signing_secret=signing_secret,
            # Listeners answer in the request's own thread, so an ack never waits
            # behind running analyses; the analyses are lazy listeners on the pool.
            process_before_response=True,
            listener_executor=ThreadPoolExecutor(LISTENER_THREADS, "gapbot-listener"),
            logger=logging.getLogger("gapbot.slack"),
        )
    except BoltError as error:
        raise ConfigError(f"SLACK_BOT_TOKEN was not accepted by Slack: {error}") from None

    @app.middleware
    def provide_services(context: BoltContext, next: Callable[[], None]) -> None:
        context[SERVICES_KEY] = services
        next()

    for feature in (commands, actions, views, home):
        feature.register(app)
    return app


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
