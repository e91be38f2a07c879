"""Backlink exports (Ahrefs, Semrush, Google Search Console, generic CSV): detection and reading.

Each format is described by the SQL that maps its columns onto the index's staging
columns; DuckDB's CSV reader does the reading, so no Python loop touches a row.
"""

from __future__ import annotations

import codecs
import csv
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SNIFF_BYTES = 64 * 1024


class ExportError(ValueError):
    """An export that cannot be imported; the message says what is wrong in one sentence."""


class UnknownFormatError(ExportError):
    """The file is not one of the formats Gapbot reads (a usage error)."""


class SiteRequiredError(ExportError):
    """The export has no target column, so `--site` must say whose links these are."""

    def __init__(self, name: str, label: str) -> None:
        # Without the remedy, for a front end that asks for the site its own way (Slack).
        self.problem = f"{name} is a {label}, which has no target column"
        super().__init__(f"{self.problem}: say whose links these are with --site DOMAIN")


@dataclass(frozen=True)
class Layout:
    """How a file is laid out on disk, as sniffed from its first bytes."""

    encoding: str  # "utf-8", "utf-16" (little-endian, which DuckDB reads) or "utf-16-be"
    delimiter: str
    columns: tuple[str, ...]


# Staging columns every format maps onto, in this order.
STAGING_COLUMNS = (
    "source_url",  # the linking page, or for aggregated rows the referring domain
    "target_url",  # the linked page; NULL where the export has none (then --site is the target)
    "link_count",  # links this row stands for (1 for one link; a count for aggregated rows)
    "dofollow_count",
    "authority",
    "anchor",
    "nofollow",
    "lost",
    "aggregated",  # true when the row is a per-domain total, not one link
)


@dataclass(frozen=True)
class ExportFormat:
    """One export format: how to recognise it and how its columns map onto staging columns."""

    name: str
    label: str
    required: frozenset[str]
    needs_site: bool
    authority_source: str | None
    select: Callable[[dict[str, str]], str]  # header name -> quoted column; returns SELECT list


def _truthy(column: str) -> str:
    return (
        f"coalesce(lower(trim({column})) IN "
        "('true', '1', 'yes', 'y', 'nofollow', 'ugc', 'sponsored'), false)"
    )


def _number(column: str) -> str:
    """An integer that may be quoted with thousands separators ("1,234", "1 234")."""
    return (
        f"TRY_CAST(replace(replace(replace(trim({column}), ',', ''), ' ', ''), chr(160), '')"
        " AS BIGINT)"
    )


def _optional(columns: dict[str, str], name: str, default: str = "NULL") -> str:
    return columns.get(name, default)


def _ahrefs_backlinks(c: dict[str, str]) -> str:
    rel = " OR ".join(_truthy(c[name]) for name in ("nofollow", "ugc", "sponsored") if name in c)
    nofollow = f"({rel})" if rel else "false"
    return (
        f"{c['referring page url']}, {c['target url']}, 1, CASE WHEN {nofollow} THEN 0 ELSE 1 END,"
        f" {_number(_optional(c, 'domain rating'))}, {_optional(c, 'anchor')}, {nofollow},"
        f" coalesce(trim({_optional(c, 'lost')}), '') <> '', false"
    )


def _ahrefs_refdomains(c: dict[str, str]) -> str:
    return (
        f"{c['domain']}, NULL, {_number(c['links to target'])}, {_number(c['dofollow links'])},"
        f" {_number(c['dr'])}, NULL, NULL, coalesce(trim({_optional(c, 'lost')}), '') <> '', true"
    )


def _semrush_backlinks(c: dict[str, str]) -> str:
    rel = " OR ".join(_truthy(c[name]) for name in ("nofollow", "ugc", "sponsored") if name in c)
    nofollow = f"({rel})" if rel else "false"
    return (
        f"{c['source url']}, {c['target url']}, 1, CASE WHEN {nofollow} THEN 0 ELSE 1 END,"
        f" {_number(_optional(c, 'page ascore'))}, {_optional(c, 'anchor')}, {nofollow},"
        f" {_truthy(c['lost link'])}, false"
    )


def _gsc_top_sites(c: dict[str, str]) -> str:
    count = _number(c["linking pages"])
    return f"{c['site']}, NULL, {count}, {count}, NULL, NULL, NULL, false, true"


def _gsc_latest_links(c: dict[str, str]) -> str:
    return f"{c['linking page']}, NULL, 1, 1, NULL, NULL, NULL, false, false"


def _generic(c: dict[str, str]) -> str:
    nofollow = _truthy(c["nofollow"]) if "nofollow" in c else "false"
    return (
        f"{c['source_url']}, {c['target_url']}, 1, CASE WHEN {nofollow} THEN 0 ELSE 1 END,"
        f" NULL, {_optional(c, 'anchor')}, {nofollow}, false, false"
    )


