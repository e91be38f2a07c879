"""Benchmark: the Common Crawl web graph store: import speed, peak RSS, and gap-query latency.

Generates a Common-Crawl-shaped domain graph in the real file layout (gzipped
`*-domain-vertices.txt.gz`, `*-domain-edges.txt.gz`, `*-domain-ranks.txt.gz`, ids in
reversed-name order, heavy-tailed in-degree), imports it with `WebGraph.import_release` in a
child process (edges/s and that process's peak RSS), then times three gap queries (a typical
4-site query, one against a hub, one against the top domain), cold (a fresh process) and warm
(in-process, median), each next to a numpy CSR scan of the same graph (the practical limit)
and a pandas merge. It fails if the three disagree on the opportunities.

    python bench/webgraph.py --data /var/tmp/webgraph   # 10M domains, ~197M edges; cached
    python bench/webgraph.py --domains 1000000 --edges 20000000 --top-in-links 500000
    python bench/webgraph.py --smoke                    # tiny, for CI
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.engine import analyse
from bot.links.webgraph import WebGraph
from bot.query import make_query

if TYPE_CHECKING:
    import pandas as pd

RELEASE = "cc-main-2024-feb-apr-may"
LIMIT = 50  # opportunities shown, as `gapbot gaps` shows them
# Top-level suffixes in reversed notation, with their share of the domains. No suffix is a
# label-prefix of another ("uk" beside "uk.co" would interleave), so each is one id block.
SUFFIXES = (
    ("br.com", 0.03),
    ("com", 0.47),
    ("de", 0.09),
    ("io", 0.03),
    ("net", 0.07),
    ("nl", 0.04),
    ("org", 0.08),
    ("ru", 0.06),
    ("uk.co", 0.05),
    ("xyz", 0.08),
)
LABEL_LETTERS = 7  # fixed width, so that a label's letters sort like the number they encode
CHUNK_ROWS = 4_000_000
TYPICAL_IN_LINKS = 50_000  # at most, for the sites of the typical query
HUB_IN_LINKS = 1_000_000


@dataclass(frozen=True)
class GraphPlan:
    """The shape of the generated graph; its files are cached in a folder named after it."""

    domains: int = 10_000_000
    edges: int = 197_000_000
    top_in_links: int = 5_000_000
    seed: int = 8

    @property
    def folder_name(self) -> str:
        return f"graph-{self.domains}-{self.edges}-{self.top_in_links}-{self.seed}"


SMOKE = GraphPlan(domains=20_000, edges=300_000, top_in_links=8_000)


# -- writing gzipped text fast ----------------------------------------------------------------

Column = tuple[np.ndarray, np.ndarray]  # a byte matrix and a mask of the bytes kept

_FOUR_DIGITS = np.array([list(f"{i:04d}".encode()) for i in range(10_000)], np.uint8)
_POWERS_OF_TEN = np.array([10**k for k in range(1, 8)], np.int64)
# Row w: which of 8 right-aligned digit positions a w-digit number uses.
_DIGIT_MASKS = np.arange(8)[None, :] >= (8 - np.arange(9))[:, None]


def numbers(values: np.ndarray, suffix: bytes = b"") -> Column:
    """Decimal text of non-negative ints below 10**8, and an optional constant after it."""
    values = values.astype(np.int64, copy=False)
    text = np.hstack((_FOUR_DIGITS[values // 10_000], _FOUR_DIGITS[values % 10_000]))
    mask = _DIGIT_MASKS[1 + np.searchsorted(_POWERS_OF_TEN, values, side="right")]
    if not suffix:
        return text, mask
    tail = np.frombuffer(suffix, np.uint8)[None, :].repeat(len(values), 0)
    return np.hstack((text, tail)), np.hstack((mask, np.ones(tail.shape, bool)))


def strings(matrix: np.ndarray, lengths: np.ndarray) -> Column:
    """Left-aligned strings: a byte matrix and each row's length."""
    return matrix, np.arange(matrix.shape[1])[None, :] < lengths[:, None]


def tab_separated(columns: Sequence[Column]) -> bytes:
    """Lines of tab-separated columns, as one byte matrix masked down to the bytes kept."""
    rows = columns[0][0].shape[0]
    tab, newline = np.full((rows, 1), 9, np.uint8), np.full((rows, 1), 10, np.uint8)
    kept = np.ones((rows, 1), bool)
    matrices, masks = [], []
    for position, (matrix, mask) in enumerate(columns):
        matrices += [matrix, newline if position == len(columns) - 1 else tab]
        masks += [mask, kept]
    return np.hstack(matrices)[np.hstack(masks)].tobytes()


