"""One view over two sources: the site's links from one (`--site-source`), the competitors'
from another (`--source`); a domain linking to the site in either is not a gap."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from bot.gaps import PROFILE_COLUMNS
from bot.links.base import (
    COMPLETE,
    GapProfiles,
    LinkingPages,
    LinkSource,
    LinkSourceError,
    Provenance,
)

# The temporary objects the view is built from, in the competitors' source's connection.
_SITE_ROWS = "site_source_rows"
_MIXED = "mixed_profiles"


class MixedSource:
    """A LinkSource whose site profile comes from `site_source`, united with what
    `source` holds for it, and whose competitors' profiles come from `source`."""

    def __init__(self, site_source: LinkSource, source: LinkSource) -> None:
        self.site_source = site_source
        self.source = source
        self.name = source.name

    @contextmanager
    def profiles(self, site: str, competitors: Sequence[str]) -> Iterator[GapProfiles]:
        with (
            self.site_source.profiles(site, []) as mine,
            self.source.profiles(site, competitors) as theirs,
        ):
            if mine.names is not None or theirs.names is not None:
                raise LinkSourceError("the web graph cannot be mixed with another source")
            columns = ", ".join(PROFILE_COLUMNS)
            rows = mine.connection.execute(
                f"SELECT {', '.join(f'list({c})' for c in PROFILE_COLUMNS)}"
                f" FROM {mine.relation} WHERE site = $site",
                {"site": site},
            ).fetchone()
            lists = dict(zip(PROFILE_COLUMNS, rows or (), strict=False))
            theirs.connection.execute(
                f"CREATE OR REPLACE TEMP TABLE {_SITE_ROWS} AS SELECT "
                + ", ".join(
                    f"unnest(coalesce(${c}, []))::{kind} AS {c}"
                    for c, kind in zip(PROFILE_COLUMNS, _TYPES, strict=True)
                ),
                {c: lists.get(c) for c in PROFILE_COLUMNS},
            )
            theirs.connection.execute(
                f"CREATE OR REPLACE TEMP VIEW {_MIXED} AS SELECT {columns} FROM"
                f" {theirs.relation} UNION ALL SELECT {columns} FROM {_SITE_ROWS}"
            )
            yield GapProfiles(
                theirs.connection,
                _MIXED,
                mixed_provenance(site, mine.provenance, theirs.provenance),
            )

    def linking_urls(
        self, refdomain: str, competitors: Sequence[str], limit: int
    ) -> dict[str, LinkingPages]:
        return self.source.linking_urls(refdomain, competitors, limit)


_TYPES = ("VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "SMALLINT", "VARCHAR[]")


def mixed_provenance(site: str, mine: Provenance, theirs: Provenance) -> Provenance:
    """The competitors' provenance, naming where the site's data came from and its date;
    the site's coverage is the union's: complete where either source is."""
    dated = f", data from {mine.data_date.isoformat()}" if mine.data_date else ""
    complete = mine.coverage_of(site).complete or theirs.coverage_of(site).complete
    coverage = dict(theirs.coverage)
    coverage[site] = COMPLETE if complete else theirs.coverage_of(site)
    return replace(
        theirs,
        source=f"{theirs.source} ({site}: {mine.source}{dated})",
        site_source=mine.source,
        site_data_date=mine.data_date,
        failures=theirs.failures | {k: v for k, v in mine.failures.items() if k == site},
        coverage=coverage,
    )
