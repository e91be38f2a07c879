"""Contact lookups kept per workspace and domain (bot/store/contacts.py): TTL and scoping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from bot.contacts.addresses import MxStatus
from bot.contacts.lookup import ContactLookup
from bot.contacts.pages import Source
from bot.contacts.ranking import Contact, Reason
from bot.store.contacts import fresh_lookup, save_lookup
from bot.store.db import session_scope

LOOKED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def lookup(address: str = "anna@gartenblog.de", looked_at: datetime = LOOKED) -> ContactLookup:
    contact = Contact(
        address,
        "https://gartenblog.de/kontakt",
        name="Anna Berg",
        mx=MxStatus.FOUND,
        sources=(Source.MAILTO,),
        reasons=(Reason("same domain", 30),),
    )
    return ContactLookup("gartenblog.de", looked_at, (contact,), ("https://gartenblog.de/",))


def test_a_lookup_is_reused_for_30_days_then_forgotten(db: Engine) -> None:
    with session_scope(db) as session:
        save_lookup(session, "T1", lookup())
    with session_scope(db) as session:
        assert fresh_lookup(session, "T1", "gartenblog.de", LOOKED) == lookup()
        almost = LOOKED + timedelta(days=29, hours=23)
        assert fresh_lookup(session, "T1", "gartenblog.de", almost) == lookup()
        assert fresh_lookup(session, "T1", "gartenblog.de", LOOKED + timedelta(days=30)) is None


def test_lookups_are_the_workspaces_own(db: Engine) -> None:
    with session_scope(db) as session:
        save_lookup(session, "T1", lookup())
    with session_scope(db) as session:
        assert fresh_lookup(session, "T2", "gartenblog.de", LOOKED) is None
        assert fresh_lookup(session, "T1", "other-blog.de", LOOKED) is None


def test_looking_again_replaces_the_lookup(db: Engine) -> None:
    later = LOOKED + timedelta(days=40)
    with session_scope(db) as session:
        save_lookup(session, "T1", lookup())
    with session_scope(db) as session:
        save_lookup(session, "T1", lookup("tom@gartenblog.de", later))
    with session_scope(db) as session:
        assert fresh_lookup(session, "T1", "gartenblog.de", later) == lookup(
            "tom@gartenblog.de", later
        )
