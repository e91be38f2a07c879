"""Watches in Slack: `/gaps watch` and `/gaps watches` (signed commands to the running app),
their buttons in the channel and on the Home tab, and what a run posts in the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from conftest import build_index, sample_links
from fake_slack import Call, SlackDriver
from sqlalchemy import update
from sqlalchemy.engine import Engine

from bot.query import parse_watch_text
from bot.services.watches import add_watch, get_watch, team_watches
from bot.slack.home.ids import HomeAction
from bot.slack.mrkdwn import escape
from bot.slack.results.ids import ResultAction
from bot.slack.watches.delivery import watch_tick
from bot.slack.watches.ids import WatchAction
from bot.store.db import make_engine, session_scope
from bot.store.watches import Watch

WATCH = "watch mysite.com vs a.com b.com c.com --every day"


def engine_of(slack: SlackDriver) -> Engine:
    return make_engine(slack.settings.app_database_url)


def watches(slack: SlackDriver, team: str = "T1") -> list[Watch]:
    return team_watches(engine_of(slack), team)


def run_due(slack: SlackDriver) -> int:
    """One tick of the watches, as a serving process runs it."""
    return watch_tick(slack.services.runner, lambda _team: slack.app.client)()


def due_now(slack: SlackDriver) -> None:
    with session_scope(engine_of(slack)) as session:
        session.execute(update(Watch).values(due_at=datetime.now(UTC)))


def posted(slack: SlackDriver, count: int) -> Call:
    return slack.fake.wait_for("chat.postMessage", count=count)[-1]


def texts(blocks: list[dict[str, Any]]) -> str:
    return str(blocks)


def test_watch_is_added_in_the_ack_and_listed_with_its_buttons(slack: SlackDriver) -> None:
    answer = slack.command(WATCH).json()
    assert answer["response_type"] == "ephemeral"
    assert "Watching *mysite.com* vs a.com, b.com, c.com every day" in answer["text"]
    [watch] = watches(slack)
    assert (watch.channel_id, watch.created_by, watch.every, watch.paused) == (
        "C1",
        "U1",
        "day",
        False,
    )

    listed = slack.command("watches").json()
    assert listed["response_type"] == "ephemeral"
    assert "*mysite.com* vs a.com, b.com, c.com\\nevery day · next run" in str(listed["blocks"])
    buttons = [element["action_id"] for element in listed["blocks"][2]["elements"]]
    assert buttons == [WatchAction.PAUSE, WatchAction.DELETE]


def test_bad_watches_get_one_sentence_naming_the_bad_part(slack: SlackDriver) -> None:
    fortnight = slack.command("watch mysite.com vs a.com --every fortnight").json()["text"]
    assert "--every 'fortnight': use one of day, week, month" in fortnight
    assert "give a site" in slack.command("watch").json()["text"]
    refresh = slack.command("watch mysite.com vs a.com --refresh").json()["text"]
    assert "--refresh does not apply to a watch" in refresh
    assert watches(slack) == []
    usage = slack.command("help").json()["text"]
    assert "/gaps watch mysite.com vs rival-a.com --every week" in usage


def test_pause_resume_and_delete_from_the_channel_list(slack: SlackDriver) -> None:
    slack.command(WATCH)
    blocks = slack.command("watches").json()["blocks"]

    slack.press(blocks, WatchAction.PAUSE)
    redrawn = slack.fake.wait_for("respond/*")[-1].args
    assert redrawn["replace_original"] is True and "*paused*" in str(redrawn["blocks"])
    assert watches(slack)[0].paused

    slack.press(redrawn["blocks"], WatchAction.RESUME)
    redrawn = slack.fake.wait_for("respond/*", count=2)[-1].args
    assert "next run" in str(redrawn["blocks"]) and not watches(slack)[0].paused

    slack.press(redrawn["blocks"], WatchAction.DELETE)
    redrawn = slack.fake.wait_for("respond/*", count=3)[-1].args
    assert "No watches in this channel yet" in str(redrawn["blocks"])
    assert watches(slack) == []


def test_another_workspace_s_watch_id_does_nothing(slack: SlackDriver) -> None:
    query, every = parse_watch_text("theirs.com vs a.com")
    theirs = add_watch(engine_of(slack), "T2", "C9", "U9", query, every)
    forged = [
        {
            "type": "actions",
            "elements": [
                {"action_id": action, "type": "button", "value": f'{{"w":{theirs.id}}}'}
                for action in (WatchAction.PAUSE, WatchAction.DELETE)
            ],
        }
    ]
    for action in (WatchAction.PAUSE, WatchAction.DELETE):
        slack.press(forged, action)
    answers = slack.fake.wait_for("respond/*", count=2)
    assert all("That watch is not there any more" in call.args["text"] for call in answers)
    assert theirs.id is not None
    kept = get_watch(engine_of(slack), "T2", theirs.id)
    assert kept is not None and not kept.paused


def test_a_run_posts_the_baseline_then_what_changed_with_row_buttons(
    slack: SlackDriver,
) -> None:
    slack.command(WATCH)
    assert run_due(slack) == 1
    baseline = posted(slack, 1)
    assert baseline.args["channel"] == "C1"
    assert "Starting from *26 gaps*" in texts(baseline.args["blocks"])
    assert baseline.args["text"] == "Watching mysite.com: 26 gaps to start from"

    changed = sample_links().replace(  # gap23 loses its one link, gap00 links to mysite.com
        "https://gap23.example/one,https://a.com/,false\n",
        "https://gap00.example/mine,https://mysite.com/,false\n"
        "https://fresh.example/p,https://b.com/,false\n",
    )
    build_index(slack.settings.home, changed)
    due_now(slack)
    assert run_due(slack) == 1
    news = posted(slack, 2)
    blocks = news.args["blocks"]
    summary = blocks[0]["text"]["text"]
    assert "*1* new · *1* now linking to mysite.com · *1* lost by the competitors" in summary
    assert "*25 gaps* in all" in summary
    assert "*1. fresh.example* — 1 of 3 competitors" in texts(blocks)
    assert ":tada: *Now linking to mysite.com:* gap00.example" in texts(blocks)
    assert "*The competitors lost:* gap23.example" in texts(blocks)
    assert news.args["text"] == "mysite.com: 1 new gap, 1 won, 1 lost by the competitors"

    # The row's buttons are a result's; triage answers the clicker and leaves the message.
    slack.press(blocks, ResultAction.TARGET, domain="fresh.example")
    said = slack.fake.wait_for("respond/*")[-1].args
    assert said["text"] == "*fresh.example* is now targeted by <@U1> for mysite.com."
    assert slack.fake.calls_to("chat.update") == []

    slack.press(blocks, HomeAction.REPOST)  # See all 25 gaps
    whole = posted(slack, 3)
    assert whole.args["channel"] == "C1" and "Backlink gaps: mysite.com" in texts(
        whole.args["blocks"]
    )


def test_a_channel_gapbot_cannot_post_to_pauses_the_watch_and_tells_its_creator(
    slack: SlackDriver,
) -> None:
    slack.fake.refuse("chat.postMessage", "not_in_channel", channel="C9")
    slack.command(WATCH, channel="C9")
    run_due(slack)
    dm = posted(slack, 2)
    assert dm.args["channel"] == "DU1"
    assert "I paused your watch of *mysite.com*" in dm.args["text"]
    assert f"<#C9> ({escape('not_in_channel')})" in dm.args["text"]
    assert watches(slack)[0].paused
    assert run_due(slack) == 0


def test_app_home_lists_the_workspace_s_watches_with_their_buttons(slack: SlackDriver) -> None:
    slack.command(WATCH)
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    home = slack.fake.wait_for("views.publish")[-1].args["view"]["blocks"]
    assert "*Watches*" in texts(home) and "every day · in <#C1> · next run" in texts(home)

    slack.press_at_home(home, WatchAction.PAUSE)
    home = slack.fake.wait_for("views.publish", count=2)[-1].args["view"]["blocks"]
    assert "*paused*" in texts(home) and watches(slack)[0].paused
