"""Guards before any listener: replayed requests, other workspaces, malformed payloads, failures.

Bolt checks a request's signature and age but remembers nothing, so the same signed
body would be served twice; in single-token mode it serves any team's payload with the
one token. What is refused here never reaches a listener, so it has no side effect.
A payload Slack would not send (`missing_part`) is refused by the HTTP server before
Bolt reads it: Bolt's own code indexes into it before any middleware could. Any
listener's failure, before or after its ack, becomes one sentence for the user (or a
log line when there is no one to tell) and a 200: Slack never sees a 500.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse, Respond
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine

from bot.slack.texts import internal_error_text, other_workspace_text, slack_failed_text
from bot.store.requests import SeenRequests

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-slack-signature"
TIMESTAMP_HEADER = "x-slack-request-timestamp"
Next = Callable[[], BoltResponse]

# Payload types that always name the acting user, and whose listeners rely on it.
_INTERACTIONS = frozenset(
    {"block_actions", "view_submission", "view_closed", "shortcut", "message_action"}
)
# The ones that open a modal and so always carry a trigger_id.
_TRIGGERED = frozenset({"command", "block_actions"})
# Slack answered with an error (after the client's retries), or did not answer at all.
_SLACK_FAILURES = (SlackApiError, URLError, TimeoutError, ConnectionError)


def install(app: App, engine: Engine, token_workspace: Workspace | None) -> None:
    """Add the guards to `app` (after its own signature and authorization checks).

    `token_workspace`: the bot token's, in single-token mode (OAuth mode looks each team's
    installation up: another team has no token there).
    """
    app.middleware(refuse_replays(SeenRequests(engine)))
    if token_workspace is not None:
        app.middleware(refuse_other_teams(token_workspace))
    app.error(answer_failure)


# -- replays --------------------------------------------------------------------------------------


def refuse_replays(seen: SeenRequests) -> Callable[..., BoltResponse | None]:
    """401 for a signature already served, by any process sharing the app database."""

    def refuse_replay(request: BoltRequest, next: Next) -> BoltResponse | None:
        if request.mode == "socket_mode":
            return next()  # Socket Mode requests carry no signature, and come over our socket
        # Bolt has verified both headers by now: the signature covers the timestamp.
        signature = _header(request, SIGNATURE_HEADER)
        if seen.first_time(signature, int(_header(request, TIMESTAMP_HEADER))):
            return next()
        log.warning("a replayed Slack request was refused (signature %s…)", signature[:16])
        return BoltResponse(status=401, body="")

    return refuse_replay


def _header(request: BoltRequest, name: str) -> str:
    values = request.headers.get(name) or [""]
    return str(values[0])


# -- the token's workspace ------------------------------------------------------------------------


@dataclass(frozen=True)
class Workspace:
    """Whom the bot token was installed for, as auth.test says."""

    team_id: str | None
    enterprise_id: str | None
    org_install: bool  # installed for a whole Enterprise Grid org

    @classmethod
    def of(cls, auth_test: Any) -> Workspace:
        return cls(
            team_id=auth_test.get("team_id") or None,
            enterprise_id=auth_test.get("enterprise_id") or None,
            org_install=bool(auth_test.get("is_enterprise_install")),
        )

    def admits(self, team_id: str | None, enterprise_id: str | None) -> bool:
        """True for a request from this workspace (or, for an org install, this org)."""
        if self.org_install:
            return enterprise_id is not None and enterprise_id == self.enterprise_id
        return team_id is not None and team_id == self.team_id


def refuse_other_teams(token: Workspace) -> Callable[..., BoltResponse | None]:
    """Single-token mode: only the token's workspace is served (Bolt trusts the payload)."""

    def refuse_other_team(
        body: dict[str, Any], context: BoltContext, next: Next
    ) -> BoltResponse | None:
        if token.admits(context.team_id, context.enterprise_id):
            return next()
        log.warning(
            "a request from team %r (enterprise %r) was refused: the token is another team's",
            context.team_id,
            context.enterprise_id,
        )
        if "command" in body:
            return BoltResponse(
                status=200, body={"response_type": "ephemeral", "text": other_workspace_text()}
            )
        return BoltResponse(status=200, body="")

    return refuse_other_team


# -- payloads Slack would not send ----------------------------------------------------------------


def missing_part(body: dict[str, Any], context: BoltContext) -> str | None:
    """The part a payload lacks that Slack always sends and Bolt or the listeners rely on."""
    kind = "command" if "command" in body else body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        return None if isinstance(event, dict) and isinstance(event.get("type"), str) else "event"
    if kind != "command" and kind not in _INTERACTIONS:
        return None
    if not (context.team_id or context.enterprise_id):
        return "team"
    user = body.get("user_id") if kind == "command" else (body.get("user") or {})
    if not (isinstance(user, str) and user) and not (isinstance(user, dict) and user.get("id")):
        return "user"
    if kind in _TRIGGERED and not body.get("trigger_id"):
        return "trigger_id"
    if kind == "block_actions" and not _named_actions(body.get("actions")):
        return "actions"
    if kind in ("view_submission", "view_closed") and not _named_view(body.get("view")):
        return "view"
    return None


def _named_actions(actions: object) -> bool:
    """At least one action, each an object with an action_id (Bolt matches on the first)."""
    return (
        isinstance(actions, list)
        and bool(actions)
        and all(
            isinstance(item, dict) and isinstance(item.get("action_id"), str) for item in actions
        )
    )


def _named_view(view: object) -> bool:
    return (
        isinstance(view, dict)
        and isinstance(view.get("callback_id"), str)
        and isinstance(view.get("type"), str)
    )


# -- failures -------------------------------------------------------------------------------------


def answer_failure(
    error: Exception,
    body: dict[str, Any],
    respond: Respond | None,
    response: BoltResponse | None,
) -> BoltResponse | None:
    """Bolt's error handler (listeners and middleware): tell the failure, answer 200."""
    tell_failure(error, body, respond)
    # `response` is None when the listener had acknowledged already: nothing left to answer.
    return None if response is None else BoltResponse(status=200, body="")


def tell_failure(error: Exception, body: dict[str, Any], respond: Respond | None) -> None:
    """Log a request's failure with its traceback, and tell the user in one sentence."""
    log.error(
        "a Slack request (%s) failed", body.get("command") or body.get("type"), exc_info=error
    )
    if respond is None:
        return  # a modal or an event: there is no one to tell
    text = slack_failed_text() if isinstance(error, _SLACK_FAILURES) else internal_error_text()
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except (OSError, ValueError):
        log.exception("could not tell the user that the request failed")


def reporting_failures(work: Callable[..., None]) -> Callable[..., None]:
    """The work after an ack (bot.slack.listening), its failures told as a listener's are:
    logged with the traceback, and the user told in one sentence."""
    wanted = tuple(inspect.signature(work).parameters)

    def run(**arguments: Any) -> None:
        try:
            work(**{name: arguments[name] for name in wanted})
        except Exception as error:  # the last place that can tell the user
            tell_failure(error, arguments["body"], arguments["respond"])

    # Bolt passes a listener the arguments its signature names: the work's, and these two.
    names = dict.fromkeys((*wanted, "body", "respond"))
    parameters = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names
    ]
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__name__ = run.__qualname__ = work.__name__
    run.__doc__ = work.__doc__
    return run
