"""The local link index as one team sees it: the LinkSource `local` (profiles, linking
pages), and the exports it holds (list, remove, summary); bot.links.index_import imports them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import NamedTuple

import duckdb

from bot.gaps import PROFILE_COLUMNS, RefDomainLinks, SiteProfile
from bot.links.base import GapProfiles, LinkingPages, LinkingUrl, Provenance
from bot.links.duckdb_tools import ProgressCallback, sql_string
from bot.links.index_db import (
    Holding,
    IndexFiles,
    drop_exports,
    held_exports,
    one_of,
    rebuild_profiles,
)
from bot.links.index_import import CheckedExport, ImportReport
from bot.links.sources import DEFAULT_TEAM

# The profiles a read sees, as the engine's PROFILE_COLUMNS (bot.gaps).
_VISIBLE_PROFILES = "team_profiles"


class _Held(NamedTuple):
    """One import's links to one site, of a visible team."""

    site: str
    team: str
    authority_source: str | None
    export_date: date


class LinkIndex:
    """The DuckDB link index under GAPBOT_HOME (bot.links.index_db.IndexFiles: copy on
    write, reads never wait for an import); also a LinkSource named `local`.

    Seen by one team: its imports belong to `team`, and it reads the imports of the
    `visible` teams (default: `team`'s own; bot.links.sources.visible_teams says which).

    Newer wins: of each site, the index keeps one export per format, the newest by the
    export's own date (bot.links.index_import), and the lost-links reports not older than
    it; a link is as the newest export holding it says, whatever its format.
    """

    name = "local"

    def __init__(
        self,
        folder: Path,
        *,
        memory_limit: str = "1GB",
        team: str = DEFAULT_TEAM,
        visible: Sequence[str] | None = None,
    ) -> None:
        self.folder = folder
        self.team = team
        self.visible = list(visible if visible is not None else [team])
        self.files = IndexFiles(folder, memory_limit)

    @property
    def path(self) -> Path | None:
        """The live database file; None while nothing was ever imported."""
        return self.files.path

    def import_file(
        self,
        path: Path,
        *,
        site: str | None = None,
        format_name: str | None = None,
        on_progress: ProgressCallback | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> ImportReport:
        """Import one export for this index's team, all or nothing (bot.links.index_import).

        `on_wait` is called if another import holds the index (this one then waits).
        """
        checked = CheckedExport.of(path, site, format_name)
        with self.files.writing(on_wait) as connection:
            report = checked.write(connection, self.team, on_progress)
        if on_progress is not None:
            on_progress(100)
        return report

    # -- what the index holds -------------------------------------------------------------

    def holdings(self, site: str | None = None) -> list[Holding]:
        """The team's exports per site (of `site` only, if given), by site, format and date."""
        with self.files.reading() as connection:
            return held_exports(
                connection, self.team, "$site IS NULL OR s.site = $site", {"site": site}
            )

    def remove(self, site: str, format_name: str | None = None) -> list[Holding]:
        """Drop the team's data of `site`, from the exports of one format (None: all); what
        was dropped."""
        with self.files.writing() as connection:
            held = held_exports(
                connection,
                self.team,
                "s.site = $site AND ($format IS NULL OR i.format = $format)",
                {"site": site, "format": format_name},
            )
            drop_exports(connection, held)
            rebuild_profiles(connection, self.team, [site])
        return held

    # -- the LinkSource interface -------------------------------------------------------------

    @contextmanager
    def profiles(self, site: str, competitors: Sequence[str]) -> Iterator[GapProfiles]:
        """The sites' profiles as the visible teams hold them, read-only, with where their
        data came from: the domain-level authority's source, and the oldest export's date."""
        sites = [site, *competitors]
        with self.files.reading() as connection:
            held = self._held(connection, sites)
            sources = sorted({row.authority_source for row in held if row.authority_source})
            oldest = min((row.export_date for row in held), default=None)
            present = {row.site for row in held}
            provenance = Provenance(
                source=self.name,
                authority_source=", ".join(sources) or None,
                data_date=oldest,
                failures={
                    name: "no links for it in the local index: import an export of its backlinks"
                    for name in sites
                    if name not in present
                },
            )
            relation = self._visible_profiles(connection, held)
            yield GapProfiles(connection, relation, provenance)

    def profile(self, site: str) -> SiteProfile:
        """One site's whole profile as plain data (small sites: tests, inspection)."""
        with self.files.reading() as connection:
            relation = self._visible_profiles(connection, self._held(connection, [site]))
            rows = connection.execute(
                f"SELECT refdomain, links, dofollow_links, authority, samples FROM {relation}"
                " ORDER BY refdomain"
            ).fetchall()
        return SiteProfile.of(
            site,
            (
                RefDomainLinks(domain, links, dofollow, authority, tuple(samples))
                for domain, links, dofollow, authority, samples in rows
            ),
        )

    def _held(
        self, connection: duckdb.DuckDBPyConnection, sites: Sequence[str] | None
    ) -> list[_Held]:
        """The visible teams' imports of live links to `sites` (None: to any site)."""
        among = "" if sites is None else f" AND {one_of('s.site', sites)}"
        rows = connection.execute(
            f"""
            SELECT s.site, i.team, i.authority_source, i.export_date
            FROM import_sites s JOIN imports i ON i.id = s.import_id
            WHERE s.links > 0 AND {one_of("i.team", self.visible)}{among}
            """
        ).fetchall()
        return [_Held(*row) for row in rows]

    def _visible_profiles(
        self, connection: duckdb.DuckDBPyConnection, held: Sequence[_Held]
    ) -> str:
        """A temporary view of the profiles of the sites `held` names, as the visible teams
        hold them: one row per (site, referring domain), in PROFILE_COLUMNS; its name.

        A site one team holds is read as that team's rows, at the speed of an index of
        one team: teams and sites are literals in the view (which takes no parameters),
        so filters on the table scan that skip other teams' and sites' row groups.
        """
        holders: dict[str, set[str]] = {}
        for row in held:
            holders.setdefault(row.site, set()).add(row.team)
        alone: dict[str, list[str]] = {}  # team -> the sites only it holds
        shared = []
        for site, teams in sorted(holders.items()):
            if len(teams) == 1:
                alone.setdefault(min(teams), []).append(site)
            else:
                shared.append(site)
        parts = [
            f"SELECT {', '.join(PROFILE_COLUMNS)} FROM profiles"
            f" WHERE team = {sql_string(owner)} AND {one_of('site', owned)}"
            for owner, owned in sorted(alone.items())
        ]
        if shared:
            # A site two teams hold (a workspace's import and the terminal's): per referring
            # domain the larger count, as for an export holding a domain link by link and
            # as a total; never the sum, since both may hold the same links. The samples
            # are those of the team with the most links (a few URLs, not a union: merging
            # lists costs more than the rest of the gap query).
            parts.append(
                f"""
                SELECT site, refdomain, max(links) AS links,
                       max(dofollow_links) AS dofollow_links, max(authority) AS authority,
                       arg_max(samples, (links, team)) AS samples
                FROM profiles
                WHERE {one_of("team", self.visible)} AND {one_of("site", shared)}
                GROUP BY site, refdomain
                """
            )
        select = " UNION ALL ".join(parts) or (
            f"SELECT {', '.join(PROFILE_COLUMNS)} FROM profiles WHERE false"
        )
        connection.execute(f"CREATE OR REPLACE TEMP VIEW {_VISIBLE_PROFILES} AS {select}")
        return _VISIBLE_PROFILES

    def linking_urls(
        self, refdomain: str, competitors: Sequence[str], limit: int
    ) -> dict[str, LinkingPages]:
        """Each competitor's live links from `refdomain`: per team, a link as its newest
        export says (live or lost); a link two teams hold is listed once."""
        with self.files.reading() as connection:
            rows = connection.execute(
                f"""
                WITH newest AS (
                    SELECT l.team, l.target_domain, l.source_url, l.target_url,
                           arg_max(l.anchor, (i.export_date, l.import_id)) AS anchor,
                           arg_max(coalesce(l.nofollow, false), (i.export_date, l.import_id))
                               AS nofollow,
                           arg_max(l.lost, (i.export_date, l.import_id)) AS lost
                    FROM links l JOIN imports i ON i.id = l.import_id
                    WHERE l.source_domain = $domain AND l.source_url IS NOT NULL
                      AND l.target_domain IN (SELECT unnest($competitors))
                      AND {one_of("l.team", self.visible)}
                    GROUP BY ALL
                )
                SELECT target_domain, source_url, target_url, any_value(anchor),
                       bool_and(nofollow), count(*) OVER (PARTITION BY target_domain)
                FROM newest WHERE NOT lost
                GROUP BY target_domain, source_url, target_url
                QUALIFY row_number() OVER (PARTITION BY target_domain
                                           ORDER BY source_url, target_url) <= $limit
                """,
                {"domain": refdomain, "competitors": list(competitors), "limit": limit},
            ).fetchall()
        pages: dict[str, LinkingPages] = {}
        for competitor in competitors:
            mine = [row for row in rows if row[0] == competitor]
            urls = [LinkingUrl(row[1], row[2], row[3], row[4]) for row in mine]
            pages[competitor] = LinkingPages(urls, mine[0][5] if mine else 0)
        return pages

    # -- maintenance --------------------------------------------------------------------------

    def summary(self) -> list[tuple[str, int, int]]:
        """Per site the visible teams hold: referring domains and live links."""
        with self.files.reading() as connection:
            relation = self._visible_profiles(connection, self._held(connection, None))
            return connection.execute(
                f"SELECT site, count(*), sum(links) FROM {relation} GROUP BY 1 ORDER BY 1"
            ).fetchall()
