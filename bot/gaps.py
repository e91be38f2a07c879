"""The gap engine: site profiles in, ranked backlink-gap opportunities out (SPEC 5.2-5.7).

Each rule is written once, as SQL that DuckDB runs where the data is: over the
local index's profiles, the web graph's edges, or a live provider's profiles
loaded into memory. Python only ever holds the rows it shows. The engine knows
nothing about where link data comes from or where results go.

Two steps, so that a stored result can be paged and re-filtered without running
the analysis again:

- the *tally*: one row per opportunity (a referring domain that links to a
  competitor and not to the site), with its links and dofollow links per
  competitor (SPEC 5.2-5.4, 5.7, the blocklist);
- the *listing*: the opportunities a view shows (min matches, dofollow only,
  hidden domains) in one of the SPEC 5.6 orders, a page at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import duckdb

MAX_COMPETITORS = 10

# The relation a source hands the engine: one row per (site, referring domain) of the
# analysed sites, `links` > 0 for a live link. Its name is the source's business.
PROFILE_COLUMNS = ("site", "refdomain", "links", "dofollow_links", "authority", "samples")
# The columns of a tally, in order (a stored result holds exactly these).
TALLY_COLUMNS = (
    "domain",
    "authority",
    "matches",
    "total_links",
    "dofollow_matches",
    "dofollow_total",
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
class GapOptions:
    min_matches: int = 1
    dofollow_only: bool = False
    sort: SortOrder = SortOrder.MATCHES
    blocklist: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Opportunity:
    """A referring domain that links to competitors but not to the site."""

    domain: str
    links: Mapping[str, int]
    authority: int | None = None
    sample_urls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

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


def tally_sql(relation: str, competitor_count: int, *, per_competitor: bool = True) -> str:
    """SQL for the tally of `relation` (PROFILE_COLUMNS), in TALLY_COLUMNS.

    Parameters: $site, $competitors (a list, in the analysis' order) and $excluded
    (the analysed sites and the blocklist). The per-competitor lists follow
    $competitors; a competitor a domain does not link to counts 0.

    Without `per_competitor`, the tally has no `links` and `dofollow_links` lists:
    enough to count and order (most of the cost of a tally of millions of domains is
    in its lists); per_competitor_sql then gives them for the rows that need them.
    """
    lists = f", {_per_competitor_lists(competitor_count)}" if per_competitor else ""
    return f"""
        SELECT refdomain AS domain, max(authority)::SMALLINT AS authority,
               count(*)::INTEGER AS matches, sum(links)::BIGINT AS total_links,
               (count(*) FILTER (dofollow_links > 0))::INTEGER AS dofollow_matches,
               sum(dofollow_links)::BIGINT AS dofollow_total{lists}
        FROM (
            SELECT refdomain, authority, links, dofollow_links,
                   list_position($competitors, site) AS position
            FROM {relation} AS theirs
            WHERE site IN (SELECT unnest($competitors)) AND links > 0
              AND refdomain NOT IN (SELECT unnest($excluded))
              AND NOT EXISTS (
                  SELECT 1 FROM {relation} AS mine
                  WHERE mine.site = $site AND mine.refdomain = theirs.refdomain
              )
        )
        GROUP BY refdomain
    """


def per_competitor_sql(relation: str, competitor_count: int, domains: str) -> str:
    """The `links` and `dofollow_links` lists of a tally, for the referring domains of
    the query `domains` (one column, `domain`). Parameter: $competitors."""
    return f"""
        SELECT refdomain AS domain, {_per_competitor_lists(competitor_count)}
        FROM (
            SELECT refdomain, links, dofollow_links,
                   list_position($competitors, site) AS position
            FROM {relation}
            WHERE site IN (SELECT unnest($competitors)) AND links > 0
              AND refdomain IN (SELECT domain FROM ({domains}))
        )
        GROUP BY refdomain
    """


def _per_competitor_lists(competitor_count: int) -> str:
    positions = range(1, competitor_count + 1)
    links = ", ".join(f"coalesce(sum(links) FILTER (position = {i}), 0)" for i in positions)
    dofollow = ", ".join(
        f"coalesce(sum(dofollow_links) FILTER (position = {i}), 0)" for i in positions
    )
    return f"[{links}]::BIGINT[] AS links, [{dofollow}]::BIGINT[] AS dofollow_links"


def tally_parameters(
    site: str, competitors: Sequence[str], blocklist: Iterable[str] = ()
) -> dict[str, object]:
    """The parameters of tally_sql; the analysed sites are never opportunities (SPEC 5.3)."""
    excluded = sorted({site, *competitors, *blocklist})
    return {"site": site, "competitors": list(competitors), "excluded": excluded}


# -- the listing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """Which opportunities of a tally a view shows, and in which order."""

    sort: SortOrder = SortOrder.MATCHES
    min_matches: int = 1
    dofollow_only: bool = False

    @classmethod
    def of(cls, options: GapOptions) -> Listing:
        return cls(options.sort, options.min_matches, options.dofollow_only)


def listing_columns(listing: Listing, *, with_links: bool = True) -> str:
    """The counts a listing shows: all links, or dofollow links only (SPEC 5.5)."""
    if listing.dofollow_only:
        links = ", dofollow_links AS links" if with_links else ""
        return (
            "domain, authority, dofollow_matches AS matches, dofollow_total AS total_links" + links
        )
    return "domain, authority, matches, total_links" + (", links" if with_links else "")


def matches_filter(listing: Listing) -> str:
    """The rows with the matches a listing asks for (SPEC 5.4, with --dofollow-only 5.5)."""
    matches = "dofollow_matches" if listing.dofollow_only else "matches"
    return f"{matches} >= {max(listing.min_matches, 1)}"


def listing_filter(listing: Listing) -> str:
    """The rows a listing keeps; parameter $hidden: domains it leaves out (e.g. ignored)."""
    return f"{matches_filter(listing)} AND domain NOT IN (SELECT unnest($hidden))"


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


def listing_sql(tally: str, listing: Listing, *, with_links: bool = True) -> str:
    """The listed rows of `tally` (a relation or a parenthesised query), ordered."""
    return (
        f"SELECT {listing_columns(listing, with_links=with_links)} FROM {tally} AS tally"
        f" WHERE {listing_filter(listing)} ORDER BY {order_by(listing.sort)}"
    )


def count_listed(
    connection: duckdb.DuckDBPyConnection,
    tally: str,
    listing: Listing,
    *,
    parameters: Mapping[str, object] | None = None,
    hidden: Sequence[str] = (),
) -> int:
    """How many rows of `tally` the listing shows."""
    values = {**(parameters or {}), "hidden": list(hidden)}
    counted = connection.execute(
        f"SELECT count(*) FROM {tally} AS tally WHERE {listing_filter(listing)}", values
    ).fetchone()
    return int(counted[0]) if counted else 0


def list_page(
    connection: duckdb.DuckDBPyConnection,
    tally: str,
    competitors: Sequence[str],
    listing: Listing,
    *,
    parameters: Mapping[str, object] | None = None,
    hidden: Sequence[str] = (),
    offset: int = 0,
    limit: int | None = None,
    stored: bool = False,
) -> list[Opportunity]:
    """Rows `offset` to `offset + limit` of the listing (limit None or 0: all), in order.

    `stored`: the tally is a stored result (a file with a `domain_rank` column), cheap
    to read twice. The page is then found from the integer sort keys alone, and only
    its rows are read whole: a million-row result pages in tens of milliseconds. A
    tally that is a query is read once: it would be computed twice.
    """
    values = {**(parameters or {}), "hidden": list(hidden)}
    window = f" LIMIT {int(limit)}" if limit else ""
    listed = f"{listing_sql(tally, listing)}{window} OFFSET {int(offset)}"
    if stored:
        ranked = f"SELECT {listing_columns(listing)}, domain_rank FROM {tally} AS tally"
        order = order_by(listing.sort, "domain_rank")
        page = (
            f"SELECT domain_rank FROM ({ranked} WHERE {listing_filter(listing)})"
            f" ORDER BY {order}{window} OFFSET {int(offset)}"
        )
        # The ranks go back as a parameter: as a subquery, DuckDB would read every
        # row's lists before joining; as values, it reads only the page's rows.
        ranks = [row[0] for row in connection.execute(page, values).fetchall()]
        listed = (
            "SELECT domain, authority, matches, total_links, links FROM"
            f" ({ranked} WHERE domain_rank IN (SELECT unnest($ranks))) ORDER BY {order}"
        )
        values = {"ranks": ranks}
    rows = connection.execute(listed, values).fetchall()
    return [
        Opportunity(domain, dict(zip(competitors, links, strict=True)), authority)
        for domain, authority, _matches, _total, links in rows
    ]


def list_gaps(
    connection: duckdb.DuckDBPyConnection,
    tally: str,
    competitors: Sequence[str],
    listing: Listing,
    *,
    parameters: Mapping[str, object] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> GapPage:
    """One page of a listing of `tally`, and the number of rows in the whole listing."""
    total = count_listed(connection, tally, listing, parameters=parameters)
    rows = list_page(
        connection,
        tally,
        competitors,
        listing,
        parameters=parameters,
        offset=offset,
        limit=limit,
    )
    return GapPage(total, rows)


def csv_select(competitors: Sequence[str]) -> str:
    """The CSV columns of a listing: domain, matches, one per competitor, total, authority."""
    per_competitor = ", ".join(
        f"links[{position}] AS {_identifier(name)}"
        for position, name in enumerate(competitors, start=1)
    )
    return f"domain, matches, {per_competitor}, total_links, authority"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- plain data in, plain data out --------------------------------------------------------------


def find_gaps(
    site: SiteProfile, competitors: Sequence[SiteProfile], options: GapOptions = GapOptions()
) -> list[Opportunity]:
    """Every opportunity for `site` against `competitors`, filtered and in the chosen order."""
    names = [profile.site for profile in competitors]
    check_sites(site.site, names)
    with duckdb.connect() as connection:
        load_profiles(connection, "profiles", [site, *competitors])
        tally = f"({tally_sql('profiles', len(names))})"
        page = list_gaps(
            connection,
            tally,
            names,
            Listing.of(options),
            parameters=tally_parameters(site.site, names, options.blocklist),
        )
    return page.opportunities


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
