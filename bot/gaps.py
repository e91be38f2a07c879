"""The gap engine: site profiles in, ranked backlink-gap opportunities out (SPEC 5.2-5.7).

Each rule is written once, as SQL that DuckDB runs where the data is: over the
local index's profiles, the web graph's edges, or a live provider's profiles
loaded into memory. Python only ever holds the rows it shows. The engine knows
nothing about where link data comes from or where results go.

Two steps, so that a stored result can be paged and re-filtered without running
the analysis again:

- the *tally*: one row per opportunity (a referring domain that links to a
  competitor and not to the site), with what it is counted and ordered by (SPEC
  5.2-5.4, 5.7, the blocklist); its links and dofollow links per competitor are
  added only for the rows shown or written;
- the *listing*: the opportunities a view shows (min matches, dofollow only, the
  run's filters, hidden domains) in one of the SPEC 5.6 orders, a page at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

import duckdb

MAX_COMPETITORS = 10

# The relation a source hands the engine: one row per (site, referring domain) of the
# analysed sites, `links` > 0 for a live link. Its name is the source's business.
PROFILE_COLUMNS = ("site", "refdomain", "links", "dofollow_links", "authority", "samples")
# The temporary table tally_into fills.
TALLY = "gap_tally"
# The columns of a whole tally, lists included, in order (a stored result holds these).
TALLY_COLUMNS = (
    "domain",
    "authority",
    "matches",
    "total_links",
    "dofollow_matches",
    "dofollow_total",
    "unproven",
    "links",
    "dofollow_links",
)


class SortOrder(StrEnum):
    MATCHES = "matches"
    MATCHES_ASC = "matches-asc"
    AUTHORITY = "authority"


@dataclass(frozen=True)
class RefDomainLinks:
    """What one referring domain links to one site with."""

    domain: str
    links: int
    dofollow_links: int
    authority: int | None = None
    sample_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteProfile:
    """A site's live backlink profile, by referring domain."""

    site: str
    refdomains: Mapping[str, RefDomainLinks]

    @classmethod
    def of(cls, site: str, refdomains: Iterable[RefDomainLinks]) -> SiteProfile:
        return cls(site, {entry.domain: entry for entry in refdomains})


@dataclass(frozen=True)
class DomainFilter:
    """What a link builder leaves out of one run, besides the blocklist (`--min-authority`,
    `--tld`, `--exclude`), as bot.query has checked and normalised it."""

    min_authority: int = 0  # above 0, a domain of unknown authority is left out too
    tlds: tuple[str, ...] = ()  # public suffixes: only domains under one of them (none: any)
    excluded_tlds: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # registrable domains and globs (bot.domains.domain_pattern)


@dataclass(frozen=True)
class Opportunity:
    """A referring domain that links to competitors but not to the site."""

    domain: str
    links: Mapping[str, int]
    authority: int | None = None
    sample_urls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Its absence from the site's profile is not proven: the profile was cut off above it.
    unproven: bool = False

    @property
    def matches(self) -> int:
        return sum(1 for count in self.links.values() if count > 0)

    @property
    def total_links(self) -> int:
        return sum(self.links.values())


@dataclass(frozen=True)
class GapPage:
    """Some opportunities of a listing, in order, and how many the whole listing has."""

    total: int
    opportunities: list[Opportunity]


class GapInputError(ValueError):
    """The analysis was asked something it cannot answer (e.g. 11 competitors)."""


def check_sites(site: str, competitors: Sequence[str]) -> None:
    """Refuse a competitor list SPEC 4 does not allow, with one sentence."""
    if not competitors:
        raise GapInputError("give at least one competitor")
    if len(competitors) > MAX_COMPETITORS:
        raise GapInputError(
            f"at most {MAX_COMPETITORS} competitors per analysis ({len(competitors)} given)"
        )
    if site in competitors:
        raise GapInputError(f"{site} is both the site and a competitor")
    twice = sorted({name for name in competitors if competitors.count(name) > 1})
    if twice:
        raise GapInputError(f"{twice[0]} is listed twice as a competitor")


