"""Which candidate to write to first, and why. Pure: sightings in, ranked contacts out.

A candidate's score is the sum of its reasons' points, each reason shown with it: who
wrote the linking page, the role its address or its surroundings name, a personal or a
shared inbox, the prospect's domain or another one, and what DNS says of its MX.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.contacts.addresses import MxStatus
from bot.contacts.pages import Author, Sighting, Source
from bot.contacts.vocabulary import ROLE_POINTS, Role, is_no_reply, role_in, words
from bot.domains import try_fold_domain

AUTHOR_POINTS = 60
PERSONAL_POINTS = 20
SAME_DOMAIN_POINTS = 30
OTHER_DOMAIN_POINTS = -10
FORM_POINTS = 5
MX_POINTS = {
    MxStatus.FOUND: 0,
    MxStatus.UNKNOWN: -5,
    MxStatus.NONE: -50,
    MxStatus.REFUSES: -200,
    MxStatus.NO_DOMAIN: -200,
}
# Reasons are short: Slack shows 75 characters of an option's description.
MX_REASONS = {
    MxStatus.UNKNOWN: "MX not checked",
    MxStatus.NONE: "no MX record",
    MxStatus.REFUSES: "domain takes no mail",
    MxStatus.NO_DOMAIN: "domain does not exist",
}
_LOCAL_PARTS = re.compile(r"[._+-]")


@dataclass(frozen=True)
class Reason:
    text: str
    points: int


@dataclass(frozen=True)
class Contact:
    """A candidate recipient: an address, or (`form`) the URL of a page with a contact form.

    `reasons` are what its rank rests on, weightiest first; `score` is their sum.
    """

    address: str
    found_on: str
    name: str = ""
    form: bool = False
    role: Role | None = None
    personal: bool = False
    same_domain: bool = True
    mx: MxStatus | None = None
    author: bool = False
    sources: tuple[Source, ...] = ()
    reasons: tuple[Reason, ...] = ()

    @property
    def score(self) -> int:
        return sum(reason.points for reason in self.reasons)


def rank(
    sightings: Iterable[Sighting],
    form_pages: Sequence[str],
    domain: str,
    author: Author | None,
    mx: Callable[[str], MxStatus],
) -> tuple[Contact, ...]:
    """One contact per address (and per contact-form page that showed no address), best
    first; `mx` is asked once per mail domain. Addresses no one reads (no-reply) are left out."""
    grouped: dict[str, list[Sighting]] = {}
    for sighting in sightings:
        if not is_no_reply(sighting.address.partition("@")[0]):
            grouped.setdefault(sighting.address, []).append(sighting)
    statuses: dict[str, MxStatus] = {}
    contacts = []
    for address, seen in grouped.items():
        mail_domain = address.rpartition("@")[2]
        if mail_domain not in statuses:
            statuses[mail_domain] = mx(mail_domain)
        contacts.append(_contact(address, seen, domain, author, statuses[mail_domain]))
    pages_with_address = {sighting.page for group in grouped.values() for sighting in group}
    contacts += [
        Contact(page, page, form=True, reasons=(Reason("contact form", FORM_POINTS),))
        for page in dict.fromkeys(form_pages)
        if page not in pages_with_address
    ]
    return tuple(sorted(contacts, key=lambda contact: (-contact.score, contact.address)))


def _contact(
    address: str, seen: list[Sighting], domain: str, author: Author | None, mx: MxStatus
) -> Contact:
    local, _, mail_domain = address.rpartition("@")
    name = next((sighting.name for sighting in seen if sighting.name), "")
    by_author = author is not None and (
        address == author.address or (bool(author.name) and _names(local, author.name))
    )
    if by_author and author is not None and not name:
        name = author.name
    role = role_in(local) or role_in(" ".join(sighting.context for sighting in seen))
    personal = role_in(local) is None and (
        any(sighting.person for sighting in seen) or _looks_personal(local, domain)
    )
    same_domain = try_fold_domain(mail_domain) == domain
    reasons = [
        Reason("wrote the linking page", AUTHOR_POINTS) if by_author else None,
        Reason(role.value, ROLE_POINTS[role]) if role else None,
        Reason("personal inbox", PERSONAL_POINTS) if personal else None,
        Reason("same domain", SAME_DOMAIN_POINTS)
        if same_domain
        else Reason(f"other domain: {mail_domain}", OTHER_DOMAIN_POINTS),
        Reason(MX_REASONS[mx], MX_POINTS[mx]) if mx in MX_REASONS else None,
    ]
    kept = sorted((reason for reason in reasons if reason), key=lambda reason: -abs(reason.points))
    return Contact(
        address=address,
        found_on=seen[0].page,
        name=name,
        role=role,
        personal=personal,
        same_domain=same_domain,
        mx=mx,
        author=by_author,
        sources=tuple(dict.fromkeys(sighting.source for sighting in seen)),
        reasons=tuple(kept),
    )


def _names(local: str, name: str) -> bool:
    """Whether a local part is made from a person's name: jane, doe, jane.doe, jdoe, janed."""
    parts = words(name)
    first, last = parts[0], parts[-1]
    tokens = {token for token in _LOCAL_PARTS.split(local) if len(token) >= 3}
    compact = _LOCAL_PARTS.sub("", local)
    forms = {first + last, first[0] + last, first + last[0], last + first, last + first[0]}
    return bool(tokens & {first, last}) or compact in forms


def _looks_personal(local: str, domain: str) -> bool:
    """A local part with letters that is neither a role nor the site's own name
    (`gartenblog@gmail.com` is the site's inbox)."""
    site = words(domain.partition(".")[0])
    letters = _LOCAL_PARTS.sub("", local)
    return letters.isalpha() and len(letters) >= 2 and words(local) != site
