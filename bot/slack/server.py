"""Serving the Slack app (Socket Mode, or HTTP in one or more processes) and its scheduled ticks."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import uvicorn
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.config import ConfigError, Settings, load_settings
from bot.scheduler import ClaimTick, start_scheduler
from bot.services.deps import Services
from bot.services.link_checks import LinkCheckTick
from bot.services.reminders import ReminderTick
from bot.slack.app import build_app, required, start_services, team_clients, web_client
from bot.slack.guard import TIMESTAMP_HEADER, missing_part
from bot.slack.listening import ANSWERING
from bot.slack.oauth import INSTALL_PATH, REDIRECT_PATH, oauth_mode
from bot.slack.reminders.delivery import reminder_delivery
from bot.slack.watches.delivery import watch_tick
from bot.slack.won.delivery import link_news

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
DEFAULT_PORT = 3000
# HTTP mode listens on loopback unless told otherwise: a proxy on the same host reaches it.
DEFAULT_HOST = "127.0.0.1"
# Slack's timestamps are whole seconds. Bolt reads the header with int() and would fail
# (a 500) on anything else, so that is answered here, before Bolt sees the request.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
SLACK_CHECK_SECONDS = 30.0  # /healthz asks Slack at most this often
HEALTH_TIMEOUT_SECONDS = 5.0

Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


def serve(
    settings: Settings,
    *,
    socket: bool | None,
    host: str | None = None,
    port: int = DEFAULT_PORT,
    workers: int = 1,
) -> None:
    """Run until interrupted: Socket Mode if asked or if SLACK_APP_TOKEN is set, else HTTP."""
    use_socket = socket if socket is not None else settings.slack_app_token is not None
    if not use_socket:
        serve_http(settings, host=host or DEFAULT_HOST, port=port, workers=workers)
        return
    if oauth_mode(settings):
        raise ConfigError(
            "OAuth mode (SLACK_CLIENT_ID) serves /slack/install over HTTP: run `gapbot serve"
            " --http` and unset SLACK_APP_TOKEN"
        )
    if host is not None or workers != 1:
        raise ConfigError(
            "--host and --workers are for HTTP mode (`gapbot serve --http`): Socket Mode"
            " connects out to Slack, one connection per process"
        )
    app_token = required(settings.slack_app_token, "SLACK_APP_TOKEN")
    services = start_services(settings)
    app = build_app(settings, services=services)
    scheduler = start_scheduler(*scheduled_ticks(app, services))
    try:
        socket_mode_handler(app, settings, app_token).start()
    finally:
        scheduler.shutdown(wait=False)


def serve_http(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """`POST /slack/events` and `GET /healthz` with uvicorn, in `workers` processes."""
    if workers < 1:
        raise ConfigError("--workers must be 1 or more")
    if workers == 1:
        uvicorn.run(served_app(settings), host=host, port=port, log_level="info")
        return
    # Each worker is a new process that builds its own app from the environment (the same
    # one these settings were read from). Building one here first reports a bad setting
    # once, in one sentence, and migrates the database before the workers start.
    build_app(settings)
    uvicorn.run(
        f"{__name__}:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


def worker_app() -> Starlette:
    """uvicorn's app factory for `--workers N`: one worker's app, from the environment."""
    return served_app(load_settings())


def served_app(settings: Settings) -> Starlette:
    """One serving process: its services (one engine), the Slack app, its health check,
    and the scheduled ticks.

    Every process runs the ticks: each due job is claimed by exactly one of them.
    """
    services = start_services(settings)
    app = build_app(settings, services=services)
    return http_app(app, services.engine, lifespan=ticking(scheduled_ticks(app, services)))


def scheduled_ticks(app: App, services: Services) -> list[ClaimTick[Any]]:
    """Every kind of scheduled job a serving process runs (each job claimed by one process)."""
    settings, engine = services.settings, services.engine
    clients = team_clients(app, settings)
    return [
        ReminderTick(engine, reminder_delivery(clients)),
        LinkCheckTick(engine, services.fetcher, link_news(clients)),
        # The watches' analyses take turns with /gaps at the process's analysis slots.
        watch_tick(services.runner, clients),
    ]


def ticking(ticks: list[ClaimTick[Any]]) -> Lifespan:
    """Run the scheduled jobs while the server serves."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        scheduler = start_scheduler(*ticks)
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)

    return lifespan


def socket_mode_handler(app: App, settings: Settings, app_token: str) -> SocketModeHandler:
    """Socket Mode, with `apps.connections.open` asked of SLACK_API_URL."""
    return SocketModeHandler(app, app_token, web_client=web_client(settings))