def write_gzip(path: Path, header: bytes, chunks: Iterator[Callable[[], bytes]]) -> None:
    """Gzip members made by two threads (numpy and zlib release the GIL), written in order.

    A file of several gzip members is one gzip file; DuckDB reads it like Common Crawl's.
    """
    partial_path = path.with_name(path.name + ".part")
    with partial_path.open("wb") as out, ThreadPoolExecutor(2) as pool:
        if header:
            out.write(_gzip_member(header))
        for member in pool.map(lambda make: _gzip_member(make()), chunks):
            out.write(member)
    partial_path.rename(path)


def _gzip_member(data: bytes) -> bytes:
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: with a gzip header and trailer
    return compressor.compress(data) + compressor.flush()


def _chunks(rows: int) -> list[slice]:
    return [slice(start, min(start + CHUNK_ROWS, rows)) for start in range(0, rows, CHUNK_ROWS)]


# -- the graph ------------------------------------------------------------------------------


@dataclass
class Graph:
    """A generated graph by Common Crawl id (the order of the reversed names)."""

    reversed_names: np.ndarray  # (domains, width) uint8, left-aligned
    name_lengths: np.ndarray
    names: np.ndarray  # bytes, `example.com`: what Gapbot shows and sorts by
    hosts: np.ndarray
    centrality: np.ndarray  # id -> harmonic-centrality position, 1 = best
    sources: np.ndarray  # edges sorted by (from, to), as in Common Crawl's file
    targets: np.ndarray


def domain_names(plan: GraphPlan, rng: np.random.Generator) -> tuple[Column, np.ndarray]:
    """Distinct reversed names in sorted order (suffix blocks in order, labels ascending),
    and the same names the right way round."""
    shares = np.array([share for _, share in SUFFIXES])
    counts = np.floor(shares / shares.sum() * plan.domains).astype(np.int64)
    counts[np.argmax(counts)] += plan.domains - counts.sum()
    width = max(len(suffix) for suffix, _ in SUFFIXES) + 1 + LABEL_LETTERS
    reversed_names = np.zeros((plan.domains, width), np.uint8)
    names = np.zeros((plan.domains, width), np.uint8)
    lengths = np.zeros(plan.domains, np.int64)
    start = 0
    for (suffix, _), count in zip(SUFFIXES, counts, strict=True):
        # Labels spread over the whole letter space, so that their first letters vary.
        step = 26**LABEL_LETTERS // max(count, 1)
        values = np.arange(count, dtype=np.int64) * step + rng.integers(0, step, count)
        label = np.zeros((count, LABEL_LETTERS), np.uint8)
        for letter in range(LABEL_LETTERS - 1, -1, -1):
            label[:, letter] = 97 + values % 26
            values //= 26
        head = np.frombuffer(f"{suffix}.".encode(), np.uint8)
        tail = np.frombuffer(("." + ".".join(reversed(suffix.split(".")))).encode(), np.uint8)
        rows = slice(start, start + count)
        reversed_names[rows, : len(head)] = head
        reversed_names[rows, len(head) : len(head) + LABEL_LETTERS] = label
        names[rows, :LABEL_LETTERS] = label
        names[rows, LABEL_LETTERS : LABEL_LETTERS + len(tail)] = tail
        lengths[rows] = len(head) + LABEL_LETTERS
        start += count
    return (reversed_names, lengths), names.view(f"S{width}").ravel()


def in_degrees(plan: GraphPlan) -> np.ndarray:
    """In-links by popularity: top * rank**-a, with `a` chosen so that they sum to `edges`."""
    log_ranks = np.log(np.arange(1, plan.domains + 1, dtype=np.float64))
    low, high = 0.1, 3.0
    for _ in range(30):
        exponent = (low + high) / 2
        total = np.floor(plan.top_in_links * np.exp(-exponent * log_ranks)).sum()
        low, high = (exponent, high) if total > plan.edges else (low, exponent)
    degrees = np.floor(plan.top_in_links * np.exp(-high * log_ranks))
    return np.minimum(degrees, plan.domains - 1).astype(np.int64)


