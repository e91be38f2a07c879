"""Buttons and menus on a result message: paging, sorting, filters, triage, CSV export."""

from __future__ import annotations

import csv
import io
import json
import shutil
from typing import Any

import pytest
from conftest import SIGNING_SECRET
from fake_slack import Call, SlackDriver, find_element
from PIL import Image
from sqlmodel import Session, select

from bot.links.index import LinkIndex
from bot.slack.mrkdwn import escape
from bot.slack.results.ids import ResultAction
from bot.store.db import make_engine
from bot.store.pipeline import PipelineEntry, PipelineEvent


def post_result(slack: SlackDriver, text: str = "mysite.com vs a.com b.com c.com") -> Call:
    before = len(slack.fake.calls_to("chat.postMessage"))
    slack.command(text)
    return slack.fake.wait_for("chat.postMessage", count=before + 1)[-1]


def rows_of(blocks: list[dict[str, Any]]) -> list[str]:
    """The row texts of a result message."""
    return [
        block["text"]["text"]
        for block in blocks
        if block["type"] == "section"
        and block["text"]["text"][:1] == "*"
        and ". " in block["text"]["text"].split("\n")[0]
    ]


def domains_of(blocks: list[dict[str, Any]]) -> list[str]:
    return [row.split(". ", 1)[1].split("*", 1)[0] for row in rows_of(blocks)]


def last_update(slack: SlackDriver, count: int = 1) -> Call:
    return slack.fake.wait_for("chat.update", count=count)[-1]


def pipeline(slack: SlackDriver) -> tuple[list[PipelineEntry], list[PipelineEvent]]:
    with Session(make_engine(slack.settings.app_database_url)) as session:
        return (
            list(session.exec(select(PipelineEntry)).all()),
            list(session.exec(select(PipelineEvent)).all()),
        )


def press(slack: SlackDriver, message: Call, action: str, **options: Any) -> None:
    blocks = message.args["blocks"]
    response = slack.press(blocks, action, message_ts=message.response["ts"], **options)
    assert response.status_code == 200


