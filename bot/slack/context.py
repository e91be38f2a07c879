"""What every request's context carries, and so what a listener may ask for by name:
`services` (the app's), `team` (the requesting workspace) and, for a listener registered
`carrying` a kind (bot.slack.values), what its button or modal `carried`."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltContext

from bot.services.deps import Services

SERVICES = "services"
TEAM = "team"


def provide(services: Services) -> Callable[[BoltContext, Callable[[], None]], None]:
    """The app's first middleware: the services, and the workspace a request comes from
    (the enterprise for an org-wide install), in every request's context."""

    def provide_context(context: BoltContext, next: Callable[[], None]) -> None:
        context[SERVICES] = services
        team = context.team_id or context.enterprise_id
        if team:
            context[TEAM] = team
        next()

    return provide_context


def services_of(context: BoltContext) -> Services:
    """The services in a request's context, for code that holds only the context."""
    services: Services = context[SERVICES]
    return services