# Most specific first: detection takes the first format whose columns are all present.
FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        "ahrefs-backlinks",
        "Ahrefs backlinks export",
        frozenset({"referring page url", "target url"}),
        needs_site=False,
        authority_source="Ahrefs DR",
        select=_ahrefs_backlinks,
    ),
    ExportFormat(
        "ahrefs-refdomains",
        "Ahrefs referring domains export",
        frozenset({"domain", "dr", "links to target", "dofollow links"}),
        needs_site=True,
        authority_source="Ahrefs DR",
        select=_ahrefs_refdomains,
    ),
    ExportFormat(
        "semrush-backlinks",
        "Semrush backlinks export",
        frozenset({"source url", "target url", "lost link"}),
        needs_site=False,
        authority_source="Semrush page AS",
        select=_semrush_backlinks,
    ),
    ExportFormat(
        "gsc-top-linking-sites",
        "Search Console top linking sites export",
        frozenset({"site", "linking pages"}),
        needs_site=True,
        authority_source=None,
        select=_gsc_top_sites,
    ),
    ExportFormat(
        "gsc-latest-links",
        "Search Console latest links export",
        frozenset({"linking page", "last crawled"}),
        needs_site=True,
        authority_source=None,
        select=_gsc_latest_links,
    ),
    ExportFormat(
        "generic",
        "generic CSV (source_url,target_url[,nofollow])",
        frozenset({"source_url", "target_url"}),
        needs_site=False,
        authority_source=None,
        select=_generic,
    ),
)
FORMAT_NAMES = tuple(fmt.name for fmt in FORMATS)


def format_named(name: str) -> ExportFormat:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise UnknownFormatError(f"unknown format {name!r}: use one of {', '.join(FORMAT_NAMES)}")


def sniff_layout(path: Path) -> Layout:
    """Encoding, delimiter and header of an export, from its first bytes."""
    head = _read_head(path)
    encoding, text = _decode_head(path, head)
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line.strip():
        raise ExportError(f"{path.name} has no header line")
    delimiter = max("\t,;", key=first_line.count)
    columns = next(csv.reader([first_line], delimiter=delimiter))
    return Layout(encoding, delimiter, tuple(columns))


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        raise ExportError(f"cannot read {path}: {error.strerror}") from None
    if not head.strip():
        raise ExportError(f"{path.name} is empty")
    return head


def _decode_head(path: Path, head: bytes) -> tuple[str, str]:
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16", head.decode("utf-16", errors="ignore")
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", head[2:].decode("utf-16-be", errors="ignore")
    if b"\x00" in head:
        raise ExportError(
            f"{path.name} is binary or UTF-16 without a byte-order mark: save it as UTF-8 CSV"
        )
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError as error:
        raise ExportError(
            f"{path.name} is not UTF-8 or UTF-16 text (bad byte at offset {error.start}):"
            " save it as UTF-8 CSV"
        ) from None
    return "utf-8", text


def normalise_header(name: str) -> str:
    """Header names as exports vary them: BOM, case and surrounding spaces dropped."""
    return name.replace("\ufeff", "").strip().lower()


def detect_format(layout: Layout) -> ExportFormat:
    names = {normalise_header(column) for column in layout.columns}
    for fmt in FORMATS:
        if fmt.required <= names:
            return fmt
    shown = ", ".join(column.strip() for column in layout.columns[:6])
    raise UnknownFormatError(
        f"unrecognised export (columns: {shown}): expected an Ahrefs, Semrush, Search Console"
        " or generic source_url,target_url CSV"
    )


def quoted_columns(layout: Layout) -> dict[str, str]:
    """Normalised header name -> the SQL-quoted column name DuckDB gives it."""
    quoted: dict[str, str] = {}
    for index, column in enumerate(layout.columns):
        quoted.setdefault(normalise_header(column), f'"c{index}"')
    return quoted


@contextmanager
def duckdb_readable(path: Path, layout: Layout) -> Iterator[tuple[Path, str]]:
    """The file and encoding for DuckDB's CSV reader, which reads UTF-16 little-endian only.

    A big-endian file (rare: some Mac tools) is re-encoded to a temporary UTF-8 copy,
    streamed in blocks so memory stays flat.
    """
    if layout.encoding != "utf-16-be":
        yield path, layout.encoding
        return
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / path.name
        with (
            path.open("r", encoding="utf-16", newline="") as source,
            copy.open("w", encoding="utf-8", newline="") as target,
        ):
            shutil.copyfileobj(source, target, 1 << 20)
        yield copy, "utf-8"