def generate(plan: GraphPlan) -> Graph:
    rng = np.random.default_rng(plan.seed)
    (reversed_names, lengths), names = domain_names(plan, rng)
    degrees = in_degrees(plan)
    by_popularity = rng.permutation(plan.domains)  # popularity rank - 1 -> id
    by_out_degree = rng.permutation(plan.domains)
    keys = []  # from * domains + to: one sort gives Common Crawl's edge order
    many = degrees > plan.domains // 20
    for rank in np.flatnonzero(many):  # the top domains: linkers drawn without repeats
        target = by_popularity[rank]
        sources = rng.choice(plan.domains, degrees[rank], replace=False)
        keys.append(sources[sources != target] * plan.domains + target)
    others = np.flatnonzero(~many)
    bounds = np.searchsorted(np.cumsum(degrees[others]), np.arange(0, plan.edges, CHUNK_ROWS))
    for first, last in zip(bounds, [*bounds[1:], len(others)], strict=True):
        ranks = others[first:last]
        targets = np.repeat(by_popularity[ranks], degrees[ranks])
        # Linkers are heavy-tailed too (a few domains link to very many), so that sites of a
        # niche share referring domains as real competitors do. Repeats are dropped.
        sources = by_out_degree[(plan.domains * rng.random(len(targets)) ** 2.5).astype(np.int64)]
        loops = sources == targets
        keys.append(np.unique(sources[~loops] * plan.domains + targets[~loops]))
    edges = np.concatenate(keys)
    del keys
    edges.sort()
    centrality = np.empty(plan.domains, np.int64)
    centrality[by_popularity] = np.arange(1, plan.domains + 1)
    return Graph(
        reversed_names=reversed_names,
        name_lengths=lengths,
        names=names,
        hosts=rng.geometric(0.4, plan.domains),
        centrality=centrality,
        sources=(edges // plan.domains).astype(np.int32),
        targets=(edges % plan.domains).astype(np.int32),
    )


@dataclass(frozen=True)
class ReleaseFiles:
    vertices: Path
    edges: Path
    ranks: Path


def release_files(folder: Path) -> ReleaseFiles:
    return ReleaseFiles(
        *(folder / f"{RELEASE}-domain-{kind}.txt.gz" for kind in ("vertices", "edges", "ranks"))
    )


def write_release(graph: Graph, files: ReleaseFiles) -> None:
    """The three files as Common Crawl writes them (bot/links/webgraph.py cites the format)."""
    domains = len(graph.hosts)
    ids = np.arange(domains)

    def vertices(rows: slice) -> bytes:
        name = strings(graph.reversed_names[rows], graph.name_lengths[rows])
        return tab_separated([numbers(ids[rows]), name, numbers(graph.hosts[rows])])

    by_position = np.argsort(graph.centrality)

    def ranks(rows: slice) -> bytes:
        chosen = by_position[rows]
        positions = graph.centrality[chosen]
        centrality = numbers((domains - positions) * 7 + 1_000, b".0")
        pagerank = numbers(domains - positions + 1, b"e-12")
        name = strings(graph.reversed_names[chosen], graph.name_lengths[chosen])
        columns = [numbers(positions), centrality, numbers(positions), pagerank, name]
        return tab_separated([*columns, numbers(graph.hosts[chosen])])

    def edges(rows: slice) -> bytes:
        return tab_separated([numbers(graph.sources[rows]), numbers(graph.targets[rows])])

    header = "\t".join(
        ["#harmonicc_pos", "#harmonicc_val", "#pr_pos", "#pr_val", "#host_rev", "#n_hosts"]
    )
    write_gzip(files.vertices, b"", (partial(vertices, rows) for rows in _chunks(domains)))
    write_gzip(
        files.ranks, f"{header}\n".encode(), (partial(ranks, rows) for rows in _chunks(domains))
    )
    edge_rows = _chunks(len(graph.sources))
    write_gzip(files.edges, b"", (partial(edges, rows) for rows in edge_rows))


# -- the baselines' view of the graph: numpy arrays by Common Crawl id ------------------------


@dataclass
class Arrays:
    """What the baselines load: names, the edges as read, and a CSR by target."""

    names: np.ndarray
    sources: np.ndarray
    targets: np.ndarray
    offsets: np.ndarray  # CSR: the linkers of t are linkers[offsets[t] : offsets[t + 1]]
    linkers: np.ndarray

    FIELDS = ("names", "sources", "targets", "offsets", "linkers")

    @classmethod
    def of(cls, graph: Graph) -> Arrays:
        by_target = np.argsort(graph.targets, kind="stable")  # linkers stay in id order
        counts = np.bincount(graph.targets, minlength=len(graph.names))
        offsets = np.concatenate(([0], np.cumsum(counts)))
        return cls(graph.names, graph.sources, graph.targets, offsets, graph.sources[by_target])

    def save(self, folder: Path) -> None:
        for name in self.FIELDS:
            np.save(folder / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, folder: Path, *, mapped: bool = False) -> Arrays:
        mode: Literal["r"] | None = "r" if mapped else None
        return cls(*(np.load(folder / f"{name}.npy", mmap_mode=mode) for name in cls.FIELDS))

    def linkers_of(self, target: int) -> np.ndarray:
        return np.asarray(self.linkers[self.offsets[target] : self.offsets[target + 1]])

    def in_links(self) -> np.ndarray:
        return np.diff(self.offsets)


def prepare(folder: Path, plan: GraphPlan) -> ReleaseFiles:
    """The release's files and the baselines' arrays in `folder`, generated once."""
    files = release_files(folder)
    done = folder / "plan.json"
    if done.exists() and json.loads(done.read_text()) == asdict(plan):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    graph = generate(plan)
    write_release(graph, files)
    Arrays.of(graph).save(folder)
    done.write_text(json.dumps(asdict(plan)))
    print(
        f"generated {plan.domains:,} domains and {len(graph.sources):,} edges in "
        f"{time.perf_counter() - started:.0f}s under {folder}"
    )
    return files


# -- the three ways to answer -----------------------------------------------------------------

Answer = tuple[int, list[str]]  # opportunities in all, and the first LIMIT by name


def gapbot_query(graph: WebGraph, sites: Sequence[str]) -> Answer:
    """THE GAP QUERY THROUGH GAPBOT: the one place to point at Gapbot's API if it changes.

    `analyse` over the web graph as a link source, as `gapbot gaps --source webgraph` and
    `/gaps` run it; the first LIMIT opportunities in the default order, and the total.
    """
    report = analyse(make_query(list(sites), limit=LIMIT), graph)
    return report.total, [opportunity.domain for opportunity in report.opportunities]


# The gap query written out over the `profiles` table (SPEC 5.3, 5.4 and the default order
# of 5.6), independent of Gapbot's engine: each web-graph edge is one link, so a domain's
# links add up to its matches.
_REFERENCE_GAPS = """
WITH mine AS (SELECT refdomain FROM profiles WHERE site = $site),
gaps AS (
    SELECT refdomain, count(*) AS matches, sum(links) AS links
    FROM profiles
    WHERE site <> $site
      AND refdomain NOT IN (SELECT refdomain FROM mine)
      AND refdomain NOT IN
          (SELECT name_key FROM domains WHERE name IN (SELECT unnest($sites::VARCHAR[])))
    GROUP BY refdomain
),
shown AS (
    SELECT count(*) OVER () AS total, refdomain, matches, links FROM gaps
    ORDER BY matches DESC, links DESC, refdomain
    LIMIT $limit
)
SELECT total, name FROM shown JOIN domains ON name_key = refdomain
ORDER BY matches DESC, links DESC, refdomain
"""
# (`refdomain` is a domain's name key, its position in name order: see bot/links/webgraph.py.)


def reference_query(graph: WebGraph, sites: Sequence[str]) -> Answer:
    """The web graph's profiles table and the query above: the store's part alone."""
    with graph.connect() as connection:
        graph.profiles_table(connection, sites)
        rows = connection.execute(
            _REFERENCE_GAPS, {"site": sites[0], "sites": list(sites), "limit": LIMIT}
        ).fetchall()
    return (rows[0][0] if rows else 0), [row[1] for row in rows]


def numpy_query(arrays: Arrays, sites: Sequence[int]) -> Answer:
    """The practical limit: the CSR's runs of linkers and numpy's set operations."""
    site, *competitors = sites
    linked = np.concatenate([arrays.linkers_of(target) for target in competitors])
    domains, matches = np.unique(linked, return_counts=True)
    keep = ~np.isin(domains, arrays.linkers_of(site)) & ~np.isin(domains, sites)
    domains, matches = domains[keep], matches[keep]
    shown: list[str] = []
    for count in np.unique(matches)[::-1]:  # names only for the best match counts
        tied = np.sort(arrays.names[domains[matches == count]])
        shown += [name.decode() for name in tied[: LIMIT - len(shown)]]
        if len(shown) == LIMIT:
            break
    return len(domains), shown


def pandas_query(edges: pd.DataFrame, names: pd.DataFrame, sites: Sequence[int]) -> Answer:
    """The straightforward way: filter the edge table, anti-join, group, merge the names."""
    site = sites[0]
    linked = edges[edges["target"].isin(sites)]
    mine = linked.loc[linked["target"] == site, "source"]
    theirs = linked[(linked["target"] != site) & ~linked["source"].isin(mine)]
    theirs = theirs[~theirs["source"].isin(sites)]
    gaps = theirs.groupby("source").size().rename("matches").reset_index()
    gaps = gaps.merge(names, left_on="source", right_on="id")
    shown = gaps.sort_values(["matches", "name"], ascending=[False, True]).head(LIMIT)
    return len(gaps), [name.decode() for name in shown["name"]]


# -- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    label: str
    names: list[str]
    ids: list[int]  # Common Crawl ids, for the baselines
    largest: int  # in-links of its most linked-to site


def queries(arrays: Arrays) -> list[Query]:
    """A typical 4-site query, and the same site against a hub and against the top domain."""
    in_links = arrays.in_links()
    by_in_links = np.argsort(-in_links, kind="stable")
    top = int(by_in_links[0])
    hub = int(np.argmin(np.abs(in_links - min(HUB_IN_LINKS, in_links[top] // 4))))
    cap = min(TYPICAL_IN_LINKS, int(in_links[top]) // 100)
    typical = [int(i) for i in by_in_links[in_links[by_in_links] <= cap][:4]]

    def query(label: str, ids: list[int]) -> Query:
        names = [arrays.names[i].decode() for i in ids]
        return Query(label, names, ids, int(max(in_links[ids])))

    site, first, second = typical[:3]
    return [
        query("typical", typical),
        query("hub", [site, hub, first, second]),
        query("top domain", [site, top, first, second]),
    ]


def median_seconds(action: Callable[[], Answer], repeat: int) -> tuple[float, Answer]:
    answer = action()  # the first run warms the caches
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), answer


def in_child(*args: object) -> dict[str, Any]:
    """Run this script with `args` in a fresh interpreter; it prints one JSON object."""
    command = [sys.executable, __file__, *map(str, args)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout.splitlines()[-1]))


def child_import(home: Path, memory: str, files: Sequence[Path]) -> None:
    vertices, edges, ranks = files
    report = WebGraph(home, memory_limit=memory).import_release(vertices, edges, ranks)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes
    print(json.dumps({"seconds": report.seconds, "edges": report.edges, "peak_rss": peak}))


def child_gapbot(home: Path, memory: str, sites: list[str]) -> None:
    started = time.perf_counter()
    total, shown = gapbot_query(WebGraph(home, memory_limit=memory), sites)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "total": total, "shown": shown}))


def child_numpy(folder: Path, sites: list[int]) -> None:
    started = time.perf_counter()
    total, shown = numpy_query(Arrays.load(folder, mapped=True), sites)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "total": total, "shown": shown}))


