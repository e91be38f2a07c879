"""Benchmark: local index import speed and gap-query latency, against a pandas baseline.

Generates one Ahrefs-style backlinks export (UTF-16 TSV) per site, imports them with
`LinkIndex.import_file`, times the gap query for a site and three competitors, and in
the same run times a plain pandas read-and-merge of the same files.

    python bench/gaps_local.py                 # 1M links per site (4M rows)
    python bench/gaps_local.py --links 200000
    python bench/gaps_local.py --smoke         # tiny, for CI
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.analysis import analyse
from bot.domains import try_fold_domain
from bot.links.index import LinkIndex
from bot.query import make_query
from bot.sample import SamplePlan, write_ahrefs_exports

SITES = ("mysite.com", "rival-a.com", "rival-b.com", "rival-c.com")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1_000_000, help="links per site")
    parser.add_argument("--refdomains", type=int, default=0, help="default: links / 20")
    parser.add_argument("--repeat", type=int, default=5, help="query runs to time")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    parser.add_argument("--no-baseline", action="store_true", help="skip pandas")
    parser.add_argument("--time-query", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--time-baseline", type=Path, nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time_query:
        time_query(args.time_query, args.repeat)
        return
    if args.time_baseline:
        started = time.perf_counter()
        total = pandas_gaps(args.time_baseline)
        print(json.dumps([time.perf_counter() - started, total]))
        return
    if args.smoke:
        args.links, args.repeat = 2_000, 2
    refdomains = args.refdomains or max(50, args.links // 20)
    plan = SamplePlan(SITES[0], SITES[1:], refdomains=refdomains, links_per_site=args.links)
    with tempfile.TemporaryDirectory() as folder:
        run(Path(folder), plan, args.repeat, baseline=not args.no_baseline)


def run(folder: Path, plan: SamplePlan, repeat: int, *, baseline: bool) -> None:
    started = time.perf_counter()
    paths = write_ahrefs_exports(folder / "exports", plan)
    print(
        f"generated {len(paths)} exports x {plan.links_per_site:,} links "
        f"({plan.refdomains:,} referring domains in the pool) "
        f"in {time.perf_counter() - started:.1f}s"
    )

    index = LinkIndex(folder / "links.duckdb")
    started = time.perf_counter()
    rows = sum(index.import_file(path).rows_read for path in paths)
    import_seconds = time.perf_counter() - started
    print(f"import: {rows:,} rows in {import_seconds:.2f}s = {rows / import_seconds:,.0f} rows/s")

    # The query runs in a fresh process, as `gapbot gaps` would run it: this one has just
    # generated and imported millions of rows, and its heap slows everything after.
    timing = subprocess.run(
        [sys.executable, __file__, "--time-query", str(index.path), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    query_seconds, total = json.loads(timing.stdout)
    print(
        f"gap query (4 sites): median {query_seconds * 1000:.0f} ms over {repeat} runs, "
        f"{total:,} opportunities"
    )

    if baseline:
        pandas_seconds, expected = in_fresh_process("--time-baseline", *paths)
        print(f"baseline pandas read-and-merge: {pandas_seconds:.2f}s, {expected:,} opportunities")
        print(f"ratio: query is {pandas_seconds / query_seconds:.1f}x faster than the baseline")
        if expected != total:
            raise SystemExit(f"mismatch: index {total} vs pandas {expected}")


def in_fresh_process(*args: object) -> list[float]:
    """Run this script with `args` in a new interpreter; it prints [seconds, count]."""
    command = [sys.executable, __file__, *map(str, args)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def time_query(path: Path, repeat: int) -> None:
    """Print [median seconds, opportunities] of the 4-site gap query on the index at `path`."""
    index, query = LinkIndex(path), make_query(list(SITES))
    report = analyse(query, index)  # warm the OS cache, as a second query would find it
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        report = analyse(query, index)
        timings.append(time.perf_counter() - started)
    print(json.dumps([statistics.median(timings), report.total]))


def pandas_gaps(paths: list[Path]) -> int:
    """The straightforward way: read every export with pandas, fold, merge, anti-join."""
    import pandas as pd

    profiles = []
    for path in paths:
        frame = pd.read_csv(
            path,
            sep="\t",
            encoding="utf-16",
            usecols=["Referring page URL", "Target URL", "Lost"],
            dtype=str,
        )
        frame = frame[frame["Lost"].isna()]
        hosts = frame["Referring page URL"].str.extract(r"^[a-z]+://([^/?#]+)")[0]
        folded = {host: try_fold_domain(host) for host in hosts.unique()}
        frame = frame.assign(refdomain=hosts.map(folded), site=path.name.split("-backlinks")[0])
        frame = frame.drop_duplicates(["Referring page URL", "Target URL"])
        profiles.append(frame.groupby(["site", "refdomain"]).size().rename("links").reset_index())
    site, *competitors = profiles
    linked = pd.concat(competitors)
    gaps = linked[~linked["refdomain"].isin(site["refdomain"]) & ~linked["refdomain"].isin(SITES)]
    table = gaps.pivot_table(index="refdomain", columns="site", values="links", fill_value=0)
    return len(table)


if __name__ == "__main__":
    main()
