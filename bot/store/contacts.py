"""Contact lookups kept per workspace and domain, with their date (bot.contacts.lookup)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Field, Session, SQLModel

from bot.contacts.lookup import CONTACTS_TTL, ContactLookup
from bot.store.clock import as_utc
from bot.store.columns import utc_time


class ContactLookupRecord(SQLModel, table=True):
    """A domain's last contact lookup for one workspace: ContactLookup as JSON."""

    __tablename__ = "contact_lookup"

    team_id: str = Field(primary_key=True, max_length=32)
    domain: str = Field(primary_key=True, max_length=255)
    looked_at: datetime = utc_time(nullable=False)
    payload: str


def fresh_lookup(
    session: Session, team_id: str, domain: str, now: datetime
) -> ContactLookup | None:
    """The team's lookup of `domain` if it is younger than CONTACTS_TTL."""
    record = session.get(ContactLookupRecord, (team_id, domain))
    if record is None:
        return None
    if not as_utc(now) - as_utc(record.looked_at) < CONTACTS_TTL:
        return None
    return ContactLookup.from_json(json.loads(record.payload))


def save_lookup(session: Session, team_id: str, lookup: ContactLookup) -> None:
    """Keep `lookup` as the team's latest for its domain (replacing an older one)."""
    session.merge(
        ContactLookupRecord(
            team_id=team_id,
            domain=lookup.domain,
            looked_at=lookup.looked_at,
            payload=json.dumps(lookup.as_json()),
        )
    )
