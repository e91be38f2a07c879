"""bot/services/link_checks.py and bot/store/won_links.py: the scheduled checks of won
links, against pages served on 127.0.0.1, on SQLite and PostgreSQL.

The tick runs on an explicit clock, so a week passes between two lines; the fetcher's
politeness gate never sleeps here (test_store_hosts.py measures the spacing)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from page_server import Page, PageServer
from pipeline_log import events_for
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.fetch import Fetcher, FetchPolicy, HostGate
from bot.outreach.link_checks import Notice
from bot.outreach.moves import Status
from bot.scheduler import DeliveryFailed
from bot.services.link_checks import CheckedLink, LinkCheckTick
from bot.store.db import make_engine
from bot.store.hosts import SharedHostGate
from bot.store.overview import pipeline_rows
from bot.store.pipeline import Move, marks_for, move
from bot.store.won_links import NewWonLink, WonLink, track, tracked_url, untrack

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DAY, WEEK = timedelta(days=1), timedelta(days=7)
SITE, DOMAIN = "mysite.com", "blog.example"
LIVE = Page(b'<p>See <a href="https://www.mysite.com/guide">a guide</a>.</p>')
NOFOLLOW = Page(b'<a href="https://mysite.com/guide" rel="sponsored">a guide</a>')
GONE = Page(b"not here", status=404)


class VirtualClock:
    """Time that passes only when a thread sleeps (for every thread alike)."""

    def __init__(self, start: float) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def record(self, times: list[float], at: float) -> None:
        with self._lock:
            times.append(at)


def no_wait(_seconds: float) -> None:
    """The gate's sleep here: spacing is measured in test_store_hosts.py."""


def fetcher(gate: Any = None) -> Fetcher:
    policy = FetchPolicy(user_agent="Gapbot/test (+https://example.test)", allow_private=True)
    return Fetcher(policy, gate=gate or HostGate(clock=lambda: 0.0, sleep=no_wait))


@pytest.fixture
def blog() -> Iterator[PageServer]:
    with PageServer() as server:
        server.pages = {"/post": LIVE}
        yield server


