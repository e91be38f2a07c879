"""Backlink exports (Ahrefs, Semrush, Google Search Console, generic CSV): detection and reading.

Each format is described by the SQL that maps its columns onto the index's staging
columns; DuckDB's CSV reader does the reading, so no Python loop touches a row.
"""

from __future__ import annotations

import codecs
import csv
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

SNIFF_BYTES = 64 * 1024
# A date in a file name, as tools write it when they name an export
# (`site-backlinks_2026-12-01_10-26-37.csv`) or as users do (`2026_12_01`, `20261201`).
_DATE_IN_NAME = re.compile(r"(?<!\d)(20\d\d)([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")
# Python's csv module refuses values over 128 KB; DuckDB reads them, and so must the check
# that explains DuckDB's errors.
_FIELD_LIMIT = 1 << 30
# What a byte that is not UTF-8 decodes to with errors="surrogateescape".
_UNDECODABLE = re.compile("[\udc80-\udcff]")


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
    "seen",  # the latest date the row carries (ExportFormat.date_columns), NULL if none
)


@dataclass(frozen=True)
class ExportFormat:
    """One export format: how to recognise it and how its columns map onto staging columns."""

    name: str
    label: str
    required: tuple[str, ...]  # header names as the tool writes them
    needs_site: bool
    # The domain-level score its `authority` staging column holds, None if it has none (a
    # page-level score, such as Semrush's Page ascore, is no domain's authority).
    authority_source: str | None
    # header name -> quoted column; returns the SELECT list of the staging columns but `seen`
    select: Callable[[dict[str, str]], str]
    # The columns whose latest date is the export's date (where its file name has none).
    date_columns: tuple[str, ...] = ()

    def missing(self, layout: Layout) -> list[str]:
        """The required columns `layout` lacks."""
        names = {normalise_header(column) for column in layout.columns}
        return [column for column in self.required if normalise_header(column) not in names]

    def dated_by(self, layout: Layout) -> tuple[str, ...]:
        """The date columns `layout` has."""
        names = {normalise_header(column) for column in layout.columns}
        return tuple(c for c in self.date_columns if normalise_header(c) in names)

    def staging_select(self, layout: Layout) -> str:
        """The SELECT list of every staging column, over `layout`'s columns (c0, c1, ...)."""
        columns = quoted_columns(layout)
        dates = [_date(columns[normalise_header(name)]) for name in self.dated_by(layout)]
        seen = f"greatest({', '.join(dates)})" if dates else "NULL::DATE"
        return f"{self.select(columns)}, {seen}"


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


def _date(column: str) -> str:
    """A date as exports write it: ISO (a date, or a timestamp), "Mar 5, 2026", or Unix
    seconds; NULL for anything else (an Ahrefs `Lost` column may hold a word)."""
    value = f"trim({column})"
    parsed = (
        f"coalesce(TRY_CAST(left({value}, 10) AS DATE), try_strptime({value}, '%b %d, %Y')::DATE,"
        f" CASE WHEN regexp_full_match({value}, '[0-9]{{9,10}}')"
        f" THEN epoch_ms({value}::BIGINT * 1000)::DATE END)"
    )
    # An empty value is not parsed: most of a Lost column is empty, and failing the three
    # parsers on each costs more than the rest of the row.
    return f"CASE WHEN {value} <> '' THEN {parsed} END"


def _optional(columns: dict[str, str], name: str) -> str:
    return columns.get(name, "NULL")


def _one_link(
    source: str, target: str, authority: str, anchor: str, nofollow: str, lost: str
) -> str:
    """A row of one link (STAGING_COLUMNS), dofollow unless `nofollow`."""
    return (
        f"{source}, {target}, 1, CASE WHEN {nofollow} THEN 0 ELSE 1 END, {authority}, {anchor},"
        f" {nofollow}, {lost}, false"
    )


def _any_rel(c: dict[str, str]) -> str:
    """Not dofollow where any of the export's rel columns (nofollow, ugc, sponsored) says so."""
    rel = " OR ".join(_truthy(c[name]) for name in ("nofollow", "ugc", "sponsored") if name in c)
    return f"({rel})" if rel else "false"


def _ahrefs_lost(c: dict[str, str]) -> str:
    """Lost where Ahrefs' `Lost` column holds anything (the day it was lost)."""
    return f"coalesce(trim({_optional(c, 'lost')}), '') <> ''"


def _ahrefs_backlinks(c: dict[str, str]) -> str:
    return _one_link(
        c["referring page url"],
        c["target url"],
        _number(_optional(c, "domain rating")),
        _optional(c, "anchor"),
        _any_rel(c),
        _ahrefs_lost(c),
    )


def _ahrefs_refdomains(c: dict[str, str]) -> str:
    return (
        f"{c['domain']}, NULL, {_number(c['links to target'])}, {_number(c['dofollow links'])},"
        f" {_number(c['dr'])}, NULL, NULL, {_ahrefs_lost(c)}, true"
    )


def _semrush_backlinks(c: dict[str, str]) -> str:
    return _one_link(
        c["source url"],
        c["target url"],
        "NULL",
        _optional(c, "anchor"),
        _any_rel(c),
        _truthy(c["lost link"]),
    )


def _gsc_top_sites(c: dict[str, str]) -> str:
    count = _number(c["linking pages"])
    return f"{c['site']}, NULL, {count}, {count}, NULL, NULL, NULL, false, true"


def _gsc_latest_links(c: dict[str, str]) -> str:
    return f"{c['linking page']}, NULL, 1, 1, NULL, NULL, NULL, false, false"


