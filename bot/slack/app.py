"""Builds the Bolt app: one Slack Web API client, the services, and every feature's listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr
from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import (
    BackoffRetryIntervalCalculator,
    FixedValueRetryIntervalCalculator,
)
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.web import SlackResponse
from sqlalchemy.engine import Engine

from bot.config import ConfigError, Settings
from bot.contacts.lookup import ContactFinder
from bot.services.deps import Services
from bot.services.outreach import templates_of
from bot.slack import guard
from bot.slack.contacts import listeners as contacts
from bot.slack.context import provide
from bot.slack.drafts import listeners as drafts
from bot.slack.home import listeners as home
from bot.slack.oauth import oauth_mode, oauth_settings
from bot.slack.reminders import listeners as reminders
from bot.slack.results import listeners as results
from bot.slack.uploads import listeners as uploads
from bot.slack.watches import listeners as watches
from bot.slack.won import listeners as won
from bot.store.db import create_schema, make_engine
from bot.store.installations import installation_store

log = logging.getLogger(__name__)


class _OurClientIsMeant(logging.Filter):
    """Drops Bolt's warning "As you gave `client` as well, `token` will be unused", and no
    other record.

    Bolt reads SLACK_BOT_TOKEN from the environment by itself whenever it is set, and
    warns that the client it is given wins. That client is the one meant: it holds that
    same token, SLACK_API_URL and the retry policy, and no argument keeps Bolt from
    reading the variable.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


# The logger Bolt is given (its framework logger): the one place its warnings come from.
_BOLT_LOG = logging.getLogger("gapbot.slack")
_BOLT_LOG.addFilter(_OurClientIsMeant())

# What Slack says when the token itself is refused (not when Slack is down).
_TOKEN_REFUSED = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)


def start_services(settings: Settings, contact_finder: ContactFinder | None = None) -> Services:
    """The serving process's services: its one engine, on a database migrated first."""
    engine = make_engine(settings.app_database_url)
    create_schema(engine)
    return Services.of(settings, engine, contact_finder)


def build_app(
    settings: Settings,
    client: WebClient | None = None,
    *,
    services: Services | None = None,
    contact_finder: ContactFinder | None = None,
) -> App:
    """The Slack app: one workspace (SLACK_BOT_TOKEN) or OAuth installs (SLACK_CLIENT_ID/SECRET).

    `services`: the process's (start_services), made here if not given. `contact_finder`:
    how contacts are looked up when they are made here (tests give one that reads a local
    server).
    """
    signing_secret = required(settings.slack_signing_secret, "SLACK_SIGNING_SECRET")
    services = services or start_services(settings, contact_finder)
    engine = services.engine
    if oauth_mode(settings):
        # Each request's workspace token comes from the installation store.
        credentials: dict[str, Any] = {"oauth_settings": oauth_settings(settings, engine)}
        client = client or web_client(settings)
        token_workspace = None
    else:
        client = client or web_client(
            settings, required(settings.slack_bot_token, "SLACK_BOT_TOKEN")
        )
        token_workspace = guard.Workspace.of(check_token(client, settings))
        # Checked above, with a sentence that tells a refused token from Slack being down.
        credentials = {"token_verification_enabled": False}
    app = App(
        # Named, or Bolt names the app by reading the whole call stack (inspect.stack).
        name="gapbot",
        client=client,
        signing_secret=signing_secret,
        # The ack function answers Slack from the request's own thread; what calls Slack
        # runs after it (bot.slack.listening), so no answer waits for a slow Web API call.
        process_before_response=True,
        logger=_BOLT_LOG,
        **credentials,
    )

    app.middleware(provide(services))
    guard.install(app, engine, token_workspace)

    for problem in templates_of(services).problems:
        log.warning("outreach template skipped: %s", problem)
    features = (results, drafts, contacts, reminders, won, watches, home, uploads)
    for feature in features:
        feature.register(app)
    return app


def team_clients(app: App, settings: Settings) -> Callable[[str], WebClient]:
    """A Web API client per workspace, for messages no request triggered (reminders)."""
    store = app.installation_store
    if store is None:
        return lambda _team_id: app.client
    return _installed_clients(store, settings)


def configured_clients(settings: Settings, engine: Engine) -> Callable[[str], WebClient] | None:
    """team_clients without a running app (the terminal's jobs); None if Slack is not set up."""
    if oauth_mode(settings):
        assert settings.slack_client_id is not None
        return _installed_clients(installation_store(engine, settings.slack_client_id), settings)
    if settings.slack_bot_token is None:
        return None
    client = web_client(settings, required(settings.slack_bot_token, "SLACK_BOT_TOKEN"))
    return lambda _team_id: client


def _installed_clients(store: InstallationStore, settings: Settings) -> Callable[[str], WebClient]:
    def client_for(team_id: str) -> WebClient:
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise LookupError(f"Gapbot is not installed in workspace {team_id}")
        return web_client(settings, bot.bot_token)

    return client_for


def check_token(client: WebClient, settings: Settings) -> SlackResponse:
    """auth.test once at start-up: its answer (the token's workspace), or a refused token,
    or Slack not answering, in one sentence."""
    try:
        return client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error", ""))
        if code in _TOKEN_REFUSED:
            raise ConfigError(f"SLACK_BOT_TOKEN was not accepted by Slack ({code})") from None
        raise ConfigError(
            f"Slack is not answering at {settings.slack_api_url} (auth.test: HTTP "
            f"{error.response.status_code}, {code or 'no error code'}); try again later"
        ) from None
    except OSError as error:
        reason = getattr(error, "reason", None) or error
        raise ConfigError(
            f"Slack could not be reached at {settings.slack_api_url} (SLACK_API_URL): {reason}"
        ) from None


def retry_handlers(backoff: float) -> list[RetryHandler]:
    """slack_sdk's handlers: connection errors and 500/503, waiting `backoff` seconds before
    the first retry (SLACK_RETRY_BACKOFF, doubled at each, with jitter; 0: no wait), and 429
    as long as its Retry-After says."""
    interval = (
        BackoffRetryIntervalCalculator(backoff)
        if backoff
        else FixedValueRetryIntervalCalculator(fixed_internal=0)
    )
    return [
        ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
    ]


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client for SLACK_API_URL with slack_sdk's retry handlers."""
    base_url = (
        settings.slack_api_url
        if settings.slack_api_url.endswith("/")
        else (settings.slack_api_url + "/")
    )
    handlers = retry_handlers(settings.slack_retry_backoff)
    return WebClient(token=token, base_url=base_url, retry_handlers=handlers)


def required(value: SecretStr | None, variable: str) -> str:
    if value is None or not value.get_secret_value().strip():
        raise ConfigError(f"{variable} is not set: copy it from your Slack app's settings")
    return value.get_secret_value().strip()
