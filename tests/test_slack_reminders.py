"""Follow-up reminders in Slack: a due reminder becomes one DM, and each of its buttons works."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from drafting import DOMAIN, inputs, open_draft, post_result, press_in_dm, save_draft, texts
from fake_slack import Call, SlackDriver
from slack_sdk import WebClient
from sqlmodel import Session, select

from bot.outreach.followups import snooze_until
from bot.scheduler import DEFAULT_RETRY as POLICY
from bot.services.reminders import ReminderTick
from bot.slack.app import team_clients
from bot.slack.drafts.ids import DraftAction
from bot.slack.reminders.blocks import failed_reminders_blocks
from bot.slack.reminders.delivery import reminder_delivery
from bot.slack.reminders.ids import ReminderAction
from bot.store import claims
from bot.store.claims import LEASE
from bot.store.clock import as_utc
from bot.store.db import make_engine
from bot.store.pipeline import PipelineEntry
from bot.store.reminders import Reminder, failed_reminders

LATER = datetime.now(UTC) + timedelta(days=30)
BUTTONS = [
    ReminderAction.DRAFT_FOLLOW_UP,
    ReminderAction.GOT_REPLY,
    ReminderAction.WON,
    ReminderAction.SNOOZE,
    ReminderAction.STOP,
]


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
    press_in_dm(slack, dm, DraftAction.MARK_SENT)
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


# Won asks for the linking page first: tests/test_slack_won.py.
@pytest.mark.parametrize(
    ("button", "after", "shown"),
    [
        (ReminderAction.GOT_REPLY, "replied", "Marked *replied*"),
        (ReminderAction.STOP, "no_response", "marked *no response*"),
    ],
)
def test_outcome_buttons_move_the_pipeline_and_end_the_reminders(
    slack: SlackDriver, button: str, after: str, shown: str
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

    update = press_in_dm(slack, dm, ReminderAction.SNOOZE)

    pending = [item for item in reminders(slack) if item.state == "pending"]
    assert len(pending) == 1
    due = pending[0].due_at.replace(tzinfo=UTC)
    assert abs(due - snooze_until(pressed)) < timedelta(minutes=1)
    assert "snoozed until <!date^" in texts(update.args["blocks"])[0]
    assert status(slack) == "contacted"


def test_draft_follow_up_opens_the_modal_with_a_follow_up_template(slack: SlackDriver) -> None:
    dm = reminder_dm(slack)
    first = inputs(slack.fake.calls_to("views.open")[0].args["view"])["subject"]

    slack.press(dm.args["blocks"], ReminderAction.DRAFT_FOLLOW_UP, channel="DU1")

    view = slack.fake.wait_for("views.open", count=2)[-1].args["view"]
    assert view["title"]["text"] == "Draft follow-up"
    assert inputs(view)["subject"]["initial_value"] == f"Re: {first['initial_value']}"
    assert inputs(view)["template"]["initial_option"]["value"] == "follow_up_1"
    follow_up = save_draft(slack, view)
    press_in_dm(slack, follow_up, DraftAction.MARK_SENT)
    assert status(slack) == "followed_up"
    assert [item.follow_ups_sent for item in reminders(slack) if item.state == "pending"] == [1]


def test_a_close_reminder_says_the_domain_was_marked_no_response(slack: SlackDriver) -> None:
    dm = save_draft(slack, open_draft(slack, post_result(slack)).args["view"])
    press_in_dm(slack, dm, DraftAction.MARK_SENT)
    with Session(make_engine(slack.settings.app_database_url)) as session:
        reminder = session.exec(select(Reminder)).one()
        reminder.action, reminder.follow_ups_sent = "close", 2
        session.add(reminder)
        session.commit()

    assert tick(slack) == 1

    note = slack.fake.calls_to("chat.postMessage")[-1]
    assert "marked *no response*" in texts(note.args["blocks"])[0]
    assert len(note.args["blocks"]) == 1 and status(slack) == "no_response"


def test_reminder_buttons_from_another_user_change_nothing(slack: SlackDriver) -> None:
    dm = reminder_dm(slack)

    slack.press(dm.args["blocks"], ReminderAction.GOT_REPLY, user="U2", channel="DU1")
    slack.press(dm.args["blocks"], ReminderAction.STOP, user="U2", channel="DU1")
    slack.press(dm.args["blocks"], ReminderAction.DRAFT_FOLLOW_UP, user="U2", channel="DU1")

    replies = slack.fake.wait_for("respond/*", count=3)
    assert all("not yours" in reply.args["text"] for reply in replies)
    assert status(slack) == "contacted"
    assert len(slack.fake.calls_to("views.open")) == 1
    assert len(slack.fake.calls_to("chat.update")) == 1  # Mark as sent only


# -- delivery: exactly once, through faults ----------------------------------------------------


def add_due(slack: SlackDriver, owner: str, count: int, *, team: str = "T1", ago: int = 1) -> None:
    """`count` reminders for `owner`, due `ago` minutes ago (real time: Slack's ts are)."""
    with Session(make_engine(slack.settings.app_database_url)) as session:
        for number in range(count):
            session.add(
                Reminder(
                    team_id=team,
                    site="mysite.com",
                    refdomain=f"{owner.lower()}-{number}.example",
                    owner_id=owner,
                    action="follow_up",
                    due_at=datetime.now(UTC) - timedelta(minutes=ago),
                )
            )
        session.commit()


def posted_to(slack: SlackDriver, channel: str) -> list[dict[str, Any]]:
    """The messages Slack accepted in `channel` (not the calls it refused)."""
    return list(slack.fake.messages.get(channel, []))


def test_the_reminder_dm_carries_its_key_as_message_metadata(slack: SlackDriver) -> None:
    dm = reminder_dm(slack)

    (reminder,) = reminders(slack)
    assert dm.args["metadata"] == {
        "event_type": "gapbot_reminder",
        "event_payload": {
            "reminder_id": reminder.id,
            "due_at": as_utc(reminder.due_at).isoformat(timespec="seconds"),
        },
    }
    assert not slack.fake.calls_to("conversations.history")  # a first try posts at once


def test_a_dm_posted_by_a_worker_that_died_is_not_posted_again(slack: SlackDriver) -> None:
    add_due(slack, "U1", 1)
    deliver = reminder_delivery(team_clients(slack.app, slack.settings))
    engine = make_engine(slack.settings.app_database_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        (claimed,) = claims.claim_due(session, Reminder, "killed", now)
    deliver(claimed)  # the DM went out; the worker died before recording it
    assert len(posted_to(slack, "DU1")) == 1

    after = now + LEASE + timedelta(seconds=1)
    assert ReminderTick(engine, deliver, worker="next", clock=lambda: after)() == 1

    assert len(posted_to(slack, "DU1")) == 1
    (history,) = slack.fake.calls_to("conversations.history")
    assert history.args["channel"] == "DU1" and history.args["include_all_metadata"] in (
        "1",
        "true",
    )
    assert float(history.args["oldest"]) <= now.timestamp()
    (reminder,) = reminders(slack)
    assert (reminder.state, reminder.attempts) == ("done", 2)


def test_a_dm_a_dead_worker_never_posted_is_posted_by_the_next(slack: SlackDriver) -> None:
    add_due(slack, "U1", 1)
    deliver = reminder_delivery(team_clients(slack.app, slack.settings))
    engine = make_engine(slack.settings.app_database_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        claims.claim_due(session, Reminder, "killed", now)  # died before posting
    slack.fake.fail("chat.postMessage", "internal_error")  # and the next try's answer is lost

    clock = [now + LEASE + timedelta(seconds=1)]
    tick = ReminderTick(engine, deliver, worker="next", clock=lambda: clock[0])
    assert tick() == 0
    clock[0] = now + timedelta(minutes=10)  # past its backoff
    assert tick() == 1

    assert len(posted_to(slack, "DU1")) == 1
    assert len(slack.fake.calls_to("conversations.history")) == 2  # looked before each post
    assert [item.state for item in reminders(slack)] == ["done"]


def test_undeliverable_reminders_are_given_up_and_never_hold_up_good_ones(
    slack: SlackDriver,
) -> None:
    slack.fake.refuse("conversations.open", "user_not_found", users="U404")
    add_due(slack, "U404", 30, ago=60)  # the owner left the workspace
    add_due(slack, "U9", 30, team="T9", ago=60)  # Gapbot was uninstalled from T9
    add_due(slack, "U1", 5)
    clients = team_clients(slack.app, slack.settings)

    def client_for(team_id: str) -> WebClient:
        if team_id == "T9":
            raise LookupError("Gapbot is not installed in workspace T9")
        return clients(team_id)

    engine = make_engine(slack.settings.app_database_url)
    clock = [datetime.now(UTC)]
    tick = ReminderTick(engine, reminder_delivery(client_for), clock=lambda: clock[0])

    assert tick() == 5  # the first tick delivers every good reminder
    assert len(posted_to(slack, "DU1")) == 5
    assert tick() == 0 and len(slack.fake.calls_to("conversations.open")) == 30 + 5
    deadline = clock[0] + timedelta(hours=2)
    while any(item.state == "pending" for item in reminders(slack)):
        assert clock[0] < deadline, "the undeliverable reminders were not given up"
        clock[0] += timedelta(minutes=1)
        tick()

    given_up = [item for item in reminders(slack) if item.state == "failed"]
    assert Counter(item.last_error for item in given_up) == {
        "user_not_found": 30,
        "not_installed": 30,
    }
    assert {item.attempts for item in given_up} == {POLICY.permanent_tries}
    assert len(posted_to(slack, "DU1")) == 5 and not posted_to(slack, "DU404")
    with Session(engine) as session:
        shown = failed_reminders_blocks(failed_reminders(session, "T1"))
    assert (
        "the owner is not in the workspace any more"
        in texts([block.to_dict() for block in shown])[0]
    )


def test_failed_reminders_are_listed_escaped_with_a_readable_reason() -> None:
    def failed(domain: str, error: str) -> Reminder:
        due = datetime(2026, 11, 27, tzinfo=UTC)
        return Reminder(
            id=1,
            team_id="T1",
            site="mysite.com",
            refdomain=domain,
            owner_id="U1",
            action="follow_up",
            due_at=due,
            state="failed",
            attempts=3,
            last_error=error,
        )

    assert failed_reminders_blocks([]) == []
    many = [failed("<!channel>.example", "user_not_found"), failed("b.example", "<weird>")]
    many += [failed(f"d{n}.example", "not_installed") for n in range(10)]
    text = texts([block.to_dict() for block in failed_reminders_blocks(many)])[0]
    assert "<!channel>" not in text and "&lt;!channel&gt;.example" in text
    assert "the owner is not in the workspace any more (gave up after 3 tries)" in text
    assert "Slack answered &lt;weird&gt;" in text
    assert "Gapbot is no longer installed in the workspace" in text
    assert text.endswith("…and 2 more.")