def _generic(c: dict[str, str]) -> str:
    nofollow = _truthy(c["nofollow"]) if "nofollow" in c else "false"
    return _one_link(
        c["source_url"], c["target_url"], "NULL", _optional(c, "anchor"), nofollow, "false"
    )


# Most specific first: detection takes the first format whose columns are all present.
FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        "ahrefs-backlinks",
        "Ahrefs backlinks export",
        ("Referring page URL", "Target URL"),
        needs_site=False,
        authority_source="Ahrefs DR",
        select=_ahrefs_backlinks,
        date_columns=("Last seen", "Lost"),
    ),
    ExportFormat(
        "ahrefs-refdomains",
        "Ahrefs referring domains export",
        ("Domain", "DR", "Links to target", "Dofollow links"),
        needs_site=True,
        authority_source="Ahrefs DR",
        select=_ahrefs_refdomains,
        date_columns=("First seen", "Lost"),
    ),
    ExportFormat(
        "semrush-backlinks",
        "Semrush backlinks export",
        ("Source url", "Target url", "Lost link"),
        needs_site=False,
        authority_source=None,
        select=_semrush_backlinks,
        date_columns=("Last seen",),
    ),
    ExportFormat(
        "gsc-top-linking-sites",
        "Search Console top linking sites export",
        ("Site", "Linking pages"),
        needs_site=True,
        authority_source=None,
        select=_gsc_top_sites,
    ),
    ExportFormat(
        "gsc-latest-links",
        "Search Console latest links export",
        ("Linking page", "Last crawled"),
        needs_site=True,
        authority_source=None,
        select=_gsc_latest_links,
        date_columns=("Last crawled",),
    ),
    ExportFormat(
        "generic",
        "generic CSV (source_url,target_url[,nofollow])",
        ("source_url", "target_url"),
        needs_site=False,
        authority_source=None,
        select=_generic,
    ),
)
FORMAT_NAMES = tuple(fmt.name for fmt in FORMATS)


def format_named(name: str) -> ExportFormat:
    for fmt in FORMATS:
        if fmt.name == name.strip().lower():
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
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ExportError(
            f"{path} is a directory: name the export files in it (e.g. {path}/*.csv)"
        ) from None
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
    for fmt in FORMATS:
        if not fmt.missing(layout):
            return fmt
    shown = ", ".join(column.strip() for column in layout.columns[:6])
    raise UnknownFormatError(
        f"unrecognised export (columns: {shown}): expected an Ahrefs, Semrush, Search Console"
        " or generic source_url,target_url CSV"
    )


def check_columns(export: ExportFormat, layout: Layout, name: str) -> None:
    """A usage error if the file lacks a column `export` needs (a --format that does not fit)."""
    missing = export.missing(layout)
    if missing:
        names = " and ".join(f"'{column}'" for column in missing)
        raise UnknownFormatError(
            f"{name} has no {names} column{'s' if len(missing) > 1 else ''},"
            f" which --format {export.name} needs"
        )


def date_in_name(name: str) -> date | None:
    """The latest date a file name holds (`rival-a.com-backlinks_2026-12-01_10-26.csv`)."""
    dates = []
    for match in _DATE_IN_NAME.finditer(name):
        try:
            dates.append(date(int(match[1]), int(match[3]), int(match[4])))
        except ValueError:  # 2026-02-30
            continue
    return max(dates, default=None)


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


def diagnose(path: Path, encoding: str, layout: Layout) -> str | None:
    """Where and why a file is not the CSV its header promises ("line 12: unterminated
    quote"); None if Python's csv module reads it all.

    For the error of an import that DuckDB refused: DuckDB's messages quote the row (on
    CRLF files, in place of the reason), sometimes name no line, and count the columns of
    a long row only up to one too many. Line numbers count the file's lines, from 1 for
    the header, whatever their ends (LF or CRLF).
    """
    csv.field_size_limit(_FIELD_LIMIT)
    utf8 = encoding == "utf-8"
    with path.open(
        encoding="utf-8-sig" if utf8 else "utf-16",
        errors="surrogateescape" if utf8 else "strict",
        newline="",
    ) as handle:
        reader = csv.reader(handle, delimiter=layout.delimiter, strict=True)
        end = 0  # the last line of the rows read so far
        try:
            for row in reader:
                start, end = end + 1, reader.line_num
                problem = _row_problem(row, len(layout.columns), start, end)
                if problem is not None:
                    return problem
        except csv.Error as error:
            return f"line {end + 1}: {_csv_reason(str(error))}"
        except UnicodeDecodeError:  # UTF-16 only: the decoder reads ahead, so no line
            return "not UTF-16 text"
    return None


def _row_problem(row: list[str], columns: int, start: int, end: int) -> str | None:
    text = "\0".join(row)  # NUL: a separator no value holds (csv refuses it)
    undecodable = _UNDECODABLE.search(text)
    if undecodable is not None:
        line = start + text.count("\n", 0, undecodable.start())
        return f"line {line}: not UTF-8 text"
    if not row or len(row) == columns:  # a good row, or a blank line (DuckDB skips those)
        return None
    if end > start:  # a quoted value went on over line ends
        return f"line {start}: a quoted value runs on to line {end} (a quote is missing or extra)"
    return f"line {start}: expected {columns} columns, found {len(row)}"


def _csv_reason(message: str) -> str:
    """Python's csv error as a reader of the file would say it."""
    if message == "unexpected end of data":
        return "unterminated quote (the file ends inside a quoted value)"
    if message.startswith("line contains NUL"):
        return "a NUL byte (binary data)"
    if "expected after" in message:
        return "text after the closing quote of a value"
    return message
