"""What Gapbot's DuckDB code shares: a long statement's progress, one-line errors, literals,
rows written by COPY."""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

ProgressCallback = Callable[[float], None]
# What duckdb.connect takes as `config`: settings given when a database is opened.
DuckDBSettings = dict[str, str | bool | int | float | list[str]]


def sql_string(value: str) -> str:
    """A SQL string literal (for the places DuckDB takes no parameter, e.g. ATTACH)."""
    return "'" + value.replace("'", "''") + "'"


def scalar(connection: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The integer one query returns (a count, a sequence's next value)."""
    row = connection.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


# DuckDB's CSV error reasons, as a reader of the file would say them. Matched anywhere in
# the message: DuckDB puts the row it quotes before the reason, over several lines where
# the row has line ends (any row of a CRLF file).
_CSV_REASONS = (
    (re.compile(r"unterminated quote"), "unterminated quote"),
    (
        re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)"),
        "expected {} columns, found {}",
    ),
    (re.compile(r"not utf-8 encoded|Invalid unicode", re.IGNORECASE), "not UTF-8 text"),
    (re.compile(r"Maximum line size of (\d+) bytes exceeded"), "a line longer than {} bytes"),
)


def duckdb_reason(error: duckdb.Error) -> str:
    """DuckDB's errors run to many lines, and its CSV errors quote the row: keep where
    (the line) and what, in one line."""
    text = str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    where = re.search(r"CSV Error on Line: (\d+)", lines[0])
    if where is None:
        return lines[0].split("Error: ", 1)[-1]
    for pattern, reason in _CSV_REASONS:
        found = pattern.search(text)
        if found is not None:
            return f"line {where.group(1)}: {reason.format(*found.groups())}"
    return f"line {where.group(1)}: a malformed row"


def run_with_progress(
    connection: duckdb.DuckDBPyConnection,
    work: Callable[[], object],
    on_progress: ProgressCallback | None,
) -> None:
    """Run `work` in a thread and report DuckDB's query progress (0-100) while it runs."""
    if on_progress is None:
        work()
        return
    # DuckDB only tracks progress with its progress bar on; it prints nothing itself.
    connection.execute("SET enable_progress_bar = true")
    connection.execute("SET enable_progress_bar_print = false")
    failure: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as error:
            failure.append(error)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
            progress = connection.query_progress()
            if progress >= 0:
                on_progress(progress)
    except BaseException:
        # Ctrl-C, or a callback that gave up: stop the statement and wait for the worker,
        # or DuckDB refuses to close the busy connection and the process aborts at exit.
        connection.interrupt()
        worker.join()
        raise
    if failure:
        raise failure[0]
    on_progress(100.0)


@contextmanager
def written_rows(
    connection: duckdb.DuckDBPyConnection,
    rows: str,
    parameters: Mapping[str, object],
    options: str,
) -> Iterator[Path]:
    """The query `rows` written by DuckDB's COPY (e.g. `FORMAT csv, HEADER true`) to a
    temporary file, in the query's order; the file is removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix="gapbot-") as folder:
        path = Path(folder) / "rows"
        connection.execute("SET preserve_insertion_order = true")
        connection.execute(
            f"COPY ({rows}) TO {sql_string(str(path))} ({options})", dict(parameters)
        )
        yield path
