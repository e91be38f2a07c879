"""Benchmark: 1,000 watches and 10,000 won links due at once, drained by three processes.

One app database (a SQLite file, or `--database-url` for an empty PostgreSQL database)
holds 1,000 watches (`--smoke`: 6) of the sample index, each reporting to its own
channel of a fake Slack, and 10,000 won links (`--smoke`: 40) whose pages are served by
one local web server under 1,000 host names (10 pages each; the workers' resolver sends
every name to 127.0.0.1). Three processes run what `gapbot serve` schedules, the watch
tick and the won-link tick, in a loop until nothing is due. The hosts' spacing is scaled
down from 3 s to 0.5 s so that a run takes a minute, not an hour.

Printed, with the practical limits measured in the same run:
- the time to drain each kind of job, next to one process running the same analyses
  bare (no database, no Slack), to one process checking every page bare, and to the
  politeness bound (a host's requests one spacing apart);
- each job run exactly once: one baseline message per watch channel, one request per
  page, every row due again later;
- politeness kept: the gaps between two requests to one host, from the server's log
  (the gate spaces their starts; arrival jitters with the load);
- memory: each worker's resident size a quarter of the way through and at the end.
Exits 1 if a job ran twice or not at all, or a host was asked twice within half the
spacing.

    .venv/bin/python bench/scheduled_jobs.py [--smoke] [--database-url URL]
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake_slack import FakeSlack
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.engine import running
from bot.links.index import LinkIndex
from bot.outreach.moves import Status
from bot.query import make_query
from bot.sample import DEMO_COMPETITORS, DEMO_SITE, SamplePlan, write_ahrefs_exports
from bot.services.watches import add_watch
from bot.store.claims import ClaimState
from bot.store.clock import as_utc
from bot.store.db import create_schema, make_engine
from bot.store.pipeline import PipelineEntry
from bot.store.watches import Every, Watch
from bot.store.won_links import WonLink

WORKERS = 3
SPACING = 0.5  # seconds between two requests to one host (production: 3 s)
PAGES_PER_HOST = 10
TEAM, OWNER = "T1", "U1"
SITE = "mysite.com"
PAGE = b'<html><body><p>See <a href="https://www.mysite.com/guide">a guide</a>.</p></body></html>'
HOST_SUFFIX = ".pages.bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="6 watches and 40 links, for CI")
    parser.add_argument("--database-url", default=None, help="an empty database (default: SQLite)")
    parser.add_argument("--worker", nargs=1, metavar="PAGE_PORT", help="internal")
    args = parser.parse_args()
    if args.worker:
        run_worker(int(args.worker[0]))
    watches, links = (6, 40) if args.smoke else (1_000, 10_000)
    with tempfile.TemporaryDirectory(prefix="gapbot-bench-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'app.db'}"
        return bench(url, Path(folder), watches, links)


# -- a worker process ------------------------------------------------------------------------


def run_worker(page_port: int) -> NoReturn:
    """The watch and won-link ticks `gapbot serve` runs, with a short pause between ticks,
    until both find nothing due twice in a row."""
    from bot.config import load_settings
    from bot.fetch import Fetcher, FetchPolicy, user_agent
    from bot.scheduler import ClaimTick
    from bot.services.deps import Services
    from bot.services.link_checks import LinkCheckTick
    from bot.slack.app import configured_clients
    from bot.slack.watches.delivery import watch_tick
    from bot.slack.won.delivery import link_news
    from bot.store.hosts import SharedHostGate

    settings = load_settings()
    engine = make_engine(settings.app_database_url)
    clients = configured_clients(settings, engine)
    assert clients is not None

    def resolver(host: str, port: int) -> list[str]:
        assert host.endswith(HOST_SUFFIX) and port == page_port, host
        return ["127.0.0.1"]

    policy = FetchPolicy(user_agent(settings.contact_url), allow_private=True)
    fetcher = Fetcher(policy, resolver=resolver, gate=SharedHostGate(engine, SPACING))
    ticks: list[ClaimTick[Any]] = [
        watch_tick(Services.of(settings, engine).runner, clients),
        LinkCheckTick(engine, fetcher, link_news(clients)),
    ]
    idle = 0
    while idle < 2:
        ran = sum(tick() for tick in ticks)
        idle = 0 if ran else idle + 1
        time.sleep(0.05)
    os._exit(0)


# -- the run ---------------------------------------------------------------------------------


class PageLog:
    """The page server's record: when each host was asked, and how often each page."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.pages: Counter[str] = Counter()

    def seen(self, host: str, path: str) -> None:
        with self.lock:
            self.times[host].append(time.time())
            if path != "/robots.txt":
                self.pages[f"{host}{path}"] += 1

    def forget(self) -> None:
        with self.lock:
            self.times.clear()
            self.pages.clear()

    def gaps(self) -> list[float]:
        """Every gap between two successive requests to one host, smallest first."""
        return sorted(
            later - earlier
            for times in self.times.values()
            for earlier, later in zip(sorted(times), sorted(times)[1:], strict=False)
        )


