"""What the contact listeners ask: look a prospect's contacts up, and fill the draft with one.

Like outreach.py: one function per request, team-scoped, plain data back.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.contacts.lookup import ContactLookup
from bot.services import outreach
from bot.services.analyses import linking_samples
from bot.services.deps import Services
from bot.services.outreach import DraftForm, DraftModal, DraftTarget
from bot.store import contacts
from bot.store.db import session_scope


def look_up(services: Services, team_id: str, target: DraftTarget, now: datetime) -> ContactLookup:
    """Read the prospect's pages now (and its page that links to the competitors, from the
    team's latest analysis that lists it) and keep what was found for the team."""

    def work() -> ContactLookup:
        samples = linking_samples(services, team_id, target.site, target.refdomain)
        pages = [url for urls in samples.values() for url in urls]
        found = services.contacts.find(target.refdomain, pages, now)
        with session_scope(services.engine) as session:
            contacts.save_lookup(session, team_id, found)
        return found

    return services.contact_lookups.run((team_id, target.refdomain), work)


def choose(
    services: Services, team_id: str, user_id: str, form: DraftForm, address: str, now: datetime
) -> DraftModal | None:
    """The modal with `address` (one of the team's found contacts for the domain) as the
    recipient, its name too if known, and the email written again for them; None if the
    address is not one of them (a forged value, or a lookup since expired)."""
    with session_scope(services.engine) as session:
        found = contacts.fresh_lookup(session, team_id, form.target.refdomain, now)
    contact = found.contact(address) if found else None
    if contact is None or contact.form:
        return None
    filled = replace(
        form,
        recipient_email=contact.address,
        recipient_name=contact.name or form.recipient_name,
        filled=form.filled + 1,
    )
    fresh = outreach.rerender(services, team_id, user_id, filled, filled.template)
    return outreach.modal_with(services, fresh, found)
