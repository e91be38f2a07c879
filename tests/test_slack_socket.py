"""Socket Mode: the same app, over a local websocket server that plays Slack's part."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import build_index, make_settings, sample_links
from fake_slack import FakeSlack
from websockets.sync.server import Server, ServerConnection, serve

from bot.slack.app import build_app
from bot.slack.server import socket_mode_handler


class SocketSlack:
    """Sends one envelope to whoever connects, and collects the acknowledgements."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        self.envelope = envelope
        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self.hung_up = threading.Event()  # the app closed its connection
        self.server: Server = serve(self._session, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/"

    def _session(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        connection.send(json.dumps(self.envelope))
        try:
            for message in connection:
                self.acks.put(json.loads(message))
        except Exception:  # the client went away
            return
        finally:
            self.hung_up.set()


@pytest.fixture
def socket_slack() -> Iterator[SocketSlack]:
    envelope = {
        "envelope_id": "env-1",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": "U1",
            "command": "/gaps",
            "text": "mysite.com vs a.com b.com c.com",
            "api_app_id": "A1",
            "response_url": "http://127.0.0.1:1/unused",
            "trigger_id": "1.2.3",
        },
    }
    fake = SocketSlack(envelope)
    fake.thread.start()
    yield fake
    fake.server.shutdown()


def test_socket_mode_acks_the_command_and_posts_the_result(
    tmp_path: Path, fake_slack: FakeSlack, socket_slack: SocketSlack
) -> None:
    fake_slack.socket_url = socket_slack.url
    home = tmp_path / "home"
    build_index(home, sample_links())
    settings = make_settings(
        home,
        f"sqlite:///{tmp_path / 'app.db'}",
        fake_slack.api_url,
        SLACK_APP_TOKEN="xapp-test-token",
    )
    handler = socket_mode_handler(build_app(settings), settings, "xapp-test-token")
    handler.connect()
    try:
        ack = socket_slack.acks.get(timeout=10)
        assert ack["envelope_id"] == "env-1"
        assert "Working on it" in ack["payload"]["text"]
        posted = fake_slack.wait_for("chat.postMessage")[0]
        assert "Backlink gaps: mysite.com" in str(posted.args["blocks"])
        opened = fake_slack.calls_to("apps.connections.open")[0]
        assert opened.headers["authorization"] == "Bearer xapp-test-token"
    finally:
        handler.close()
        assert socket_slack.hung_up.wait(10), "the app did not close its connection"
