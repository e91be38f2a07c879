"""bot/services/watches.py: a watch's query is kept as `/gaps` text; its runs are stored
and compared with the previous one; the tick runs each due watch once, says "nothing new"
at most monthly, skips a run over the budget (saying so once), reports a failing run once,
and pauses a watch whose channel is gone."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.gaps import RefDomainLinks, SiteProfile
from bot.links.base import (
    GapProfiles,
    LinkData,
    LinkingPages,
    LinkSourceError,
    profiles_in_memory,
)
from bot.links.providers import BudgetExceeded
from bot.outreach.moves import Status
from bot.query import parse_gap_text, parse_watch_text
from bot.scheduler import RetryPolicy
from bot.services.runs import Runner
from bot.services.watches import (
    ChannelUnreachable,
    WatchRun,
    WatchTick,
    add_watch,
    get_watch,
    run_watch,
    set_paused,
)
from bot.store.clock import as_utc
from bot.store.db import create_schema, make_engine, session_scope
from bot.store.pipeline import Move, move
from bot.store.results import ResultFiles
from bot.store.watches import (
    TERMINAL,
    Every,
    Watch,
    after,
    competitors_of,
    in_terminal,
    next_due,
    watch_query,
)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SITE, COMPETITORS = "mysite.com", ("a.com", "b.com", "c.com")


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    """An app database on SQLite only, for what does not depend on the database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


class Links:
    """A link source over hand-written links that a test changes between runs: referring
    domain -> the sites it links to (one link each)."""

    name = "fixed"

    def __init__(self, links: dict[str, set[str]]) -> None:
        self.links = links
        self.failures: list[Exception] = []  # raised by the next analyses, one each

    def profiles(
        self, site: str, competitors: Sequence[str]
    ) -> AbstractContextManager[GapProfiles]:
        if self.failures:
            raise self.failures.pop(0)
        profiles = [
            SiteProfile.of(
                name,
                [RefDomainLinks(ref, 1, 1) for ref, sites in self.links.items() if name in sites],
            )
            for name in (site, *competitors)
        ]
        return profiles_in_memory(LinkData(profiles[0], profiles[1:], source="fixed"))

    def linking_urls(
        self, refdomain: str, competitors: Sequence[str], limit: int
    ) -> dict[str, LinkingPages]:
        return {}


class News:
    """A WatchNews that records what it is told; it may be made to refuse a channel."""

    def __init__(self) -> None:
        self.runs: list[WatchRun] = []
        self.skips: list[tuple[int | None, str, bool]] = []
        self.pauses: list[tuple[int | None, str]] = []
        self.unreachable: str | None = None
        self.lock = threading.Lock()

    def changed(self, run: WatchRun, next_run: datetime) -> None:
        if self.unreachable:
            raise ChannelUnreachable(self.unreachable)
        with self.lock:
            self.runs.append(run)

    def not_run(self, watch: Watch, reason: str, *, over_budget: bool, next_run: datetime) -> None:
        self.skips.append((watch.id, reason, over_budget))

    def paused(self, watch: Watch, reason: str) -> None:
        self.pauses.append((watch.id, reason))


class Clock:
    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def runner_over(engine: Engine, tmp_path: Path, source: Links) -> Runner:
    def opener(name: str | None, team_id: str, refresh: bool) -> Links:
        return source

    return Runner(engine, ResultFiles(tmp_path / "results"), opener)


def watch_of(engine: Engine, text: str, team: str = "cli") -> Watch:
    query, every = parse_watch_text(text)
    return add_watch(engine, team, TERMINAL, "", query, every, NOW)


def tick(runner: Runner, news: News, clock: Clock, **options: Any) -> WatchTick:
    return WatchTick(runner, news, only=in_terminal("cli"), clock=clock, **options)


BEFORE = {
    "x.example": {"a.com"},
    "y.example": {"a.com", "b.com"},
    "z.example": {"b.com"},
    "v.example": {"a.com"},
    "s.example": {"a.com", SITE},
}
AFTER = {
    "x.example": {"a.com", SITE},  # now links to the site: won
    "y.example": {"a.com", "b.com"},
    "z.example": set(),  # b.com lost its link
    "v.example": {"a.com", "b.com"},  # one competitor more: still a gap, not new
    "w.example": {"c.com"},  # new
    "s.example": {"a.com"},  # no longer links to the site: a new gap
}


def links_before() -> Links:
    return Links({ref: set(sites) for ref, sites in BEFORE.items()})


