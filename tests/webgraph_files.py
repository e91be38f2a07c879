"""Writes small Common Crawl domain-graph releases in the real file layout, for tests.

The layout is Common Crawl's (cc-webgraph; see bot/links/webgraph.py): gzipped,
tab-separated text.
  <release>-domain-vertices.txt.gz  `id, reversed domain, n_hosts`, ids 0..n-1 in the
                                    lexicographic order of the reversed names
  <release>-domain-edges.txt.gz     `from_id, to_id`, sorted by from then to
  <release>-domain-ranks.txt.gz     a header line, then `harmonicc_pos, harmonicc_val, pr_pos,
                                    pr_val, host_rev, n_hosts` by harmonic-centrality position
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

from bot.links.webgraph import ReleaseFiles

RANKS_HEADER = "#harmonicc_pos\t#harmonicc_val\t#pr_pos\t#pr_val\t#host_rev\t#n_hosts"


@dataclass(frozen=True)
class Graph:
    """A domain graph as Common Crawl names it: reversed domain names throughout."""

    hosts: dict[str, int]  # reversed domain -> number of hosts folded into it
    links: tuple[tuple[str, str], ...]  # (from, to)
    centrality: tuple[str, ...]  # most central first
    # Page ranks that Common Crawl could not compute print as `---`; these domains get that.
    no_pagerank: frozenset[str] = field(default_factory=frozenset)


# The scenario the tests use: mysite.com against rival-a.com and rival-b.net.
#   - xn--mnchen-blog-thb.de is münchen-blog.de in punycode (IDN);
#   - lakeblogger.blogspot.com sits under a private suffix; Common Crawl folds with ICANN
#     suffixes only, but a name is stored as it stands;
#   - bbc.co.uk has a two-label suffix; gov.uk is a multi-part public suffix that Common
#     Crawl keeps as a domain of its own;
#   - rival-a.com links to itself (a self-loop, to be dropped);
#   - news.com and wiki.org link to mysite.com and to a competitor.
SCENARIO = Graph(
    hosts={
        "com.blogspot.lakeblogger": 1,
        "com.mysite": 2,
        "com.news": 5,
        "com.rival-a": 1,
        "de.xn--mnchen-blog-thb": 1,
        "net.rival-b": 3,
        "org.wiki": 40,
        "uk.co.bbc": 12,
        "uk.gov": 7,
    },
    links=(
        ("com.news", "com.mysite"),
        ("com.news", "com.rival-a"),
        ("uk.co.bbc", "com.rival-a"),
        ("uk.co.bbc", "net.rival-b"),
        ("de.xn--mnchen-blog-thb", "net.rival-b"),
        ("com.blogspot.lakeblogger", "com.rival-a"),
        ("org.wiki", "com.mysite"),
        ("org.wiki", "com.rival-a"),
        ("org.wiki", "net.rival-b"),
        ("org.wiki", "uk.co.bbc"),
        ("uk.gov", "org.wiki"),
        ("com.rival-a", "com.rival-a"),
        ("com.rival-a", "net.rival-b"),
        ("com.mysite", "com.news"),
        ("net.rival-b", "com.mysite"),
    ),
    centrality=(
        "org.wiki",
        "uk.co.bbc",
        "uk.gov",
        "com.news",
        "com.rival-a",
        "net.rival-b",
        "com.mysite",
        "de.xn--mnchen-blog-thb",
        "com.blogspot.lakeblogger",
    ),
    no_pagerank=frozenset({"uk.gov"}),
)

# A later release of the same web: gov.uk now links to rival-a.com, news.com no longer
# links to mysite.com.
NEWER = Graph(
    hosts=SCENARIO.hosts,
    links=(
        *(link for link in SCENARIO.links if link != ("com.news", "com.mysite")),
        ("uk.gov", "com.rival-a"),
    ),
    centrality=SCENARIO.centrality,
)


def write_release(
    folder: Path, release: str, graph: Graph = SCENARIO, *, ranks: bool = True
) -> ReleaseFiles:
    """The release's files in `folder`, named `<release>-domain-<kind>.txt.gz`."""
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(graph.hosts)  # ids in the order of the reversed names
    ids = {name: position for position, name in enumerate(names)}
    links = sorted((ids[source], ids[target]) for source, target in graph.links)
    return ReleaseFiles(
        release=release,
        vertices=_write(
            folder / f"{release}-domain-vertices.txt.gz",
            [f"{ids[name]}\t{name}\t{graph.hosts[name]}" for name in names],
        ),
        edges=_write(
            folder / f"{release}-domain-edges.txt.gz",
            [f"{source}\t{target}" for source, target in links],
        ),
        ranks=_write(folder / f"{release}-domain-ranks.txt.gz", _ranks(graph)) if ranks else None,
    )


def _ranks(graph: Graph) -> list[str]:
    lines = [RANKS_HEADER]
    for position, name in enumerate(graph.centrality, start=1):
        pagerank = "---\t---" if name in graph.no_pagerank else f"{position}\t{0.5 / position}"
        centrality = float(100 * (len(graph.hosts) - position))
        lines.append(f"{position}\t{centrality}\t{pagerank}\t{name}\t{graph.hosts[name]}")
    return lines


def truncated(path: Path, folder: Path) -> Path:
    """A copy of a gzipped file cut off half-way, under the same name in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    data = path.read_bytes()
    copy = folder / path.name
    copy.write_bytes(data[: len(data) // 2])
    return copy


def _write(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="ascii", newline="\n") as handle:
        handle.writelines(f"{line}\n" for line in lines)
    return path
