"""Multi-workspace mode: Slack's OAuth install flow, with installations in the app database."""

from __future__ import annotations

from slack_bolt.oauth.oauth_settings import OAuthSettings
from sqlalchemy.engine import Engine

from bot.config import ConfigError, Settings
from bot.store.installations import installation_store, state_store

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The bot scopes asked for at install; the same list as manifest.yml (a test checks).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "files:read",
    "files:write",
    "im:history",
    "im:write",
    "users:read",
)


def oauth_mode(settings: Settings) -> bool:
    """True for OAuth (SLACK_CLIENT_ID/SECRET), False for one workspace (SLACK_BOT_TOKEN)."""
    has_client = settings.slack_client_id is not None or settings.slack_client_secret is not None
    if has_client and settings.slack_bot_token is not None:
        raise ConfigError(
            "set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and"
            " SLACK_CLIENT_SECRET (install in many workspaces), not both"
        )
    if has_client and not (settings.slack_client_id and settings.slack_client_secret):
        missing = "SLACK_CLIENT_SECRET" if settings.slack_client_id else "SLACK_CLIENT_ID"
        raise ConfigError(f"{missing} is not set: OAuth mode needs both client id and secret")
    return has_client


def oauth_settings(settings: Settings, engine: Engine) -> OAuthSettings:
    assert settings.slack_client_id and settings.slack_client_secret
    client_id = settings.slack_client_id
    return OAuthSettings(
        client_id=client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        installation_store=installation_store(engine, client_id),
        state_store=state_store(engine),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
    )