def changed_sets(run: WatchRun) -> tuple[set[str], set[str], set[str]]:
    assert run.changes is not None
    changes = run.changes
    assert (changes.new_count, changes.won_count, changes.lost_count) == (
        len(changes.new),
        len(changes.won),
        len(changes.lost),
    )
    return {item.domain for item in changes.new}, set(changes.won), set(changes.lost)


def test_a_watch_keeps_its_query_as_gaps_text_and_reads_it_back(sqlite: Engine) -> None:
    text = "mysite.com vs a.com b.com --min-matches 2 --tld -ru --exclude spam.example"
    watch = watch_of(sqlite, text + " --every day")
    assert (
        watch.query == "mysite.com vs a.com b.com --min-matches 2 --tld=-ru --exclude spam.example"
    )
    assert watch_query(watch) == parse_gap_text(text)
    assert competitors_of(watch) == ("a.com", "b.com")


def test_a_run_is_compared_with_the_previous_one(sqlite: Engine, tmp_path: Path) -> None:
    source = links_before()
    runner = runner_over(sqlite, tmp_path, source)
    watch = watch_of(sqlite, "mysite.com vs a.com b.com c.com")
    first = run_watch(runner, watch)
    assert (first.changes, first.previous, first.analysis.total) == (None, None, 4)

    watch.last_analysis_id = first.analysis.id
    source.links = AFTER
    second = run_watch(runner, watch)
    assert second.previous is not None and second.previous.id == first.analysis.id
    assert changed_sets(second) == ({"w.example", "s.example"}, {"x.example"}, {"z.example"})
    assert second.analysis.total == 4 and second.analysis.query_text == (
        "mysite.com vs a.com b.com c.com"
    )


def test_the_comparison_follows_the_watch_s_listing(sqlite: Engine, tmp_path: Path) -> None:
    source = links_before()
    runner = runner_over(sqlite, tmp_path, source)
    watch = watch_of(sqlite, "mysite.com vs a.com b.com c.com --min-matches 2")
    watch.last_analysis_id = run_watch(runner, watch).analysis.id
    source.links = AFTER
    # Listed with at least 2 competitors: before y only; now y and v.
    assert changed_sets(run_watch(runner, watch)) == ({"v.example"}, set(), set())


def test_an_ignored_domain_is_not_announced_as_new(sqlite: Engine, tmp_path: Path) -> None:
    source = links_before()
    runner = runner_over(sqlite, tmp_path, source)
    watch = watch_of(sqlite, "mysite.com vs a.com b.com c.com")
    watch.last_analysis_id = run_watch(runner, watch).analysis.id
    with session_scope(sqlite) as session:
        move(session, Move("cli", SITE, "w.example", Status.IGNORED, "U1"))
    source.links = AFTER
    assert changed_sets(run_watch(runner, watch))[0] == {"s.example"}


def test_the_schedule_keeps_its_day_and_time() -> None:
    assert after(Every.DAY, NOW) == NOW + timedelta(days=1)
    assert after(Every.WEEK, NOW) == NOW + timedelta(days=7)
    assert after(Every.MONTH, datetime(2026, 1, 31, 9, tzinfo=UTC)) == datetime(
        2026, 2, 28, 9, tzinfo=UTC
    )
    assert after(Every.MONTH, datetime(2026, 12, 15, tzinfo=UTC)) == datetime(
        2027, 1, 15, tzinfo=UTC
    )
    # Down for ten days: the next run is the first one still to come, not ten at once.
    assert next_due(Every.DAY, NOW, NOW + timedelta(days=10, hours=1)) == NOW + timedelta(days=11)