class Checks:
    """Runs the won-link tick at chosen times and keeps what it reported."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.reports: list[CheckedLink] = []

    def run(self, at: datetime, **options: Any) -> list[CheckedLink]:
        before = len(self.reports)
        with fetcher() as pages:
            LinkCheckTick(self.engine, pages, self.reports.append, clock=lambda: at, **options)()
        return self.reports[before:]

    def row(self, team: str = "T1") -> WonLink:
        with Session(self.engine) as session:
            return session.exec(select(WonLink).where(WonLink.team_id == team)).one()

    def status(self, team: str = "T1") -> Status:
        with Session(self.engine) as session:
            return marks_for(session, team, SITE, [DOMAIN])[DOMAIN].status


def won_link(url: str, domain: str = DOMAIN, *, team: str = "T1", owner: str = "U1") -> NewWonLink:
    return NewWonLink(team_id=team, site=SITE, refdomain=domain, url=url, owner_id=owner)


def win(engine: Engine, url: str, *, team: str = "T1", owner: str = "U1") -> int:
    """The domain contacted and won by `owner`, its page tracked from T0."""
    with Session(engine) as session:
        for status in (Status.TARGETED, Status.CONTACTED, Status.WON):
            move(session, Move(team, SITE, DOMAIN, status, owner))
        session.commit()
        link_id = track(session, won_link(url, team=team, owner=owner), T0)
        session.commit()
    assert link_id is not None
    return link_id


def verdicts(reports: list[CheckedLink]) -> list[tuple[str, Notice | None]]:
    return [(item.check.verdict.value, item.next_check.notice) for item in reports]


def test_the_first_check_is_reported_then_a_live_link_is_checked_weekly(
    db: Engine, blog: PageServer
) -> None:
    win(db, blog.url("/post"))
    checks = Checks(db)

    assert verdicts(checks.run(T0)) == [("live", Notice.FIRST)]
    assert checks.run(T0 + 6 * DAY) == []
    assert verdicts(checks.run(T0 + WEEK)) == [("live", None)]

    row = checks.row()
    assert (row.last_verdict, row.failed_checks, row.state) == ("live", 0, "pending")
    assert row.due_at.replace(tzinfo=UTC) == T0 + 2 * WEEK
    evidence = json.loads(row.last_evidence or "")
    assert evidence["links"] == [
        {"href": "https://www.mysite.com/guide", "anchor": "a guide", "rel": []}
    ]
    assert blog.paths.count("/post") == 2


def test_one_failed_check_is_not_a_loss(db: Engine, blog: PageServer) -> None:
    win(db, blog.url("/post"))
    checks = Checks(db)
    checks.run(T0)
    blog.pages["/post"] = GONE  # a bad day for the blog

    assert verdicts(checks.run(T0 + WEEK)) == [("unreachable", None)]
    assert (checks.row().failed_checks, checks.status()) == (1, Status.WON)
    assert checks.row().due_at.replace(tzinfo=UTC) == T0 + WEEK + DAY

    blog.pages["/post"] = LIVE
    assert verdicts(checks.run(T0 + WEEK + DAY)) == [("live", None)]
    assert (checks.row().failed_checks, checks.status()) == (0, Status.WON)


def test_two_failed_checks_a_day_apart_put_the_link_at_risk_and_tell_once(
    db: Engine, blog: PageServer
) -> None:
    win(db, blog.url("/post"))
    win(db, blog.url("/post"), team="T2", owner="U7")  # another workspace, same page
    checks = Checks(db)
    checks.run(T0)
    blog.pages["/post"] = NOFOLLOW

    first = checks.run(T0 + WEEK)
    second = checks.run(T0 + WEEK + DAY)
    later = checks.run(T0 + 2 * WEEK + DAY)

    assert verdicts(first) == [("nofollow", None)] * 2
    assert verdicts(second) == [("nofollow", Notice.AT_RISK)] * 2
    assert verdicts(later) == [("nofollow", None)] * 2
    assert {item.owner_id for item in second} == {"U1", "U7"}
    assert checks.status("T1") == checks.status("T2") == Status.AT_RISK
    with Session(db) as session:
        (event,) = [e for e in events_for(session, "T1", SITE, DOMAIN) if e.to_status == "at_risk"]
    assert (event.from_status, event.user_id) == ("won", "U1")
    evidence = json.loads(checks.row().last_evidence or "")
    assert evidence["verdict"] == "nofollow" and evidence["links"][0]["rel"] == ["sponsored"]


def test_a_link_at_risk_that_is_live_again_is_won_again(db: Engine, blog: PageServer) -> None:
    win(db, blog.url("/post"))
    checks = Checks(db)
    checks.run(T0)
    blog.pages["/post"] = GONE
    checks.run(T0 + WEEK)
    checks.run(T0 + WEEK + DAY)
    blog.pages["/post"] = LIVE

    assert verdicts(checks.run(T0 + 2 * WEEK + DAY)) == [("live", Notice.BACK)]
    assert (checks.status(), checks.row().failed_checks) == (Status.WON, 0)


def test_a_reopened_domain_is_no_longer_checked(db: Engine, blog: PageServer) -> None:
    win(db, blog.url("/post"))
    with Session(db) as session:
        move(session, Move("T1", SITE, DOMAIN, Status.TARGETED, "U1"))
        session.commit()
    checks = Checks(db)

    assert checks.run(T0) == [] and checks.run(T0 + 4 * WEEK) == []
    assert checks.row().state == "done" and blog.requests == []


def test_news_that_could_not_be_told_is_told_on_the_retry(db: Engine, blog: PageServer) -> None:
    win(db, blog.url("/post"))
    checks = Checks(db)
    checks.run(T0)
    blog.pages["/post"] = GONE
    checks.run(T0 + WEEK)
    told: list[CheckedLink] = []

    def slack_down(checked: CheckedLink) -> None:
        if checked.next_check.notice is not None and not told:
            told.append(checked)
            raise DeliveryFailed("http_503", permanent=False)

    with fetcher() as pages:
        LinkCheckTick(db, pages, slack_down, clock=lambda: T0 + WEEK + DAY)()
    assert checks.status() == Status.AT_RISK and checks.row().failed_checks == 1

    retried = checks.run(T0 + WEEK + DAY + timedelta(hours=2))
    assert verdicts(retried) == [("unreachable", Notice.AT_RISK)]
    assert checks.row().failed_checks == 2


def test_tracking_a_page_once_more_changes_nothing_and_another_page_replaces_it(
    db: Engine, blog: PageServer
) -> None:
    link_id = win(db, blog.url("/post"))
    Checks(db).run(T0)
    link = won_link(blog.url("/post"))
    with Session(db) as session:
        assert track(session, link, T0 + DAY) is None
        moved = won_link(blog.url("/moved"))
        assert track(session, moved, T0 + DAY) == link_id
        session.commit()
        assert tracked_url(session, "T1", SITE, DOMAIN) == blog.url("/moved")
        assert tracked_url(session, "T2", SITE, DOMAIN) is None
    row = Checks(db).row()
    assert (row.last_verdict, row.due_at.replace(tzinfo=UTC)) == (None, T0 + DAY)
    with Session(db) as session:
        assert untrack(session, "T1", SITE, DOMAIN) and not untrack(session, "T1", SITE, DOMAIN)


def test_the_pipeline_shows_each_won_links_last_check(db: Engine, blog: PageServer) -> None:
    win(db, blog.url("/post"))
    Checks(db).run(T0)

    with Session(db) as session:
        (row,) = pipeline_rows(session, "T1")
        assert pipeline_rows(session, "T2") == []
    assert (row.link_url, row.link_verdict, row.link_checked_at) == (
        blog.url("/post"),
        "live",
        T0,
    )


def test_two_workers_check_each_link_once_one_request_per_host_at_a_time(
    db: Engine, app_db_url: str, blog: PageServer
) -> None:
    for number in range(6):
        with Session(db) as session:
            for status in (Status.CONTACTED, Status.WON):
                move(session, Move("T1", SITE, f"blog{number}.example", status, "U1"))
            session.commit()
            url = blog.url(f"/post{number}")
            track(session, won_link(url, f"blog{number}.example"), T0)
            session.commit()
        blog.pages[f"/post{number}"] = LIVE
    turns: list[float] = []
    reports: list[CheckedLink] = []
    clock = VirtualClock(1000.0)

    class Recorded(SharedHostGate):
        def take(self, host: str, now: float, token: str) -> float:
            wait = super().take(host, now, token)
            if wait == 0:
                clock.record(turns, now)
            return wait

    def work(worker: str) -> None:
        engine = make_engine(app_db_url)
        gate = Recorded(engine, 3.0, clock=clock.now, sleep=clock.sleep)
        with fetcher(gate) as pages:
            LinkCheckTick(engine, pages, reports.append, worker=worker, clock=lambda: T0, batch=1)()
        engine.dispose()

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(item.link.refdomain for item in reports) == [f"blog{n}.example" for n in range(6)]
    # Every request to 127.0.0.1 (each worker's robots.txt, then six pages) had a turn of
    # its own, at least three seconds after the one before ended, whichever worker sent it.
    assert len(turns) == len(blog.requests)
    assert all(later - earlier >= 3.0 for earlier, later in pairwise(sorted(turns))), sorted(turns)
    with Session(db) as session:
        states = session.exec(select(WonLink.state).where(col(WonLink.team_id) == "T1")).all()
    assert set(states) == {"pending"}
