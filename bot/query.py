"""A gap analysis request, parsed from CLI or `/gaps` arguments (one parser for both)."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domains import DomainError, domain_pattern, fold_domain, fold_site, public_suffix
from bot.gaps import DomainFilter, GapInputError, GapOptions, SortOrder, check_sites
from bot.links.sources import SITE_SOURCE_NAMES, WEBGRAPH, source_names

# `/gaps` text longer than this is refused before it is parsed: ten competitors given as
# long URLs and every option fit, and a megabyte of text would take seconds to split.
MAX_TEXT_LENGTH = 4000
# How much of a bad value an error message repeats back.
ECHO_LENGTH = 100
# Authority is 0-100 (SPEC 5.7).
MAX_AUTHORITY = 100

# Reads an `--exclude @FILE` file by name (the terminal's only: Slack users have no files
# on the server); raises QueryError when it cannot.
FileReader = Callable[[str], str]


class Every(StrEnum):
    """How often a watch runs."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class QueryError(ValueError):
    """Bad user input for an analysis; the message names the bad part."""


def shown(value: str) -> str:
    """A user's value, quoted for an error message and cut to ECHO_LENGTH characters."""
    return repr(_cut(value, ECHO_LENGTH))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class GapQuery:
    site: str
    competitors: tuple[str, ...]
    options: GapOptions = field(default_factory=GapOptions)
    limit: int | None = None
    source: str | None = None
    refresh: bool = False  # live providers: fetch again instead of using the cache
    site_source: str | None = None  # the site's own links from here (bot.links.mixed)
    prove: bool = False  # look up the unproven opportunities (RunningAnalysis.prove)


def stored_rows_key(query: GapQuery) -> tuple[object, ...]:
    """What decides the rows an analysis stores: views, sorts and minimum matches are chosen
    among them, but the sources, --prove and the domain filters decide which are kept."""
    return (
        query.source,
        query.site_source,
        query.prove,
        query.site,
        query.competitors,
        query.options.filters,
    )


def gap_text(query: GapQuery) -> str:
    """`query` as `/gaps` text (parse_gap_text reads it back, --limit and --refresh aside):
    what a stored analysis made by the terminal or a watch says it asked."""
    options = query.options
    filters = options.filters
    words = [query.site, "vs", *query.competitors]
    if options.min_matches != 1:
        words += ["--min-matches", str(options.min_matches)]
    if options.dofollow_only:
        words.append("--dofollow-only")
    if options.sort is not SortOrder.MATCHES:
        words += ["--sort", options.sort.value]
    for flag, value in (("--source", query.source), ("--site-source", query.site_source)):
        if value is not None:
            words += [flag, value]
    if query.prove:
        words.append("--prove")
    if filters.min_authority:
        words += ["--min-authority", str(filters.min_authority)]
    tlds = [*filters.tlds, *(f"-{suffix}" for suffix in filters.excluded_tlds)]
    if tlds:
        words.append(f"--tld={','.join(tlds)}")
    for pattern in filters.excluded:
        words += ["--exclude", pattern]
    return shlex.join(words)


@dataclass(frozen=True)
class LinksQuery:
    """`gapbot links DOMAIN SITE vs COMPETITOR...`: the pages of DOMAIN linking to each
    competitor."""

    domain: str
    site: str
    competitors: tuple[str, ...]
    source: str | None = None


def make_links_query(words: Sequence[str], *, source: str | None = None) -> LinksQuery:
    """A linking-pages request from `gapbot links` words: `DOMAIN SITE [vs] COMPETITOR...`."""
    if not words:
        raise QueryError("give a referring domain, then SITE vs COMPETITOR...")
    domain = _fold(words[0], fold_domain)  # a referring domain as link data names it, `_` and all
    site, competitors = parse_sites(words[1:])
    return LinksQuery(domain, site, competitors, source_named(source))


