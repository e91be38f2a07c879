"""Benchmark: live-provider fetches are concurrent (4 sites ~ 1 site) and repeats cost nothing.

Runs a local fake Ahrefs with a fixed latency per request and prints, in one run, the slowest
single site, the sequential baseline (one request at a time), the concurrent analysis, and the
paid calls of a repeated analysis. `--smoke` is the small size CI runs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings
from bot.links.adapter import ProfileRequest
from bot.links.http import RetryPolicy
from tests.fake_providers import FakeProviders, Ref, provider_settings, provider_source

SITE, COMPETITORS = "me.com", ["rival-a.com", "rival-b.com", "rival-c.com"]
PROVIDER = "ahrefs"  # not excluding the site: one request per site, all four sites


def link_graph(refdomains: int) -> dict[str, dict[str, Ref]]:
    return {
        site: {f"ref{n}-{i}.example": Ref(1 + n % 3, authority=n % 100) for n in range(refdomains)}
        for i, site in enumerate([SITE, *COMPETITORS])
    }


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


class RemoteFake:
    """The fake provider in a child process, so its work does not share our GIL."""

    def __init__(self, url: str, calls: Any) -> None:
        self.url = url
        self.calls = calls

    def settings(self, home: Path) -> Settings:
        return provider_settings(self.url, home)

    def paid_calls(self) -> int:
        return int(self.calls.value)


def _serve(graph: dict[str, dict[str, Ref]], latency: float, calls: Any, urls: Any) -> None:
    fake = FakeProviders(graph, latency=latency)
    record = fake.record

    def counted(provider: str, path: str, target: str) -> None:
        record(provider, path, target)
        with calls.get_lock():
            calls.value += 1

    fake.record = counted  # type: ignore[method-assign]
    urls.put(fake.url)
    fake.server.serve_forever(0.05)


@contextmanager
def remote_fake(graph: dict[str, dict[str, Ref]], latency: float) -> Iterator[RemoteFake]:
    calls = multiprocessing.Value("i", 0)
    urls: multiprocessing.Queue[str] = multiprocessing.Queue()
    child = multiprocessing.Process(target=_serve, args=(graph, latency, calls, urls), daemon=True)
    child.start()
    try:
        yield RemoteFake(urls.get(timeout=30), calls)
    finally:
        child.terminate()
        child.join()


def measure(fake: RemoteFake, home: Path) -> dict[str, float]:
    settings = fake.settings(home)
    policy = RetryPolicy(concurrency=4, sleep=lambda _: None)
    adapter = provider_source(PROVIDER, settings, policy=policy).provider

    def one_site(site: str) -> None:
        with adapter.open_client(policy) as http:
            adapter.fetch_profile(http, ProfileRequest(site), settings.provider_max_rows)

    def analysis(concurrency: int, refresh: bool) -> None:
        source = provider_source(
            PROVIDER, settings, refresh=refresh, policy=RetryPolicy(concurrency=concurrency)
        )
        source.fetch(SITE, COMPETITORS, dofollow_only=False)

    slowest = max(timed(partial(one_site, site)) for site in [SITE, *COMPETITORS])
    sequential = timed(lambda: analysis(1, refresh=True))
    concurrent = timed(lambda: analysis(4, refresh=True))
    calls_before = fake.paid_calls()
    repeated = timed(lambda: analysis(4, refresh=False))
    return {
        "slowest": slowest,
        "sequential": sequential,
        "concurrent": concurrent,
        "repeated": repeated,
        "repeat_calls": fake.paid_calls() - calls_before,
    }


def report(figures: dict[str, float], setup: str) -> None:
    ratio = figures["concurrent"] / figures["slowest"]
    rows = [
        ("slowest single site", f"{figures['slowest']:.3f} s"),
        ("baseline: sequential, 1 at a time", f"{figures['sequential']:.3f} s"),
        ("analysis: concurrent", f"{figures['concurrent']:.3f} s = {ratio:.2f}x slowest (<= 1.3x)"),
        (
            "repeated analysis",
            f"{figures['repeated']:.3f} s, {figures['repeat_calls']:.0f} paid calls (0)",
        ),
    ]
    print(f"fake {PROVIDER}: {setup}")
    for label, value in rows:
        print(f"  {label:<36}{value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--latency", type=float, default=None, help="seconds per request")
    args = parser.parse_args(argv)
    latency = args.latency if args.latency is not None else (0.05 if args.smoke else 0.3)
    refdomains = 50 if args.smoke else 1000
    with (
        tempfile.TemporaryDirectory() as home,
        remote_fake(link_graph(refdomains), latency) as fake,
    ):
        figures = measure(fake, Path(home))
    report(figures, f"{latency * 1000:.0f} ms per request, 4 sites, {refdomains} refdomains each")
    ratio = figures["concurrent"] / figures["slowest"]
    missed = figures["repeat_calls"] > 0 or (ratio > 1.3 and not args.smoke)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
