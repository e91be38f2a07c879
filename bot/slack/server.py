"""Serving the Slack app: Socket Mode (SLACK_APP_TOKEN) or HTTP (`POST /slack/events`)."""

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

from bot.config import Settings
from bot.slack.app import build_app, required, web_client

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
DEFAULT_PORT = 3000


def serve(settings: Settings, *, socket: bool | None, port: int = DEFAULT_PORT) -> None:
    """Run until interrupted: Socket Mode if asked or if SLACK_APP_TOKEN is set, else HTTP."""
    use_socket = socket if socket is not None else settings.slack_app_token is not None
    app_token = required(settings.slack_app_token, "SLACK_APP_TOKEN") if use_socket else None
    app = build_app(settings)
    if app_token is not None:
        socket_mode_handler(app, settings, app_token).start()
    else:
        uvicorn.run(http_app(app), host="0.0.0.0", port=port, log_level="info")


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

    return Starlette(
        routes=[
            Route(EVENTS_PATH, events, methods=["POST"]),
            Route(HEALTH_PATH, health, methods=["GET"]),
        ]
    )
