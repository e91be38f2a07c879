"""The `gapbot` command line: import, gaps, serve, demo. Parses, calls, prints."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bot.analysis import RunningAnalysis, running
from bot.config import ConfigError, Settings, load_settings
from bot.domains import DomainError, fold_domain
from bot.links.base import LinkSourceError
from bot.links.duckdb_tools import duckdb_reason
from bot.links.imports import ExportError, SiteRequiredError, UnknownFormatError
from bot.links.index import ImportReport, LinkIndex
from bot.links.sources import (
    DEFAULT_TEAM,
    TeamError,
    estimate_cost,
    open_index,
    open_source,
    team_named,
)
from bot.query import QueryError, make_query
from bot.render import (
    TABLE_DEFAULT_LIMIT,
    as_table,
    pipeline_csv,
    pipeline_json,
    pipeline_table,
    write_json,
)
from bot.sample import DEMO_COMPETITORS, DEMO_SITE, SAMPLE_LABEL, SamplePlan, write_ahrefs_exports

if TYPE_CHECKING:
    from bot.links.webgraph import ReleaseFiles

app = typer.Typer(
    help="Backlink gap analysis: who links to your competitors but not to you.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Piped output is not cut to 80 columns: scripts and CI logs read the whole table.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)

USAGE_ERRORS = (QueryError, UnknownFormatError, SiteRequiredError, DomainError)
FAILURES = (ExportError, LinkSourceError, ConfigError, OSError)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class Fail(Exception):
    """Ends the command with one line on stderr and an exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@contextmanager
def _errors_as_exit() -> Iterator[None]:
    try:
        yield
    except USAGE_ERRORS as error:
        raise Fail(str(error), 2) from None
    except FAILURES as error:
        raise Fail(str(error), 1) from None
    except duckdb.Error as error:  # a store that DuckDB cannot read or write
        raise Fail(
            f"the link data could not be read or written: {duckdb_reason(error)}", 1
        ) from None


@app.command("import")
def import_command(
    files: Annotated[
        list[Path], typer.Argument(help="Export files to import.", show_default=False)
    ],
    site: Annotated[
        str | None,
        typer.Option(
            help="Whose backlinks these are (required for exports without a target column)."
        ),
    ] = None,
    format_name: Annotated[
        str | None,
        typer.Option("--format", help="Skip detection: ahrefs-backlinks, semrush-backlinks, ..."),
    ] = None,
    team: Annotated[
        str | None,
        typer.Option(
            help="The Slack workspace (team id, e.g. T0123ABCD) these imports are for."
            " Default: the terminal's team, cli, which a one-workspace app also reads."
        ),
    ] = None,
) -> None:
    """Import backlink exports into the local link index (all or nothing, per file).

    The imports belong to a team: the Slack workspace --team names, or the terminal's
    own. Common Crawl web-graph files (RELEASE-domain-vertices/edges/ranks.txt.gz) are
    recognised by name and imported as that release of the web graph, which every
    team shares.
    """
    from bot.links.webgraph import web_graph_files

    with _errors_as_exit():
        team_id = _team(team)
        settings = load_settings()
        releases, exports = web_graph_files(files)
        for release in releases:
            _import_web_graph(settings, release)
        folded = fold_domain(site) if site else None
        index = open_index(settings, team_id)
        for path in exports:
            report = _import_one(index, path, folded, format_name)
            _print_import(report, team_id)


def _team(name: str | None) -> str:
    """The team `--team` names; a usage error if it names none."""
    try:
        return team_named(name)
    except TeamError as error:
        raise Fail(str(error), 2) from None


_IMPORT_COLUMNS = (
    TextColumn("[bold]{task.description}"),
    BarColumn(),
    TextColumn("{task.percentage:>3.0f}%"),
    TimeElapsedColumn(),
)


def _import_one(
    index: LinkIndex, path: Path, site: str | None, format_name: str | None
) -> ImportReport:
    if not path.is_file():
        raise Fail(f"{path}: no such file", 1)
    if not err.is_terminal:
        return index.import_file(path, site=site, format_name=format_name, on_wait=_waiting)
    with Progress(*_IMPORT_COLUMNS, console=err, transient=True) as progress:
        task = progress.add_task(f"Importing {path.name}", total=100)
        return index.import_file(
            path,
            site=site,
            format_name=format_name,
            on_progress=lambda percent: progress.update(task, completed=percent),
            on_wait=_waiting,
        )


def _waiting() -> None:
    err.print("waiting for another import to finish…", highlight=False)


