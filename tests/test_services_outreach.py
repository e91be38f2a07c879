"""bot/services/outreach.py: marking a draft sent (the pipeline move, the follow-up cap, the
next reminder), over the drafts, reminders and settings it writes. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.outreach.drafts import TemplateKind
from bot.outreach.moves import Status
from bot.services.outreach import record_sent
from bot.store.claims import ClaimState
from bot.store.clock import as_utc
from bot.store.drafts import NewDraft, draft_by_id, latest_draft, save_draft, sent_first_emails
from bot.store.pipeline import Move, MoveOutcome, marks_for, move
from bot.store.reminders import Reminder, snooze
from bot.store.settings import PaidSources, paid_sources, set_follow_up_days, set_paid_sources

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
        result = record_sent(session, "T1", draft.id, "U1", MONDAY)
        session.commit()
        assert result.outcome is MoveOutcome.CHANGED
        assert marks_for(session, "T1", "mysite.com")["news.example"].status is Status.CONTACTED
        [reminder] = reminders(session)
        assert as_utc(reminder.due_at) == datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # Friday
        assert (reminder.action, reminder.state) == ("follow_up", ClaimState.PENDING)
        again = record_sent(session, "T1", draft.id, "U1", MONDAY)
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
        record_sent(session, "T1", draft.id, "U1", MONDAY)
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
            result = record_sent(session, "T1", draft.id, "U1", MONDAY)
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
        record_sent(session, "T1", sent.id, "U1", MONDAY)
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
        record_sent(session, "T1", draft.id, "U1", MONDAY)
        session.commit()
        [reminder] = reminders(session)
        assert reminder.id is not None
        assert snooze(session, "T2", reminder.id, MONDAY) is None
        later = snooze(session, "T1", reminder.id, datetime(2026, 12, 1, tzinfo=UTC))
        session.commit()
        assert later is not None
        states = [r.state for r in reminders(session)]
        assert states == [ClaimState.CANCELLED, ClaimState.PENDING]
