"""Benchmark: the local index's import and a whole `gapbot gaps --format json`, next to DuckDB.

Generates one Ahrefs-style backlinks export (UTF-16 TSV) per site and, in one run, times:
- the import with `LinkIndex.import_file`, next to a bare DuckDB `read_csv` of the same
  files into a table (the practical limit of reading them);
- a whole `gapbot gaps --format json` process for a site and three competitors, next to
  one process running a single hand-written DuckDB query over the same index file and
  writing the same rows as JSON (the practical limit of answering);
- the in-process gap query (a page of 50), and a pandas read-and-merge baseline.

    python bench/gaps_local.py                 # 1M links per site (4M rows)
    python bench/gaps_local.py --links 200000
    python bench/gaps_local.py --smoke         # tiny, for CI
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.domains import try_fold_domain
from bot.engine import analyse
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
    parser.add_argument("--hand-written", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--time-baseline", type=Path, nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time_query:
        time_query(args.time_query, args.repeat)
        return
    if args.hand_written:
        hand_written_json(args.hand_written)
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

    home = folder / "home"
    index = LinkIndex(home / "index")
    started = time.perf_counter()
    rows = sum(index.import_file(path).rows_read for path in paths)
    import_seconds = time.perf_counter() - started
    print(f"import: {rows:,} rows in {import_seconds:.2f}s = {rows / import_seconds:,.0f} rows/s")
    bare = bare_read_csv(paths, folder / "bare.duckdb")
    print(
        f"  limit: bare DuckDB read_csv of the same files {bare:.2f}s;"
        f" import is {import_seconds / bare:.2f}x"
    )

    assert index.path is not None
    gapbot = [str(Path(sys.executable).parent / "gapbot"), "gaps", *SITES, "--format", "json"]
    limit = [sys.executable, __file__, "--hand-written", str(index.path)]
    env = {**os.environ, "GAPBOT_HOME": str(home), "GAPBOT_LINK_SOURCE": "local"}
    ours, our_count = time_process(gapbot, env, repeat)
    theirs, their_count = time_process(limit, env, repeat)
    print(
        f"gapbot gaps --format json (whole process): median {ours * 1000:.0f} ms,"
        f" {our_count:,} opportunities"
    )
    print(
        f"  limit: one hand-written DuckDB query process writing the same JSON: median"
        f" {theirs * 1000:.0f} ms ({their_count:,}); gapbot is {ours / theirs:.2f}x"
    )
    if our_count != their_count:
        raise SystemExit(f"mismatch: gapbot {our_count} vs hand-written query {their_count}")

    # The query runs in a fresh process, as `gapbot gaps` would run it: this one has just
    # generated and imported millions of rows, and its heap slows everything after.
    timing = subprocess.run(
        [sys.executable, __file__, "--time-query", str(index.folder), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    query_seconds, total = json.loads(timing.stdout)
    print(
        f"gap query in-process (4 sites, a page of 50): median {query_seconds * 1000:.0f} ms"
        f" over {repeat} runs, {total:,} opportunities"
    )

    if baseline:
        pandas_seconds, expected = in_fresh_process("--time-baseline", *paths)
        print(f"baseline pandas read-and-merge: {pandas_seconds:.2f}s, {expected:,} opportunities")
        print(f"ratio: query is {pandas_seconds / query_seconds:.1f}x faster than the baseline")
        if expected != total:
            raise SystemExit(f"mismatch: index {total} vs pandas {expected}")


def bare_read_csv(paths: list[Path], database: Path) -> float:
    """Seconds DuckDB takes to read the exports into a table, with nothing else done."""
    import duckdb

    started = time.perf_counter()
    with duckdb.connect(str(database)) as connection:
        files = ", ".join(f"'{path}'" for path in paths)
        connection.execute(
            f"CREATE TABLE links AS SELECT * FROM read_csv([{files}], delim = '\t',"
            " header = true, encoding = 'utf-16', all_varchar = true)"
        )
    return time.perf_counter() - started


def time_process(command: list[str], env: dict[str, str], repeat: int) -> tuple[float, int]:
    """Median wall time of `command` over `repeat` runs, and how many opportunities it wrote."""
    timings, output = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        timings.append(time.perf_counter() - started)
        output = result.stdout
    document = json.loads(output)
    opportunities = document["opportunities"] if isinstance(document, dict) else document
    return statistics.median(timings), len(opportunities)


def hand_written_json(database: Path) -> None:
    """The practical limit: one DuckDB query over the index's profiles, its JSON to stdout."""
    import duckdb

    site, competitors = SITES[0], list(SITES[1:])
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            """
            WITH theirs AS (
                SELECT * FROM profiles
                WHERE site IN (SELECT unnest($competitors)) AND refdomain NOT IN $sites
                  AND refdomain NOT IN (SELECT refdomain FROM profiles WHERE site = $site)
            )
            SELECT to_json(list(row ORDER BY matches DESC, total DESC, domain))::VARCHAR
            FROM (
                SELECT refdomain AS domain, count(*) AS matches, sum(links) AS total,
                       {'domain': refdomain, 'matches': count(*),
                        'links': map(list(site), list(links)), 'authority': max(authority),
                        'sample_urls': map(list(site), list(samples))} AS row
                FROM theirs GROUP BY refdomain
            )
            """,
            {"site": site, "competitors": competitors, "sites": list(SITES)},
        ).fetchone()
    sys.stdout.write(rows[0] if rows and rows[0] else "[]")


def in_fresh_process(*args: object) -> list[float]:
    """Run this script with `args` in a new interpreter; it prints [seconds, count]."""
    command = [sys.executable, __file__, *map(str, args)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def time_query(path: Path, repeat: int) -> None:
    """Print [median seconds, opportunities] of the 4-site gap query on the index at `path`."""
    index, query = LinkIndex(path), make_query(list(SITES), limit=50)
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
