"""Generated sample exports (clearly labelled sample data) for `gapbot demo` and the benchmarks."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_LABEL = "SAMPLE DATA — generated on this machine, not real backlinks"

DEMO_SITE = "trailhead-journal.com"
DEMO_COMPETITORS = ("summitgear.com", "ridgeline-outdoors.com", "peakpacker.co.uk")

_TOPICS = (
    "trail",
    "summit",
    "alpine",
    "camp",
    "hike",
    "ridge",
    "canyon",
    "forest",
    "river",
    "coast",
    "glacier",
    "meadow",
    "basecamp",
    "backcountry",
    "wild",
    "north",
    "outdoor",
    "gear",
    "pack",
    "boot",
)
_KINDS = (
    "journal",
    "weekly",
    "review",
    "notes",
    "guide",
    "times",
    "insider",
    "lab",
    "digest",
    "collective",
    "club",
    "post",
    "hub",
    "academy",
    "magazine",
)
_SUFFIXES = (
    ".com",
    ".com",
    ".com",
    ".org",
    ".net",
    ".co.uk",
    ".de",
    ".io",
    ".blog",
    ".com.au",
    ".blogspot.com",
    ".fr",
    ".ca",
)
_PATHS = ("blog", "reviews", "guides", "news", "resources", "best-of", "links", "trips")
_ANCHORS = ("this guide", "great gear list", "here", "read more", "the full review", "source")

AHREFS_COLUMNS = (
    "Referring page title",
    "Referring page URL",
    "Domain rating",
    "Target URL",
    "Anchor",
    "Nofollow",
    "UGC",
    "Sponsored",
    "Lost",
)


@dataclass(frozen=True)
class SamplePlan:
    site: str
    competitors: tuple[str, ...]
    refdomains: int
    links_per_site: int
    seed: int = 7


def refdomain_names(count: int, rng: random.Random) -> list[str]:
    """Plausible, distinct referring domain names."""
    names: set[str] = set()
    while len(names) < count:
        topic, kind, suffix = rng.choice(_TOPICS), rng.choice(_KINDS), rng.choice(_SUFFIXES)
        stem = f"{topic}{kind}" if rng.random() < 0.5 else f"{topic}-{kind}"
        if len(names) > 1500:
            stem = f"{stem}{len(names)}"
        names.add(stem + suffix)
    return sorted(names)


def write_ahrefs_exports(folder: Path, plan: SamplePlan) -> list[Path]:
    """One Ahrefs-style backlinks export (UTF-16 TSV with BOM) per site of the plan."""
    rng = random.Random(plan.seed)
    pool = refdomain_names(plan.refdomains, rng)
    rng.shuffle(pool)  # popularity follows position in the pool, not the alphabet
    # Popular domains come first in `weights`, so some link to every site and most to few.
    weights = [1.0 / (rank + 1) ** 0.6 for rank in range(len(pool))]
    ratings = {name: _rating(rank, len(pool), rng) for rank, name in enumerate(pool)}
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, target in enumerate((plan.site, *plan.competitors)):
        share = 0.35 if number == 0 else 0.6
        linkers = _linkers(pool, weights, share, rng)
        path = folder / f"{target}-backlinks.tsv"
        _write_export(path, target, linkers, ratings, plan.links_per_site, rng)
        paths.append(path)
    return paths


def _rating(rank: int, size: int, rng: random.Random) -> int:
    return max(1, min(95, round(90 * (1 - rank / size) + rng.uniform(-8, 8))))


def _linkers(
    pool: Sequence[str], weights: Sequence[float], share: float, rng: random.Random
) -> list[str]:
    wanted = max(1, int(len(pool) * share))
    chosen = {name for name, weight in zip(pool, weights, strict=True) if rng.random() < weight}
    extra = [name for name in pool if name not in chosen]
    rng.shuffle(extra)
    linkers = chosen | set(extra[: max(0, wanted - len(chosen))])
    return [name for name in pool if name in linkers]  # most popular first


def _write_export(
    path: Path,
    target: str,
    linkers: Sequence[str],
    ratings: dict[str, int],
    links: int,
    rng: random.Random,
) -> None:
    with path.open("w", encoding="utf-16", newline="") as out:
        out.write("\t".join(AHREFS_COLUMNS) + "\n")
        for number in range(links):
            domain = linkers[int(len(linkers) * rng.random() ** 2)]
            host = domain if rng.random() < 0.5 else f"www.{domain}"
            page = f"https://{host}/{rng.choice(_PATHS)}/{number % 997}-{rng.randrange(10**6)}"
            nofollow = "true" if rng.random() < 0.2 else "false"
            lost = "2026-10-02" if rng.random() < 0.03 else ""
            row = (
                f"Post {number}",
                page,
                str(ratings[domain]),
                f"https://www.{target}/{rng.choice(_PATHS)}/",
                rng.choice(_ANCHORS),
                nofollow,
                "false",
                "false",
                lost,
            )
            out.write("\t".join(f'"{cell}"' for cell in row) + "\n")