def parse_sites(words: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """`SITE [vs] COMPETITOR...`, competitors separated by spaces or commas, all folded."""
    tokens = [part for word in words for part in word.split(",") if part.strip()]
    if not tokens:
        raise QueryError("give a site and at least one competitor: SITE vs COMPETITOR...")
    if tokens[0].lower() == "vs":
        raise QueryError("the site is missing: SITE vs COMPETITOR...")
    if tokens[1:2] and tokens[1].lower() == "vs":
        del tokens[1]
    folded = [_fold(token) for token in tokens]
    site, competitors = folded[0], tuple(folded[1:])
    try:
        check_sites(site, competitors)
    except GapInputError as error:
        raise QueryError(str(error)) from None
    return site, competitors


def _fold(token: str, fold: Callable[[str], str] = fold_site) -> str:
    try:
        return fold(token)
    except DomainError as error:
        reason = _cut(str(error), ECHO_LENGTH)  # it may repeat a long host: cut it too
        if repr(token.strip()) in str(error):
            raise QueryError(f"bad domain: {reason}") from None  # it names the host already
        raise QueryError(f"bad domain {shown(token)}: {reason}") from None


def make_query(
    words: Sequence[str],
    *,
    min_matches: int = 1,
    dofollow_only: bool = False,
    sort: str = "matches",
    limit: int | None = None,
    source: str | None = None,
    refresh: bool = False,
    min_authority: int = 0,
    tlds: Sequence[str] = (),
    excluded: Sequence[str] = (),
    read: FileReader | None = None,
    site_source: str | None = None,
    prove: bool = False,
) -> GapQuery:
    """An analysis request from the words and option values of `gapbot gaps` or `/gaps`.

    Choices are case-insensitive. `tlds`: `--tld` values (comma-separated suffixes, `-` to
    leave one out); `excluded`: `--exclude` values (see excluded_patterns).
    """
    site, competitors = parse_sites(words)
    try:
        order = SortOrder(sort.strip().lower())
    except ValueError:
        choices = ", ".join(order.value for order in SortOrder)
        raise QueryError(f"unknown sort {shown(sort)}: use one of {choices}") from None
    if min_matches < 1 or min_matches > len(competitors):
        raise QueryError(f"--min-matches must be between 1 and {len(competitors)}")
    if limit is not None and limit < 0:
        raise QueryError("--limit must be 0 (all) or more")
    if not 0 <= min_authority <= MAX_AUTHORITY:
        raise QueryError(f"--min-authority must be between 0 and {MAX_AUTHORITY}")
    included, left_out = parse_tlds(tlds)
    filters = DomainFilter(min_authority, included, left_out, excluded_patterns(excluded, read))
    options = GapOptions(
        min_matches=min_matches, dofollow_only=dofollow_only, sort=order, filters=filters
    )
    chosen = source_named(source)
    return GapQuery(
        site,
        competitors,
        options,
        limit,
        chosen,
        refresh,
        site_source_named(site_source, chosen),
        prove,
    )


def site_source_named(name: str | None, source: str | None) -> str | None:
    """`--site-source`: one or more of SITE_SOURCE_NAMES, comma-separated (their union),
    and never mixed with the web graph; as `local,dataforseo`, each once."""
    if name is None:
        return None
    chosen: dict[str, None] = {}
    for item in name.split(","):
        one = item.strip().lower()
        if one not in SITE_SOURCE_NAMES:
            choices = ", ".join(SITE_SOURCE_NAMES)
            raise QueryError(f"--site-source {shown(name)}: use one or more of {choices}")
        chosen[one] = None
    if source == WEBGRAPH:
        raise QueryError("--site-source cannot be mixed with --source webgraph")
    return ",".join(chosen)


def source_named(name: str | None) -> str | None:
    """`--source`, checked against the sources Gapbot has (None: the configured default)."""
    if name is None:
        return None
    chosen = name.strip().lower()
    if chosen not in source_names():
        raise QueryError(f"unknown source {shown(name)}: use one of {', '.join(source_names())}")
    return chosen


def parse_tlds(values: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`--tld` values (`de,at`, `-ru,-cn`, `co.uk`) as the suffixes to keep and those to
    leave out, in ASCII, each once."""
    kept: dict[str, None] = {}
    left_out: dict[str, None] = {}
    for value in values:
        for item in value.split(","):
            text = item.strip()
            if not text:
                continue
            chosen = left_out if text.startswith("-") else kept
            try:
                chosen[public_suffix(text.removeprefix("-"))] = None
            except DomainError as error:
                raise QueryError(f"--tld: {_cut(str(error), 2 * ECHO_LENGTH)}") from None
    return tuple(kept), tuple(left_out)


def excluded_patterns(values: Sequence[str], read: FileReader | None = None) -> tuple[str, ...]:
    """`--exclude` values as domain patterns (bot.domains.domain_pattern), each once: a
    pattern, or `@FILE` for every line of FILE (`#` starts a comment). Without `read`
    (in Slack), `@FILE` is refused."""
    patterns: dict[str, None] = {}
    for value in values:
        if not value.startswith("@"):
            patterns[_pattern(value, "--exclude")] = None
            continue
        if read is None:
            raise QueryError("--exclude @FILE works in the terminal only: give the domains here")
        patterns.update(dict.fromkeys(patterns_in(read(value[1:]), value[1:])))
    return tuple(patterns)


def patterns_in(text: str, origin: str) -> list[str]:
    """The domain patterns of a file's text, one per line; `#` starts a comment. An error
    names `origin` and the line."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.partition("#")[0].strip()
        if entry:
            found.append(_pattern(entry, f"{origin} line {number}"))
    return found


def _pattern(value: str, where: str) -> str:
    try:
        return domain_pattern(value)
    except DomainError as error:
        raise QueryError(f"{where}: {_cut(str(error), 2 * ECHO_LENGTH)}") from None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise QueryError(_argparse_message(message))

    def parse(self, tokens: Sequence[str]) -> argparse.Namespace:
        """The words and options of `tokens`, in any order; QueryError names a bad one."""
        try:
            return self.parse_intermixed_args(_joined_tld_values(tokens))
        except argparse.ArgumentError as error:
            # With exit_on_error=False a bad or missing option value is raised, not sent to
            # error().
            raise QueryError(_argparse_message(str(error))) from None


def _argparse_message(message: str) -> str:
    """argparse's message repeats the bad values (all unknown options, say): cut it."""
    return _cut(message, 2 * ECHO_LENGTH)


def _text_parser() -> _Parser:
    parser = _Parser(prog="/gaps", add_help=False, exit_on_error=False)
    parser.add_argument("words", nargs="*")
    parser.add_argument("--min-matches", type=int, default=1)
    parser.add_argument("--dofollow-only", action="store_true")
    parser.add_argument("--sort", default="matches")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--source", default=None)
    parser.add_argument("--site-source", default=None)
    parser.add_argument("--prove", action="store_true")
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--min-authority", type=int, default=0)
    parser.add_argument("--tld", action="append", default=[])
    parser.add_argument("--exclude", action="append", default=[])
    return parser


def _joined_tld_values(tokens: Sequence[str]) -> list[str]:
    """`--tld -ru` as `--tld=-ru`: argparse would take `-ru` for an option, not a value."""
    joined: list[str] = []
    for token in tokens:
        if joined and joined[-1] == "--tld" and token.startswith("-") and token[1:2] != "-":
            joined[-1] = f"--tld={token}"
        else:
            joined.append(token)
    return joined


def parse_gap_text(text: str) -> GapQuery:
    """Parse `/gaps` text: the CLI's arguments and options, in one string."""
    return _query_of(_text_parser().parse(_tokens(text, MAX_TEXT_LENGTH)))


def stored_query(text: str) -> GapQuery:
    """The query a stored analysis or watch was made from, read back from its own text: no
    length limit, since `--exclude @FILE` may have written a whole disavow file into it."""
    return _query_of(_text_parser().parse(_tokens(text, None)))


def parse_watch_text(text: str) -> tuple[GapQuery, Every]:
    """Parse `/gaps watch` text: `/gaps` text and `--every day|week|month` (default week)."""
    return parse_watch_words(_tokens(text, MAX_TEXT_LENGTH))


def parse_watch_words(
    words: Sequence[str], read: FileReader | None = None
) -> tuple[GapQuery, Every]:
    """A watch from `/gaps watch` or `gapbot watch add` words: SITE vs COMPETITOR..., the
    gaps options, and `--every day|week|month` (default week)."""
    parser = _text_parser()
    parser.add_argument("--every", default=Every.WEEK.value)
    args = parser.parse(words)
    every = every_named(args.every)
    query = _query_of(args, read)
    if query.refresh:
        raise QueryError(
            "--refresh does not apply to a watch: each run reuses the source's cache while"
            " it is fresh, as /gaps does"
        )
    return query, every


def every_named(name: str) -> Every:
    """`--every`: how often a watch runs."""
    try:
        return Every(name.strip().lower())
    except ValueError:
        choices = ", ".join(every.value for every in Every)
        raise QueryError(f"--every {shown(name)}: use one of {choices}") from None


def _tokens(text: str, max_length: int | None) -> list[str]:
    if max_length is not None and len(text) > max_length:
        raise QueryError(f"the command is too long: at most {max_length} characters")
    try:
        return shlex.split(text)
    except ValueError as error:
        raise QueryError(f"could not read the command: {error}") from None


def _query_of(args: argparse.Namespace, read: FileReader | None = None) -> GapQuery:
    return make_query(
        args.words,
        min_matches=args.min_matches,
        dofollow_only=args.dofollow_only,
        sort=args.sort,
        limit=args.limit,
        source=args.source,
        refresh=args.refresh,
        min_authority=args.min_authority,
        tlds=args.tld,
        excluded=args.exclude,
        site_source=args.site_source,
        prove=args.prove,
        read=read,
    )
