"""One view over two sources: the site's links from one (`--site-source`), the competitors'
from another (`--source`); a domain linking to the site in either is not a gap."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
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
from bot.links.providers import ProviderSource

# The temporary objects the view is built from, in the competitors' source's connection.
_SITE_ROWS = "site_source_rows"
_MIXED = "mixed_profiles"


def with_site_sources(
    source: LinkSource, site_source: str, open_one: Callable[[str], LinkSource]
) -> LinkSource:
    """`source` for the competitors, the site's links from each source `site_source` names
    (`local`, or `local,dataforseo`: their union). The competitors' source is asked for
    the site only if it is one of them: otherwise the site's profile is not paid for."""
    names = site_source.split(",")
    others = [open_one(name) for name in names if name != source.name]
    if source.name not in names and isinstance(source, ProviderSource):
        source = source.competitors_only()
    return MixedSource(others, source)


class MixedSource:
    """A LinkSource whose site profile is the union of what `site_sources` and `source`
    hold for it, and whose competitors' profiles come from `source`."""

    def __init__(self, site_sources: Sequence[LinkSource], source: LinkSource) -> None:
        self.site_sources = tuple(site_sources)
        self.source = source
        self.name = source.name

    @contextmanager
    def profiles(self, site: str, competitors: Sequence[str]) -> Iterator[GapProfiles]:
        with ExitStack() as stack:
            theirs = stack.enter_context(self.source.profiles(site, competitors))
            mine = [stack.enter_context(each.profiles(site, [])) for each in self.site_sources]
            if theirs.names is not None or any(each.names is not None for each in mine):
                raise LinkSourceError("the web graph cannot be mixed with another source")
            columns = ", ".join(PROFILE_COLUMNS)
            theirs.connection.execute(
                f"CREATE OR REPLACE TEMP TABLE {_SITE_ROWS} AS SELECT {columns}"
                f" FROM {theirs.relation} LIMIT 0"
            )
            for each in mine:
                _copy_site_rows(each, theirs, site)
            theirs.connection.execute(
                f"CREATE OR REPLACE TEMP VIEW {_MIXED} AS SELECT {columns} FROM"
                f" {theirs.relation} UNION ALL SELECT {columns} FROM {_SITE_ROWS}"
            )
            yield GapProfiles(
                theirs.connection,
                _MIXED,
                mixed_provenance(
                    site,
                    [each.provenance for each in mine],
                    theirs.provenance,
                    held_by_source=getattr(self.source, "fetch_site", True),
                ),
            )

    def linking_urls(
        self, refdomain: str, competitors: Sequence[str], limit: int
    ) -> dict[str, LinkingPages]:
        return self.source.linking_urls(refdomain, competitors, limit)


_TYPES = ("VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "SMALLINT", "VARCHAR[]")


def _copy_site_rows(mine: GapProfiles, theirs: GapProfiles, site: str) -> None:
    """The site's rows of one site source, added to the competitors' source's connection
    (two DuckDB connections: the rows travel as lists, one per column)."""
    rows = mine.connection.execute(
        f"SELECT {', '.join(f'list({c})' for c in PROFILE_COLUMNS)}"
        f" FROM {mine.relation} WHERE site = $site",
        {"site": site},
    ).fetchone()
    lists = dict(zip(PROFILE_COLUMNS, rows or (), strict=False))
    theirs.connection.execute(
        f"INSERT INTO {_SITE_ROWS} SELECT "
        + ", ".join(
            f"unnest(coalesce(${c}, []))::{kind} AS {c}"
            for c, kind in zip(PROFILE_COLUMNS, _TYPES, strict=True)
        ),
        {c: lists.get(c) for c in PROFILE_COLUMNS},
    )


def mixed_provenance(
    site: str, mine: Sequence[Provenance], theirs: Provenance, *, held_by_source: bool
) -> Provenance:
    """The competitors' provenance, naming where the site's data came from and its date;
    the site's coverage is the union's: complete where any source is. `held_by_source`:
    the competitors' source was asked for the site too."""
    dates = [each.data_date for each in mine if each.data_date]
    dated = f", data from {min(dates).isoformat()}" if dates else ""
    named = [each.source for each in mine] + ([theirs.source] if held_by_source else [])
    names = ", ".join(named)
    complete = any(each.coverage_of(site).complete for each in mine) or (
        theirs.coverage_of(site).complete
    )
    coverage = dict(theirs.coverage)
    coverage[site] = COMPLETE if complete else theirs.coverage_of(site)
    failures = {k: v for each in mine for k, v in each.failures.items() if k == site}
    return replace(
        theirs,
        source=f"{theirs.source} ({site}: {names}{dated})",
        site_source=names,
        site_data_date=min(dates) if dates else theirs.data_date,
        failures=theirs.failures | failures,
        coverage=coverage,
    )
