"""Won in Slack: the reminder's Won button asks for the linking page, checks it at once and
DMs the verdict; the scheduled checks DM the owner when a link is at risk or back.

The won domain is 127.0.0.1 (an IP address is its own domain), so its page can be served
by tests/page_server.py and still be a page of the won domain."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SIGNING_SECRET, build_index, make_settings, sample_links
from drafting import texts
from fake_slack import Call, FakeSlack, SlackDriver
from page_server import Page, PageServer, redirect
from pipeline_log import events_for
from sqlmodel import Session, select

import bot.store.hosts
from bot.fetch import Fetcher, FetchPolicy, HostGate
from bot.outreach.moves import Status
from bot.services.link_checks import LinkCheckTick
from bot.services.reminders import ReminderTick
from bot.slack.app import team_clients
from bot.slack.reminders.delivery import reminder_delivery
from bot.slack.reminders.ids import ReminderAction
from bot.slack.won.blocks import NOT_YOURS_LINK
from bot.slack.won.delivery import link_news
from bot.slack.won.ids import WonAction, WonInput
from bot.store.db import make_engine
from bot.store.pipeline import Move, PipelineEntry, move
from bot.store.reminders import Reminder
from bot.store.won_links import WonLink

SITE, WON = "mysite.com", "127.0.0.1"
LIVE = Page(b'<p>Read <a href="https://www.mysite.com/guide">our guide</a>.</p>')


@pytest.fixture
def blog() -> Iterator[PageServer]:
    with PageServer() as server:
        server.pages = {"/post": LIVE}
        yield server


@pytest.fixture
def slack(
    tmp_path: Path, fake_slack: FakeSlack, blog: PageServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SlackDriver]:
    """The app with a link index that knows the blog's page links to mysite.com, allowed to
    fetch from loopback, its politeness gate not waiting (test_store_hosts.py measures it)."""
    monkeypatch.setattr(bot.store.hosts, "HOST_SPACING", 0.0)
    home = tmp_path / "home"
    build_index(home, sample_links() + f"{blog.url('/post')},https://mysite.com/guide,false\n")
    settings = make_settings(
        home,
        f"sqlite:///{tmp_path / 'app.db'}",
        fake_slack.api_url,
        GAPBOT_FETCH_ALLOW_PRIVATE="1",
    )
    driver = SlackDriver.in_process(settings, fake_slack, SIGNING_SECRET)
    yield driver
    driver.stop()


def engine_of(slack: SlackDriver) -> Any:
    return make_engine(slack.settings.app_database_url)


def reminder_dm(slack: SlackDriver, domain: str = WON) -> Call:
    """`domain` contacted by U1 and its follow-up due: the reminder DM."""
    engine = engine_of(slack)
    with Session(engine) as session:
        for status in (Status.TARGETED, Status.CONTACTED):
            move(session, Move("T1", SITE, domain, status, "U1"))
        session.add(
            Reminder(
                team_id="T1",
                site=SITE,
                refdomain=domain,
                owner_id="U1",
                action="follow_up",
                due_at=datetime.now(UTC) - timedelta(minutes=1),
            )
        )
        session.commit()
    before = len(slack.fake.calls_to("chat.postMessage"))
    ReminderTick(engine, reminder_delivery(team_clients(slack.app, slack.settings)))()
    return slack.fake.wait_for("chat.postMessage", count=before + 1)[-1]


def press_won(slack: SlackDriver, dm: Call, user: str = "U1") -> dict[str, Any]:
    """Press Won: the loading modal opens, then becomes the form; the form."""
    opened = len(slack.fake.calls_to("views.update"))
    slack.press(
        dm.args["blocks"],
        ReminderAction.WON,
        user=user,
        channel="DU1",
        message_ts=dm.response["ts"],
    )
    loading = slack.fake.wait_for("views.open")[-1].args["view"]
    assert texts(loading["blocks"])[0].startswith("Looking for the page of *")
    update = slack.fake.wait_for("views.update", count=opened + 1)[-1]
    assert update.args["view_id"] == "V1"
    form: dict[str, Any] = update.args["view"]
    return form


def page_input(form: dict[str, Any]) -> dict[str, Any]:
    (block,) = [block for block in form["blocks"] if block["type"] == "input"]
    assert block["block_id"] == WonInput.LINKING_PAGE
    return dict(block)


def submit(slack: SlackDriver, form: dict[str, Any], url: str | None) -> httpx.Response:
    state = {"type": "plain_text_input", "value": url}
    return slack.view_submission(form, {WonInput.LINKING_PAGE: {WonAction.LINKING_PAGE: state}})


def status(slack: SlackDriver, domain: str = WON) -> str:
    with Session(engine_of(slack)) as session:
        return session.exec(
            select(PipelineEntry.status).where(PipelineEntry.refdomain == domain)
        ).one()


def won_links(slack: SlackDriver) -> list[WonLink]:
    with Session(engine_of(slack)) as session:
        return list(session.exec(select(WonLink)).all())


def checked(slack: SlackDriver, timeout: float = 10.0) -> WonLink:
    """The one won link, once its check is stored (polled to a deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        (link,) = won_links(slack)
        if link.last_checked_at is not None:
            return link
        assert time.monotonic() < deadline, "the check was not stored"
        time.sleep(0.02)


def test_won_asks_for_the_page_prefilled_from_the_link_data(
    slack: SlackDriver, blog: PageServer
) -> None:
    form = page_input(press_won(slack, reminder_dm(slack)))

    assert form["element"]["initial_value"] == blog.url("/post")
    assert form["optional"] is True
    assert "Leave it empty to mark the domain won without checking it" in form["hint"]["text"]


def test_no_page_is_prefilled_when_the_data_knows_none(slack: SlackDriver) -> None:
    form = page_input(press_won(slack, reminder_dm(slack, "gap00.example")))

    assert "initial_value" not in form["element"]
    assert form["element"]["placeholder"]["text"] == "https://gap00.example/…"


def test_a_submitted_page_marks_won_is_checked_at_once_and_its_verdict_dmed(
    slack: SlackDriver, blog: PageServer
) -> None:
    dm = reminder_dm(slack)
    form = press_won(slack, dm)
    posted = len(slack.fake.calls_to("chat.postMessage"))

    response = submit(slack, form, blog.url("/post"))

    assert response.status_code == 200 and not response.content
    update = slack.fake.wait_for("chat.update")[-1]
    assert update.args["ts"] == dm.response["ts"] and update.args["channel"] == "DU1"
    assert "Marked *won*" in texts(update.args["blocks"])[0]
    verdict = slack.fake.wait_for("chat.postMessage", count=posted + 1)[-1]
    assert verdict.args["channel"] == "DU1"
    assert texts(verdict.args["blocks"])[0].startswith(
        ":white_check_mark: The link from *127.0.0.1* to mysite.com is *live*"
    )
    assert status(slack) == "won"
    link = checked(slack)  # stored once the DM is out
    assert (link.url, link.last_verdict, link.owner_id) == (blog.url("/post"), "live", "U1")

    again = submit(slack, form, blog.url("/post"))  # a double submit

    assert again.status_code == 200 and not again.content
    (same,) = won_links(slack)
    assert (same.last_checked_at, same.due_at) == (link.last_checked_at, link.due_at)
    with Session(engine_of(slack)) as session:
        moved = [event.to_status for event in events_for(session, "T1", SITE, WON)]
    assert moved == ["targeted", "contacted", "won"]
    assert blog.paths.count("/post") == 1


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("127.0.0.1/post", "Give the page's whole address, starting with https:// or http://."),
        (
            "https://blog.example/post",
            "That page is on blog.example, not 127.0.0.1: give the page on 127.0.0.1 that"
            " links to mysite.com.",
        ),
    ],
)
def test_a_page_that_is_not_the_won_domains_is_refused_in_one_sentence(
    slack: SlackDriver, url: str, error: str
) -> None:
    form = press_won(slack, reminder_dm(slack))

    response = submit(slack, form, url)

    assert response.json() == {"response_action": "errors", "errors": {"linking_page": error}}
    assert status(slack) == "contacted" and won_links(slack) == []