def _import_web_graph(settings: Settings, files: ReleaseFiles) -> None:
    from bot.links.webgraph import WebGraph

    graph = WebGraph(settings.webgraph_path, memory_limit=settings.index_memory)
    with Progress(*_IMPORT_COLUMNS, console=err, disable=not err.is_terminal) as progress:
        task = progress.add_task(f"Importing {escape(files.release)}", total=100)

        def show(phase: str, percent: float) -> None:
            progress.update(
                task, description=f"{escape(files.release)}: {phase}", completed=percent
            )

        report = graph.import_release(
            files.vertices,
            files.edges,
            files.ranks,
            release=files.release,
            on_progress=show,
            on_wait=_waiting,
        )
    dated = f" (data of {report.release.date:%B %Y})" if report.release.date else ""
    out.print(
        f"[bold]{escape(report.release.name)}[/bold]{dated}: {_count(report.vertices, 'domain')},"
        f" {_count(report.edges, 'link')} imported in {report.seconds:.0f} s;"
        f" {_count(report.self_loops, 'link')} from a domain to itself skipped."
        f"\nIt is the live web graph now: gapbot gaps SITE vs COMPETITOR... --source webgraph",
        highlight=False,
    )


def _count(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"


def _print_import(report: ImportReport, team: str) -> None:
    for line in report.lines():
        out.print(line, markup=False, highlight=False)
    if team != DEFAULT_TEAM:
        out.print(f"  for team {team}", markup=False, highlight=False)


webgraph_app = typer.Typer(
    help="The Common Crawl web graph: the whole public web's domain links, free.",
    no_args_is_help=True,
)
app.add_typer(webgraph_app, name="webgraph")


@webgraph_app.command("download")
def webgraph_download_command(
    release: Annotated[
        str | None,
        typer.Argument(help="Release id, e.g. cc-main-2024-feb-apr-may (default: the latest)."),
    ] = None,
) -> None:
    """Download a release's domain graph into GAPBOT_HOME (resumes an interrupted download)."""
    from bot.links.webgraph_download import download_columns, download_release, plan_download

    with _errors_as_exit():
        settings = load_settings()
        plan = plan_download(settings.webgraph_url, settings.home, release)
        err.print(escape(plan.summary), highlight=False)
        with Progress(*download_columns(), console=err, disable=not err.is_terminal) as progress:
            task = progress.add_task(f"Downloading {plan.release}", total=plan.total_bytes)
            downloaded = download_release(
                plan,
                lambda done, total: progress.update(task, completed=done, total=total),
            )
        out.print(
            f"Downloaded {escape(downloaded.release)} into"
            f" {escape(str(downloaded.vertices.parent))}."
            f"\nNext: gapbot webgraph import {escape(downloaded.release)}",
            highlight=False,
        )


@webgraph_app.command("import")
def webgraph_import_command(
    release: Annotated[
        str | None,
        typer.Argument(help="A downloaded release (default: the one downloaded last)."),
    ] = None,
) -> None:
    """Import a downloaded release: it replaces the live web graph when it is complete."""
    from bot.links.webgraph_download import downloaded_release

    with _errors_as_exit():
        settings = load_settings()
        _import_web_graph(settings, downloaded_release(settings.home, release))


@app.command("gaps")
def gaps_command(
    sites: Annotated[
        list[str],
        typer.Argument(
            help="SITE [vs] COMPETITOR... (1 to 10 competitors, spaces or commas).",
            show_default=False,
        ),
    ],
    min_matches: Annotated[
        int, typer.Option(help="Only domains linking to at least N competitors.")
    ] = 1,
    dofollow_only: Annotated[
        bool, typer.Option("--dofollow-only", help="Count only dofollow links to competitors.")
    ] = False,
    sort: Annotated[str, typer.Option(help="matches, matches-asc or authority.")] = "matches",
    limit: Annotated[
        int | None,
        typer.Option(help="Show at most N (0: all; default 50 for table, all otherwise)."),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    source: Annotated[
        str | None,
        typer.Option(help="Link data source: local, dataforseo, ahrefs, semrush, moz."),
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Live providers: fetch again, ignoring the cache.")
    ] = False,
    team: Annotated[
        str | None,
        typer.Option(
            help="Run as this Slack workspace (team id), as its /gaps would: the imports it"
            " sees, and its budget for paid sources. Default: the terminal's team, cli."
        ),
    ] = None,
) -> None:
    """List the referring domains that link to competitors but not to SITE."""
    with _errors_as_exit():
        team_id = _team(team)
        chosen = _output_format(output)
        query = make_query(
            sites,
            min_matches=min_matches,
            dofollow_only=dofollow_only,
            sort=sort,
            limit=limit,
            source=source,
            refresh=refresh,
        )
        settings = load_settings()
        estimate = estimate_cost(
            query.source, settings, query.site, query.competitors, refresh=refresh, team_id=team_id
        )
        if estimate:
            err.print(f"cost estimate: {estimate}", highlight=False)
        source_used = open_source(query.source, settings, refresh=refresh, team_id=team_id)
        with running(query, source_used, settings.blocked_domains) as analysis:
            _print_analysis(analysis, chosen)


def _output_format(name: str) -> OutputFormat:
    try:
        return OutputFormat(name)
    except ValueError:
        raise QueryError(f"unknown format {name!r}: use table, json or csv") from None


def _print_analysis(analysis: RunningAnalysis, chosen: OutputFormat, title: str = "") -> None:
    for site, problem in analysis.provenance.failures.items():
        err.print(f"warning: {site}: {problem}", highlight=False)
    limit = analysis.query.limit
    if chosen is OutputFormat.JSON:
        write_json(analysis, sys.stdout, limit)
    elif chosen is OutputFormat.CSV:
        analysis.write_csv(sys.stdout, limit)
    else:
        report = analysis.report(TABLE_DEFAULT_LIMIT)
        out.print(as_table(report, report.opportunities, title))


@app.command("pipeline")
def pipeline_command(
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    team: Annotated[str | None, typer.Option(help="Only this Slack workspace (team id).")] = None,
) -> None:
    """Export the outreach pipeline: every targeted domain, its status, its next reminder and
    whether that reminder is being retried or was given up (with Slack's error)."""
    with _errors_as_exit():
        chosen = _output_format(output)
        settings = load_settings()
        # Imported here: the other commands never touch the app database.
        from sqlmodel import Session

        from bot.store.db import create_schema, make_engine
        from bot.store.outreach import pipeline_rows

        engine = make_engine(settings.app_database_url)
        create_schema(engine)
        with Session(engine) as session:
            rows = pipeline_rows(session, team)
        if chosen is OutputFormat.JSON:
            sys.stdout.write(pipeline_json(rows) + "\n")
        elif chosen is OutputFormat.CSV:
            sys.stdout.write(pipeline_csv(rows))
        else:
            out.print(pipeline_table(rows))


@app.command("serve")
def serve_command(
    socket: Annotated[
        bool | None,
        typer.Option(
            "--socket/--http",
            help="Socket Mode or HTTP (default: Socket Mode when SLACK_APP_TOKEN is set).",
        ),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            help="HTTP address to listen on (default: 127.0.0.1, this machine only). Use"
            " 0.0.0.0 when the proxy in front runs on another host or container.",
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="HTTP port.")] = 3000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="HTTP worker processes, each with its own app and reminder tick (every"
            " reminder is still sent once). Use PostgreSQL (GAPBOT_DATABASE_URL) for more"
            " than one.",
        ),
    ] = 1,
) -> None:
    """Run the Slack app: Socket Mode, or HTTP (POST /slack/events, GET /healthz)."""
    with _errors_as_exit():
        from bot.slack.server import serve

        serve(load_settings(), socket=socket, host=host, port=port, workers=workers)


@app.command("demo")
def demo_command() -> None:
    """Build a small sample index (generated on the spot) and print its gap table."""
    with _errors_as_exit():
        settings = load_settings()
        index = LinkIndex(settings.home / "demo" / "index")
        plan = SamplePlan(DEMO_SITE, DEMO_COMPETITORS, refdomains=400, links_per_site=1500)
        with tempfile.TemporaryDirectory() as folder:
            for path in write_ahrefs_exports(Path(folder), plan):
                index.import_file(path)
        query = make_query([plan.site, *plan.competitors], limit=25)
        with running(query, index) as analysis:
            _print_analysis(
                analysis,
                OutputFormat.TABLE,
                title=f"{SAMPLE_LABEL}\n{query.site} vs {', '.join(query.competitors)}",
            )
        out.print(
            f"Sample index: {index.path}\nNext: `gapbot import FILE...` with your own exports,"
            " then `gapbot gaps SITE vs COMPETITOR...`.",
            highlight=False,
        )


def main() -> None:
    try:
        app()
    except Fail as failure:
        err.print(f"gapbot: error: {failure}", highlight=False, markup=False)
        sys.exit(failure.status)
