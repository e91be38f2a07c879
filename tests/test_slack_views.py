"""The Links modal and App Home, through the running app."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime
from typing import Any

from conftest import GENERIC_HEADER
from fake_slack import Call, SlackDriver
from PIL import Image

from bot.links.index import LinkIndex
from bot.slack.home.ids import HomeAction
from bot.slack.results.ids import ResultAction
from bot.store.db import make_engine, session_scope
from bot.store.reminders import Reminder
from bot.store.settings import PaidSources, paid_sources


def post_result(slack: SlackDriver, text: str = "mysite.com vs a.com b.com c.com") -> Call:
    before = len(slack.fake.calls_to("chat.postMessage"))
    slack.command(text)
    return slack.fake.wait_for("chat.postMessage", count=before + 1)[-1]


def add_links(slack: SlackDriver, rows: list[str]) -> None:
    export = slack.settings.home / "more.csv"
    export.write_text(GENERIC_HEADER + "\n".join(rows) + "\n")
    LinkIndex(slack.settings.index_path).import_file(export)


def modal_text(call: Call) -> str:
    view: dict[str, Any] = call.args["view"]
    return "\n".join(block["text"]["text"] for block in view["blocks"])


def test_links_opens_a_modal_with_the_exact_pages_per_competitor(slack: SlackDriver) -> None:
    add_links(
        slack,
        [f"https://many.example/post-{n:02d},https://a.com/,false" for n in range(23)]
        + ["https://many.example/n,https://b.com/,true"],
    )
    message = post_result(slack)
    page = message.args["blocks"]

    response = slack.press(
        page, ResultAction.LINKS, domain="many.example", message_ts=message.response["ts"]
    )

    assert response.status_code == 200
    opened = slack.fake.wait_for("views.open")[0]
    assert opened.args["trigger_id"] == "1337.42.efgh"
    updated = slack.fake.wait_for("views.update")[0]
    assert updated.args["view_id"] == "V1"
    text = modal_text(updated)
    assert "*a.com* — 23 links" in text and "+3 more" in text
    assert "<https://many.example/post-00|https://many.example/post-00>" in text
    assert "post-19" in text and "post-20" not in text
    assert "*b.com* — 1 link\n" in text and "nofollow" in text
    assert "*c.com* — 0 links" in text


def test_app_home_shows_recent_analyses_counts_and_my_targets(slack: SlackDriver) -> None:
    message = post_result(slack)
    slack.press(
        message.args["blocks"],
        ResultAction.TARGET,
        domain="gap05.example",
        message_ts=message.response["ts"],
    )
    slack.fake.wait_for("chat.update")

    response = slack.event(
        {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    )

    assert response.status_code == 200
    published = slack.fake.wait_for("views.publish")[0]
    assert published.args["user_id"] == "U1"
    view = published.args["view"]
    assert view["type"] == "home"
    text = str(view["blocks"])
    assert "*mysite.com* vs a.com, b.com, c.com" in text and "26 gaps" in text
    assert "targeted: *1*" in text
    assert "*gap05.example* for mysite.com — targeted" in text


def test_post_again_from_app_home_reposts_the_stored_result(slack: SlackDriver) -> None:
    post_result(slack)
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    home = slack.fake.wait_for("views.publish")[0].args["view"]["blocks"]
    shutil.rmtree(slack.settings.index_path)

    slack.press(home, HomeAction.REPOST)

    again = slack.fake.wait_for("chat.postMessage", count=2)[-1]
    assert again.args["channel"] == "C1"
    assert "Backlink gaps: mysite.com" in str(again.args["blocks"])


def home_blocks(slack: SlackDriver, count: int = 1) -> list[dict[str, Any]]:
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    blocks: list[dict[str, Any]] = slack.fake.wait_for("views.publish", count)[-1].args["view"][
        "blocks"
    ]
    return blocks


def test_a_new_workspace_starts_with_a_budget_that_only_an_admin_changes(
    slack: SlackDriver,
) -> None:
    text = str(home_blocks(slack))
    assert "*Paid link sources*" in text and "Up to $5.00 a day" in text
    assert "Set by a workspace admin." in text
    assert HomeAction.PAID_SOURCES.value not in text


def test_an_admin_turns_paid_sources_off_and_back_on_from_app_home(slack: SlackDriver) -> None:
    slack.fake.admins.add("U1")
    blocks = home_blocks(slack)
    assert "Up to $5.00 a day" in str(blocks)

    slack.press(blocks, HomeAction.PAID_SOURCES, option=0)  # Off
    off = slack.fake.wait_for("views.publish", 2)[-1].args["view"]["blocks"]
    assert "Off: local data and the web graph only" in str(off)
    assert rule(slack) == PaidSources(allowed=False, daily_budget_usd=None)

    slack.press(off, HomeAction.PAID_SOURCES, option=3)  # $20 a day
    slack.fake.wait_for("views.publish", 3)
    assert rule(slack) == PaidSources(allowed=True, daily_budget_usd=20.0)


def test_a_member_who_is_not_an_admin_cannot_change_the_rule(slack: SlackDriver) -> None:
    slack.fake.admins.add("U1")
    blocks = home_blocks(slack)
    slack.fake.admins.clear()

    slack.press(blocks, HomeAction.PAID_SOURCES, option=0)

    slack.fake.wait_for("views.publish", 2)  # redrawn after the (refused) choice
    assert rule(slack) == PaidSources(allowed=True, daily_budget_usd=None)


def rule(slack: SlackDriver) -> PaidSources:
    with session_scope(make_engine(slack.settings.app_database_url)) as session:
        return paid_sources(session, "T1")


def test_app_home_lists_the_reminders_gapbot_gave_up_on(slack: SlackDriver) -> None:
    due = datetime(2026, 11, 20, tzinfo=UTC)
    with session_scope(make_engine(slack.settings.app_database_url)) as session:
        session.add(
            Reminder(
                team_id="T1",
                site="mysite.com",
                refdomain="gone.example",
                owner_id="U404",
                action="follow_up",
                due_at=due,
                state="failed",
                attempts=3,
                last_error="user_not_found",
                done_at=due,
            )
        )

    text = str(home_blocks(slack))

    assert "gone.example" in text and "the owner is not in the workspace any more" in text


def test_the_pipeline_chart_is_uploaded_and_shown_in_app_home(slack: SlackDriver) -> None:
    message = post_result(slack)
    slack.press(
        message.args["blocks"],
        ResultAction.TARGET,
        domain="gap05.example",
        message_ts=message.response["ts"],
    )
    slack.fake.wait_for("chat.update")
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    home = slack.fake.wait_for("views.publish")[0].args["view"]["blocks"]

    slack.press_at_home(home, HomeAction.PIPELINE_CHART)
    complete, png = slack.fake.wait_for_upload("Targets by status")
    assert complete.args["channel_id"] == "DU1"  # shared with the user, who may then see it
    data = json.loads(Image.open(io.BytesIO(png)).info["Description"])
    assert data["counts"] == {"targeted": [0] * 90 + [1]}
    shown = slack.fake.wait_for("views.publish", 2)[-1].args["view"]["blocks"]
    images = [block for block in shown if block["type"] == "image"]
    assert [image["slack_file"] for image in images] == [{"id": complete.args["files"][0]["id"]}]


def test_a_pipeline_chart_slack_refuses_is_told_by_dm(slack: SlackDriver) -> None:
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    home = slack.fake.wait_for("views.publish")[0].args["view"]["blocks"]
    slack.fake.fail("files.completeUploadExternal", "file_upload_failed")

    slack.press_at_home(home, HomeAction.PIPELINE_CHART)
    dm = slack.fake.wait_for("chat.postMessage")[0]
    assert dm.args["channel"] == "DU1"
    assert "Slack would not take the pipeline chart" in dm.args["text"]


def test_a_pipeline_chart_slack_cannot_show_yet_stays_in_the_dm(slack: SlackDriver) -> None:
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    home = slack.fake.wait_for("views.publish")[0].args["view"]["blocks"]
    slack.fake.fail("views.publish", "invalid_blocks")

    slack.press_at_home(home, HomeAction.PIPELINE_CHART)
    complete, _ = slack.fake.wait_for_upload("Targets by status")
    assert complete.args["channel_id"] == "DU1"
    shown = slack.fake.wait_for("views.publish", 3)[-1].args["view"]["blocks"]
    assert [block for block in shown if block["type"] == "image"] == []
