"""Looking a domain's contacts up: a handful of its own pages, read politely, ranked.

The home page comes first (the linking page's own site if a sample of it is known), then
the page that links to the competitors (for its author), then the author's page and the
contact, write-for-us, editorial, team and about pages the pages read so far link to,
in that order, until MAX_PAGES fetches. Every fetch goes through the SSRF-safe fetcher
(robots.txt, per-host spacing); every mail domain found is asked for its MX once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.contacts.addresses import MxQuery, MxStatus, dns_mx, mx_status
from bot.contacts.pages import Author, PageReading, Sighting, Source, read_page, same_domain_url
from bot.contacts.ranking import Contact, Reason, rank
from bot.contacts.vocabulary import PageKind, Role
from bot.fetch import Fetcher, FetchError
from bot.verify import HTML_TYPES, media_type

# Fetches per lookup, failed ones included: a handful, as a person would click.
MAX_PAGES = 5
# A lookup is reused this long; "Look again" refreshes it sooner.
CONTACTS_TTL = timedelta(days=30)
# Pages where a contact form counts as a way to write (a comment form elsewhere does not).
_FORM_PAGES = frozenset({PageKind.CONTACT, PageKind.WRITE_FOR_US})


@dataclass(frozen=True)
class ContactLookup:
    """What one lookup of a domain found: contacts best first, the pages read, the linking
    page's author, and the pages that could not be read (one sentence each)."""

    domain: str
    looked_at: datetime
    contacts: tuple[Contact, ...] = ()
    pages: tuple[str, ...] = ()
    author: str = ""
    problems: tuple[str, ...] = ()

    def contact(self, address: str) -> Contact | None:
        return next((item for item in self.contacts if item.address == address), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "looked_at": self.looked_at.isoformat(),
            "contacts": [_contact_json(contact) for contact in self.contacts],
            "pages": list(self.pages),
            "author": self.author,
            "problems": list(self.problems),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContactLookup:
        return cls(
            domain=data["domain"],
            looked_at=datetime.fromisoformat(data["looked_at"]),
            contacts=tuple(_contact_of(item) for item in data["contacts"]),
            pages=tuple(data["pages"]),
            author=data["author"],
            problems=tuple(data["problems"]),
        )


def _contact_json(contact: Contact) -> dict[str, Any]:
    return {
        "address": contact.address,
        "found_on": contact.found_on,
        "name": contact.name,
        "form": contact.form,
        "role": contact.role.value if contact.role else None,
        "personal": contact.personal,
        "same_domain": contact.same_domain,
        "mx": contact.mx.value if contact.mx else None,
        "author": contact.author,
        "sources": [source.value for source in contact.sources],
        "reasons": [[reason.text, reason.points] for reason in contact.reasons],
    }


def _contact_of(item: dict[str, Any]) -> Contact:
    return Contact(
        address=item["address"],
        found_on=item["found_on"],
        name=item["name"],
        form=item["form"],
        role=Role(item["role"]) if item["role"] else None,
        personal=item["personal"],
        same_domain=item["same_domain"],
        mx=MxStatus(item["mx"]) if item["mx"] else None,
        author=item["author"],
        sources=tuple(Source(source) for source in item["sources"]),
        reasons=tuple(Reason(text, points) for text, points in item["reasons"]),
    )


class ContactFinder:
    """Looks contacts up on the web. `fetcher` gives the fetcher of one lookup (as a context:
    closed after it, or kept open when shared) and `mx` asks DNS: tests give theirs (a local
    page server, a made-up DNS)."""

    def __init__(
        self, fetcher: Callable[[], AbstractContextManager[Fetcher]], mx: MxQuery = dns_mx
    ) -> None:
        self._fetcher = fetcher
        self._mx = mx

    def find(
        self, domain: str, sample_urls: Sequence[str] = (), now: datetime | None = None
    ) -> ContactLookup:
        """Look `domain` (folded) up; `sample_urls` are its pages that link to the
        competitors (the first one on the domain is read for its author)."""
        samples = [found for url in sample_urls if (found := same_domain_url(url, domain))]
        with self._fetcher() as fetcher:
            crawl = _Crawl(fetcher, domain)
            crawl.run(samples[:1])
        author = crawl.author
        contacts = rank(
            crawl.sightings,
            crawl.form_pages,
            domain,
            author,
            lambda mail_domain: mx_status(mail_domain, self._mx),
        )
        return ContactLookup(
            domain=domain,
            looked_at=now or datetime.now(UTC),
            contacts=contacts,
            pages=tuple(crawl.pages),
            author=author.name if author else "",
            problems=tuple(crawl.problems),
        )


@dataclass
class _Crawl:
    """One lookup's reading: which pages are left to read, and what was read so far."""

    fetcher: Fetcher
    domain: str
    budget: int = MAX_PAGES
    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    sightings: list[Sighting] = field(default_factory=list)
    form_pages: list[str] = field(default_factory=list)
    author: Author | None = None
    _queued: dict[str, PageKind] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)
    _readings: dict[str, PageReading] = field(default_factory=dict)

    def run(self, samples: Sequence[str]) -> None:
        for home in self._homes(samples):
            if self._read(home, None) is not None:
                break
        for sample in samples:
            reading = self._read(sample, None) or self._readings.get(sample)
            if reading is not None:
                self.author = reading.author
                if reading.author and reading.author.url:
                    self._queue(reading.author.url, PageKind.AUTHOR)
        while self._queued and self.budget > 0:
            url, kind = min(self._queued.items(), key=lambda item: item[1])
            del self._queued[url]
            self._read(url, kind)

    def _homes(self, samples: Sequence[str]) -> list[str]:
        """The linking page's site's home, then the domain's (https, then its www host)."""
        own = [f"{urlsplit(url).scheme}://{urlsplit(url).netloc}/" for url in samples]
        return list(dict.fromkeys([*own, f"https://{self.domain}/", f"https://www.{self.domain}/"]))

    def _queue(self, url: str, kind: PageKind) -> None:
        if url not in self._seen and kind < self._queued.get(url, PageKind.ABOUT + 1):
            self._queued[url] = kind

    def _read(self, url: str, kind: PageKind | None) -> PageReading | None:
        """Fetch and read one page (it costs one of the budget, even if it fails)."""
        if self.budget <= 0 or url in self._seen:
            return None
        self.budget -= 1
        self._seen.add(url)
        try:
            page = self.fetcher.fetch(url)
        except FetchError as error:
            self.problems.append(error.reason)
            return None
        problem = None
        if not 200 <= page.status < 300:
            problem = f"{url} answered HTTP {page.status}"
        elif media_type(page) not in HTML_TYPES:
            problem = f"{url} is {media_type(page)}, not a web page"
        elif same_domain_url(page.final_url, self.domain) is None:
            problem = f"{url} redirects away from {self.domain}, to {page.final_url}"
        if problem is not None:
            self.problems.append(problem)
            return None
        self._seen.add(page.final_url)
        reading = read_page(page, self.domain, forms=kind in _FORM_PAGES)
        self._readings[url] = self._readings[page.final_url] = reading
        self.pages.append(page.final_url)
        self.sightings += reading.sightings
        if reading.contact_form:
            self.form_pages.append(page.final_url)
        for link, link_kind in reading.links:
            self._queue(link, link_kind)
        return reading
