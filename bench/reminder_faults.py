"""Benchmark: follow-up reminders exactly once through faults, across three processes.

1,000 reminders (`--smoke`: 60) are due at once in one app database (a SQLite file, or
`--database-url` for an empty PostgreSQL database); 10 % cannot be delivered and are due
first: half go to an owner who left (the fake Slack answers `conversations.open` with
`user_not_found`), half belong to a workspace that uninstalled Gapbot (its client lookup
raises LookupError). Three processes run the reminder tick in a loop against a fake Slack
that takes 20 ms per `chat.postMessage`; one of them is killed with SIGKILL twice while it
delivers, and restarted each time. Printed: good reminders delivered exactly once,
duplicated and lost (counted from the messages Slack kept, by their metadata key), the
undeliverable ones given up, and the time until every good reminder was delivered. Leases
and backoff are scaled down (lease 2 s, first retry after 0.2 s; in production 90 s and
1 minute) so that a run takes seconds. Exits 1 if a reminder was duplicated or lost.

    .venv/bin/python bench/reminder_faults.py [--smoke] [--reminders N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake_slack import FakeSlack
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.scheduler import RetryPolicy
from bot.services.reminders import ReminderTick
from bot.store.claims import ClaimState
from bot.store.db import create_schema, make_engine
from bot.store.reminders import Reminder

WORKERS = 3
LEASE = timedelta(seconds=2)
RENEW_SECONDS = 0.5
RETRY = RetryPolicy(first_delay=timedelta(seconds=0.2), max_delay=timedelta(seconds=1))
TICK_SECONDS = 0.1
POST_SECONDS = 0.02
KILL_AT = (0.3, 0.6)  # shares of the good reminders delivered when the worker is killed
LEFT_OWNER, GONE_TEAM = "U404", "T9"
GOOD_TEAMS = ("T1", "T2")
# bot/slack/reminders/delivery.py logs it
ALREADY_POSTED = "was already posted; not sending it again"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="60 reminders, for CI")
    parser.add_argument("--reminders", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="an empty database (default: SQLite)")
    parser.add_argument("--worker", nargs=2, metavar=("DATABASE_URL", "API_URL"), help="internal")
    args = parser.parse_args()
    if args.worker:
        run_worker(*args.worker)
    total = args.reminders or (60 if args.smoke else 1_000)
    with tempfile.TemporaryDirectory(prefix="gapbot-bench-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'app.db'}"
        return bench(url, total, Path(folder))


# -- a worker process ------------------------------------------------------------------------


def run_worker(database_url: str, api_url: str) -> NoReturn:
    """What `gapbot serve` runs for reminders, with a short tick, until it is killed."""
    from slack_sdk import WebClient

    from bot.config import Settings
    from bot.slack.app import web_client
    from bot.slack.reminders.delivery import reminder_delivery

    logging.basicConfig(level=logging.INFO, format="%(process)d %(name)s %(message)s")
    settings = Settings(_env_file=None, SLACK_API_URL=api_url)  # type: ignore[call-arg]
    client = web_client(settings, "xoxb-bench")

    def client_for(team_id: str) -> WebClient:
        if team_id == GONE_TEAM:
            raise LookupError(f"Gapbot is not installed in workspace {team_id}")
        return client

    tick = ReminderTick(
        make_engine(database_url),
        reminder_delivery(client_for),
        lease=LEASE,
        renew_seconds=RENEW_SECONDS,
        retry=RETRY,
    )
    while True:
        tick()
        time.sleep(TICK_SECONDS)


# -- the run ---------------------------------------------------------------------------------


@dataclass
class Plan:
    good: int
    left: int
    gone: int


def bench(url: str, total: int, folder: Path) -> int:
    engine = make_engine(url)
    create_schema(engine)
    plan = add_reminders(engine, total)
    fake = FakeSlack().start()
    fake.refuse("conversations.open", "user_not_found", users=LEFT_OWNER)
    fake.slow("chat.postMessage", POST_SECONDS, times=total * 2)
    log = (folder / "workers.log").open("wb")

    def spawn() -> subprocess.Popen[bytes]:
        command = [sys.executable, __file__, "--worker", url, fake.api_url]
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    started = time.monotonic()
    workers = [spawn() for _ in range(WORKERS)]
    kills: list[float] = []
    first_at: float | None = None
    all_good_at: float | None = None
    try:
        deadline = started + 60 + total * POST_SECONDS
        while time.monotonic() < deadline:
            delivered = len(delivered_keys(fake))
            if first_at is None and delivered:
                first_at = time.monotonic() - started
            if len(kills) < len(KILL_AT) and delivered >= KILL_AT[len(kills)] * plan.good:
                os.kill(workers[0].pid, signal.SIGKILL)
                workers[0].wait()
                kills.append(time.monotonic() - started)
                workers[0] = spawn()
            if all_good_at is None and delivered >= plan.good:
                all_good_at = time.monotonic() - started
            if all_good_at is not None and given_up(engine) == plan.left + plan.gone:
                break
            time.sleep(0.02)
        finished = time.monotonic() - started
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
        log.close()
        fake.stop()
    ok = report(engine, fake, folder, plan, kills, (first_at, all_good_at, finished))
    engine.dispose()
    if not ok:
        print((folder / "workers.log").read_text()[-3000:], file=sys.stderr)
    return 0 if ok else 1


def add_reminders(engine: Engine, total: int) -> Plan:
    """The undeliverable tenth first (due an hour ago), then the good ones across two teams."""
    with Session(engine) as session:
        if session.exec(select(func.count()).select_from(Reminder)).one():
            raise SystemExit("the database already holds reminders: give an empty one")
    now = datetime.now(UTC)
    bad = total // 10
    plan = Plan(good=total - bad, left=bad // 2, gone=bad - bad // 2)
    rows = [(LEFT_OWNER, GOOD_TEAMS[0], now - timedelta(hours=1))] * plan.left
    rows += [("U1", GONE_TEAM, now - timedelta(hours=1))] * plan.gone
    rows += [
        (f"U{number % 50}", GOOD_TEAMS[number % 2], now - timedelta(minutes=1))
        for number in range(plan.good)
    ]
    with Session(engine) as session:
        for number, (owner, team, due) in enumerate(rows):
            session.add(
                Reminder(
                    team_id=team,
                    site="mysite.com",
                    refdomain=f"d{number}.example",
                    owner_id=owner,
                    action="follow_up",
                    due_at=due,
                )
            )
        session.commit()
    return plan


def delivered_keys(fake: FakeSlack) -> Counter[int]:
    """Reminder id -> how many DMs Slack accepted with its metadata key."""
    posts = [call for call in fake.calls_to("chat.postMessage") if call.response.get("ok")]
    return Counter(_reminder_id(call.args) for call in posts if _reminder_id(call.args))


def _reminder_id(args: dict[str, Any]) -> int:
    return int(((args.get("metadata") or {}).get("event_payload") or {}).get("reminder_id", 0))


def given_up(engine: Engine) -> int:
    with Session(engine) as session:
        query = select(func.count()).where(col(Reminder.state) == ClaimState.FAILED)
        return int(session.exec(query).one())


def report(
    engine: Engine,
    fake: FakeSlack,
    folder: Path,
    plan: Plan,
    kills: list[float],
    times: tuple[float | None, float | None, float],
) -> bool:
    first_at, all_good_at, finished = times
    posts = delivered_keys(fake)
    with Session(engine) as session:
        rows = session.exec(select(Reminder)).all()
    good = [row for row in rows if row.owner_id != LEFT_OWNER and row.team_id != GONE_TEAM]
    once = sum(1 for row in good if posts[row.id or 0] == 1)
    duplicated = sum(1 for row in good if posts[row.id or 0] > 1)
    lost = sum(1 for row in good if posts[row.id or 0] == 0)
    errors = Counter(row.last_error for row in rows if row.state == ClaimState.FAILED)
    taken_over = sum(1 for row in good if row.attempts > 1)
    # Posted by a worker killed before it could record it, and found by the next one's check.
    found = (folder / "workers.log").read_text().count(ALREADY_POSTED)
    print(f"reminders: {len(rows):,} ({plan.good:,} good, {plan.left + plan.gone} undeliverable)")
    print(f"workers: {WORKERS} processes; SIGKILL at {', '.join(f'{t:.1f} s' for t in kills)}")
    print(f"delivered exactly once: {once:,} / {plan.good:,}")
    print(f"duplicated: {duplicated}   lost: {lost}")
    print(f"given up: {sum(errors.values())} / {plan.left + plan.gone} ({dict(errors)})")
    print(f"taken over after a kill: {taken_over}; found already posted: {found}")
    print(f"conversations.history checks: {len(fake.calls_to('conversations.history'))}")
    print(
        f"all good reminders delivered after: {_seconds(all_good_at)} (the first after"
        f" {_seconds(first_at)}: the workers' start-up); all settled after {finished:.1f} s"
    )
    return duplicated == 0 and lost == 0 and sum(errors.values()) == plan.left + plan.gone


def _seconds(moment: float | None) -> str:
    return "never" if moment is None else f"{moment:.1f} s"


if __name__ == "__main__":
    sys.exit(main())