def http_app(app: App, engine: Engine | None = None, lifespan: Lifespan | None = None) -> Starlette:
    """The ASGI app: Slack's requests (signature-checked by Bolt) and a health check.

    `engine` is the app database `/healthz` checks (without one, it checks Slack only).
    """
    health = Health(engine, health_client(app.client))

    async def events(request: Request) -> Response:
        with ANSWERING.request():
            return await answer(request)

    async def answer(request: Request) -> Response:
        read = await slack_request(request)
        if isinstance(read, Response):
            return read
        try:
            # Bolt is synchronous: run it off the event loop so slow acks never queue others.
            response = await run_in_threadpool(app.dispatch, read)
        except Exception:  # Bolt's own error handling failed: the last net
            log.exception("a Slack request could not be served: answering 200")
            return Response(status_code=200)
        if response.status >= 500:
            # The last net: Bolt's error handler (bot.slack.guard) has logged the
            # exception; Slack would show the user an error and retry events.
            log.error("a Slack request was answered HTTP %s: answering 200", response.status)
            return Response(status_code=200)
        return to_starlette_response(response)

    async def healthz(_: Request) -> Response:
        report = await health.report()
        healthy = all(state == "ok" for state in report.values())
        return JSONResponse(report, status_code=200 if healthy else 503)

    routes = [
        Route(EVENTS_PATH, events, methods=["POST"]),
        Route(HEALTH_PATH, healthz, methods=["GET"]),
    ]
    if app.oauth_flow is not None:
        routes += oauth_routes(app)
    return Starlette(routes=routes, lifespan=lifespan)


async def slack_request(request: Request) -> BoltRequest | Response:
    """The request for Bolt, or the answer to one that Slack would never send."""
    stamp = request.headers.get(TIMESTAMP_HEADER)
    if stamp is not None and not _TIMESTAMP.fullmatch(stamp):
        return Response(status_code=401)
    body = await request.body()
    try:
        read = to_bolt_request(request, body)
        missing = missing_part(read.body, read.context)
    except (ValueError, AttributeError, TypeError, RecursionError) as error:
        # Not a JSON object (or a form with one in `payload`), or fields of the wrong kind
        # (`"type": []`), or nested past what the parser takes: not from Slack.
        log.warning("an unreadable request to %s was refused: %r", EVENTS_PATH, error)
        return Response(status_code=400)
    if missing is not None:
        log.warning("a malformed request to %s was refused: no valid %s", EVENTS_PATH, missing)
        return Response(status_code=400)
    return read


def health_client(client: WebClient) -> WebClient:
    """The app's client without its retries and with a short timeout: a probe must be quick."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=int(HEALTH_TIMEOUT_SECONDS),
        retry_handlers=[],
    )


class Health:
    """What `GET /healthz` reports: the app database and Slack, each "ok" or what failed."""

    def __init__(
        self,
        engine: Engine | None,
        client: WebClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.client = client
        self.clock = clock
        self._lock = threading.Lock()
        self._slack: tuple[float, str] | None = None  # (when asked, what Slack said)

    async def report(self) -> dict[str, str]:
        checks = {"slack": self.slack}
        if self.engine is not None:
            checks = {"db": self.database, **checks}
        states = await asyncio.gather(*(_within_timeout(check) for check in checks.values()))
        return dict(zip(checks, states, strict=True))

    def database(self) -> str:
        assert self.engine is not None
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            log.warning("health check: the app database did not answer: %s", error)
            return "unreachable"
        return "ok"

    def slack(self) -> str:
        """auth.test (api.test in OAuth mode, which has no one token), cached for a while."""
        with self._lock:
            if self._slack is not None and self.clock() - self._slack[0] < SLACK_CHECK_SECONDS:
                return self._slack[1]
        state = self._ask_slack()
        with self._lock:
            self._slack = (self.clock(), state)
        return state

    def _ask_slack(self) -> str:
        try:
            if self.client.token:
                self.client.auth_test()
            else:
                self.client.api_test()
        except SlackApiError as error:
            status = error.response.status_code
            code = f"HTTP {status}" if status != 200 else str(error.response.get("error"))
            log.warning("health check: Slack answered %s", code)
            return f"error: {code}"
        except OSError as error:
            log.warning("health check: Slack could not be reached: %s", error)
            return "unreachable"
        return "ok"


async def _within_timeout(check: Callable[[], str]) -> str:
    try:
        return await asyncio.wait_for(run_in_threadpool(check), HEALTH_TIMEOUT_SECONDS)
    except TimeoutError:
        return "timed out"


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
