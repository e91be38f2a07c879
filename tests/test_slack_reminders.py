"""Follow-up reminders in Slack: a due reminder becomes one DM, and each of its buttons works."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from drafting import DOMAIN, inputs, open_draft, post_result, press_in_dm, save_draft, texts
from fake_slack import Call, SlackDriver
from sqlmodel import Session, select

from bot.outreach.followups import snooze_until
from bot.scheduler import ReminderTick
from bot.slack.app import team_clients
from bot.slack.ids import Action
from bot.slack.reminders import reminder_delivery
from bot.store.db import make_engine
from bot.store.outreach import Reminder
from bot.store.pipeline import PipelineEntry

LATER = datetime.now(UTC) + timedelta(days=30)
BUTTONS = [Action.DRAFT_FOLLOW_UP, Action.GOT_REPLY, Action.WON, Action.SNOOZE, Action.STOP]


def tick(slack: SlackDriver, at: datetime = LATER) -> int:
    engine = make_engine(slack.settings.app_database_url)
    deliver = reminder_delivery(team_clients(slack.app, slack.settings))
    return ReminderTick(engine, deliver, clock=lambda: at)()


def reminders(slack: SlackDriver) -> list[Reminder]:
    with Session(make_engine(slack.settings.app_database_url)) as session:
        return list(session.exec(select(Reminder).order_by(Reminder.id)).all())


def status(slack: SlackDriver) -> str:
    with Session(make_engine(slack.settings.app_database_url)) as session:
        return session.exec(select(PipelineEntry.status)).one()


def reminder_dm(slack: SlackDriver) -> Call:
    """Draft, send and let the follow-up fall due: the reminder DM."""
    dm = save_draft(slack, open_draft(slack, post_result(slack)).args["view"])
    press_in_dm(slack, dm, Action.MARK_SENT)
    before = len(slack.fake.calls_to("chat.postMessage"))
    assert tick(slack) == 1
    return slack.fake.wait_for("chat.postMessage", count=before + 1)[-1]


def test_a_due_reminder_is_one_dm_with_five_buttons(slack: SlackDriver) -> None:
    dm = reminder_dm(slack)

    assert tick(slack) == 0 and tick(slack, LATER + timedelta(days=1)) == 0
    assert dm.args["channel"] == "DU1"
    assert f"Time to follow up with *{DOMAIN}*" in texts(dm.args["blocks"])[0]
    buttons = [item["action_id"] for item in dm.args["blocks"][-1]["elements"]]
    assert buttons == BUTTONS
    assert [item.state for item in reminders(slack)] == ["done"]
    assert len(slack.fake.calls_to("chat.postMessage")) == 3  # result, draft, reminder


@pytest.mark.parametrize(
    ("button", "after", "shown"),
    [
        (Action.GOT_REPLY, "replied", "Marked *replied*"),
        (Action.WON, "won", "Marked *won*"),
        (Action.STOP, "no_response", "marked *no response*"),
    ],
)
def test_outcome_buttons_move_the_pipeline_and_end_the_reminders(
    slack: SlackDriver, button: Action, after: str, shown: str
) -> None:
    dm = reminder_dm(slack)

    update = press_in_dm(slack, dm, button)

    assert status(slack) == after
    assert all(item.state != "pending" for item in reminders(slack))
    assert shown in texts(update.args["blocks"])[0] and "actions" not in str(update.args)
    assert tick(slack, LATER + timedelta(days=60)) == 0


def test_snooze_brings_the_reminder_back_two_business_days_later(slack: SlackDriver) -> None:
    dm = reminder_dm(slack)
    pressed = datetime.now(UTC)

    update = press_in_dm(slack, dm, Action.SNOOZE)

    pending = [item for item in reminders(slack) if item.state == "pending"]
    assert len(pending) == 1
    due = pending[0].due_at.replace(tzinfo=UTC)
    assert abs(due - snooze_until(pressed)) < timedelta(minutes=1)
    assert "snoozed until <!date^" in texts(update.args["blocks"])[0]
    assert status(slack) == "contacted"


def test_draft_follow_up_opens_the_modal_with_a_follow_up_template(slack: SlackDriver) -> None:
    dm = reminder_dm(slack)
    first = inputs(slack.fake.calls_to("views.open")[0].args["view"])["subject"]

    slack.press(dm.args["blocks"], Action.DRAFT_FOLLOW_UP, channel="DU1")

    view = slack.fake.wait_for("views.open", count=2)[-1].args["view"]
    assert view["title"]["text"] == "Draft follow-up"
    assert inputs(view)["subject"]["initial_value"] == f"Re: {first['initial_value']}"
    assert inputs(view)["template"]["initial_option"]["value"] == "follow_up_1"
    follow_up = save_draft(slack, view)
    press_in_dm(slack, follow_up, Action.MARK_SENT)
    assert status(slack) == "followed_up"
    assert [item.follow_ups_sent for item in reminders(slack) if item.state == "pending"] == [1]


def test_a_close_reminder_says_the_domain_was_marked_no_response(slack: SlackDriver) -> None:
    dm = save_draft(slack, open_draft(slack, post_result(slack)).args["view"])
    press_in_dm(slack, dm, Action.MARK_SENT)
    with Session(make_engine(slack.settings.app_database_url)) as session:
        reminder = session.exec(select(Reminder)).one()
        reminder.action, reminder.follow_ups_sent = "close", 2
        session.add(reminder)
        session.commit()

    assert tick(slack) == 1

    note = slack.fake.calls_to("chat.postMessage")[-1]
    assert "marked *no response*" in texts(note.args["blocks"])[0]
    assert len(note.args["blocks"]) == 1 and status(slack) == "no_response"


def test_reminder_buttons_from_another_team_or_user_change_nothing(slack: SlackDriver) -> None:
    dm = reminder_dm(slack)

    slack.press(dm.args["blocks"], Action.GOT_REPLY, team="T2", channel="DU1")
    slack.press(dm.args["blocks"], Action.STOP, user="U2", channel="DU1")
    slack.press(dm.args["blocks"], Action.DRAFT_FOLLOW_UP, team="T2", channel="DU1")

    replies = slack.fake.wait_for("respond/*", count=3)
    assert all("not yours" in reply.args["text"] for reply in replies)
    assert status(slack) == "contacted"
    assert len(slack.fake.calls_to("views.open")) == 1
    assert len(slack.fake.calls_to("chat.update")) == 1  # Mark as sent only
