"""Benchmark: paging a stored result of a million opportunities, as a Slack page change does.

Writes a stored result (the Parquet file `RunningAnalysis.store` writes) of N
opportunities, then times what a page change reads from it through `ResultFiles`: the
counts and one page of 10, for each sort, with and without dofollow only, with 700
ignored domains hidden. Next to it, the practical limit: one hand-written DuckDB query
over the same file giving the same page.

    python bench/results_paging.py              # 1M opportunities
    python bench/results_paging.py --smoke      # 20k, for CI
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from bot.gaps import Listing, SortOrder, order_by
from bot.store.results import ResultFiles

COMPETITORS = ("a.com", "b.com", "c.com", "d.com")
PAGE = 10


def write_result(path: Path, rows: int) -> None:
    """A stored result shaped as RunningAnalysis.store writes it, with varied counts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.execute(
        f"""
        COPY (
            SELECT domain, authority, matches, total_links, dofollow_matches, dofollow_total,
                   links, dofollow_links, map([]::VARCHAR[], []::VARCHAR[][]) AS sample_urls,
                   row_number() OVER (ORDER BY domain) AS domain_rank
            FROM (
                SELECT 'site' || hash(i) % 100000000 || '-' || i || '.example' AS domain,
                       CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 37 % 101) END::SMALLINT
                           AS authority,
                       [i % 5, (i // 5) % 3, (i // 15) % 2, (i // 30) % 4]::BIGINT[] AS links,
                       [i % 3, 0, (i // 15) % 2, (i // 30) % 2]::BIGINT[] AS dofollow_links
                FROM range({rows}) AS t(i)
            ),
            LATERAL (SELECT len(list_filter(links, lambda n: n > 0))::INTEGER AS matches,
                            list_sum(links)::BIGINT AS total_links,
                            len(list_filter(dofollow_links, lambda n: n > 0))::INTEGER
                                AS dofollow_matches,
                            list_sum(dofollow_links)::BIGINT AS dofollow_total)
            WHERE matches > 0
        ) TO '{path}' (FORMAT parquet)
        """
    )


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and worst of `repeat` runs after a first, in milliseconds."""
    action()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), max(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.repeat = 20_000, 3
    with tempfile.TemporaryDirectory() as folder:
        files = ResultFiles(Path(folder))
        path = files.path("T1", 1)
        write_result(path, args.rows)
        rows = duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchall()[0][0]
        print(f"stored result: {rows:,} opportunities")
        # 700 ignored domains, spread through the result.
        ignored = [
            row[0]
            for row in duckdb.sql(
                f"SELECT domain FROM '{path}' WHERE domain_rank % ({rows} // 700 + 1) = 0"
            ).fetchall()
        ]
        database = duckdb.connect()  # opened once, as ResultFiles keeps its own
        print("view                      page change median / max      limit median   ratio")
        worst = 0.0
        for sort in SortOrder:
            for dofollow in (False, True):
                listing = Listing(sort, 2, dofollow)

                def page_change(listing: Listing = listing) -> object:
                    files.counts("T1", 1, listing, ignored)
                    return files.page(
                        "T1", 1, COMPETITORS, listing, hidden=ignored, offset=5000, limit=PAGE
                    )

                def limit(listing: Listing = listing) -> object:
                    return hand_written_page(database, path, listing, ignored)

                ours, ours_max = timed(page_change, args.repeat)
                theirs, _ = timed(limit, args.repeat)
                worst = max(worst, ours_max)
                label = f"{sort.value}{' dofollow' if dofollow else ''}"
                print(
                    f"{label:<24} {ours:8.0f} / {ours_max:5.0f} ms      {theirs:8.0f} ms"
                    f"    {ours / theirs:5.2f}x"
                )
        print(f"slowest page change: {worst:.0f} ms (target: p95 <= 300 ms)")


def hand_written_page(
    database: duckdb.DuckDBPyConnection, path: Path, listing: Listing, hidden: list[str]
) -> object:
    """The practical limit: one query giving the page, with nothing else."""
    matches = "dofollow_matches" if listing.dofollow_only else "matches"
    total = "dofollow_total" if listing.dofollow_only else "total_links"
    with database.cursor() as connection:
        return connection.execute(
            f"""
            SELECT domain, authority, {matches} AS matches, {total} AS total_links, links
            FROM '{path}'
            WHERE {matches} >= {listing.min_matches} AND domain NOT IN (SELECT unnest($hidden))
            ORDER BY {order_by(listing.sort)} LIMIT {PAGE} OFFSET 5000
            """,
            {"hidden": hidden},
        ).fetchall()


if __name__ == "__main__":
    main()
