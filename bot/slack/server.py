"""Serving the Slack app (Socket Mode or HTTP `POST /slack/events`) and its reminder scheduler."""

from __future__ import annotations

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.config import ConfigError, Settings
from bot.scheduler import ReminderTick, start_scheduler
from bot.slack.app import build_app, required, team_clients, web_client
from bot.slack.oauth import INSTALL_PATH, REDIRECT_PATH, oauth_mode
from bot.slack.reminders import reminder_delivery
from bot.store.db import make_engine

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
DEFAULT_PORT = 3000


def serve(settings: Settings, *, socket: bool | None, port: int = DEFAULT_PORT) -> None:
    """Run until interrupted: Socket Mode if asked or if SLACK_APP_TOKEN is set, else HTTP."""
    use_socket = socket if socket is not None else settings.slack_app_token is not None
    if use_socket and oauth_mode(settings):
        raise ConfigError(
            "OAuth mode (SLACK_CLIENT_ID) serves /slack/install over HTTP: run `gapbot serve"
            " --http` and unset SLACK_APP_TOKEN"
        )
    app_token = required(settings.slack_app_token, "SLACK_APP_TOKEN") if use_socket else None
    app = build_app(settings)
    deliver = reminder_delivery(team_clients(app, settings))
    tick = ReminderTick(make_engine(settings.app_database_url), deliver)
    scheduler = start_scheduler(tick)
    try:
        if app_token is not None:
            socket_mode_handler(app, settings, app_token).start()
        else:
            uvicorn.run(http_app(app), host="0.0.0.0", port=port, log_level="info")
    finally:
        scheduler.shutdown(wait=False)


def socket_mode_handler(app: App, settings: Settings, app_token: str) -> SocketModeHandler:
    """Socket Mode, with `apps.connections.open` asked of SLACK_API_URL."""
    return SocketModeHandler(app, app_token, web_client=web_client(settings))


def http_app(app: App) -> Starlette:
    """The ASGI app: Slack's requests (signature-checked by Bolt) and a health check."""

    async def events(request: Request) -> Response:
        body = await request.body()
        # Bolt is synchronous: run it off the event loop so slow acks never queue others.
        response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(response)

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [
        Route(EVENTS_PATH, events, methods=["POST"]),
        Route(HEALTH_PATH, health, methods=["GET"]),
    ]
    if app.oauth_flow is not None:
        routes += oauth_routes(app)
    return Starlette(routes=routes)


def oauth_routes(app: App) -> list[Route]:
    """`GET /slack/install` (the Add to Slack page) and `GET /slack/oauth_redirect`."""
    flow = app.oauth_flow
    assert flow is not None

    async def install(request: Request) -> Response:
        bolt_request = to_bolt_request(request, await request.body())
        return to_starlette_response(
            await run_in_threadpool(flow.handle_installation, bolt_request)
        )

    async def redirect(request: Request) -> Response:
        bolt_request = to_bolt_request(request, await request.body())
        return to_starlette_response(await run_in_threadpool(flow.handle_callback, bolt_request))

    return [
        Route(INSTALL_PATH, install, methods=["GET"]),
        Route(REDIRECT_PATH, redirect, methods=["GET"]),
    ]
