"""How the competitors' referring domains overlap in one analysis, and where the site
stands: plain data, counted by the engine (bot.engine) and drawn by bot.charts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Combination:
    """The domains that link to exactly these competitors (a mask in the analysis' order)."""

    links_to: tuple[bool, ...]
    gaps: int  # of them, those that do not link to the site: opportunities
    shared: int  # those that link to the site too

    @property
    def total(self) -> int:
        return self.gaps + self.shared


@dataclass(frozen=True)
class Overlap:
    """How the referring domains of the competitors overlap, and where the site stands."""

    site: str
    competitors: tuple[str, ...]
    combinations: tuple[Combination, ...]

    @property
    def gaps(self) -> int:
        return sum(combination.gaps for combination in self.combinations)

    def as_json(self) -> dict[str, object]:
        """The chart's data, as it is written into the PNG's Description."""
        return {
            "site": self.site,
            "competitors": list(self.competitors),
            "combinations": [
                {
                    "links_to": [
                        name for name, on in zip(self.competitors, c.links_to, strict=True) if on
                    ],
                    "gaps": c.gaps,
                    "shared": c.shared,
                }
                for c in self.combinations
            ],
        }

    def per_competitor(self) -> list[tuple[int, int]]:
        """(gaps, shared) among the domains that link to each competitor."""
        return [
            (
                sum(c.gaps for c in self.combinations if c.links_to[i]),
                sum(c.shared for c in self.combinations if c.links_to[i]),
            )
            for i in range(len(self.competitors))
        ]


def overlap_of(
    site: str,
    competitors: Sequence[str],
    gaps: Sequence[tuple[Sequence[bool], int]],
    shared: Sequence[tuple[Sequence[bool], int]],
) -> Overlap:
    """An Overlap from (mask, count) rows of gaps and of domains shared with the site."""
    counts: dict[tuple[bool, ...], list[int]] = {}
    for position, rows in enumerate((gaps, shared)):
        for mask, count in rows:
            counts.setdefault(tuple(mask), [0, 0])[position] += count
    combinations = tuple(
        Combination(mask, gap, both) for mask, (gap, both) in sorted(counts.items()) if any(mask)
    )
    return Overlap(site, tuple(competitors), combinations)
