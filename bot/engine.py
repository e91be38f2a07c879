"""Runs one gap analysis: a query over a link source's profiles, through the engine's SQL.

Nothing here walks the opportunities in Python: a page is fetched as rows, and a
whole list is written by DuckDB itself (JSON, CSV, or a stored Parquet result).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO

from bot.domains import USER_INFO_PATTERN
from bot.gaps import (
    TALLY,
    TALLY_COLUMNS,
    GapPage,
    Listing,
    Opportunity,
    count_listed,
    csv_select,
    domain_filter_sql,
    excluded_domains,
    list_stored_page,
    listing_sql,
    matches_filter,
    order_by,
    page_rows,
    per_competitor_sql,
    shared_overlap_sql,
    tally_into,
    window,
)
from bot.links.base import GapProfiles, LinkSource, Provenance
from bot.links.duckdb_tools import sql_string, written_rows
from bot.overlap import Overlap, overlap_of
from bot.query import GapQuery


@dataclass(frozen=True)
class GapReport:
    """The answer to a GapQuery: how many opportunities, the ones shown, and the data's origin."""

    query: GapQuery
    total: int
    opportunities: list[Opportunity]  # the shown ones, in order, with their sample URLs
    provenance: Provenance

    @property
    def source(self) -> str:
        return self.provenance.source

    @property
    def authority_source(self) -> str | None:
        return self.provenance.authority_source

    @property
    def data_date(self) -> date | None:
        return self.provenance.data_date

    @property
    def cost(self) -> str | None:
        return self.provenance.cost


@dataclass(frozen=True)
class Changes:
    """What changed since an earlier stored result of the same analysis, as its query lists
    the opportunities: the new ones, and those gone, split by why they went."""

    new: list[Opportunity]  # the first ones shown, in the listing's order
    new_count: int
    won: list[str]  # gone because they link to the site now (the first ones shown)
    won_count: int
    lost: list[str]  # gone because the competitors lost their links (the first ones shown)
    lost_count: int

    @property
    def nothing_new(self) -> bool:
        return not (self.new_count or self.won_count or self.lost_count)