# -- the tally ----------------------------------------------------------------------------------


def tally_sql(relation: str) -> str:
    """SQL for the tally of `relation` (PROFILE_COLUMNS): per referring domain, what it
    is counted and ordered by (TALLY_COLUMNS less the per-competitor lists, which
    per_competitor_sql gives for the rows that need them: most of the cost of a tally
    of millions of domains would be in its lists).

    Parameters: $site, $competitors (a list, in the analysis' order), $excluded
    (excluded_domains, as the relation names its referring domains) and $cutoff: the
    authority at or below which a domain's absence from the site's profile is unproven
    (the site's profile was cut off there, bot.links.base.Coverage), NULL where the
    profile is complete (`unproven` is then false throughout).
    """
    return f"""
        SELECT refdomain AS domain, max(authority)::SMALLINT AS authority,
               count(*)::INTEGER AS matches, sum(links)::BIGINT AS total_links,
               (count(*) FILTER (dofollow_links > 0))::INTEGER AS dofollow_matches,
               sum(dofollow_links)::BIGINT AS dofollow_total,
               coalesce(max(authority) <= $cutoff::SMALLINT, $cutoff::SMALLINT IS NOT NULL)
                   AS unproven
        FROM {relation} AS theirs
        WHERE site IN (SELECT unnest($competitors)) AND links > 0
          AND refdomain NOT IN (SELECT unnest($excluded))
          AND NOT EXISTS (
              SELECT 1 FROM {relation} AS mine
              WHERE mine.site = $site AND mine.refdomain = theirs.refdomain
          )
        GROUP BY refdomain
    """


def per_competitor_sql(relation: str, competitor_count: int, domains: str) -> str:
    """The `links` and `dofollow_links` lists of a tally, for the referring domains of
    the query `domains` (one column, `domain`). Parameter: $competitors. The lists
    follow $competitors; a competitor a domain does not link to counts 0."""
    positions = range(1, competitor_count + 1)
    links = ", ".join(f"coalesce(sum(links) FILTER (position = {i}), 0)" for i in positions)
    dofollow = ", ".join(
        f"coalesce(sum(dofollow_links) FILTER (position = {i}), 0)" for i in positions
    )
    return f"""
        SELECT refdomain AS domain,
               [{links}]::BIGINT[] AS links, [{dofollow}]::BIGINT[] AS dofollow_links
        FROM (
            SELECT refdomain, links, dofollow_links,
                   list_position($competitors, site) AS position
            FROM {relation}
            WHERE site IN (SELECT unnest($competitors)) AND links > 0
              AND refdomain IN (SELECT domain FROM ({domains}))
        )
        GROUP BY refdomain
    """


def shared_overlap_sql(
    relation: str, competitor_count: int, listing: Listing, names: str | None = None
) -> str:
    """Per combination of competitors (a list of booleans in $competitors' order), how
    many referring domains that link to the site ($site) link to exactly those
    competitors, with the listing's matches and domain filters. Parameter $excluded as
    for tally_sql."""
    counted = "dofollow_links" if listing.dofollow_only else "links"
    flags = ", ".join(
        f"coalesce(bool_or({counted} > 0 AND position = {i}), false)"
        for i in range(1, competitor_count + 1)
    )
    return f"""
        SELECT mask, count(*) FROM (
            SELECT refdomain AS domain, max(authority) AS authority, [{flags}] AS mask
            FROM (
                SELECT *, list_position($competitors, site) AS position FROM {relation}
                WHERE site IN (SELECT unnest($competitors))
                  AND refdomain NOT IN (SELECT unnest($excluded))
                  AND refdomain IN (SELECT refdomain FROM {relation} WHERE site = $site)
            )
            GROUP BY refdomain
        )
        WHERE len(list_filter(mask, lambda linked: linked)) >= {max(listing.min_matches, 1)}
          AND {domain_filter_sql(listing.filters, names)}
        GROUP BY mask
    """


