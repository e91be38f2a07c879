"""The Links modal and App Home, through the running app."""

from __future__ import annotations

import shutil
from typing import Any

from conftest import GENERIC_HEADER
from fake_slack import Call, SlackDriver

from bot.links.index import LinkIndex
from bot.slack.ids import Action


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
        page, Action.LINKS, domain="many.example", message_ts=message.response["ts"]
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


def test_links_from_another_team_reveal_nothing(slack: SlackDriver) -> None:
    message = post_result(slack)
    slack.press(message.args["blocks"], Action.LINKS, domain="gap00.example", team="T2")

    text = modal_text(slack.fake.wait_for("views.update")[0])
    assert "not available" in text and "a.com" not in text


def test_app_home_shows_recent_analyses_counts_and_my_targets(slack: SlackDriver) -> None:
    message = post_result(slack)
    slack.press(
        message.args["blocks"],
        Action.TARGET,
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


def test_app_home_of_another_team_is_empty(slack: SlackDriver) -> None:
    post_result(slack)
    slack.event(
        {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, team="T2"
    )

    text = str(slack.fake.wait_for("views.publish")[0].args["view"]["blocks"])
    assert "*mysite.com* vs" not in text and "None yet." in text


def test_post_again_from_app_home_reposts_the_stored_result(slack: SlackDriver) -> None:
    post_result(slack)
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    home = slack.fake.wait_for("views.publish")[0].args["view"]["blocks"]
    shutil.rmtree(slack.settings.index_path)

    slack.press(home, Action.REPOST)

    again = slack.fake.wait_for("chat.postMessage", count=2)[-1]
    assert again.args["channel"] == "C1"
    assert "Backlink gaps: mysite.com" in str(again.args["blocks"])