def test_two_workers_run_each_due_watch_once(db: Engine, app_db_url: str, tmp_path: Path) -> None:
    source = links_before()
    watches = [watch_of(db, "mysite.com vs a.com b.com") for _ in range(6)]
    news = News()
    engines = [make_engine(app_db_url) for _ in range(2)]
    ticks = [
        tick(runner_over(engine, tmp_path, source), news, Clock(), worker=f"w{number}")
        for number, engine in enumerate(engines)
    ]
    threads = [threading.Thread(target=one) for one in ticks for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(run.watch.id or 0 for run in news.runs) == sorted(w.id or 0 for w in watches)
    # Each is due again a week later, with its analysis to compare with next time.
    for watch in watches:
        assert watch.id is not None
        stored = get_watch(db, "cli", watch.id)
        assert stored is not None and stored.last_analysis_id is not None
        assert as_utc(stored.due_at) == NOW + timedelta(weeks=1)
        assert (stored.state, stored.attempts) == ("pending", 0)
    for engine in engines:
        engine.dispose()


def test_nothing_new_is_said_at_most_once_a_month(sqlite: Engine, tmp_path: Path) -> None:
    runner = runner_over(sqlite, tmp_path, links_before())
    watch_of(sqlite, "mysite.com vs a.com b.com c.com")  # every week
    news, clock = News(), Clock()
    weekly = tick(runner, news, clock)
    said: list[tuple[int, bool]] = []
    for week in range(10):
        clock.at = NOW + timedelta(weeks=week)
        assert weekly() == 1  # each week's run runs
        said += [(week, run.changes is None) for run in news.runs[len(said) :]]
    # The baseline, then silence until a month after it.
    assert said == [(0, True), (5, False)]


def test_a_run_over_the_budget_is_skipped_and_said_once(sqlite: Engine, tmp_path: Path) -> None:
    source = links_before()
    runner = runner_over(sqlite, tmp_path, source)
    watch = watch_of(sqlite, "mysite.com vs a.com b.com c.com --every day")
    news, clock = News(), Clock()
    daily = tick(runner, news, clock)
    for day in range(3):
        source.failures.append(BudgetExceeded("only $0.00 of today's $5.00 budget is left"))
        clock.at = NOW + timedelta(days=day)
        assert daily() == 1  # skipped: done for today, due tomorrow
    assert news.skips == [(watch.id, "only $0.00 of today's $5.00 budget is left", True)]
    assert news.runs == []
    assert watch.id is not None
    stored = get_watch(sqlite, "cli", watch.id)
    assert stored is not None and as_utc(stored.due_at) == NOW + timedelta(days=3)

    clock.at = NOW + timedelta(days=3)
    assert daily() == 1 and len(news.runs) == 1 and news.runs[0].changes is None
    # After a run, a skip is said again.
    source.failures.append(BudgetExceeded("over"))
    clock.at = NOW + timedelta(days=4)
    daily()
    assert [over_budget for _, _, over_budget in news.skips] == [True, True]


def test_a_failing_run_is_reported_once_retried_then_moves_on(db: Engine, tmp_path: Path) -> None:
    source = links_before()
    runner = runner_over(db, tmp_path, source)
    watch = watch_of(db, "mysite.com vs a.com b.com c.com --every day")
    assert watch.id is not None
    policy = RetryPolicy()
    source.failures += [LinkSourceError("the provider is down")] * policy.transient_tries
    news, clock = News(), Clock()
    daily = tick(runner, news, clock, retry=policy)

    assert daily() == 0
    assert news.skips == [(watch.id, "the provider is down", False)]
    assert daily() == 0 and len(source.failures) == policy.transient_tries - 1  # backing off
    while source.failures:
        waiting = get_watch(db, "cli", watch.id)
        assert waiting is not None and waiting.retry_at is not None
        assert as_utc(waiting.retry_at) < NOW + timedelta(hours=6), "the backoff is too long"
        clock.at = as_utc(waiting.retry_at)
        assert daily() == 0
    assert len(news.skips) == 1  # every try failed; reported once
    stored = get_watch(db, "cli", watch.id)
    assert stored is not None
    assert (stored.state, stored.last_error) == ("pending", "the provider is down")
    assert as_utc(stored.due_at) == NOW + timedelta(days=1)  # its next period
    assert stored.failure_reported

    clock.at = NOW + timedelta(days=1)
    assert daily() == 1 and news.runs[0].changes is None
    stored = get_watch(db, "cli", watch.id)
    assert stored is not None and not stored.failure_reported and stored.last_error is None


def test_a_channel_that_cannot_take_the_news_pauses_the_watch(
    sqlite: Engine, tmp_path: Path
) -> None:
    runner = runner_over(sqlite, tmp_path, links_before())
    watch = watch_of(sqlite, "mysite.com vs a.com b.com c.com --every day")
    assert watch.id is not None
    news, clock = News(), Clock()
    news.unreachable = "not_in_channel"
    daily = tick(runner, news, clock)
    daily()
    assert news.pauses == [(watch.id, "not_in_channel")]
    stored = get_watch(sqlite, "cli", watch.id)
    assert stored is not None and stored.paused and stored.last_analysis_id is None
    clock.at = NOW + timedelta(days=5)
    assert daily() == 0  # paused: never claimed

    news.unreachable = None
    set_paused(sqlite, "cli", watch.id, False)
    assert daily() == 1 and news.runs[0].changes is None  # the baseline, told at last


def test_watches_are_team_scoped(db: Engine) -> None:
    watch = watch_of(db, "mysite.com vs a.com", team="T1")
    assert watch.id is not None
    assert get_watch(db, "T2", watch.id) is None
    assert set_paused(db, "T2", watch.id, True) is None
    stored = get_watch(db, "T1", watch.id)
    assert stored is not None and not stored.paused
