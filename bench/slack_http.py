"""Benchmark: the Slack app over HTTP on loopback, against a fake Slack Web API.

The app runs in its own process, exactly as `gapbot serve --http` runs it; this
process plays Slack (signed requests out, Web API calls in, timed on the same
monotonic clock). 50 concurrent `/gaps` commands: time to the ack, time from the
ack to the posted result (on a local index of 1M links; `--smoke`: 5k), then
page changes; then 200 concurrent clicks (Next, Target, Links, Draft email) while
the fake Slack takes 5 s to answer chat.update, views.open and views.update.
Targets: ack p99 < 300 ms, result < 2 s after the ack, page change p95 < 300 ms,
click ack p95 <= 300 ms with Slack slow.

    .venv/bin/python bench/slack_http.py [--smoke] [--links N] [--concurrency N]
        [--clicks N] [--slow SECONDS] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import httpx
from fake_slack import Call, FakeSlack, SlackDriver

from bot.config import Settings
from bot.links.index import LinkIndex
from bot.slack.drafts.ids import DraftAction
from bot.slack.results.ids import ResultAction

SECRET = "bench-signing-secret"
SITE, COMPETITORS = "mysite.com", ("rival-a.com", "rival-b.com", "rival-c.com")
TARGETS = {
    "ack p99": 0.300,
    "result after ack max": 2.0,
    "page change p95": 0.300,
    "click ack p95 (Slack slow)": 0.300,
}
CLICKS = (ResultAction.PAGE_NEXT, ResultAction.TARGET, ResultAction.LINKS, DraftAction.DRAFT_EMAIL)


def write_links(path: Path, count: int, seed: int = 7) -> None:
    """A generic CSV export: `count` links from count/6 referring domains to the four sites."""
    rng = random.Random(seed)
    refdomains = max(count // 6, 10)
    sites = (SITE, *COMPETITORS)
    with path.open("w") as out:
        out.write("source_url,target_url,nofollow\n")
        for number in range(count):
            domain = f"ref{rng.randrange(refdomains)}.example"
            target = sites[rng.choices(range(4), weights=(1, 3, 3, 3))[0]]
            nofollow = "true" if rng.random() < 0.2 else "false"
            out.write(f"https://{domain}/p{number},https://{target}/page{number % 50},{nofollow}\n")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def describe(name: str, values: list[float]) -> str:
    return (
        f"{name:<22} n={len(values):<4} p50={statistics.median(values) * 1000:7.1f} ms  "
        f"p95={percentile(values, 0.95) * 1000:7.1f} ms  p99={percentile(values, 0.99) * 1000:7.1f}"
        f" ms  max={max(values) * 1000:7.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a small index, for CI")
    parser.add_argument("--links", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=None, help="identical /gaps (50)")
    parser.add_argument("--clicks", type=int, default=None, help="concurrent clicks (200)")
    parser.add_argument("--slow", type=float, default=5.0, help="seconds Slack takes to answer")
    parser.add_argument("--workers", type=int, default=1, help="gapbot serve --workers N")
    args = parser.parse_args()
    clicks = args.clicks or (20 if args.smoke else 200)
    links = args.links or (5_000 if args.smoke else 1_000_000)
    concurrency = args.concurrency or (10 if args.smoke else 50)

    with tempfile.TemporaryDirectory(prefix="gapbot-bench-") as folder:
        home = Path(folder)
        export = home / "links.csv"
        started = time.monotonic()
        write_links(export, links)
        index = Settings(_env_file=None, GAPBOT_HOME=str(home)).index_path  # type: ignore[call-arg]
        LinkIndex(index).import_file(export)
        print(f"index: {links:,} links imported in {time.monotonic() - started:.1f} s")

        fake = FakeSlack().start()
        port = free_port()
        server = start_app(home, fake, port, args.workers)
        driver = SlackDriver(f"http://127.0.0.1:{port}", fake, SECRET)
        try:
            figures = run(driver, fake, concurrency)
            figures.update(click_storm(driver, fake, clicks, args.slow))
        finally:
            driver.stop()
            server.terminate()
            server.wait(timeout=10)
            fake.stop()
    failed = [name for name, limit in TARGETS.items() if figures[name] > limit]
    print("targets met" if not failed else f"targets missed: {', '.join(failed)}")
    return 0


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_app(home: Path, fake: FakeSlack, port: int, workers: int) -> subprocess.Popen[bytes]:
    """`serve()` in a process of its own, configured through the environment as in production."""
    env = {
        **os.environ,
        "GAPBOT_HOME": str(home),
        "GAPBOT_DATABASE_URL": f"sqlite:///{home / 'app.db'}",
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "SLACK_APP_TOKEN": "",
    }
    code = (
        "import logging; logging.basicConfig(level=logging.WARNING)\n"
        "from bot.config import load_settings\n"
        "from bot.slack.server import serve\n"
        f"serve(load_settings(), socket=False, port={port}, workers={workers})\n"
    )
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-c", code], env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT
    )
    wait_until_healthy(server, port)
    return server


def wait_until_healthy(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("the app did not start")


def run(driver: SlackDriver, fake: FakeSlack, concurrency: int) -> dict[str, float]:
    text = f"{SITE} vs {' '.join(COMPETITORS)}"
    acked_at: dict[str, float] = {}
    ack_times: list[float] = []
    lock = threading.Lock()
    gate = threading.Barrier(concurrency)

    def command(number: int) -> None:
        channel = f"C{number:03d}"
        gate.wait()
        sent = time.monotonic()
        response = driver.command(text, channel=channel, user=f"U{number}")
        done = time.monotonic()
        assert response.status_code == 200, response.text
        with lock:
            ack_times.append(done - sent)
            acked_at[channel] = done

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(command, range(concurrency)))
    posts = fake.wait_for("chat.postMessage", count=concurrency, timeout=1800)
    result_times = [post.at - acked_at[post.args["channel"]] for post in posts]
    print(describe("ack", ack_times))
    print(describe("ack -> posted result", result_times))

    page_times: list[float] = []
    for number, post in enumerate(posts):
        sent = time.monotonic()
        driver.press(
            post.args["blocks"],
            ResultAction.PAGE_NEXT,
            message_ts=post.response["ts"],
            channel=post.args["channel"],
        )
        update = fake.wait_for("chat.update", count=number + 1)[-1]
        page_times.append(update.at - sent)
    print(describe("page change", page_times))
    return {
        "ack p99": percentile(ack_times, 0.99),
        "result after ack max": max(result_times),
        "page change p95": percentile(page_times, 0.95),
    }


def click_storm(driver: SlackDriver, fake: FakeSlack, clicks: int, slow: float) -> dict[str, float]:
    """`clicks` buttons pressed at once on the posted results while Slack answers slowly,
    next to the same storm against a bare uvicorn app that answers 200 and does nothing."""
    posts = fake.calls_to("chat.postMessage")
    for method in ("chat.update", "views.open", "views.update"):
        fake.slow(method, slow, times=clicks)
    ack_times = storm(driver, posts, clicks)
    print(describe(f"click ack, Slack {slow:g} s", ack_times))
    port = free_port()
    bare = start_bare_app(port)
    try:
        limit = storm(SlackDriver(f"http://127.0.0.1:{port}", fake, SECRET), posts, clicks)
    finally:
        bare.terminate()
        bare.wait(timeout=10)
    print(describe("limit: bare uvicorn 200", limit))
    return {"click ack p95 (Slack slow)": percentile(ack_times, 0.95)}


def storm(driver: SlackDriver, posts: list[Call], clicks: int) -> list[float]:
    """Press `clicks` buttons at once (Next, Target, Links, Draft email); each one's ack time."""
    gate = threading.Barrier(clicks)
    ack_times: list[float] = []
    lock = threading.Lock()

    def click(number: int) -> None:
        post = posts[number % len(posts)]
        gate.wait()
        sent = time.monotonic()
        response = driver.press(  # the first row's button, where the action is per row
            post.args["blocks"],
            CLICKS[number % len(CLICKS)],
            message_ts=post.response["ts"],
            channel=post.args["channel"],
            user=f"U{number}",
        )
        done = time.monotonic()
        assert response.status_code == 200, response.text
        with lock:
            ack_times.append(done - sent)

    with ThreadPoolExecutor(clicks) as pool:
        list(pool.map(click, range(clicks)))
    return ack_times


def start_bare_app(port: int) -> subprocess.Popen[bytes]:
    """The practical limit: uvicorn and Starlette reading each request and answering 200."""
    code = (
        "import uvicorn\n"
        "from starlette.applications import Starlette\n"
        "from starlette.responses import Response\n"
        "from starlette.routing import Route\n"
        "async def events(request):\n"
        "    await request.body()\n"
        "    return Response(b'')\n"
        "async def health(request):\n"
        "    return Response(b'ok')\n"
        "app = Starlette(routes=[Route('/slack/events', events, methods=['POST']),"
        " Route('/healthz', health)])\n"
        f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning')\n"
    )
    server = subprocess.Popen([sys.executable, "-c", code])
    wait_until_healthy(server, port)
    return server


if __name__ == "__main__":
    raise SystemExit(main())
