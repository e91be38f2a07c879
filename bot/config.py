"""Settings (SPEC 3): the only place that reads environment variables and `.env`."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from platformdirs import user_data_path
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domains import DomainError, fold_domain

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_WEBGRAPH_URL = "https://data.commoncrawl.org/projects/hyperlinkgraph/"
# Named in the page fetcher's User-Agent: where a site owner finds out who we are.
DEFAULT_CONTACT_URL = "https://github.com/gapbot/gapbot"


class ConfigError(ValueError):
    """A missing or contradictory setting; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    home: Path = Field(default_factory=lambda: user_data_path("gapbot"), alias="GAPBOT_HOME")
    database_url: str | None = Field(default=None, alias="GAPBOT_DATABASE_URL")
    link_source: str = Field(default="local", alias="GAPBOT_LINK_SOURCE")
    blocklist: str = Field(default="", alias="GAPBOT_BLOCKLIST")
    templates_dir: Path | None = Field(default=None, alias="GAPBOT_TEMPLATES_DIR")
    index_memory: str = Field(default="1GB", alias="GAPBOT_INDEX_MEMORY")
    webgraph_url: str = Field(default=DEFAULT_WEBGRAPH_URL, alias="GAPBOT_WEBGRAPH_URL")
    # Tests only: lets the page fetcher reach a local server (bot.fetch.FetchPolicy).
    fetch_allow_private: bool = Field(default=False, alias="GAPBOT_FETCH_ALLOW_PRIVATE")
    contact_url: str = Field(default=DEFAULT_CONTACT_URL, alias="GAPBOT_CONTACT_URL")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, alias="SLACK_API_URL")
    # Seconds before a failed Slack call's first retry, doubled at each (slack_sdk's backoff,
    # plus up to a second of its jitter); 0 retries at once.
    slack_retry_backoff: float = Field(default=0.5, ge=0, alias="SLACK_RETRY_BACKOFF")

    dataforseo_login: str | None = Field(default=None, alias="DATAFORSEO_LOGIN")
    dataforseo_password: SecretStr | None = Field(default=None, alias="DATAFORSEO_PASSWORD")
    ahrefs_api_key: SecretStr | None = Field(default=None, alias="AHREFS_API_KEY")
    semrush_api_key: SecretStr | None = Field(default=None, alias="SEMRUSH_API_KEY")
    moz_access_id: str | None = Field(default=None, alias="MOZ_ACCESS_ID")
    moz_secret_key: SecretStr | None = Field(default=None, alias="MOZ_SECRET_KEY")
    moz_token: SecretStr | None = Field(default=None, alias="MOZ_TOKEN")
    dataforseo_api_url: str = Field(
        default="https://api.dataforseo.com", alias="DATAFORSEO_API_URL"
    )
    ahrefs_api_url: str = Field(default="https://api.ahrefs.com", alias="AHREFS_API_URL")
    semrush_api_url: str = Field(default="https://api.semrush.com", alias="SEMRUSH_API_URL")
    moz_api_url: str = Field(default="https://lsapi.seomoz.com", alias="MOZ_API_URL")

    # providers
    daily_budget_usd: float | None = Field(default=None, ge=0, alias="GAPBOT_DAILY_BUDGET_USD")
    # What a Slack workspace may spend a day until its admin sets its own budget in App Home.
    workspace_budget_usd: float = Field(default=5.0, ge=0, alias="GAPBOT_WORKSPACE_BUDGET_USD")
    cache_ttl_days: float = Field(default=7, ge=0, alias="GAPBOT_CACHE_TTL_DAYS")
    provider_max_rows: int = Field(default=1000, ge=1, alias="GAPBOT_PROVIDER_MAX_ROWS")
    provider_concurrency: int = Field(default=4, ge=1, le=32, alias="GAPBOT_PROVIDER_CONCURRENCY")

    @field_validator("index_memory")
    @classmethod
    def _memory_size(cls, value: str) -> str:
        # DuckDB's memory_limit: a number and a unit (`1GB`, `1536MB`, `2GiB`).
        if not re.fullmatch(r"\s*\d+(\.\d+)?\s*([KMGT]i?B)\s*", value, re.IGNORECASE):
            raise ValueError("must be a size such as 1GB or 1536MB")
        return value.strip()

    @field_validator("slack_app_token")
    @classmethod
    def _app_level_token(cls, value: SecretStr | None) -> SecretStr | None:
        # A bot token (xoxb-) pasted here would only fail later, inside Socket Mode.
        token = value.get_secret_value().strip() if value is not None else ""
        if token and not token.startswith("xapp-"):
            raise ValueError(
                "must be an app-level token (xapp-...): Basic Information → App-Level Tokens"
                " in your Slack app's settings"
            )
        return value

    @field_validator("link_source")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @cached_property
    def index_path(self) -> Path:
        """The folder of the local DuckDB link index (exports)."""
        return self.home / "index"

    @cached_property
    def webgraph_path(self) -> Path:
        """The folder of the imported Common Crawl web graph releases."""
        return self.home / "webgraph"

    @cached_property
    def results_path(self) -> Path:
        """Stored results of Slack analyses (one Parquet file each)."""
        return self.home / "results"

    @property
    def oauth_configured(self) -> bool:
        """Installed in many workspaces (SLACK_CLIENT_ID/SECRET) rather than one
        (SLACK_BOT_TOKEN); bot.slack.oauth checks that the settings agree."""
        return self.slack_client_id is not None or self.slack_client_secret is not None

    @cached_property
    def app_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'gapbot.db'}"

    @cached_property
    def blocked_domains(self) -> frozenset[str]:
        """Platform domains that link to everyone, never worth reporting (GAPBOT_BLOCKLIST)."""
        blocked = set()
        for item in self.blocklist.replace(",", " ").split():
            try:
                blocked.add(fold_domain(item))
            except DomainError as error:
                raise ConfigError(f"GAPBOT_BLOCKLIST: {item!r}: {error}") from None
        return frozenset(blocked)


def load_settings() -> Settings:
    """Read the settings, turning pydantic's report into one sentence naming the variable."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
