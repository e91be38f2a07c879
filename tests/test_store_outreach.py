"""bot/store/outreach.py: drafts, mark-as-sent, reminders and their claims, settings.

On SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.outreach.drafts import TemplateKind
from bot.outreach.moves import Status
from bot.store import claims
from bot.store.claims import LEASE, ClaimState
from bot.store.clock import as_utc
from bot.store.db import make_engine
from bot.store.outreach import (
    Delivery,
    NewDraft,
    PaidSources,
    Reminder,
    draft_by_id,
    failed_reminders,
    latest_draft,
    mark_sent,
    paid_sources,
    pipeline_rows,
    save_draft,
    sent_first_emails,
    set_follow_up_days,
    set_paid_sources,
    snooze,
)
from bot.store.pipeline import Move, MoveOutcome, marks_for, move

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def new_draft(
    kind: TemplateKind = TemplateKind.FIRST, domain: str = "news.example", **extra: str
) -> NewDraft:
    values = {
        "team_id": "T1",
        "site": "mysite.com",
        "refdomain": domain,
        "template": "resource_page",
        "kind": kind,
        "subject": "Hello",
        "body": "Hi Ann, a short note.",
        "recipient_email": "ann@news.example",
        "author_id": "U1",
    } | extra
    return NewDraft(**values)  # type: ignore[arg-type]


def target(session: Session, domain: str = "news.example", user: str = "U1") -> None:
    move(session, Move("T1", "mysite.com", domain, Status.TARGETED, user))
    session.commit()


def reminders(session: Session) -> list[Reminder]:
    return list(session.exec(select(Reminder).order_by(col(Reminder.id))).all())


def test_drafts_are_versioned_and_team_scoped(db: Engine) -> None:
    with Session(db) as session:
        first = save_draft(session, new_draft(), MONDAY)
        second = save_draft(session, new_draft(body="Hi Ann, better."), MONDAY)
        session.commit()
        assert (first.version, second.version) == (1, 2)
        assert latest_draft(session, "T1", "mysite.com", "news.example").body == "Hi Ann, better."  # type: ignore[union-attr]
        assert second.id is not None
        assert draft_by_id(session, "T2", second.id) is None


def test_mark_sent_moves_to_contacted_and_schedules_a_reminder(db: Engine) -> None:
    with Session(db) as session:
        target(session)
        draft = save_draft(session, new_draft(), MONDAY)
        session.commit()
        assert draft.id is not None
        result = mark_sent(session, "T1", draft.id, "U1", MONDAY)
        session.commit()
        assert result.outcome is MoveOutcome.CHANGED
        assert marks_for(session, "T1", "mysite.com")["news.example"].status is Status.CONTACTED
        [reminder] = reminders(session)
        assert as_utc(reminder.due_at) == datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # Friday
        assert (reminder.action, reminder.state) == ("follow_up", ClaimState.PENDING)
        again = mark_sent(session, "T1", draft.id, "U1", MONDAY)
        session.commit()
        assert again.outcome is MoveOutcome.UNCHANGED
        assert len(reminders(session)) == 1


def test_workspace_follow_up_days(db: Engine) -> None:
    with Session(db) as session:
        set_follow_up_days(session, "T1", 2)
        target(session)
        draft = save_draft(session, new_draft(), MONDAY)
        session.commit()
        assert draft.id is not None
        mark_sent(session, "T1", draft.id, "U1", MONDAY)
        session.commit()
        assert as_utc(reminders(session)[0].due_at).day == 25  # Wednesday


@pytest.mark.parametrize("budget", [-1.0, float("nan"), float("inf")])
def test_a_workspace_budget_is_a_finite_number_of_dollars(db: Engine, budget: float) -> None:
    with Session(db) as session:
        with pytest.raises(ValueError, match="a number of dollars, 0 or more"):
            set_paid_sources(session, "T1", PaidSources(allowed=True, daily_budget_usd=budget))
        set_paid_sources(session, "T1", PaidSources(allowed=True, daily_budget_usd=0.0))
        session.commit()
        assert paid_sources(session, "T1") == PaidSources(allowed=True, daily_budget_usd=0.0)


def test_two_follow_ups_then_the_close_reminder(db: Engine) -> None:
    with Session(db) as session:
        target(session)
        for number, kind in enumerate(
            [TemplateKind.FIRST, TemplateKind.FOLLOW_UP, TemplateKind.FOLLOW_UP]
        ):
            draft = save_draft(session, new_draft(kind), MONDAY)
            session.commit()
            assert draft.id is not None
            result = mark_sent(session, "T1", draft.id, "U1", MONDAY)
            session.commit()
            assert result.outcome is MoveOutcome.CHANGED, (number, result.reason)
        pending = [r for r in reminders(session) if r.state == ClaimState.PENDING]
        assert [(r.action, r.follow_ups_sent) for r in pending] == [("close", 2)]


def test_copy_paste_guard_sees_only_sent_first_emails_to_other_domains(db: Engine) -> None:
    with Session(db) as session:
        target(session)
        target(session, "other.example")
        sent = save_draft(session, new_draft(domain="other.example", body="Sent body"), MONDAY)
        save_draft(session, new_draft(body="Unsent body"), MONDAY)
        session.commit()
        assert sent.id is not None
        mark_sent(session, "T1", sent.id, "U1", MONDAY)
        session.commit()
        assert sent_first_emails(session, "T1", other_than="news.example") == ["Sent body"]
        assert sent_first_emails(session, "T1", other_than="other.example") == []
        assert sent_first_emails(session, "T2", other_than="news.example") == []


def test_snooze_is_team_scoped_and_replaces_the_pending_reminder(db: Engine) -> None:
    with Session(db) as session:
        target(session)
        draft = save_draft(session, new_draft(), MONDAY)
        session.commit()
        assert draft.id is not None
        mark_sent(session, "T1", draft.id, "U1", MONDAY)
        session.commit()
        [reminder] = reminders(session)
        assert reminder.id is not None
        assert snooze(session, "T2", reminder.id, MONDAY) is None
        later = snooze(session, "T1", reminder.id, datetime(2026, 12, 1, tzinfo=UTC))
        session.commit()
        assert later is not None
        states = [r.state for r in reminders(session)]
        assert states == [ClaimState.CANCELLED, ClaimState.PENDING]


# -- claims, leases, retries -------------------------------------------------------------------

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def add_due(session: Session, team: str, count: int, due: datetime = NOW) -> None:
    for number in range(count):
        session.add(
            Reminder(
                team_id=team,
                site="mysite.com",
                refdomain=f"{team.lower()}-{number}.example",
                owner_id="U1",
                action="follow_up",
                due_at=due,
            )
        )
    session.commit()


def test_two_workers_claiming_at_once_get_disjoint_non_empty_sets(
    db: Engine, app_db_url: str
) -> None:
    with Session(db) as session:
        add_due(session, "T1", 30)
    engines = [make_engine(app_db_url) for _ in range(2)]
    start = threading.Barrier(2)
    claimed: dict[str, set[int]] = {}

    def claim(worker: str, engine: Engine) -> None:
        with Session(engine) as session:
            start.wait(5)
            claimed[worker] = {
                row.id
                for row in claims.claim_due(session, Reminder, worker, NOW, limit=10)
                if row.id
            }

    threads = [threading.Thread(target=claim, args=(f"w{i}", e)) for i, e in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for engine in engines:
        engine.dispose()
    assert len(claimed["w0"]) == len(claimed["w1"]) == 10
    assert not claimed["w0"] & claimed["w1"]
    with Session(db) as session:
        holders = {row.id: row.claimed_by for row in reminders(session)}
    assert all(holders[rid] == worker for worker, ids in claimed.items() for rid in ids)


def test_a_claim_shares_its_batch_between_workspaces(db: Engine) -> None:
    with Session(db) as session:
        add_due(session, "T1", 40, due=NOW - timedelta(days=1))  # a backlog, due first
        add_due(session, "T2", 3)
        batch = claims.claim_due(session, Reminder, "w", NOW, limit=10)
    teams = [row.team_id for row in batch]
    assert len(batch) == 10 and teams.count("T2") == 3
    assert set(teams[:2]) == {"T1", "T2"}  # taken in turns, not T1's backlog first


def test_a_failed_try_waits_behind_later_reminders_until_its_retry_time(db: Engine) -> None:
    with Session(db) as session:
        add_due(session, "T1", 1, due=NOW - timedelta(hours=1))
        [failed] = claims.claim_due(session, Reminder, "w", NOW, limit=1)
        assert failed.id is not None
        assert claims.retry_later(
            session, Reminder, failed.id, "w", NOW + timedelta(minutes=5), "http_503"
        )
        add_due(session, "T2", 1)
        [other] = claims.claim_due(session, Reminder, "w", NOW)
        assert other.team_id == "T2" and other.id is not None
        claims.finish(session, Reminder, other.id, "w", NOW)
        assert claims.claim_due(session, Reminder, "w", NOW + timedelta(minutes=4)) == []
        [again] = claims.claim_due(session, Reminder, "w", NOW + timedelta(minutes=5))
    assert (again.id, again.attempts, as_utc(again.first_claimed_at or NOW)) == (failed.id, 2, NOW)


def test_a_claim_taken_over_cannot_be_settled_by_its_old_holder(db: Engine) -> None:
    with Session(db) as session:
        add_due(session, "T1", 1)
        [reminder] = claims.claim_due(session, Reminder, "old", NOW)
        assert reminder.id is not None
        later = NOW + LEASE + timedelta(seconds=1)
        assert claims.renew_leases(session, Reminder, "new", later) == 0
        assert [row.id for row in claims.claim_due(session, Reminder, "new", later)] == [
            reminder.id
        ]
        assert not claims.finish(session, Reminder, reminder.id, "old", later)
        assert not claims.retry_later(session, Reminder, reminder.id, "old", later, "http_500")
        assert not claims.give_up(session, Reminder, reminder.id, "old", later, "user_not_found")
        [row] = reminders(session)
    assert (row.state, row.claimed_by, row.attempts) == (ClaimState.CLAIMED, "new", 2)


def test_the_pipeline_shows_each_domains_reminder_delivery(db: Engine) -> None:
    with Session(db) as session:
        for domain in ("t1-0.example", "t1-1.example", "t1-2.example"):
            target(session, domain)
        add_due(session, "T1", 3)
        first, second, third = claims.claim_due(session, Reminder, "w", NOW)
        assert first.id and second.id and third.id
        claims.retry_later(session, Reminder, first.id, "w", NOW + timedelta(minutes=2), "http_503")
        claims.give_up(session, Reminder, second.id, "w", NOW, "user_not_found")
        claims.finish(session, Reminder, third.id, "w", NOW)
        rows = {row.refdomain: row for row in pipeline_rows(session, "T1")}
        failed = failed_reminders(session, "T1")
        assert failed_reminders(session, "T2") == []
    retrying, given_up, done = (rows[f"t1-{n}.example"] for n in range(3))
    assert (retrying.reminder, retrying.reminder_error) == (Delivery.RETRYING, "http_503")
    assert retrying.retry_at == NOW + timedelta(minutes=2) and retrying.next_due == NOW
    assert (given_up.reminder, given_up.reminder_error) == (Delivery.FAILED, "user_not_found")
    assert given_up.next_due is None
    assert (done.reminder, done.next_due) == (None, None)
    assert [(row.refdomain, row.last_error) for row in failed] == [
        ("t1-1.example", "user_not_found")
    ]


def test_a_new_reminder_replaces_a_failed_one_in_view(db: Engine) -> None:
    with Session(db) as session:
        target(session, "t1-0.example")
        add_due(session, "T1", 1)
        [reminder] = claims.claim_due(session, Reminder, "w", NOW)
        assert reminder.id is not None
        claims.give_up(session, Reminder, reminder.id, "w", NOW, "user_not_found")
        add_due(session, "T1", 1, due=NOW + timedelta(days=3))
        [row] = pipeline_rows(session, "T1")
        assert failed_reminders(session, "T1") == []
    assert (row.reminder, row.next_due) == (Delivery.SCHEDULED, NOW + timedelta(days=3))