class RunningAnalysis:
    """One query over one source's open profiles: its pages, and its whole list as files."""

    def __init__(
        self, query: GapQuery, profiles: GapProfiles, blocklist: frozenset[str] = frozenset()
    ) -> None:
        self.query = query
        self.profiles = profiles
        self.connection = profiles.connection
        self.listing = Listing.of(query.options)
        competitors = query.competitors
        excluded: Sequence[object] = excluded_domains(
            query.site, competitors, query.options.blocklist | blocklist
        )
        if profiles.names is not None:
            excluded = self._keys(excluded)
        self.excluded = excluded
        cutoff = profiles.provenance.coverage_of(query.site).unproven_cutoff
        tally_into(self.connection, profiles.relation, query.site, competitors, excluded, cutoff)
        lists = per_competitor_sql(
            profiles.relation, len(competitors), f"SELECT domain FROM {TALLY}"
        )
        # The whole tally, lists and names included, for the outputs that write every row
        # (parameter $competitors), and the column that orders it by name.
        self.full = (
            f"(SELECT tally.*, lists.links, lists.dofollow_links FROM {TALLY} AS tally"
            f" JOIN ({lists}) AS lists USING (domain))"
        )
        self.named, self.name_order = self.full, "domain"
        # Once stored (`store`), the whole lists are read back from the result file.
        self.stored: str | None = None
        if profiles.names is not None:
            self.name_order = "name_key"
            self.named = (
                "(SELECT names.name AS domain, whole.* EXCLUDE (domain),"
                " whole.domain AS name_key"
                f" FROM {self.full} AS whole JOIN {profiles.names} AS names"
                " ON names.key = whole.domain)"
            )

    def _keys(self, names: object) -> list[object]:
        """The keys of the named domains (those the source knows)."""
        row = self.connection.execute(
            f"SELECT list(key) FROM {self.profiles.names}"
            " WHERE name IN (SELECT unnest($names::VARCHAR[]))",
            {"names": names},
        ).fetchone()
        return list(row[0] or []) if row else []

    @property
    def provenance(self) -> Provenance:
        return self.profiles.provenance

    def page(self, limit: int | None, offset: int = 0) -> GapPage:
        """Opportunities `offset` to `offset + limit` (None or 0: all), with sample URLs."""
        competitors = self.query.competitors
        rows = page_rows(
            self.connection,
            self.profiles.relation,
            competitors,
            self.listing,
            offset=offset,
            limit=limit,
            names=self.profiles.names,
        )
        keys = [row[0] for row in rows]
        names = self._names(keys) if self.profiles.names is not None else {}
        samples = self._samples(keys) if self.profiles.names is None else {}
        shown = [
            Opportunity(
                names.get(key, str(key)),
                dict(zip(competitors, links, strict=True)),
                authority,
                samples.get(str(key), {}),
                unproven,
            )
            for key, authority, links, unproven in rows
        ]
        return GapPage(self.count(), shown)

    def report(self, default_limit: int | None = None) -> GapReport:
        """The opportunities within the query's limit (or `default_limit`; 0 or None: all)."""
        limit = self.query.limit if self.query.limit is not None else default_limit
        page = self.page(limit)
        return GapReport(self.query, page.total, page.opportunities, self.provenance)

    def _names(self, keys: Sequence[object]) -> dict[object, str]:
        rows = self.connection.execute(
            f"SELECT key, name FROM {self.profiles.names} WHERE key IN (SELECT unnest($keys))",
            {"keys": list(keys)},
        ).fetchall()
        return dict(rows)

    def _samples(self, domains: Sequence[object]) -> dict[str, dict[str, tuple[str, ...]]]:
        rows = self.connection.execute(
            f"""
            SELECT refdomain, site, {_SHOWN_SAMPLES} FROM {self.profiles.relation}
            WHERE refdomain IN (SELECT unnest($domains)) AND len(samples) > 0
              AND site IN (SELECT unnest($competitors))
            ORDER BY list_position($competitors, site)
            """,
            {"domains": list(domains), "competitors": list(self.query.competitors)},
        ).fetchall()
        found: dict[str, dict[str, tuple[str, ...]]] = {}
        for domain, site, urls in rows:
            found.setdefault(domain, {})[site] = tuple(urls)
        return found

    def write_json_opportunities(self, out: IO[str], limit: int | None) -> None:
        """The SPEC 4.1 `opportunities` array, written by DuckDB (one object per line)."""
        json_rows = self._copied(
            self._json_rows(limit), "FORMAT json, ARRAY true", self._competitors
        )
        with json_rows as written, written.open(encoding="utf-8") as rows:
            shutil.copyfileobj(rows, out)

    def _json_rows(self, limit: int | None) -> str:
        listed = f"{listing_sql(self.named, self.listing)}{window(0, limit)}"
        return f"""
            SELECT domain, matches, map($competitors, links) AS links, authority, sample_urls,
                   unproven
            FROM ({self._with_samples(listed)})
            ORDER BY {order_by(self.listing.sort)}
        """

    def _with_samples(self, rows: str) -> str:
        """`rows` (with a `domain` column) and, per row, its sample URLs per competitor."""
        if self.stored is not None:
            return (
                f"SELECT listed.*, kept.sample_urls FROM ({rows}) AS listed"
                f" JOIN {self.stored} AS kept USING (domain)"
            )
        if self.profiles.names is not None:  # such a source has none
            return f"SELECT *, {_NO_SAMPLES} AS sample_urls FROM ({rows})"
        by_position = "ORDER BY list_position($competitors, site)"
        return f"""
            WITH listed AS ({rows}),
            samples AS (
                SELECT refdomain,
                       map(list(site {by_position}), list({_SHOWN_SAMPLES} {by_position}))
                       AS sample_urls
                FROM {self.profiles.relation}
                WHERE site IN (SELECT unnest($competitors)) AND len(samples) > 0
                  AND refdomain IN (SELECT domain FROM listed)
                GROUP BY refdomain
            )
            SELECT listed.*,
                   coalesce(sample_urls, {_NO_SAMPLES}) AS sample_urls
            FROM listed LEFT JOIN samples ON samples.refdomain = listed.domain
        """

    def write_csv(self, out: IO[str], limit: int | None) -> None:
        """One row per opportunity, in bot.gaps' CSV columns, written by DuckDB."""
        rows = (
            f"SELECT {csv_select(self.query.competitors)}"
            f" FROM ({listing_sql(self.named, self.listing)}{window(0, limit)})"
            f" ORDER BY {order_by(self.listing.sort)}"
        )
        csv_rows = self._copied(rows, "FORMAT csv, HEADER true", self._competitors)
        with csv_rows as written, written.open() as text:
            shutil.copyfileobj(text, out)

    def store(self, path: Path) -> int:
        """The tally less what the query's filters leave out, with sample URLs and each
        domain's rank by name, as a Parquet file (a stored result, paged by
        bot.gaps.list_stored_page in any view: the views choose among what the run kept).

        Returns its number of rows. Written under a temporary name, then renamed: a
        reader finds the whole file or none. The whole lists written after it (JSON, CSV)
        are read from the file: gathering the sample URLs again would double the cost.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        ranked = (
            f"SELECT {', '.join(TALLY_COLUMNS)},"
            f" row_number() OVER (ORDER BY {self.name_order}) AS domain_rank FROM {self.named}"
            f" WHERE {domain_filter_sql(self.listing.filters)}"
        )
        rows = self._with_samples(ranked)
        try:
            row = self.connection.execute(
                f"COPY ({rows}) TO {sql_string(str(partial))} (FORMAT parquet)", self._competitors
            ).fetchone()
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(path)
        self.stored = f"read_parquet({sql_string(str(path))})"
        # Taking the parameter the lists it stands for take (every query passes it).
        self.named = f"(SELECT * FROM {self.stored} WHERE len($competitors) > 0)"
        self.name_order = "domain_rank"
        return int(row[0]) if row else 0

    def changes_since(
        self,
        before: str,
        after: str,
        *,
        hidden: Sequence[str] = (),
        shown: int | None = None,
    ) -> Changes:
        """What changed from the stored result `before` to `after` (this run's, stored: both
        relations over Parquet files). New: listed now, not before, and not `hidden`. Gone:
        listed before, not now; won if the site's own profile in this run has them, else
        lost. `shown`: how many of each to return (None: all); the counts are of all."""
        listed = matches_filter(self.listing)
        first = "" if shown is None else f"[1:{int(shown)}]"
        fresh = (
            f"(SELECT * FROM {after} WHERE domain NOT IN"
            f" (SELECT domain FROM {before} WHERE {listed}))"
        )
        new = list_stored_page(
            self.connection,
            fresh,
            self.query.competitors,
            self.listing,
            hidden=hidden,
            limit=shown,
        )
        new_count = count_listed(self.connection, fresh, self.listing, hidden=hidden)
        row = self.connection.execute(
            f"""
            WITH gone AS (
                SELECT domain, matches, total_links,
                       domain IN ({self._site_referrers()}) AS won
                FROM {before}
                WHERE {listed} AND domain NOT IN (SELECT domain FROM {after} WHERE {listed})
            ),
            named AS (
                SELECT won, count(*) AS domains,
                       list(domain ORDER BY matches DESC, total_links DESC, domain){first}
                       AS names
                FROM gone GROUP BY won
            )
            SELECT coalesce(max(domains) FILTER (won), 0),
                   coalesce(max(names) FILTER (won), []),
                   coalesce(max(domains) FILTER (NOT won), 0),
                   coalesce(max(names) FILTER (NOT won), [])
            FROM named
            """,
            {"site": self.query.site},
        ).fetchone()
        assert row is not None
        won_count, won, lost_count, lost = row
        return Changes(new, new_count, list(won), int(won_count), list(lost), int(lost_count))

    def _site_referrers(self) -> str:
        """The referring domains of the site's own profile in this run, by name (parameter
        $site)."""
        relation, names = self.profiles.relation, self.profiles.names
        if names is None:
            return f"SELECT refdomain FROM {relation} WHERE site = $site"
        return (
            f"SELECT names.name FROM {relation} AS mine JOIN {names} AS names"
            " ON names.key = mine.refdomain WHERE mine.site = $site"
        )

    def prove(self, source: LinkSource) -> None:
        """Look up, domain by domain, whether the first PROVE_MAX_LOOKUPS unproven
        opportunities (in the listing's order) link to the site: those that do are no
        gaps, the others are proven gaps. The source caches and bills each lookup."""
        site = self.query.site
        listed = listing_sql(TALLY, self.listing, with_links=False, names=self.profiles.names)
        keys = [
            row[0]
            for row in self.connection.execute(
                f"SELECT domain FROM ({listed}) WHERE unproven LIMIT {PROVE_MAX_LOOKUPS}",
                {"hidden": []},
            ).fetchall()
        ]
        names = self._names(keys) if self.profiles.names is not None else {}
        linking = []
        for key in keys:
            found = source.linking_urls(names.get(key, str(key)), [site], 1).get(site)
            if found is not None and found.total > 0:
                linking.append(key)
        self.connection.execute(
            f"DELETE FROM {TALLY} WHERE domain IN (SELECT unnest($linking))", {"linking": linking}
        )
        self.connection.execute(
            f"UPDATE {TALLY} SET unproven = false WHERE domain IN (SELECT unnest($keys))",
            {"keys": keys},
        )

    def overlap(self) -> Overlap:
        """Per combination of competitors, the listed opportunities that link to exactly
        those, and the domains that do and link to the site too (same filters)."""
        competitors = self.query.competitors
        gaps = self.connection.execute(
            f"SELECT list_transform(links, lambda count: count > 0) AS mask, count(*)"
            f" FROM ({listing_sql(self.named, self.listing)}) GROUP BY mask",
            {**self._competitors, "hidden": []},
        ).fetchall()
        shared = self.connection.execute(
            shared_overlap_sql(
                self.profiles.relation, len(competitors), self.listing, self.profiles.names
            ),
            {**self._competitors, "site": self.query.site, "excluded": list(self.excluded)},
        ).fetchall()
        return overlap_of(self.query.site, competitors, gaps, shared)

    def count(self) -> int:
        return count_listed(self.connection, TALLY, self.listing, names=self.profiles.names)

    @property
    def _competitors(self) -> dict[str, object]:
        return {"competitors": list(self.query.competitors)}

    def _copied(
        self, rows: str, options: str, parameters: dict[str, object]
    ) -> AbstractContextManager[Path]:
        return written_rows(self.connection, rows, {**parameters, "hidden": []}, options)


@contextmanager
def running(
    query: GapQuery, source: LinkSource, blocklist: frozenset[str] = frozenset()
) -> Iterator[RunningAnalysis]:
    """The analysis of `query` over `source`, open while the block runs (with `--prove`,
    its unproven opportunities looked up first)."""
    with source.profiles(query.site, query.competitors) as profiles:
        analysis = RunningAnalysis(query, profiles, blocklist)
        if query.prove:
            analysis.prove(source)
        yield analysis


def analyse(
    query: GapQuery,
    source: LinkSource,
    blocklist: frozenset[str] = frozenset(),
    *,
    default_limit: int | None = None,
) -> GapReport:
    """The opportunities within the query's limit (or `default_limit`; 0 or None: all)."""
    with running(query, source, blocklist) as analysis:
        return analysis.report(default_limit)


# The most lookups one `--prove` makes (each a paid request to a live provider).
PROVE_MAX_LOOKUPS = 100
_NO_SAMPLES = "map([]::VARCHAR[], []::VARCHAR[][])"
# A profile row's sample URLs as they may be shown: without user info (`user:pw@`), which
# an export can carry and no output may repeat. The regular expression runs only on lists
# with an `@` in them: run on every URL, it took 0.42 s for 600,000 URLs that DuckDB reads
# in 0.01 s (the check first: 0.02 s).
_SHOWN_SAMPLES = (
    "CASE WHEN NOT contains(array_to_string(samples, ' '), '@') THEN samples"
    " ELSE list_transform(samples,"
    f" lambda url: regexp_replace(url, {sql_string(USER_INFO_PATTERN)}, '\\1')) END"
)