def excluded_domains(
    site: str, competitors: Sequence[str], blocklist: Iterable[str] = ()
) -> list[str]:
    """What is never an opportunity: the analysed sites (SPEC 5.3) and the blocklist."""
    return sorted({site, *competitors, *blocklist})


def tally_into(
    connection: duckdb.DuckDBPyConnection,
    relation: str,
    site: str,
    competitors: Sequence[str],
    excluded: Sequence[object],
    cutoff: int | None = None,
) -> None:
    """The tally of `relation`, computed once into the temporary table TALLY (`cutoff`:
    see tally_sql)."""
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {TALLY} AS {tally_sql(relation)}",
        {
            "site": site,
            "competitors": list(competitors),
            "excluded": list(excluded),
            "cutoff": cutoff,
        },
    )


# -- the listing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """Which opportunities of a tally a view shows, and in which order."""

    sort: SortOrder = SortOrder.MATCHES
    min_matches: int = 1
    dofollow_only: bool = False
    filters: DomainFilter = DomainFilter()

    @classmethod
    def of(cls, options: Listing) -> Listing:
        """Only the listing of `options` (an analysis' GapOptions list as they do)."""
        return cls(options.sort, options.min_matches, options.dofollow_only, options.filters)


@dataclass(frozen=True)
class GapOptions(Listing):
    """What an analysis is asked: how it lists the gaps, and the domains it never shows."""

    blocklist: frozenset[str] = frozenset()


def listing_columns(listing: Listing, *, with_links: bool = True) -> str:
    """The counts a listing shows: all links, or dofollow links only (SPEC 5.5)."""
    if listing.dofollow_only:
        links = ", dofollow_links AS links" if with_links else ""
        return (
            "domain, authority, dofollow_matches AS matches, dofollow_total AS total_links,"
            " unproven" + links
        )
    return "domain, authority, matches, total_links, unproven" + (", links" if with_links else "")


def matches_filter(listing: Listing) -> str:
    """The rows with the matches a listing asks for (SPEC 5.4, with --dofollow-only 5.5)."""
    matches = "dofollow_matches" if listing.dofollow_only else "matches"
    return f"{matches} >= {max(listing.min_matches, 1)}"


def listing_filter(listing: Listing, names: str | None = None) -> str:
    """The rows a listing keeps; parameter $hidden: domains it leaves out (e.g. ignored).

    `names`: where the listed `domain` is a key (GapProfiles.names), the relation (key,
    name) that names it.
    """
    return (
        f"{matches_filter(listing)} AND {domain_filter_sql(listing.filters, names)}"
        " AND domain NOT IN (SELECT unnest($hidden))"
    )


def domain_filter_sql(filters: DomainFilter, names: str | None = None) -> str:
    """The rows `filters` keeps, over a listing's `domain` and `authority` (see listing_filter).

    The values are written into the SQL as literals, checked by bot.query: every query
    of a listing then takes the same parameters, whatever its filters.
    """
    conditions = []
    if filters.min_authority > 0:
        conditions.append(f"authority >= {int(filters.min_authority)}")  # NULL is left out
    by_name = _name_conditions(filters, "name" if names else "domain")
    if by_name and names:
        # Only a run with such filters looks names up for every candidate domain.
        conditions.append(f"domain IN (SELECT key FROM {names} WHERE {by_name})")
    elif by_name:
        conditions.append(by_name)
    return " AND ".join(conditions) or "true"


def _name_conditions(filters: DomainFilter, column: str) -> str:
    conditions = []
    if filters.tlds:
        conditions.append(
            "(" + " OR ".join(_under_suffix(column, suffix) for suffix in filters.tlds) + ")"
        )
    conditions.extend(f"NOT {_under_suffix(column, suffix)}" for suffix in filters.excluded_tlds)
    exact = [pattern for pattern in filters.excluded if not _is_glob(pattern)]
    if exact:
        # As a list, not an IN list: DuckDB takes seconds over 20,000 IN literals (a
        # disavow file), a tenth of a second over the list.
        literals = ", ".join(map(_literal, exact))
        conditions.append(f"{column} NOT IN (SELECT unnest([{literals}]))")
    conditions.extend(
        f"NOT ({column} GLOB {_literal(pattern)})"
        for pattern in filters.excluded
        if _is_glob(pattern)
    )
    return " AND ".join(conditions)


