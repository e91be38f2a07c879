"""Drafting outreach email in Slack: the modal, its checks, the draft DM, Mark as sent, Edit."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import SIGNING_SECRET, build_index, make_settings, sample_links
from drafting import (
    DOMAIN,
    PERSONAL,
    block_id,
    inputs,
    open_draft,
    post_result,
    press_in_dm,
    save_draft,
    submit,
    texts,
    values_of,
)
from fake_slack import FakeSlack, SlackDriver, find_element
from sqlmodel import Session, select

from bot.slack.drafts.ids import DraftAction, DraftCallback
from bot.slack.results.ids import ResultAction
from bot.store.db import make_engine
from bot.store.drafts import DraftRecord
from bot.store.pipeline import PipelineEntry, PipelineEvent
from bot.store.reminders import Reminder
from bot.store.settings import follow_up_days


def stored(slack: SlackDriver) -> tuple[list[DraftRecord], list[PipelineEntry], list[Reminder]]:
    with Session(make_engine(slack.settings.app_database_url)) as session:
        return (
            list(session.exec(select(DraftRecord).order_by(DraftRecord.version)).all()),
            list(session.exec(select(PipelineEntry)).all()),
            list(session.exec(select(Reminder)).all()),
        )


def test_draft_email_opens_the_modal_with_the_rendered_template_and_word_count(
    slack: SlackDriver,
) -> None:
    message = post_result(slack)
    opened = open_draft(slack, message, message_ts=message.response["ts"])

    assert opened.args["trigger_id"] == "1337.42.efgh"
    view = opened.args["view"]
    assert view["callback_id"] == DraftCallback.DRAFT
    fields = inputs(view)
    assert fields["template"]["initial_option"]["value"] == "complementary_resource"
    body = fields["body"]["initial_value"]
    assert "https://gap00.example/" in body and "a.com, b.com and c.com" in body
    assert fields["my_page"]["initial_value"] == "https://mysite.com/"
    words = len(body.split())
    assert f"{words} / 200 words" in texts(view["blocks"])
    slack.settle()
    assert slack.fake.calls_to("views.update") == []


def test_changing_the_template_re_renders_the_email_in_place(slack: SlackDriver) -> None:
    view = open_draft(slack, post_result(slack)).args["view"]

    slack.view_action(
        view,
        values_of(view, template="resource_page", recipient_name="Jane"),
        {"action_id": DraftAction.DRAFT_RERENDER, "block_id": "template", "type": "static_select"},
    )

    updated = slack.fake.wait_for("views.update")[0]
    assert updated.args["view_id"] == "V1" and updated.args["hash"] == "h1"
    fresh = updated.args["view"]
    assert block_id(fresh, "body") != block_id(view, "body")  # Slack would keep the old text
    body = inputs(fresh)["body"]["initial_value"]
    assert body.startswith("Hi Jane,") and "your list at" in body
    assert inputs(fresh)["subject"]["initial_value"] == "Something for your list on gap00.example"
    assert f"{len(body.split())} / 200 words" in texts(fresh["blocks"])


def test_a_201_word_email_is_refused_on_the_body_block(slack: SlackDriver) -> None:
    view = open_draft(slack, post_result(slack)).args["view"]

    response = submit(slack, view, body="word " * 201, **PERSONAL)

    answer = response.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [block_id(view, "body")]
    assert "201 words" in answer["errors"][block_id(view, "body")]
    assert stored(slack) == ([], [], [])


def test_missing_personalisation_a_bad_email_and_placeholders_are_named(
    slack: SlackDriver,
) -> None:
    view = open_draft(slack, post_result(slack)).args["view"]

    response = submit(slack, view, recipient_email="jane at example", subject="Hi [Name]")

    errors = response.json()["errors"]
    assert set(errors) == {"recipient_email", "common_ground", block_id(view, "subject")}
    assert "valid email" in errors["recipient_email"]
    assert "[Name]" in errors[block_id(view, "subject")]
    slack.settle()
    assert slack.fake.calls_to("chat.postMessage")[1:] == []


def test_a_good_draft_is_saved_claimed_and_sent_as_a_dm(slack: SlackDriver) -> None:
    view = open_draft(slack, post_result(slack)).args["view"]

    dm = save_draft(slack, view)

    assert slack.fake.calls_to("conversations.open")[0].args["users"] == "U1"
    assert dm.args["channel"] == "DU1"
    drafts, entries, _ = stored(slack)
    assert [(item.version, item.refdomain, item.author_id) for item in drafts] == [
        (1, DOMAIN, "U1")
    ]
    assert [(item.status, item.owner_id) for item in entries] == [("drafted", "U1")]
    assert drafts[0].body in texts(dm.args["blocks"], "plain_text")
    assert find_element(dm.args["blocks"], DraftAction.MARK_SENT)["value"] == str(drafts[0].id)
    mailto = find_element(dm.args["blocks"], DraftAction.OPEN_MAILTO)["url"]
    assert mailto.startswith("mailto:jane@gap00.example?subject=")


def test_edit_reopens_the_latest_version_and_saves_the_next(slack: SlackDriver) -> None:
    view = open_draft(slack, post_result(slack)).args["view"]
    dm = save_draft(slack, view, subject="First try")

    slack.press(dm.args["blocks"], DraftAction.EDIT_DRAFT, channel=dm.args["channel"])
    again = slack.fake.wait_for("views.open", count=2)[-1].args["view"]
    fields = inputs(again)
    assert fields["subject"]["initial_value"] == "First try"
    assert fields["common_ground"]["initial_value"] == PERSONAL["common_ground"]
    save_draft(slack, again, subject="Second try")

    drafts, entries, _ = stored(slack)
    assert [(item.version, item.subject) for item in drafts] == [
        (1, "First try"),
        (2, "Second try"),
    ]
    assert len(entries) == 1


def test_mark_as_sent_twice_schedules_one_reminder_and_updates_the_dm(
    slack: SlackDriver,
) -> None:
    view = open_draft(slack, post_result(slack)).args["view"]
    dm = save_draft(slack, view)

    first = press_in_dm(slack, dm, DraftAction.MARK_SENT)
    second = press_in_dm(slack, dm, DraftAction.MARK_SENT, headers={"X-Slack-Retry-Num": "1"})

    drafts, entries, reminders = stored(slack)
    assert [(item.state, item.action) for item in reminders] == [("pending", "follow_up")]
    assert entries[0].status == "contacted" and drafts[0].sent_at is not None
    for update in (first, second):
        assert update.args["channel"] == "DU1" and update.args["ts"] == dm.response["ts"]
        shown = "\n".join(texts(update.args["blocks"]))
        assert "Sent — follow-up reminder on <!date^" in shown
        assert "outreach_mark_sent" not in str(update.args["blocks"])


def test_user_text_is_shown_literally(slack: SlackDriver) -> None:
    view = open_draft(slack, post_result(slack)).args["view"]
    slack.view_action(
        view,
        values_of(view, common_ground="<!channel> we both love *bold* claims."),
        {
            "action_id": DraftAction.DRAFT_RERENDER,
            "block_id": "common_ground",
            "type": "plain_text_input",
        },
    )
    fresh = slack.fake.wait_for("views.update")[0].args["view"]
    assert "<!channel> we both love" in inputs(fresh)["body"]["initial_value"]

    dm = save_draft(
        slack,
        fresh,
        common_ground="<!channel> we both love *bold* claims.",
        subject="Hello <!channel>",
    )

    mrkdwn = "\n".join(texts(dm.args["blocks"]))
    assert "<!channel>" not in mrkdwn and "Hello &lt;!channel&gt;" in mrkdwn
    assert "<!channel>" not in dm.args["text"]
    plain = "\n".join(texts(dm.args["blocks"], "plain_text"))
    assert "<!channel> we both love *bold* claims." in plain


def test_someone_elses_domain_is_refused_until_contact_anyway(slack: SlackDriver) -> None:
    message = post_result(slack)
    slack.press(
        message.args["blocks"],
        ResultAction.TARGET,
        domain=DOMAIN,
        message_ts=message.response["ts"],
    )
    slack.fake.wait_for("chat.update")
    view = open_draft(slack, message, user="U2").args["view"]

    response = submit(slack, view, user="U2", **PERSONAL)

    assert "Someone else owns" in response.json()["errors"]["template"]
    warning = slack.fake.wait_for("chat.postMessage", count=2)[-1]
    assert warning.args["channel"] == "DU2" and "targeted by <@U1>" in warning.args["text"]
    button = find_element(warning.args["blocks"], DraftAction.CONTACT_ANYWAY)
    assert button["confirm"]["confirm"]["text"] == "Contact anyway"

    slack.press(warning.args["blocks"], DraftAction.CONTACT_ANYWAY, user="U2", channel="DU2")
    assert "yours now" in slack.fake.wait_for("respond/*")[-1].args["text"]
    save_draft(slack, view, user="U2")
    _, entries, _ = stored(slack)
    assert [(item.status, item.owner_id) for item in entries] == [("drafted", "U2")]
    with Session(make_engine(slack.settings.app_database_url)) as session:
        events = session.exec(select(PipelineEvent).order_by(PipelineEvent.id)).all()
    assert [(item.to_status, item.user_id) for item in events] == [
        ("targeted", "U1"),
        ("targeted", "U2"),
        ("drafted", "U2"),
    ]


def test_app_home_lists_my_targets_with_draft_email_and_sender_settings(
    slack: SlackDriver,
) -> None:
    view = open_draft(slack, post_result(slack)).args["view"]
    save_draft(slack, view)
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    home = slack.fake.wait_for("views.publish")[0].args["view"]["blocks"]
    assert "*Drafted*" in texts(home)

    slack.press(home, DraftAction.DRAFT_TARGET)
    reopened = slack.fake.wait_for("views.open", count=2)[-1].args["view"]
    assert inputs(reopened)["recipient_email"]["initial_value"] == PERSONAL["recipient_email"]

    slack.press(home, DraftAction.SENDER_SETTINGS)
    settings = slack.fake.wait_for("views.open", count=3)[-1].args["view"]
    assert settings["callback_id"] == DraftCallback.SENDER_SETTINGS
    refused = submit(slack, settings, follow_up_days="0")
    assert "follow_up_days" in refused.json()["errors"]
    saved = submit(
        slack, settings, sender_name="Tom", signature="Tom\nmysite.com", follow_up_days="3"
    )
    assert saved.status_code == 200 and not saved.content

    slack.press(home, DraftAction.DRAFT_TARGET)
    signed = slack.fake.wait_for("views.open", count=4)[-1].args["view"]
    slack.view_action(
        signed,
        values_of(signed, template="resource_page"),
        {"action_id": DraftAction.DRAFT_RERENDER, "block_id": "template", "type": "static_select"},
    )
    body = inputs(slack.fake.wait_for("views.update")[0].args["view"])["body"]["initial_value"]
    assert body.endswith("Tom\nmysite.com")
    with Session(make_engine(slack.settings.app_database_url)) as session:
        assert follow_up_days(session, "T1") == 3


def test_a_broken_custom_template_is_named_at_start_up_and_in_the_picker(
    tmp_path: Path, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmp_path / "home"
    build_index(home, sample_links())
    custom = tmp_path / "team-templates"
    custom.mkdir()
    (custom / "broken.j2").write_text(
        "{#\nname: Broken\ndescription: d\nsubject: s\n#}\nHi {{ recipient_name\n"
    )
    settings = make_settings(
        home,
        f"sqlite:///{tmp_path / 'app.db'}",
        fake_slack.api_url,
        GAPBOT_TEMPLATES_DIR=str(custom),
    )
    with caplog.at_level(logging.WARNING, logger="bot.slack.app"):
        slack = SlackDriver.in_process(settings, fake_slack, SIGNING_SECRET)
    try:
        assert f"outreach template skipped: {custom / 'broken.j2'}:6: " in caplog.text
        view = open_draft(slack, post_result(slack)).args["view"]
        shown = "\n".join(texts(view["blocks"]))
        assert ":warning: Templates skipped (fix and restart): broken.j2:6: " in shown
    finally:
        slack.stop()


def test_save_draft_closes_the_modal_before_its_slow_dm(slack: SlackDriver) -> None:
    view = open_draft(slack, post_result(slack)).args["view"]
    posted = len(slack.fake.calls_to("chat.postMessage"))
    slack.fake.slow("chat.postMessage", 2.0)

    response = submit(slack, view, **PERSONAL)

    # The fake records a call once it has answered it: the modal closed before the DM.
    assert response.status_code == 200 and not response.content
    assert len(slack.fake.calls_to("chat.postMessage")) == posted
    dm = slack.fake.wait_for("chat.postMessage", posted + 1)[-1]
    assert dm.args["channel"] == "DU1" and DOMAIN in str(dm.args["blocks"])
