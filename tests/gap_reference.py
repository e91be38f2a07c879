"""SPEC 5.2-5.6 written out the slow, obvious way, and random analyses to check against it."""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import strategies as st

from bot.gaps import DomainFilter, GapOptions, Opportunity, RefDomainLinks, SiteProfile, SortOrder


def table(opportunities: list[Opportunity]) -> list[tuple[str, int, tuple[int, ...], int | None]]:
    return [(o.domain, o.matches, tuple(o.links.values()), o.authority) for o in opportunities]


refdomain_names = st.sampled_from(
    [f"d{i}.com" for i in range(8)]
    + ["d8.de", "d9.co.uk", "d10.blogspot.com", "203.0.113.9", "mysite.com", "c0.com"]
)
suffixes = st.sampled_from(["com", "de", "uk", "co.uk", "blogspot.com"])
domain_filters = st.builds(
    DomainFilter,
    min_authority=st.sampled_from([0, 0, 30, 60]),
    tlds=st.lists(suffixes, max_size=2, unique=True).map(tuple),
    excluded_tlds=st.lists(suffixes, max_size=1).map(tuple),
    excluded=st.lists(
        st.sampled_from(["d1.com", "*.blogspot.com", "d?.de", "*3*", "203.0.113.*"]),
        max_size=2,
        unique=True,
    ).map(tuple),
)
entries = st.builds(
    lambda name, links, nofollow, authority: RefDomainLinks(
        name, links, max(0, links - nofollow), authority
    ),
    refdomain_names,
    st.integers(1, 5),
    st.integers(0, 5),
    st.one_of(st.none(), st.integers(0, 100)),
)
profiles_of = st.lists(entries, max_size=10)


@st.composite
def analyses(draw: st.DrawFn) -> tuple[SiteProfile, list[SiteProfile], GapOptions]:
    count = draw(st.integers(1, 4))
    site = SiteProfile.of("mysite.com", draw(profiles_of))
    competitors = [SiteProfile.of(f"c{i}.com", draw(profiles_of)) for i in range(count)]
    options = GapOptions(
        min_matches=draw(st.integers(1, count)),
        dofollow_only=draw(st.booleans()),
        sort=draw(st.sampled_from(list(SortOrder))),
        blocklist=frozenset(draw(st.lists(refdomain_names, max_size=2))),
        filters=draw(domain_filters),
    )
    return site, competitors, options


def reference_gaps(
    site: SiteProfile, competitors: list[SiteProfile], options: GapOptions
) -> list[tuple[str, int, tuple[int, ...], int | None]]:
    """SPEC 5.2-5.6 written out the slow, obvious way, to check the SQL against."""
    names = [c.site for c in competitors]
    found = []
    candidates = set().union(*(c.refdomains for c in competitors))
    for domain in candidates - set(site.refdomains) - {site.site, *names} - options.blocklist:
        entries = [c.refdomains.get(domain) for c in competitors]
        counts = tuple(
            0 if e is None else (e.dofollow_links if options.dofollow_only else e.links)
            for e in entries
        )
        matches = sum(1 for n in counts if n > 0)
        authorities = [e.authority for e in entries if e is not None and e.authority is not None]
        authority = max(authorities, default=None)
        if matches >= options.min_matches and passes(domain, authority, options.filters):
            found.append((domain, matches, counts, authority))
    by_default = sorted(found, key=lambda row: (-row[1], -sum(row[2]), row[0]))
    if options.sort is SortOrder.MATCHES_ASC:
        return sorted(found, key=lambda row: (row[1], -sum(row[2]), row[0]))
    if options.sort is SortOrder.AUTHORITY:
        return sorted(by_default, key=lambda row: (row[3] is None, -(row[3] or 0)))
    return by_default


def passes(domain: str, authority: int | None, filters: DomainFilter) -> bool:
    """Whether the run's filters keep a domain, written out the obvious way."""
    if filters.min_authority and (authority is None or authority < filters.min_authority):
        return False
    if filters.tlds and not any(domain.endswith("." + tld) for tld in filters.tlds):
        return False
    if any(domain.endswith("." + tld) for tld in filters.excluded_tlds):
        return False
    return not any(fnmatchcase(domain, pattern) for pattern in filters.excluded)