def page_server(log: PageLog) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            host = self.headers.get("Host", "").rsplit(":", 1)[0]
            log.seen(host, self.path)
            found = self.path != "/robots.txt"
            body = PAGE if found else b""
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def bench(url: str, folder: Path, watches: int, links: int) -> int:
    home = folder / "home"
    index = LinkIndex(home / "index")
    plan = SamplePlan(DEMO_SITE, DEMO_COMPETITORS, refdomains=400, links_per_site=1500)
    for path in write_ahrefs_exports(folder, plan):
        index.import_file(path)
    engine = make_engine(url)
    create_schema(engine)
    now = datetime.now(UTC)
    pages = PageLog()
    server = page_server(pages)
    port = int(server.server_address[1])
    _add_watches(engine, watches, now)
    hosts = _add_won_links(engine, links, port, now)
    bare = _bare_analyses(index, watches)
    bare_checks = _bare_checks(engine, port)
    pages.forget()
    slack = FakeSlack().start()
    try:
        env = {
            **os.environ,
            "GAPBOT_HOME": str(home),
            "GAPBOT_DATABASE_URL": url,
            "GAPBOT_LINK_SOURCE": "local",
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench-secret",
            "SLACK_API_URL": slack.api_url,
            "GAPBOT_FETCH_ALLOW_PRIVATE": "1",
        }
        started = datetime.now(UTC)
        workers = [
            subprocess.Popen(
                [sys.executable, __file__, "--worker", str(port)],
                env=env,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(WORKERS)
        ]
        drained = _watch_drain(engine, workers, links, started)
        for worker in workers:
            worker.wait(timeout=120)
        posts = Counter(
            str(call.args.get("channel")) for call in slack.calls_to("chat.postMessage")
        )
    finally:
        slack.stop()
        server.shutdown()
    return _report(engine, drained, (bare, bare_checks), posts, pages, hosts, watches, links)


def _add_watches(engine: Engine, count: int, now: datetime) -> None:
    query = make_query([DEMO_SITE, "vs", *DEMO_COMPETITORS])
    for number in range(count):
        add_watch(engine, TEAM, f"C{number:05d}", OWNER, query, Every.WEEK, now)


def _add_won_links(engine: Engine, count: int, port: int, now: datetime) -> int:
    """`count` won domains, each with its page; pages share hosts PAGES_PER_HOST at a time,
    interleaved so that one host's pages are not due one after another."""
    hosts = max(1, count // PAGES_PER_HOST)
    with Session(engine) as session:
        for number in range(count):
            domain = f"won{number:05d}.example"
            host = f"h{number % hosts:04d}{HOST_SUFFIX}"
            session.add(
                PipelineEntry(
                    team_id=TEAM, site=SITE, refdomain=domain, status=Status.WON, owner_id=OWNER
                )
            )
            session.add(
                WonLink(
                    team_id=TEAM,
                    site=SITE,
                    refdomain=domain,
                    url=f"http://{host}:{port}/post-{number}",
                    owner_id=OWNER,
                    created_at=now,
                    due_at=now,
                )
            )
        session.commit()
    return hosts


def _bare_analyses(index: LinkIndex, count: int) -> float:
    """The practical limit of the watches: their analyses, stored, one after another in one
    process, with no app database and no Slack."""
    query = make_query([DEMO_SITE, "vs", *DEMO_COMPETITORS])
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        for number in range(count):
            with running(query, index) as analysis:
                analysis.store(Path(folder) / f"{number}.parquet")
                analysis.overlap()
        return time.perf_counter() - started


def _bare_checks(engine: Engine, port: int) -> float:
    """The practical limit of the checks: every page fetched and judged in this process,
    as many at once as a worker runs, with no politeness and no app database."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.fetch import Fetcher, FetchPolicy, HostGate
    from bot.services.link_checks import CHECKS_AT_ONCE
    from bot.verify import check_page

    with Session(engine) as session:
        urls = list(session.exec(select(WonLink.url)).all())
    logging.getLogger("bot.fetch").setLevel(logging.ERROR)  # its loopback warning: known
    policy = FetchPolicy("Gapbot/bench", allow_private=True)
    gate = HostGate(spacing=0.0)
    started = time.perf_counter()
    with (
        Fetcher(policy, resolver=lambda _host, _port: ["127.0.0.1"], gate=gate) as fetcher,
        ThreadPoolExecutor(CHECKS_AT_ONCE) as pool,
    ):
        list(pool.map(lambda url: check_page(fetcher, url, SITE), urls))
    return time.perf_counter() - started


def _watch_drain(
    engine: Engine, workers: list[subprocess.Popen[bytes]], links: int, t0: datetime
) -> dict[str, Any]:
    """Wait for the workers to end; the time each kind of job took to drain (from the
    times the jobs stored), and the workers' memory a quarter of the way and at the end."""
    memory: dict[str, list[int]] = {"quarter": [], "end": []}
    while any(worker.poll() is None for worker in workers):
        sizes = [_rss(worker.pid) for worker in workers]
        memory["end"] = sizes if any(sizes) else memory["end"]
        if not memory["quarter"] and _checked(engine) >= links // 4:
            memory["quarter"] = sizes
        time.sleep(0.2)
    with Session(engine) as session:
        last_run = session.exec(select(func.max(Watch.last_run_at))).one()
        last_check = session.exec(select(func.max(WonLink.last_checked_at))).one()
    times = {
        kind: (as_utc(last) - t0).total_seconds()
        for kind, last in (("watches", last_run), ("links", last_check))
        if last is not None
    }
    return {"times": times, "memory": memory}


def _checked(engine: Engine) -> int:
    with Session(engine) as session:
        count = session.exec(
            select(func.count()).where(col(WonLink.last_checked_at).is_not(None))
        ).one()
    return int(count)


def _rss(pid: int) -> int:
    """A process's resident memory in MiB (0 once it has ended)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _report(
    engine: Engine,
    drained: dict[str, Any],
    bare: tuple[float, float],
    posts: Counter[str],
    pages: PageLog,
    hosts: int,
    watches: int,
    links: int,
) -> int:
    times, memory = drained["times"], drained["memory"]
    with Session(engine) as session:
        later = datetime.now(UTC)
        pending = [
            session.exec(
                select(func.count()).where(
                    model.state == ClaimState.PENDING, col(model.due_at) > later
                )
            ).one()
            for model in (Watch, WonLink)
        ]
    channels = [posts.get(f"C{number:05d}", 0) for number in range(watches)]
    fetched = list(pages.pages.values())
    # A host's pages, and its robots.txt once per process, one spacing apart.
    bound = (PAGES_PER_HOST + WORKERS - 1) * SPACING
    gaps = pages.gaps()
    closest = gaps[0] if gaps else float("inf")
    spaced = sum(1 for gap in gaps if gap >= SPACING * 0.95)
    print(f"{WORKERS} processes, {watches:,} watches, {links:,} won links on {hosts:,} hosts")
    print(
        f"watches drained in {times.get('watches', float('nan')):.1f} s"
        f" (one bare process running the same analyses: {bare[0]:.1f} s)"
    )
    print(
        f"won links drained in {times.get('links', float('nan')):.1f} s (politeness bound:"
        f" {bound:.1f} s, {PAGES_PER_HOST} pages and robots.txt a host, {SPACING} s apart;"
        f" one bare process checking every page: {bare[1]:.1f} s)"
    )
    print(
        f"watch messages: {sum(1 for n in channels if n == 1):,} channels told once,"
        f" {sum(1 for n in channels if n > 1)} twice or more, {channels.count(0)} never"
    )
    print(
        f"pages: {sum(1 for n in fetched if n == 1):,} fetched once,"
        f" {sum(1 for n in fetched if n > 1)} more than once, {links - len(fetched)} never"
    )
    print(f"due again later: {pending[0]:,} watches, {pending[1]:,} links")
    print(
        f"requests to one host: {spaced:,} of {len(gaps):,} gaps at least the spacing"
        f" ({SPACING} s, less 5 %); the closest two {closest:.3f} s apart (arrival jitter)"
    )
    print(
        f"worker memory (MiB) a quarter through: {memory['quarter']}, at the end: {memory['end']}"
    )
    exact = channels.count(1) == watches and len(fetched) == links and max(fetched) == 1
    # The gate spaces when requests start; their arrival jitters with the machine's load.
    polite = closest >= SPACING / 2
    complete = pending == [watches, links]
    return 0 if exact and polite and complete else 1


if __name__ == "__main__":
    sys.exit(main())