def test_next_page_updates_the_message_in_place_from_stored_rows(
    slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = post_result(slack)
    shutil.rmtree(slack.settings.index_path)

    def no_querying(*_: object, **__: object) -> None:
        raise AssertionError("the link source was queried again")

    monkeypatch.setattr(LinkIndex, "profiles", no_querying)
    press(slack, message, ResultAction.PAGE_NEXT)

    update = last_update(slack)
    assert update.args["channel"] == "C1" and update.args["ts"] == message.response["ts"]
    assert update.args["blocks"][-1]["elements"][0]["text"] == "page 2 of 3"
    assert rows_of(update.args["blocks"])[0].startswith("*11. ")
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    assert not slack.settings.index_path.exists()

    press(slack, update, ResultAction.PAGE_NEXT)
    third = last_update(slack, 2)
    assert third.args["blocks"][-1]["elements"][0]["text"] == "page 3 of 3"
    assert len(rows_of(third.args["blocks"])) == 6
    press(slack, third, ResultAction.PAGE_PREVIOUS)
    assert last_update(slack, 3).args["blocks"][-1]["elements"][0]["text"] == "page 2 of 3"


def test_sort_and_filters_rerank_the_stored_rows(slack: SlackDriver) -> None:
    message = post_result(slack)
    assert domains_of(message.args["blocks"])[:2] == ["gap00.example", "gap10.example"]

    press(slack, message, ResultAction.SORT, option=1)  # fewest competitors first
    ascending = last_update(slack)
    assert domains_of(ascending.args["blocks"])[0] == "gap01.example"
    assert "fewest competitors first" in ascending.args["blocks"][2]["elements"][0]["text"]

    press(slack, ascending, ResultAction.MIN_MATCHES, option=2)  # at least 3 of 3
    narrowed = last_update(slack, 2)
    assert domains_of(narrowed.args["blocks"]) == [
        "gap00.example",
        "gap10.example",
        "gap20.example",
    ]

    press(slack, message, ResultAction.DOFOLLOW)
    dofollow = last_update(slack, 3)
    assert "showing 1-10 of 25" in dofollow.args["blocks"][2]["elements"][0]["text"]
    assert "Dofollow only: on" in str(dofollow.args["blocks"])


def test_paging_still_works_after_a_restart(slack: SlackDriver, fake_slack: Any) -> None:
    message = post_result(slack)
    slack.stop()
    restarted = SlackDriver.in_process(slack.settings, fake_slack, SIGNING_SECRET)
    try:
        press(restarted, message, ResultAction.PAGE_NEXT)
        assert last_update(restarted).args["blocks"][-1]["elements"][0]["text"] == "page 2 of 3"
    finally:
        restarted.stop()


def test_target_shows_the_owner_and_double_clicks_change_nothing_twice(
    slack: SlackDriver,
) -> None:
    message = post_result(slack)
    press(slack, message, ResultAction.TARGET, domain="gap10.example")
    update = last_update(slack)
    row = next(text for text in rows_of(update.args["blocks"]) if "gap10.example" in text)
    assert "Targeted by <@U1>" in row

    press(slack, message, ResultAction.TARGET, domain="gap10.example")
    press(
        slack,
        message,
        ResultAction.TARGET,
        domain="gap10.example",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    entries, events = pipeline(slack)
    assert [
        (entry.team_id, entry.refdomain, entry.status, entry.owner_id) for entry in entries
    ] == [("T1", "gap10.example", "targeted", "U1")]
    assert len(events) == 1 and events[0].user_id == "U1"
    assert len(slack.fake.calls_to("chat.update")) == 1


def test_a_second_user_is_told_who_owns_the_target(slack: SlackDriver) -> None:
    message = post_result(slack)
    press(slack, message, ResultAction.TARGET, domain="gap10.example")
    last_update(slack)

    press(slack, message, ResultAction.TARGET, domain="gap10.example", user="U2")
    reply = slack.fake.wait_for("respond/*")[-1].args
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert "already targeted by <@U1>" in reply["text"]
    entries, events = pipeline(slack)
    assert entries[0].owner_id == "U1" and len(events) == 1


def test_ignored_domains_leave_the_page_and_stay_hidden_in_later_analyses(
    slack: SlackDriver,
) -> None:
    message = post_result(slack)
    press(slack, message, ResultAction.IGNORE, domain="gap00.example")
    update = last_update(slack)
    assert "gap00.example" not in domains_of(update.args["blocks"])
    assert "Show ignored (1)" in str(update.args["blocks"])

    later = post_result(slack, "mysite.com vs a.com b.com")
    assert "gap00.example" not in domains_of(later.args["blocks"])

    press(slack, later, ResultAction.SHOW_IGNORED)
    shown = last_update(slack, 2)
    assert "gap00.example" in domains_of(shown.args["blocks"])
    press(slack, shown, ResultAction.RESTORE, domain="gap00.example")
    restored = last_update(slack, 3)
    assert "Show ignored" not in str(restored.args["blocks"])
    assert [entry.status for entry in pipeline(slack)[0]] == ["new"]


def test_export_csv_uploads_the_whole_list_in_the_thread(slack: SlackDriver) -> None:
    message = post_result(slack)
    press(slack, message, ResultAction.EXPORT_CSV)

    complete, upload = slack.fake.wait_for_upload("Backlink gaps for mysite.com")
    assert complete.args["channel_id"] == "C1"
    assert complete.args["thread_ts"] == message.response["ts"]
    rows = list(csv.DictReader(io.StringIO(upload.decode())))
    assert len(rows) == 26
    assert rows[0]["domain"] == "gap00.example" and rows[0]["matches"] == "3"
    assert list(rows[0])[:5] == ["domain", "matches", "a.com", "b.com", "c.com"]


def test_a_result_whose_stored_file_is_gone_is_not_available_and_changes_nothing(
    slack: SlackDriver,
) -> None:
    message = post_result(slack)
    slack.fake.wait_for_upload("How the competitors")  # the result's chart came first
    uploads = len(slack.fake.calls_to("files.getUploadURLExternal"))
    shutil.rmtree(slack.settings.results_path)

    press(slack, message, ResultAction.PAGE_NEXT)
    press(slack, message, ResultAction.TARGET, domain="gap10.example")
    press(slack, message, ResultAction.EXPORT_CSV)

    replies = slack.fake.wait_for("respond/*", count=3)
    assert all("not available" in reply.args["text"] for reply in replies)
    slack.settle()
    assert slack.fake.calls_to("chat.update") == []
    assert len(slack.fake.calls_to("files.getUploadURLExternal")) == uploads
    assert pipeline(slack) == ([], [])


def test_a_forged_button_value_is_refused(slack: SlackDriver) -> None:
    post_result(slack)
    slack.block_action({"action_id": ResultAction.PAGE_NEXT, "type": "button", "value": "{nope"})
    reply = slack.fake.wait_for("respond/*")[0].args
    assert "not available" in reply["text"]


def test_target_refuses_a_domain_the_analysis_does_not_hold(slack: SlackDriver) -> None:
    message = post_result(slack)
    button = find_element(message.args["blocks"], ResultAction.TARGET, "gap05.example")
    forged = button["value"].replace('"d":"gap05.example"', '"d":"elsewhere.example"')

    response = slack.block_action(
        {"action_id": ResultAction.TARGET, "type": "button", "value": forged},
        message_ts=message.response["ts"],
    )

    assert response.status_code == 200
    note = slack.fake.wait_for("respond/*")[0].args["text"]
    assert "cannot be moved: it is not in this analysis" in note
    assert pipeline(slack) == ([], [])


def test_the_overlap_chart_comes_in_the_result_s_thread(slack: SlackDriver) -> None:
    message = post_result(slack)
    title = "How the competitors of mysite.com share their referring domains"
    complete, png = slack.fake.wait_for_upload(title)
    assert complete.args["channel_id"] == "C1"
    assert complete.args["thread_ts"] == message.response["ts"]
    data = json.loads(Image.open(io.BytesIO(png)).info["Description"])
    assert data["competitors"] == ["a.com", "b.com", "c.com"]
    # The result lists 26 gaps: the picture counts the same ones.
    assert sum(combination["gaps"] for combination in data["combinations"]) == 26


def test_a_chart_slack_refuses_is_told_to_the_user(slack: SlackDriver) -> None:
    slack.fake.fail("files.completeUploadExternal", "file_upload_failed")
    post_result(slack)
    note = slack.fake.wait_for("respond/*")[0]
    reason = escape("file_upload_failed")
    assert f"would not take its overlap chart ({reason})" in note.args["text"]