def test_an_empty_page_marks_won_without_checking(slack: SlackDriver) -> None:
    form = press_won(slack, reminder_dm(slack))

    response = submit(slack, form, None)

    assert response.status_code == 200 and not response.content
    assert "Marked *won*" in texts(slack.fake.wait_for("chat.update")[-1].args["blocks"])[0]
    assert status(slack) == "won" and won_links(slack) == []


@pytest.mark.parametrize(
    "metadata", ["{}", '{"r": 99999999999999999999, "c": "DU1", "t": "1.2"}', "not json"]
)
def test_a_won_form_this_app_did_not_write_is_refused_in_one_sentence(
    slack: SlackDriver, metadata: str
) -> None:
    form = press_won(slack, reminder_dm(slack))

    response = submit(slack, {**form, "private_metadata": metadata}, "https://127.0.0.1/")

    assert response.json()["errors"] == {
        "linking_page": "This form can no longer be read: close it and open it again."
    }
    assert status(slack) == "contacted"


def test_a_won_form_submitted_by_someone_else_changes_nothing(
    slack: SlackDriver, blog: PageServer
) -> None:
    form = press_won(slack, reminder_dm(slack))
    state = {"type": "plain_text_input", "value": blog.url("/post")}

    response = slack.view_submission(
        form, {WonInput.LINKING_PAGE: {WonAction.LINKING_PAGE: state}}, user="U2"
    )

    assert response.json()["errors"] == {
        "linking_page": "That reminder is not yours, or it is gone."
    }
    assert status(slack) == "contacted" and won_links(slack) == []