def _under_suffix(column: str, suffix: str) -> str:
    return f"ends_with({column}, {_literal('.' + suffix)})"


def _is_glob(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def order_by(sort: SortOrder, domain_key: str = "domain") -> str:
    """SPEC 5.6 over listed columns; the default order breaks every tie, so it is stable.

    `domain_key`: a column in the domains' order (a stored result's `domain_rank`, an
    integer, sorts much faster than the names themselves).
    """
    default = f"matches DESC, total_links DESC, {domain_key} ASC"
    if sort is SortOrder.MATCHES_ASC:
        return f"matches ASC, total_links DESC, {domain_key} ASC"
    if sort is SortOrder.AUTHORITY:
        return f"authority DESC NULLS LAST, {default}"
    return default


def listing_sql(
    tally: str, listing: Listing, *, with_links: bool = True, names: str | None = None
) -> str:
    """The listed rows of `tally` (a relation or a parenthesised query), ordered (`names`:
    see listing_filter)."""
    return (
        f"SELECT {listing_columns(listing, with_links=with_links)} FROM {tally} AS tally"
        f" WHERE {listing_filter(listing, names)} ORDER BY {order_by(listing.sort)}"
    )


def count_listed(
    connection: duckdb.DuckDBPyConnection,
    tally: str,
    listing: Listing,
    *,
    hidden: Sequence[str] = (),
    names: str | None = None,
) -> int:
    """How many rows of `tally` the listing shows (`names`: see listing_filter)."""
    counted = connection.execute(
        f"SELECT count(*) FROM {tally} AS tally WHERE {listing_filter(listing, names)}",
        {"hidden": list(hidden)},
    ).fetchone()
    return int(counted[0]) if counted else 0


def page_rows(
    connection: duckdb.DuckDBPyConnection,
    relation: str,
    competitors: Sequence[str],
    listing: Listing,
    *,
    offset: int = 0,
    limit: int | None = None,
    names: str | None = None,
) -> list[tuple[object, int | None, list[int], bool]]:
    """Rows `offset` to `offset + limit` (None or 0: all) of the listing of TALLY, in
    order: each domain (as `relation` names it), its authority, its links per
    competitor and whether it is unproven, counted as the listing counts them (`names`:
    see listing_filter)."""
    listed = listing_sql(TALLY, listing, with_links=False, names=names)
    rows = connection.execute(f"{listed}{window(offset, limit)}", {"hidden": []}).fetchall()
    keys = [row[0] for row in rows]
    lists = per_competitor_sql(relation, len(competitors), "SELECT unnest($keys) AS domain")
    column = 2 if listing.dofollow_only else 1
    found = connection.execute(lists, {"competitors": list(competitors), "keys": keys})
    counts = {row[0]: row[column] for row in found.fetchall()}
    return [
        (key, authority, counts[key], unproven)
        for key, authority, _matches, _total, unproven in rows
    ]


def list_stored_page(
    connection: duckdb.DuckDBPyConnection,
    stored: str,
    competitors: Sequence[str],
    listing: Listing,
    *,
    hidden: Sequence[str] = (),
    offset: int = 0,
    limit: int | None = None,
) -> list[Opportunity]:
    """Rows `offset` to `offset + limit` of the listing of a stored result (a file with
    TALLY_COLUMNS and a `domain_rank` column), in order.

    The page is found from the integer sort keys alone, and only its rows are then read
    whole: a million-row result pages in tens of milliseconds.
    """
    ranked = f"SELECT {listing_columns(listing)}, domain_rank FROM {stored} AS tally"
    order = order_by(listing.sort, "domain_rank")
    page = (
        f"SELECT domain_rank FROM ({ranked} WHERE {listing_filter(listing)})"
        f" ORDER BY {order}{window(offset, limit)}"
    )
    # The ranks go back as a parameter: as a subquery, DuckDB would read every row's
    # lists before joining; as values, it reads only the page's rows.
    ranks = [row[0] for row in connection.execute(page, {"hidden": list(hidden)}).fetchall()]
    rows = connection.execute(
        "SELECT domain, authority, matches, total_links, unproven, links FROM"
        f" ({ranked} WHERE domain_rank IN (SELECT unnest($ranks))) ORDER BY {order}",
        {"ranks": ranks},
    ).fetchall()
    return [
        Opportunity(
            domain, dict(zip(competitors, links, strict=True)), authority, unproven=unproven
        )
        for domain, authority, _matches, _total, unproven, links in rows
    ]


def window(offset: int, limit: int | None) -> str:
    """The LIMIT and OFFSET of a page (limit None or 0: all)."""
    return (f" LIMIT {int(limit)}" if limit else "") + f" OFFSET {int(offset)}"


def csv_select(competitors: Sequence[str]) -> str:
    """The CSV columns of a listing: domain, matches, one per competitor, total, authority,
    unproven (true: its absence from the site's cut-off profile is not proven)."""
    per_competitor = ", ".join(
        f"links[{position}] AS {_identifier(name)}"
        for position, name in enumerate(competitors, start=1)
    )
    return f"domain, matches, {per_competitor}, total_links, authority, unproven"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- plain data in, plain data out --------------------------------------------------------------


def find_gaps(
    site: SiteProfile, competitors: Sequence[SiteProfile], options: GapOptions = GapOptions()
) -> list[Opportunity]:
    """Every opportunity for `site` against `competitors`, filtered and in the chosen order."""
    names = [profile.site for profile in competitors]
    check_sites(site.site, names)
    with memory_connection() as connection:
        load_profiles(connection, "profiles", [site, *competitors])
        excluded = excluded_domains(site.site, names, options.blocklist)
        tally_into(connection, "profiles", site.site, names, excluded)
        rows = page_rows(connection, "profiles", names, Listing.of(options))
    return [
        Opportunity(str(domain), dict(zip(names, links, strict=True)), authority, unproven=unproven)
        for domain, authority, links, unproven in rows
    ]


_NEW_CONNECTION = threading.Lock()


@cache
def _memory_database() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def memory_connection() -> duckdb.DuckDBPyConnection:
    """A connection of its own to the process' one in-memory DuckDB; close it after use.

    Opening a database costs about 15 ms, more than a small analysis; a connection to an
    open one costs nothing, and its temporary tables are its own and go when it closes.
    """
    with _NEW_CONNECTION:
        return _memory_database().cursor()


def load_profiles(
    connection: duckdb.DuckDBPyConnection, name: str, profiles: Sequence[SiteProfile]
) -> None:
    """Profiles held in Python (a live provider's) as a DuckDB table of PROFILE_COLUMNS."""
    entries = [entry for profile in profiles for entry in profile.refdomains.values()]
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {name} AS
        SELECT unnest($site::VARCHAR[]) AS site, unnest($refdomain::VARCHAR[]) AS refdomain,
               unnest($links::BIGINT[]) AS links, unnest($dofollow::BIGINT[]) AS dofollow_links,
               unnest($authority::SMALLINT[]) AS authority,
               unnest($samples::VARCHAR[][]) AS samples
        """,
        {
            "site": [p.site for p in profiles for _ in p.refdomains],
            "refdomain": [entry.domain for entry in entries],
            "links": [entry.links for entry in entries],
            "dofollow": [entry.dofollow_links for entry in entries],
            "authority": [entry.authority for entry in entries],
            "samples": [list(entry.sample_urls) for entry in entries],
        },
    )
