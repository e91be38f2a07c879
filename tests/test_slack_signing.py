"""Signature verification stays on: a wrong signature or a stale timestamp gets 401."""

from __future__ import annotations

import time

import httpx
from fake_slack import SlackDriver


def test_a_correctly_signed_request_is_served(slack: SlackDriver) -> None:
    assert slack.command("help").status_code == 200


def test_a_wrong_signature_is_refused(slack: SlackDriver) -> None:
    response = slack.command("mysite.com vs a.com", secret="not-the-secret")

    assert response.status_code == 401
    time.sleep(0.2)
    assert slack.fake.calls_to("chat.postMessage") == []


def test_a_request_older_than_five_minutes_is_refused(slack: SlackDriver) -> None:
    response = slack.command("mysite.com vs a.com", timestamp=int(time.time()) - 6 * 60)

    assert response.status_code == 401


def test_an_unsigned_request_is_refused(slack: SlackDriver) -> None:
    response = httpx.post(f"{slack.url}/slack/events", data={"command": "/gaps", "text": "help"})

    assert response.status_code == 401


def test_health_check(slack: SlackDriver) -> None:
    response = httpx.get(f"{slack.url}/healthz")

    assert response.status_code == 200 and response.text == "ok"
