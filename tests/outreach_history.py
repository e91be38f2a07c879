"""Outreach history written straight into the app database: drafts sent or not, and pipeline
events, each at a time the test chooses (the report reads only these rows); and one
world of analyses and outreach whose report tests work out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from result_pages import memory_services, stored_result
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.gaps import RefDomainLinks, SiteProfile
from bot.outreach.drafts import TemplateKind
from bot.outreach.moves import Status
from bot.store.db import session_scope
from bot.store.drafts import DraftRecord
from bot.store.pipeline import PipelineEvent

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SINCE = date(2026, 3, 1)
SITE = "mysite.com"


def hours(count: float) -> datetime:
    return T0 + timedelta(hours=count)


@dataclass
class History:
    session: Session
    team: str = "T1"
    site: str = SITE

    def draft(
        self,
        domain: str,
        template: str,
        author: str,
        at: datetime = T0,
        *,
        sent: datetime | None = None,
        kind: TemplateKind = TemplateKind.FIRST,
        version: int = 1,
    ) -> None:
        """A version of an email to `domain`, drafted `at` and sent at `sent` (if it was)."""
        self.session.add(
            DraftRecord(
                team_id=self.team,
                site=self.site,
                refdomain=domain,
                version=version,
                template=template,
                kind=kind.value,
                subject="Hello",
                body="Hello there.",
                recipient_email=f"editor@{domain}",
                author_id=author,
                created_at=at,
                sent_at=sent,
            )
        )
        if sent is not None:
            moved = Status.FOLLOWED_UP if kind is TemplateKind.FOLLOW_UP else Status.CONTACTED
            self.event(domain, moved, sent, author)

    def event(self, domain: str, status: Status, at: datetime, user: str = "U1") -> None:
        self.session.add(
            PipelineEvent(
                team_id=self.team,
                site=self.site,
                refdomain=domain,
                to_status=status.value,
                user_id=user,
                at=at,
            )
        )


# -- the world of the report tests ----------------------------------------------------------

MINE = SiteProfile.of(SITE, [])


def rivals(*rows: tuple[str, str, int | None]) -> list[SiteProfile]:
    """Competitor profiles from (domain, competitor, authority) rows."""
    return [
        SiteProfile.of(
            rival,
            [
                RefDomainLinks(d, 1, 1, authority)
                for d, linked, authority in rows
                if linked == rival
            ],
        )
        for rival in ("a.com", "b.com", "c.com")
    ]


def build_world(settings: Settings, engine: Engine) -> None:
    """Two analyses of mysite.com for T1, then the outreach below.

    Standing from the newest analysis listing each domain:
      one    1 competitor,  authority 10   -> 1,  0-29
      two    2 (was 1, 20 in the older one), 45 -> 2, 30-59
      three  3, 75 (only in the older analysis) -> 3+, 60+
      four   1, unknown                    -> 1,  unknown
      five   2, 35                         -> 2,  30-59
      six    in no analysis                -> unknown, unknown
    """
    services = memory_services(settings, engine)
    stored_result(
        services,
        "T1",
        MINE,
        rivals(
            ("one.example", "a.com", 10),
            ("two.example", "a.com", 20),
            ("three.example", "a.com", 75),
            ("three.example", "b.com", 75),
            ("three.example", "c.com", 75),
            ("four.example", "a.com", None),
        ),
    )
    stored_result(
        services,
        "T1",
        MINE,
        rivals(
            ("one.example", "a.com", 10),
            ("two.example", "a.com", 45),
            ("two.example", "b.com", 45),
            ("four.example", "a.com", None),
            ("five.example", "a.com", 35),
            ("five.example", "c.com", 35),
        ),
    )
    with session_scope(engine) as session:
        write_outreach(History(session))
        write_outreach_of_another_team(History(session, team="T2"))


def write_outreach(history: History) -> None:
    """Prospects of T1 (hours after 2026-03-02 09:00 UTC):

    one    resource_page  U1  sent 1, replied 25, won 49          replied 24 h, won
    two    resource_page  U2  sent 1, replied 49, won 73,
                              reopened, lost 200                  replied 48 h, lost
    three  broken_link    U2  sent 1, a follow-up sent 100        no answer
    four   broken_link    U1  sent 1, no response 90, replied 97
                              (a late reply), won 160             replied 96 h, won
    five   resource_page  U1  drafted only
    six    resource_page by U2 (not sent), then guest_contribution
           by U1 sent 2, won 12 (no reply logged first)           replied 10 h, won
    old    drafted 2026-02-20, before the period, sent, won
    """
    history.draft("one.example", "resource_page", "U1", sent=hours(1))
    history.event("one.example", Status.REPLIED, hours(25))
    history.event("one.example", Status.WON, hours(49))

    history.draft("two.example", "resource_page", "U2", sent=hours(1))
    history.event("two.example", Status.REPLIED, hours(49), "U2")
    history.event("two.example", Status.WON, hours(73), "U2")
    history.event("two.example", Status.TARGETED, hours(80), "U2")
    history.event("two.example", Status.LOST, hours(200), "U2")

    history.draft("three.example", "broken_link", "U2", sent=hours(1))
    history.draft(
        "three.example",
        "follow_up_1",
        "U2",
        hours(99),
        sent=hours(100),
        kind=TemplateKind.FOLLOW_UP,
        version=2,
    )

    history.draft("four.example", "broken_link", "U1", sent=hours(1))
    history.event("four.example", Status.NO_RESPONSE, hours(90))
    history.event("four.example", Status.REPLIED, hours(97))
    history.event("four.example", Status.WON, hours(160))

    history.draft("five.example", "resource_page", "U1", hours(5))

    history.draft("six.example", "resource_page", "U2", hours(1))
    history.draft("six.example", "guest_contribution", "U1", hours(1.5), sent=hours(2), version=2)
    history.event("six.example", Status.WON, hours(12))

    early = hours(0) - timedelta(days=10)
    history.draft("old.example", "resource_page", "U1", early, sent=early)
    history.event("old.example", Status.WON, early + timedelta(hours=5))


def write_outreach_of_another_team(history: History) -> None:
    """T2 writes to one.example too: sent, and won after 3 hours."""
    history.draft("one.example", "unlinked_mention", "U9", sent=hours(1))
    history.event("one.example", Status.WON, hours(4), "U9")
