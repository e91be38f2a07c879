"""What every request's context carries: the app's services and the requesting workspace."""

from __future__ import annotations

from slack_bolt import BoltContext

from bot.services.deps import Services

SERVICES_KEY = "gapbot_services"


def services_of(context: BoltContext) -> Services:
    """The services the app put in every request's context."""
    services: Services = context[SERVICES_KEY]
    return services


def team_of(context: BoltContext) -> str:
    """The workspace a request comes from (the enterprise for an org-wide install)."""
    team = context.team_id or context.enterprise_id
    if not team:
        raise ValueError("the request names no team")
    return team