def edges_read(graph: WebGraph, sites: Sequence[str]) -> str:
    """How many row groups of `edges` the sites' links take, out of how many."""
    with graph.connect() as connection:
        ids = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM domains WHERE name IN (SELECT unnest($sites::VARCHAR[]))",
                {"sites": list(sites)},
            ).fetchall()
        ]
        listed = ", ".join(map(str, ids))
        plan = connection.execute(
            f"EXPLAIN ANALYZE SELECT count(*) FROM edges WHERE to_id IN ({listed})"
        ).fetchall()[0][1]
    scanned = [line for line in plan.splitlines() if "Row Groups Scanned" in line]
    return scanned[0].strip(" │┃").split(": ", 1)[1] if scanned else "?"


def run(folder: Path, plan: GraphPlan, repeat: int, memory: str, home: Path) -> None:
    files = prepare(folder, plan)
    imported = in_child("--child-import", home, memory, files.vertices, files.edges, files.ranks)
    seconds, edges, peak = imported["seconds"], imported["edges"], imported["peak_rss"] / 2**20
    print(
        f"import: {edges:,} edges in {seconds:.1f}s = {edges / seconds / 1e6:.2f}M edges/s, "
        f"peak RSS {peak:,.0f} MB (memory_limit {memory}); "
        f"file {sum(p.stat().st_size for p in home.glob('*.duckdb')) / 2**20:,.0f} MB"
    )
    import pandas as pd  # here, so that the children timing cold starts do not load it

    arrays = Arrays.load(folder)
    edges_frame = pd.DataFrame({"source": arrays.sources, "target": arrays.targets})
    names_frame = pd.DataFrame({"id": np.arange(len(arrays.names)), "name": arrays.names})
    graph = WebGraph(home, memory_limit=memory)
    print(
        f"{'query':<11} {'in-links':>9} {'opportunities':>13} {'gapbot warm':>12} {'cold':>8}"
        f" {'store+SQL':>10} {'numpy warm':>11} {'cold':>8} {'pandas':>8} {'/ numpy':>8}"
        f" {'pandas /':>8}  edges row groups read"
    )
    failures = []
    for query in queries(arrays):
        warm, answer = median_seconds(partial(gapbot_query, graph, query.names), repeat)
        cold = in_child("--child-gapbot", home, memory, *query.names)
        store, reference = median_seconds(partial(reference_query, graph, query.names), repeat)
        numpy_warm, numpy_answer = median_seconds(partial(numpy_query, arrays, query.ids), repeat)
        numpy_cold = in_child("--child-numpy", folder, *query.ids)
        pandas_seconds, pandas_answer = median_seconds(
            partial(pandas_query, edges_frame, names_frame, query.ids), max(1, repeat // 2)
        )
        print(
            f"{query.label:<11} {query.largest:>9,} {answer[0]:>13,} {_ms(warm):>12}"
            f" {_ms(cold['seconds']):>8} {_ms(store):>10} {_ms(numpy_warm):>11}"
            f" {_ms(numpy_cold['seconds']):>8} {_ms(pandas_seconds):>8}"
            f" {warm / numpy_warm:>7.1f}x {pandas_seconds / warm:>7.1f}x"
            f"  {edges_read(graph, query.names)}"
        )
        answers = {
            "gapbot": answer,
            "gapbot cold": (cold["total"], cold["shown"]),
            "store+SQL": reference,
            "numpy": numpy_answer,
            "numpy cold": (numpy_cold["total"], numpy_cold["shown"]),
            "pandas": pandas_answer,
        }
        if len({json.dumps(list(value)) for value in answers.values()}) > 1:
            failures.append(f"{query.label}: the answers differ: {answers}")
    print(
        "warm: median of the runs after a first, in this process; cold: a fresh process.\n"
        "gapbot: analyse() over the web graph; store+SQL: the profiles table and a plain gap\n"
        "query; / numpy: gapbot warm over numpy warm; pandas /: pandas over gapbot warm."
    )
    if failures:
        raise SystemExit("\n".join(failures))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=GraphPlan.domains)
    parser.add_argument("--edges", type=int, default=GraphPlan.edges)
    parser.add_argument("--top-in-links", type=int, default=GraphPlan.top_in_links)
    parser.add_argument("--data", type=Path, help="keep the generated files here for next time")
    parser.add_argument("--memory", default="1GB", help="DuckDB memory_limit (GAPBOT_INDEX_MEMORY)")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs to take the median of")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    parser.add_argument("--child-import", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--child-gapbot", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--child-numpy", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        home, memory, *files = args.child_import
        child_import(Path(home), memory, [Path(path) for path in files])
        return
    if args.child_gapbot:
        home, memory, *sites = args.child_gapbot
        child_gapbot(Path(home), memory, sites)
        return
    if args.child_numpy:
        folder, *ids = args.child_numpy
        child_numpy(Path(folder), [int(site) for site in ids])
        return
    plan = SMOKE if args.smoke else GraphPlan(args.domains, args.edges, args.top_in_links)
    repeat = 2 if args.smoke else args.repeat
    with tempfile.TemporaryDirectory(prefix="webgraph-bench-") as scratch:
        data = args.data or Path(scratch)
        run(data / plan.folder_name, plan, repeat, args.memory, Path(scratch) / "webgraph")


if __name__ == "__main__":
    main()
