"""Building and serving the app: configuration errors name the variable; /healthz; workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import SIGNING_SECRET, free_port, make_settings
from fake_slack import FakeSlack, SlackDriver
from starlette.applications import Starlette

from bot.config import ConfigError, Settings
from bot.slack.app import build_app, web_client
from bot.slack.server import Health, health_client, http_app, serve, served_app
from bot.store.db import make_engine


@pytest.mark.parametrize("variable", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"])
def test_a_missing_slack_setting_is_named(tmp_path: Path, variable: str) -> None:
    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'app.db'}", "http://127.0.0.1:1/", **{variable: ""}
    )
    with pytest.raises(ConfigError, match=variable):
        build_app(settings)


def test_socket_mode_without_an_app_token_is_named(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", "http://127.0.0.1:1/")
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        serve(settings, socket=True, port=0)


def test_a_token_slack_refuses_is_a_config_error(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.fail("auth.test", "invalid_auth")
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", fake_slack.api_url)
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        build_app(settings)


def test_start_up_does_not_warn_that_our_client_wins_over_the_token(
    tmp_path: Path,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Bolt reads SLACK_BOT_TOKEN from the environment by itself when it is set there.
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", fake_slack.api_url)
    with caplog.at_level(logging.INFO, logger="gapbot.slack"):
        build_app(settings)
        logging.getLogger("gapbot.slack").warning("any other warning")
    bolt = [record.getMessage() for record in caplog.records if record.name == "gapbot.slack"]
    assert bolt == ["any other warning"]


def test_every_web_api_call_goes_to_slack_api_url(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "sqlite://", "http://127.0.0.1:9/api")
    client = web_client(settings, "xoxb-1")
    assert client.base_url == "http://127.0.0.1:9/api/"
    assert {type(handler).__name__ for handler in client.retry_handlers} >= {
        "RateLimitErrorRetryHandler"
    }


def test_socket_mode_takes_neither_host_nor_workers(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", "http://127.0.0.1:1/")
    with pytest.raises(ConfigError, match="--host and --workers are for HTTP mode"):
        serve(settings, socket=True, host="0.0.0.0")
    with pytest.raises(ConfigError, match="--host and --workers are for HTTP mode"):
        serve(settings, socket=True, workers=2)


# -- GET /healthz ----------------------------------------------------------------------------


def get(app: Starlette, path: str) -> httpx.Response:
    """GET `path` from the ASGI app, in process (its lifespan, the reminder tick, not run)."""

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gapbot") as client:
            return await client.get(path)

    return asyncio.run(fetch())


@pytest.fixture
def settings(tmp_path: Path, fake_slack: FakeSlack) -> Settings:
    return make_settings(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", fake_slack.api_url)


def test_healthz_reports_the_database_and_slack(settings: Settings) -> None:
    response = get(served_app(settings), "/healthz")

    assert response.status_code == 200
    assert response.json() == {"db": "ok", "slack": "ok"}


def test_healthz_is_503_naming_slack_when_slack_fails(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    app = served_app(settings)
    fake_slack.server_error("auth.test", 503)

    response = get(app, "/healthz")

    assert response.status_code == 503
    assert response.json() == {"db": "ok", "slack": "error: HTTP 503"}


def test_healthz_is_503_naming_the_database_when_it_is_down(settings: Settings) -> None:
    nowhere = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gapbot")

    response = get(http_app(build_app(settings), nowhere), "/healthz")

    assert response.status_code == 503
    assert response.json() == {"db": "unreachable", "slack": "ok"}


def test_healthz_asks_slack_at_most_every_30_seconds(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    now = [1000.0]
    health = Health(None, health_client(build_app(settings).client), clock=lambda: now[0])
    asked = len(fake_slack.calls_to("auth.test"))

    assert asyncio.run(health.report()) == {"slack": "ok"}
    fake_slack.server_error("auth.test", 503)
    now[0] += 29
    assert asyncio.run(health.report()) == {"slack": "ok"}
    assert len(fake_slack.calls_to("auth.test")) == asked + 1

    now[0] += 2
    assert asyncio.run(health.report()) == {"slack": "error: HTTP 503"}


# -- gapbot serve --http --workers N ---------------------------------------------------------


def spawned_children(pid: int) -> list[int]:
    """The processes `pid` started as multiprocessing workers (uvicorn's --workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
        if parent == pid and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


def test_serve_http_runs_several_workers_on_loopback(tmp_path: Path, fake_slack: FakeSlack) -> None:
    port = free_port()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "GAPBOT_"))
    }
    env |= {
        "GAPBOT_HOME": str(tmp_path / "home"),
        "GAPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
    }
    gapbot = Path(sys.executable).parent / "gapbot"
    command = [str(gapbot), "serve", "--http", "--port", str(port), "--workers", "2"]
    with open(tmp_path / "serve.log", "wb") as log:
        server = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=log)
    try:
        health = _wait_for_health(f"http://127.0.0.1:{port}/healthz", server)
        assert health.json() == {"db": "ok", "slack": "ok"}
        assert len(spawned_children(server.pid)) == 2

        driver = SlackDriver(f"http://127.0.0.1:{port}", fake_slack, SIGNING_SECRET)
        assert "SITE vs COMPETITOR" in driver.command("help").json()["text"]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def _wait_for_health(url: str, server: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, "gapbot serve exited"
        with contextlib.suppress(httpx.TransportError):
            response = httpx.get(url, timeout=5)
            if response.status_code == 200:
                return response
        assert time.monotonic() < deadline, "gapbot serve did not answer /healthz"
        time.sleep(0.1)
