"""A gap analysis request, parsed from CLI or `/gaps` arguments (one parser for both)."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domains import DomainError, fold_domain
from bot.gaps import GapInputError, GapOptions, SortOrder, check_sites

# `/gaps` text longer than this is refused before it is parsed: ten competitors given as
# long URLs and every option fit, and a megabyte of text would take seconds to split.
MAX_TEXT_LENGTH = 4000
# How much of a bad value an error message repeats back.
ECHO_LENGTH = 100


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


def parse_sites(words: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """`SITE [vs] COMPETITOR...`, competitors separated by spaces or commas, all folded."""
    tokens = [part for word in words for part in word.split(",") if part.strip()]
    if tokens[1:2] and tokens[1].lower() == "vs":
        del tokens[1]
    if not tokens:
        raise QueryError("give a site and at least one competitor: SITE vs COMPETITOR...")
    folded = [_fold(token) for token in tokens]
    site, competitors = folded[0], tuple(folded[1:])
    try:
        check_sites(site, competitors)
    except GapInputError as error:
        raise QueryError(str(error)) from None
    return site, competitors


def _fold(token: str) -> str:
    try:
        return fold_domain(token)
    except DomainError as error:
        # The reason repeats the host: cut it too.
        raise QueryError(f"bad domain {shown(token)}: {_cut(str(error), ECHO_LENGTH)}") from None


def make_query(
    words: Sequence[str],
    *,
    min_matches: int = 1,
    dofollow_only: bool = False,
    sort: str = "matches",
    limit: int | None = None,
    source: str | None = None,
    refresh: bool = False,
) -> GapQuery:
    site, competitors = parse_sites(words)
    try:
        order = SortOrder(sort)
    except ValueError:
        choices = ", ".join(order.value for order in SortOrder)
        raise QueryError(f"unknown sort {shown(sort)}: use one of {choices}") from None
    if min_matches < 1 or min_matches > len(competitors):
        raise QueryError(f"--min-matches must be between 1 and {len(competitors)}")
    if limit is not None and limit < 0:
        raise QueryError("--limit must be 0 (all) or more")
    options = GapOptions(min_matches=min_matches, dofollow_only=dofollow_only, sort=order)
    return GapQuery(site, competitors, options, limit, source, refresh)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise QueryError(_argparse_message(message))


def _argparse_message(message: str) -> str:
    """argparse's message repeats the bad values (all unknown options, say): cut it."""
    return _cut(message, 2 * ECHO_LENGTH)


def _text_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="/gaps", add_help=False, exit_on_error=False)
    parser.add_argument("words", nargs="*")
    parser.add_argument("--min-matches", type=int, default=1)
    parser.add_argument("--dofollow-only", action="store_true")
    parser.add_argument("--sort", default="matches")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--source", default=None)
    parser.add_argument("--refresh", action="store_true")
    return parser


def parse_gap_text(text: str) -> GapQuery:
    """Parse `/gaps` text: the CLI's arguments and options, in one string."""
    if len(text) > MAX_TEXT_LENGTH:
        raise QueryError(f"the command is too long: at most {MAX_TEXT_LENGTH} characters")
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise QueryError(f"could not read the command: {error}") from None
    try:
        args = _text_parser().parse_intermixed_args(tokens)
    except argparse.ArgumentError as error:
        # With exit_on_error=False a bad or missing option value is raised, not sent to error().
        raise QueryError(_argparse_message(str(error))) from None
    return make_query(
        args.words,
        min_matches=args.min_matches,
        dofollow_only=args.dofollow_only,
        sort=args.sort,
        limit=args.limit,
        source=args.source,
        refresh=args.refresh,
    )