def test_someone_elses_won_button_opens_nothing(slack: SlackDriver) -> None:
    dm = reminder_dm(slack)

    slack.press(dm.args["blocks"], ReminderAction.WON, user="U2", channel="DU1")

    (reply,) = slack.fake.wait_for("respond/*")
    assert "not yours" in reply.args["text"]
    assert slack.fake.calls_to("views.open") == []


def check_at(slack: SlackDriver, at: datetime) -> None:
    """The scheduled checks, run as of `at` (the politeness gate never sleeps here)."""
    news = link_news(team_clients(slack.app, slack.settings))
    policy = FetchPolicy(user_agent="Gapbot/test (+https://example.test)", allow_private=True)
    with Fetcher(policy, gate=HostGate(clock=lambda: 0.0, sleep=lambda _s: None)) as pages:
        LinkCheckTick(engine_of(slack), pages, news, clock=lambda: at)()


def at_risk(slack: SlackDriver, blog: PageServer, now: datetime) -> Call:
    """A won link whose page lost its followed link, checked a week, a week and a day and
    two weeks after it was won: the link-at-risk DM."""
    form = press_won(slack, reminder_dm(slack))
    submit(slack, form, blog.url("/post"))
    slack.fake.wait_for("chat.postMessage", count=2)  # the reminder, the first verdict
    checked(slack)
    blog.pages["/post"] = redirect(301, "/moved")
    blog.pages["/moved"] = Page(
        b'<link rel="canonical" href="/moved"><meta name="robots" content="nofollow">'
        b'<a href="https://mysite.com/" rel="ugc">&lt;!channel&gt; *deal*</a>'
    )
    for days in (7, 8, 15):
        check_at(slack, now + timedelta(days=days))
    (alert,) = slack.fake.calls_to("chat.postMessage")[2:]
    return alert


def test_a_link_at_risk_is_dmed_once_with_its_evidence_escaped_then_back(
    slack: SlackDriver, blog: PageServer
) -> None:
    now = datetime.now(UTC)
    alert = at_risk(slack, blog, now)
    head, evidence = texts(alert.args["blocks"])[:2]
    assert head.startswith(":rotating_light: The link from *127.0.0.1* to mysite.com is at risk")
    assert "marked *link at risk*" in head and status(slack) == "at_risk"
    assert f"redirect: {blog.url('/post')} (301)" in evidence
    assert "HTTP status: 200" in evidence and "robots: index, nofollow" in evidence
    assert f"canonical: {blog.url('/moved')}" in evidence
    assert "“&lt;!channel&gt; \u2217deal\u2217” (ugc)" in evidence and "<!channel>" not in evidence

    blog.pages["/post"] = LIVE
    check_at(slack, now + timedelta(days=22))

    back = slack.fake.wait_for("chat.postMessage", count=4)[-1]
    assert texts(back.args["blocks"])[0].startswith(":tada: The link from *127.0.0.1*")
    assert status(slack) == "won"


def test_a_link_at_risk_can_be_checked_again_now_or_marked_lost(
    slack: SlackDriver, blog: PageServer
) -> None:
    alert = at_risk(slack, blog, datetime.now(UTC))
    where = {"channel": "DU1", "message_ts": alert.response["ts"]}
    posted = len(slack.fake.calls_to("chat.postMessage"))
    updated = len(slack.fake.calls_to("chat.update"))

    slack.press(alert.args["blocks"], WonAction.LINK_RECHECK, **where)
    update = slack.fake.wait_for("chat.update", count=updated + 1)[-1]
    assert "Checking the page of *127.0.0.1* again now" in texts(update.args["blocks"])[0]
    again = slack.fake.wait_for("chat.postMessage", count=posted + 1)[-1]
    assert texts(again.args["blocks"])[0].startswith(":warning: Checked again:")
    assert status(slack) == "at_risk"

    slack.press(alert.args["blocks"], WonAction.LINK_LOST, user="U2", **where)
    assert slack.fake.wait_for("respond/*")[-1].args["text"] == NOT_YOURS_LINK
    slack.press(alert.args["blocks"], WonAction.LINK_LOST, **where)
    lost = slack.fake.wait_for("chat.update", count=updated + 2)[-1]
    assert "*127.0.0.1* is marked *lost*" in texts(lost.args["blocks"])[0]
    assert status(slack) == "lost"
    asked = len(blog.requests)
    check_at(slack, datetime.now(UTC) + timedelta(days=30))
    assert len(blog.requests) == asked  # a lost link's page is no longer fetched
