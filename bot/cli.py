"""The `gapbot` command line: import, index, gaps, watch, links, webgraph, verify, pipeline,
report, serve."""

from __future__ import annotations

import json
import shlex
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from enum import StrEnum
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from typer._click import Context, HelpFormatter, Parameter
from typer.core import TyperArgument, TyperCommand

from bot.charts import report_png, upset_png
from bot.config import ConfigError, Settings, load_settings
from bot.domains import DomainError, fold_domain, shown_domain
from bot.engine import PROVE_MAX_LOOKUPS, RunningAnalysis, running
from bot.gaps import Opportunity
from bot.links.base import LINKING_PAGES_SHOWN, LinkSourceError
from bot.links.duckdb_tools import duckdb_reason
from bot.links.imports import (
    FORMAT_NAMES,
    ExportError,
    SiteRequiredError,
    UnknownFormatError,
    format_named,
)
from bot.links.index import LinkIndex
from bot.links.index_db import Holding
from bot.links.index_import import ImportReport
from bot.links.sources import (
    DEFAULT_TEAM,
    TeamError,
    estimate_cost,
    open_index,
    open_source,
    source_names,
    team_named,
)
from bot.outreach.report import DEFAULT_PERIOD_DAYS, Report, default_since
from bot.query import (
    GapQuery,
    QueryError,
    gap_text,
    make_links_query,
    make_query,
    parse_watch_words,
)
from bot.render import (
    TABLE_DEFAULT_LIMIT,
    as_table,
    changes_json,
    changes_tables,
    describe_watch,
    link_check_json,
    link_checks_table,
    links_json,
    links_tables,
    pipeline_csv,
    pipeline_json,
    pipeline_table,
    report_csv,
    report_json,
    report_table,
    watches_json,
    watches_table,
    write_json,
)
from bot.sample import DEMO_COMPETITORS, DEMO_SITE, SAMPLE_LABEL, SamplePlan, write_ahrefs_exports
from bot.wording import counted

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.links.provider_store import ProviderStore, StoreOpener
    from bot.links.webgraph import ReleaseFiles
    from bot.services.runs import Runner
    from bot.services.watches import WatchRun
    from bot.store.analyses import AnalysisRecord
    from bot.store.watches import Watch

app = typer.Typer(
    help="Backlink gap analysis: who links to your competitors but not to you.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Help is plain text: rich markup would eat `[vs]` in `SITE [vs] COMPETITOR...`.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
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


SOURCE_HELP = f"Link data source: {', '.join(source_names())} (default: GAPBOT_LINK_SOURCE)."


def _show_version(wanted: bool) -> None:
    if wanted:
        out.print(f"gapbot {version('gapbot')}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def gapbot(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_show_version, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Backlink gap analysis: who links to your competitors but not to you."""


class GapbotCommand(TyperCommand):
    """A command whose help reads like the README: `SITE [vs] COMPETITOR...` as written,
    options by name (`--limit N`), and no type labels (`<int>`, `{files}`)."""

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                pieces.append(_argument_name(param))
        return pieces

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                arguments.append((_argument_name(param), record[1]))
            else:
                options.append((_option_names(param), record[1]))
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _argument_name(argument: TyperArgument) -> str:
    name = argument.metavar
    if name is None:
        name = (argument.name or "").upper() + ("..." if argument.nargs != 1 else "")
    return name if argument.required else f"[{name}]"


def _option_names(option: Parameter) -> str:
    """`-h, --help`, `--socket / --http`, `--limit N`: the short form first, then a value's
    name (its metavar, else the option's name)."""
    names = ", ".join(sorted(option.opts, key=lambda name: name.startswith("--")))
    if option.secondary_opts:
        names += " / " + ", ".join(option.secondary_opts)
    if not getattr(option, "is_flag", False):
        long_name = max(option.opts, key=len).lstrip("-")
        names += " " + (option.metavar or long_name.upper().replace("-", "_"))
    return names


class Fail(Exception):
    """Ends the command with one line on stderr and an exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@contextmanager
def _errors_as_exit() -> Iterator[None]:
    try:
        yield
    except (*USAGE_ERRORS, *FAILURES, duckdb.Error) as error:
        raise _failure(error) from None


def _failure(error: Exception) -> Fail:
    """How a command ends for `error`: its sentence, and 2 for a usage error."""
    if isinstance(error, USAGE_ERRORS):
        return Fail(str(error), 2)
    if isinstance(error, duckdb.Error):  # a store that DuckDB cannot read or write
        return Fail(f"the link data could not be read or written: {duckdb_reason(error)}", 1)
    return Fail(str(error), 1)


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
        typer.Option(
            "--format", metavar="FORMAT", help=f"Skip detection: {', '.join(FORMAT_NAMES)}."
        ),
    ] = None,
    team: Annotated[
        str | None,
        typer.Option(
            help="The Slack workspace (team id, e.g. T0123ABCD) these imports are for."
            f" Default: the terminal's team, {DEFAULT_TEAM}, which a one-workspace app also reads."
        ),
    ] = None,
) -> None:
    """Import backlink exports into the local link index (all or nothing, per file).

    A file that fails does not stop the others; the command then ends with the list of
    the files that failed and why. Newer wins: an export replaces the held exports of
    the same site in the same format that are not newer than it (by the export's own
    date), and `gapbot index` lists what is held.

    The imports belong to a team: the Slack workspace --team names, or the terminal's
    own. Common Crawl web-graph files (RELEASE-domain-vertices/edges/ranks.txt.gz) are
    recognised by name and imported as that release of the web graph, which every
    team shares.
    """
    from bot.links.webgraph import web_graph_files

    with _errors_as_exit():
        team_id = _team(team)
        settings = load_settings()
        folded = fold_domain(site) if site else None
        if format_name is not None:
            format_named(format_name)  # a usage error before any file is read
        releases, exports = web_graph_files(files)
        for release in releases:
            _import_web_graph(settings, release)
        index = open_index(settings, team_id)
        failures: list[tuple[Path, Fail]] = []
        for path in exports:
            try:
                report = _import_one(index, path, folded, format_name)
            except _FILE_FAILURES as error:
                failures.append((path, _failure(error)))
                continue
            _print_import(report, team_id)
        if failures:
            raise _import_failed(failures, len(exports))


def _team(name: str | None) -> str:
    """The team `--team` names; a usage error if it names none."""
    try:
        return team_named(name)
    except TeamError as error:
        raise Fail(str(error), 2) from None


# What fails one file of an import, and not the files after it.
_FILE_FAILURES = (ExportError, LinkSourceError, OSError, duckdb.Error)


def _import_failed(failures: Sequence[tuple[Path, Fail]], files: int) -> Fail:
    """One file: its own error. Several: which failed and why, one line each (exit 1)."""
    if files == 1:
        return failures[0][1]
    others = " (the others were)" if len(failures) < files else ""
    lines = [f"{len(failures)} of {files} files were not imported{others}:"]
    for path, failure in failures:
        message = str(failure)
        named = message if message.startswith((path.name, str(path))) else f"{path}: {message}"
        lines.append(f"  {named}")
    return Fail("\n".join(lines), 1)


_IMPORT_COLUMNS = (
    TextColumn("[bold]{task.description}"),
    BarColumn(),
    TextColumn("{task.percentage:>3.0f}%"),
    TimeElapsedColumn(),
)


def _import_one(
    index: LinkIndex, path: Path, site: str | None, format_name: str | None
) -> ImportReport:
    if not err.is_terminal:
        return index.import_file(path, site=site, format_name=format_name, on_wait=_waiting)
    with Progress(*_IMPORT_COLUMNS, console=err, transient=True) as progress:
        task = progress.add_task(f"Importing {escape(path.name)}", total=100)
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


index_app = typer.Typer(
    help="What the local link index holds for a team; remove a site's data from it.",
    invoke_without_command=True,
)
app.add_typer(index_app, name="index")

IndexFormatOption = Annotated[
    str, typer.Option("--format", metavar="FORMAT", help="table or json.")
]
IndexTeamOption = Annotated[
    str | None,
    typer.Option(
        metavar="TEAM",
        help="The Slack workspace (team id) whose imports these are. Default: the"
        f" terminal's team, {DEFAULT_TEAM}.",
    ),
]


@index_app.callback()
def index_callback(
    context: typer.Context, output: IndexFormatOption = "table", team: IndexTeamOption = None
) -> None:
    """What the local link index holds for a team (gapbot index = gapbot index list)."""
    if context.invoked_subcommand is None:
        _list_index(output, team)


@index_app.command("list")
def index_list_command(output: IndexFormatOption = "table", team: IndexTeamOption = None) -> None:
    """List what the index holds: per site, each source's export with its date (and what
    gave it), its live and lost links, its file and when it was imported."""
    _list_index(output, team)


def _list_index(output: str, team: str | None) -> None:
    with _errors_as_exit():
        team_id = _team(team)
        chosen = _output_format(output, (OutputFormat.TABLE, OutputFormat.JSON))
        holdings = open_index(load_settings(), team_id).holdings()
        if chosen is OutputFormat.JSON:
            sys.stdout.write(json.dumps([_holding_json(held) for held in holdings]) + "\n")
        elif holdings:
            out.print(_holdings_table(holdings, team_id))
        else:
            out.print(
                Text(f"The link index holds nothing for team {team_id}: gapbot import FILE...")
            )


def _holding_json(held: Holding) -> dict[str, object]:
    return {
        "site": held.site,
        "source": held.format,
        "export_date": held.export_date.isoformat(),
        "dated_by": held.dated_by,
        "links": held.links,
        "lost_links": held.lost_links,
        "file": held.file,
        "imported_at": held.imported_at.isoformat(timespec="seconds"),
    }


def _holdings_table(holdings: Sequence[Holding], team: str) -> Table:
    sites = len({held.site for held in holdings})
    table = Table(
        title=Text(
            f"Link index of team {team}: {_count(sites, 'site')}, {_count(len(holdings), 'export')}"
        )
    )
    for name in ("Site", "Source", "Export date", "Dated by", "Links", "Lost", "File", "Imported"):
        table.add_column(name, justify="right" if name in ("Links", "Lost") else "left")
    for held in holdings:
        table.add_row(
            *(
                Text(cell)
                for cell in (
                    held.site,
                    held.format,
                    held.export_date.isoformat(),
                    held.dated_by,
                    f"{held.links:,}",
                    f"{held.lost_links:,}",
                    held.file,
                    f"{held.imported_at:%Y-%m-%d %H:%M}",
                )
            )
        )
    return table


@index_app.command("remove")
def index_remove_command(
    site: Annotated[str, typer.Argument(metavar="SITE", help="The site whose data goes.")],
    source: Annotated[
        str | None,
        typer.Option(
            metavar="SOURCE",
            help=f"Only from this source's exports: {', '.join(FORMAT_NAMES)} (default: all).",
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Remove without asking.")] = False,
    team: IndexTeamOption = None,
) -> None:
    """Remove a site's data from the team's index (from every source, or from one), after
    asking (or with --yes)."""
    with _errors_as_exit():
        team_id = _team(team)
        folded = fold_domain(site)
        chosen = _index_source(source)
        index = open_index(load_settings(), team_id)
        held = [h for h in index.holdings(folded) if chosen in (None, h.format)]
        what = f"{folded}'s data{f' from {chosen}' if chosen else ''}"
        if not held:
            raise Fail(f"the link index of team {team_id} holds none of {what}", 1)
        if not yes:
            lines = [f"This removes from the link index of team {team_id}:"]
            lines += [f"  {item.site} from {item.format}: {item.describe()}" for item in held]
            _confirm_removal(what, lines)
        for removed in index.remove(folded, chosen):
            out.print(Text(f"Removed {removed.site} from {removed.format}: {removed.describe()}"))


def _index_source(name: str | None) -> str | None:
    """The export format `--source` names (None: every one)."""
    if name is None:
        return None
    chosen = name.strip().lower()
    if chosen not in FORMAT_NAMES:
        raise QueryError(f"unknown source {name!r}: use one of {', '.join(FORMAT_NAMES)}")
    return chosen


def _confirm_removal(what: str, lines: Sequence[str]) -> None:
    """Ask on the terminal before removing `what` (`lines` say what goes)."""
    if not sys.stdin.isatty():
        raise Fail(f"removing {what} needs a yes: run it in a terminal, or add --yes", 2)
    for line in lines:
        err.print(Text(line))
    # Asked on stderr and read here, not with click's prompt, which writes to stdout.
    err.print("Remove? [y/N] ", end="", markup=False, highlight=False)
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise Fail("nothing removed", 1)


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
            metavar="SITE [vs] COMPETITOR...",
            help="Your site, then 1 to 10 competitors (spaces or commas; vs is optional).",
            show_default=False,
        ),
    ],
    min_matches: Annotated[
        int, typer.Option(metavar="N", help="Only domains linking to at least N competitors.")
    ] = 1,
    dofollow_only: Annotated[
        bool, typer.Option("--dofollow-only", help="Count only dofollow links to competitors.")
    ] = False,
    sort: Annotated[
        str, typer.Option(metavar="ORDER", help="matches, matches-asc or authority.")
    ] = "matches",
    limit: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help=f"Show at most N (0: all; default {TABLE_DEFAULT_LIMIT} for table, all"
            " otherwise).",
        ),
    ] = None,
    output: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="table, json or csv.")
    ] = "table",
    source: Annotated[str | None, typer.Option(metavar="SOURCE", help=SOURCE_HELP)] = None,
    min_authority: Annotated[
        int,
        typer.Option(
            metavar="N",
            help="Only domains whose authority is N or more (0-100). Above 0, domains of"
            " unknown authority are left out too.",
        ),
    ] = 0,
    tld: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LIST",
            help="Only domains under these TLDs or suffixes, comma-separated (de,at,co.uk);"
            " a leading - leaves one out instead (-ru,-cn). Repeatable.",
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            metavar="PATTERN|@FILE",
            help="Leave out a domain or a glob pattern (*.blogspot.com, *casino*), or every"
            " one listed in FILE (one per line, # comments; a disavow file works). Repeatable.",
        ),
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Live providers: fetch again, ignoring the cache.")
    ] = False,
    team: Annotated[
        str | None,
        typer.Option(
            metavar="TEAM",
            help="Run as this Slack workspace (team id), as its /gaps would: the imports it"
            " sees, and its budget for paid sources. Default: the terminal's team,"
            f" {DEFAULT_TEAM}.",
        ),
    ] = None,
    site_source: Annotated[
        str | None,
        typer.Option(
            metavar="SOURCE",
            help="Take SITE's own links from these sources (local, dataforseo, ahrefs; several:"
            " their union), the competitors' from --source, which is then not asked (nor paid)"
            " for SITE unless listed: a domain linking to SITE in any of them is not a gap.",
        ),
    ] = None,
    prove: Annotated[
        bool,
        typer.Option(
            "--prove",
            help="Where SITE's profile was cut off, look up whether each unproven gap links to"
            f" SITE (one paid request each, at most {PROVE_MAX_LOOKUPS}, within the budget).",
        ),
    ] = False,
    chart: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE.png",
            help="Also draw how the competitors' referring domains overlap (an UpSet chart)"
            " into FILE.png.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Show what changed since the team's stored analysis of the same sites,"
            " sources and filters made on or before DATE (YYYY-MM-DD, UTC): new gaps, domains"
            " now linking to SITE, links the competitors lost. Table or json.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """List the referring domains that link to competitors but not to SITE. Each analysis
    is stored (under GAPBOT_HOME, for the team) so that a later one can say what changed
    (--since)."""
    with _errors_as_exit():
        team_id = _team(team)
        formats = tuple(OutputFormat) if since is None else (OutputFormat.TABLE, OutputFormat.JSON)
        chosen = _output_format(output, formats)
        query = make_query(
            sites,
            min_matches=min_matches,
            dofollow_only=dofollow_only,
            sort=sort,
            limit=limit,
            source=source,
            refresh=refresh,
            min_authority=min_authority,
            site_source=site_source,
            prove=prove,
            tlds=tld or (),
            excluded=exclude or (),
            read=_read_patterns,
        )
        settings = load_settings()
        runner = _runner(settings)
        estimate = estimate_cost(
            query.source,
            settings,
            query.site,
            query.competitors,
            _provider_store(settings, runner.engine),
            refresh=refresh,
            team_id=team_id,
            site_source=query.site_source,
        )
        if estimate:
            err.print(f"cost estimate: {estimate}", markup=False, highlight=False)
        from bot.services.runs import new_analysis
        from bot.store.watches import TERMINAL

        compared = None if since is None else _compared_with(runner, team_id, query, since)
        with (
            runner.recorded(new_analysis(team_id, TERMINAL, "", query)) as analysis_id,
            runner.storing(team_id, analysis_id, query) as analysis,
        ):
            if compared is None:
                _print_analysis(analysis, chosen)
            else:
                _print_changes(runner, team_id, analysis, analysis_id, compared, chosen)
            if chart is not None:
                _write_chart(chart, upset_png(analysis.overlap()))


def _app_engine(settings: Settings) -> Engine:
    """The app database, created or migrated first."""
    # Imported here: only the commands that keep or read the app's records load SQLAlchemy.
    from bot.store.db import create_schema, make_engine

    engine = make_engine(settings.app_database_url)
    create_schema(engine)
    return engine


def _provider_store(settings: Settings, engine: Engine | None = None) -> StoreOpener:
    """Where live providers keep their answers and spend: the app database (`engine`, or
    made when first opened: the local sources never touch it)."""

    def opened() -> ProviderStore:
        from bot.store.cache import ProviderTables

        return ProviderTables(_app_engine(settings) if engine is None else engine)

    return opened


def _runner(settings: Settings) -> Runner:
    """Analyses for the record in the app database."""
    from bot.services.deps import Services

    return Services.of(settings, _app_engine(settings)).runner


def _compared_with(runner: Runner, team_id: str, query: GapQuery, since: str) -> AnalysisRecord:
    """`--since DATE`: the team's latest stored analysis of the same rows made on or before
    DATE (UTC); a failure in one sentence if there is none."""
    day = _date(since)
    found = runner.stored_before(team_id, query, datetime.combine(day, time.max, UTC))
    if found is None:
        raise Fail(
            f"team {team_id} has no stored analysis of {query.site} vs"
            f" {', '.join(query.competitors)} with these sources and filters made on or before"
            f" {day.isoformat()}: run it without --since first",
            1,
        )
    return found


def _print_changes(
    runner: Runner,
    team_id: str,
    analysis: RunningAnalysis,
    analysis_id: int,
    compared: AnalysisRecord,
    chosen: OutputFormat,
) -> None:
    """What changed since `compared`, this run being stored as `analysis_id`: the first
    new gaps within --limit (default 50 for the table, all for json), and the counts."""
    query = analysis.query
    default = TABLE_DEFAULT_LIMIT if chosen is OutputFormat.TABLE else None
    limit = query.limit if query.limit is not None else default
    changes = analysis.changes_since(
        runner.stored_result(team_id, compared.rows_id),
        runner.stored_result(team_id, analysis_id),
        shown=limit or None,
    )
    if chosen is OutputFormat.JSON:
        sys.stdout.write(changes_json(query, changes, compared) + "\n")
        return
    heading = f"Since analysis {compared.id} of {compared.created_at:%Y-%m-%d %H:%M} UTC"
    for part in changes_tables(query, changes, analysis.provenance, heading, out.width):
        out.print(part)


def _write_chart(path: Path, png: bytes) -> None:
    """Write a chart whole or not at all, and say where it went."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(png)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise Fail(f"cannot write the chart to {path}: {error.strerror or error}", 1) from None
    err.print(f"chart written to {path}", markup=False, highlight=False)


def _read_patterns(name: str) -> str:
    """The text of an `--exclude @FILE` file."""
    try:
        return Path(name).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise QueryError(f"--exclude @{name}: not UTF-8 text") from None
    except OSError as error:
        raise QueryError(f"--exclude @{name}: {error.strerror or error}") from None


def _output_format(name: str, allowed: Sequence[OutputFormat]) -> OutputFormat:
    chosen = name.strip().lower()
    if chosen not in allowed:
        names = [choice.value for choice in allowed]
        choices = f"{', '.join(names[:-1])} or {names[-1]}"
        raise QueryError(f"unknown format {name!r}: use {choices}")
    return OutputFormat(chosen)


def _print_analysis(analysis: RunningAnalysis, chosen: OutputFormat) -> None:
    for site, problem in analysis.provenance.failures.items():
        err.print(f"warning: {site}: {problem}", markup=False, highlight=False)
    limit = analysis.query.limit
    if chosen is OutputFormat.JSON:
        write_json(analysis, sys.stdout, limit)
    elif chosen is OutputFormat.CSV:
        analysis.write_csv(sys.stdout, limit)
    else:
        report = analysis.report(TABLE_DEFAULT_LIMIT)
        out.print(as_table(report, report.opportunities, out.width))


watch_app = typer.Typer(
    help="Watches: an analysis re-run every day, week or month; run-due prints what changed.",
    no_args_is_help=True,
)
app.add_typer(watch_app, name="watch")

WatchTeamOption = Annotated[
    str | None,
    typer.Option(
        metavar="TEAM",
        help="The Slack workspace (team id) whose watches these are, and as which the"
        f" analyses run. Default: the terminal's team, {DEFAULT_TEAM}.",
    ),
]


@watch_app.command("add", context_settings={"ignore_unknown_options": True})
def watch_add_command(
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="SITE [vs] COMPETITOR... [--every day|week|month] [GAPS OPTIONS]",
            help="The analysis as gapbot gaps takes it (--min-matches, --dofollow-only, --sort,"
            " --source, --site-source, --prove, --min-authority, --tld, --exclude), and how"
            " often it runs (default: week).",
            show_default=False,
        ),
    ],
    team: WatchTeamOption = None,
) -> None:
    """Watch an analysis: `gapbot watch run-due` (from cron, say) runs it when due and
    prints what changed since its previous run. The first run says what it starts from."""
    with _errors_as_exit():
        from bot.services.watches import add_watch
        from bot.store.watches import TERMINAL

        team_id = _team(team)
        query, every = parse_watch_words(words, read=_read_patterns)
        runner = _runner(load_settings())
        watch = add_watch(runner.engine, team_id, TERMINAL, "", query, every)
        out.print(
            Text(
                f"Watch {watch.id} added for team {team_id}: {gap_text(query)}, every"
                f" {every}. It is due now: gapbot watch run-due runs it."
            )
        )


@watch_app.command("list")
def watch_list_command(
    output: Annotated[str, typer.Option("--format", metavar="FORMAT", help="table or json.")] = (
        "table"
    ),
    team: WatchTeamOption = None,
) -> None:
    """List the team's watches: the terminal's and its Slack channels', with their schedule,
    their last run and whether they are paused."""
    with _errors_as_exit():
        from bot.services.watches import team_watches

        team_id = _team(team)
        chosen = _output_format(output, (OutputFormat.TABLE, OutputFormat.JSON))
        watches = team_watches(_app_engine(load_settings()), team_id)
        if chosen is OutputFormat.JSON:
            sys.stdout.write(watches_json(watches) + "\n")
        elif watches:
            out.print(watches_table(watches))
        else:
            out.print(
                Text(f"Team {team_id} has no watches: gapbot watch add SITE vs COMPETITOR...")
            )


@watch_app.command("remove")
def watch_remove_command(
    watch_id: Annotated[int, typer.Argument(metavar="ID", help="The watch (see watch list).")],
    yes: Annotated[bool, typer.Option("--yes", help="Remove without asking.")] = False,
    team: WatchTeamOption = None,
) -> None:
    """Remove one of the team's watches, after asking (or with --yes). Its stored analyses
    stay."""
    with _errors_as_exit():
        from bot.services.watches import get_watch, remove_watch

        team_id = _team(team)
        engine = _app_engine(load_settings())
        watch = get_watch(engine, team_id, watch_id)
        if watch is None:
            raise Fail(f"team {team_id} has no watch {watch_id}: gapbot watch list shows them", 1)
        described = f"watch {watch_id} ({describe_watch(watch)})"
        if not yes:
            _confirm_removal(described, [f"This removes {described} of team {team_id}."])
        remove_watch(engine, team_id, watch_id)
        out.print(Text(f"Removed {described}."))


@watch_app.command("run-due")
def watch_run_due_command(team: WatchTeamOption = None) -> None:
    """Run the team's due terminal watches, each once however many run at the same time,
    and print what changed (nothing when none is due). Exit status 0; a failing watch is
    retried at later runs and said once. For cron: 0 * * * * gapbot watch run-due"""
    with _errors_as_exit():
        from bot.services.watches import WatchTick
        from bot.store.watches import in_terminal

        team_id = _team(team)
        ran = WatchTick(_runner(load_settings()), PrintedNews(), only=in_terminal(team_id))()
        if not ran and sys.stdout.isatty():
            out.print("No watch was due.", markup=False, highlight=False)


class PrintedNews:
    """What `gapbot watch run-due` prints of each run (bot.services.watches.WatchNews)."""

    def changed(self, run: WatchRun, next_run: datetime) -> None:
        head = f"Watch {run.watch.id} ({describe_watch(run.watch)})"
        if run.previous is None or run.changes is None:
            total = counted(run.analysis.total, "gap")
            out.print(
                Text(f"{head}: the first run, starting from {total}; next run {next_run:%Y-%m-%d}")
            )
            return
        heading = f"{head}, since {run.previous.created_at:%Y-%m-%d %H:%M} UTC"
        for part in changes_tables(run.query, run.changes, run.provenance, heading, out.width):
            out.print(part)

    def not_run(self, watch: Watch, reason: str, *, over_budget: bool, next_run: datetime) -> None:
        what = "skipped" if over_budget else "failed (retried at later runs)"
        err.print(Text(f"watch {watch.id} ({describe_watch(watch)}) {what}: {reason}"))

    def paused(self, watch: Watch, reason: str) -> None:
        err.print(Text(f"watch {watch.id} ({describe_watch(watch)}) paused: {reason}"))


@app.command("links")
def links_command(
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="DOMAIN SITE [vs] COMPETITOR...",
            help="A referring domain (from a gaps table), then the analysis as gaps takes it.",
            show_default=False,
        ),
    ],
    limit: Annotated[
        int, typer.Option(metavar="N", min=1, help="Pages shown per competitor.")
    ] = LINKING_PAGES_SHOWN,
    output: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="table or json.")
    ] = "table",
    source: Annotated[str | None, typer.Option(metavar="SOURCE", help=SOURCE_HELP)] = None,
    team: Annotated[
        str | None,
        typer.Option(
            metavar="TEAM",
            help="Read as this Slack workspace (team id). Default: the terminal's team,"
            f" {DEFAULT_TEAM}.",
        ),
    ] = None,
) -> None:
    """Show the exact pages of DOMAIN that link to each competitor, with anchor text and rel,
    as the Links button does in Slack."""
    with _errors_as_exit():
        team_id = _team(team)
        chosen = _output_format(output, (OutputFormat.TABLE, OutputFormat.JSON))
        query = make_links_query(words, source=source)
        settings = load_settings()
        source_used = open_source(
            query.source, settings, _provider_store(settings), team_id=team_id
        )
        pages = source_used.linking_urls(query.domain, query.competitors, limit)
        if chosen is OutputFormat.JSON:
            sys.stdout.write(links_json(query, pages, source_used.name) + "\n")
            return
        out.print(
            Text(
                f"Pages on {shown_domain(query.domain)} that link to the competitors of"
                f" {shown_domain(query.site)} (source: {source_used.name})"
            )
        )
        for table in links_tables(query, pages):
            out.print(table)


@app.command("pipeline")
def pipeline_command(
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    team: Annotated[str | None, typer.Option(help="Only this Slack workspace (team id).")] = None,
    chart: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE.png",
            help=f"Also draw the domains in each status, day by day over the last"
            f" {DEFAULT_PERIOD_DAYS} days, into FILE.png.",
        ),
    ] = None,
) -> None:
    """Export the outreach pipeline: every targeted domain, its status, its next reminder and
    whether that reminder is being retried or was given up (with Slack's error)."""
    with _errors_as_exit():
        chosen = _output_format(output, tuple(OutputFormat))
        from bot.services import reports

        engine = _app_engine(load_settings())
        rows = reports.pipeline_now(engine, team)
        if chosen is OutputFormat.JSON:
            sys.stdout.write(pipeline_json(rows) + "\n")
        elif chosen is OutputFormat.CSV:
            sys.stdout.write(pipeline_csv(rows))
        else:
            out.print(pipeline_table(rows))
        if chart is not None:
            _write_chart(chart, reports.pipeline_chart(engine, team))


@app.command("report")
def report_command(
    since: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Count the prospects first drafted on or after DATE (YYYY-MM-DD, UTC)."
            f" Default: {DEFAULT_PERIOD_DAYS} days ago.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    team: Annotated[
        str | None, typer.Option(metavar="TEAM", help="Only this Slack workspace (team id).")
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE.png",
            help="Also draw, per group, the prospects sent, replied and won into FILE.png.",
        ),
    ] = None,
) -> None:
    """What works in outreach: per template, match count, authority band and owner, the
    prospects drafted, sent, replied, won and lost, the reply and win rates, and the median
    time from the first email to a reply. The README defines each figure."""
    with _errors_as_exit():
        chosen = _output_format(output, tuple(OutputFormat))
        start = _since(since)
        if team is not None:
            _team(team)
        report = _outreach_report(load_settings(), team, start)
        if chosen is OutputFormat.JSON:
            sys.stdout.write(report_json(report) + "\n")
        elif chosen is OutputFormat.CSV:
            sys.stdout.write(report_csv(report))
        else:
            out.print(report_table(report))
        if chart is not None:
            _write_chart(chart, report_png(report))


def _since(text: str | None) -> date:
    """The first day `--since` names (default: DEFAULT_PERIOD_DAYS ago); a usage error if it
    names none, or one still to come."""
    today = datetime.now(UTC).date()
    if text is None:
        return default_since(today)
    since = _date(text)
    if since > today:
        raise Fail(f"--since {since.isoformat()} is in the future: nothing was drafted yet", 2)
    return since


def _date(text: str) -> date:
    """The day `--since` names; a usage error if it names none."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        example = datetime.now(UTC).date().isoformat()
        raise Fail(f"--since takes a date such as {example}, not {text!r}", 2) from None


def _outreach_report(settings: Settings, team: str | None, since: date) -> Report:
    """The outreach report of one workspace or (None) all, as plain data: the table, JSON and
    CSV are drawn from it."""
    from bot.services.reports import what_works
    from bot.store.results import ResultFiles

    engine = _app_engine(settings)
    try:
        return what_works(engine, ResultFiles(settings.results_path), team, since)
    finally:
        engine.dispose()


@app.command("verify")
def verify_command(
    url: Annotated[
        str | None,
        typer.Argument(metavar="URL", help="A page that should link to SITE.", show_default=False),
    ] = None,
    site: Annotated[
        str | None, typer.Option(metavar="SITE", help="The site the page should link to.")
    ] = None,
    output: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="table or json.")
    ] = "table",
) -> None:
    """Check one page now: does it link to SITE, and does that link count? Verdict: live,
    nofollow, noindex, missing, unreachable, or refused (exit 2: a URL Gapbot may not
    fetch). Without URL: run every won link's check that is due, in every workspace. Pages
    are fetched politely: robots.txt honoured, one request per host every few seconds."""
    with _errors_as_exit():
        chosen = _output_format(output, (OutputFormat.TABLE, OutputFormat.JSON))
        if url is None:
            if site is not None:
                raise QueryError("--site goes with a URL: gapbot verify URL --site SITE")
            _verify_due(chosen)
            return
        if site is None:
            raise QueryError("--site is required: the site the page should link to")
        folded = fold_domain(site)
        if "://" not in url:
            raise QueryError(f"{url!r}: give the page's whole URL, such as https://{url}")
        # Imported here: only this command fetches pages.
        from bot.fetch import Fetcher
        from bot.verify import Verdict, check_page

        with Fetcher.from_settings(load_settings()) as fetcher:
            check = check_page(fetcher, url, folded)
    if chosen is OutputFormat.JSON:
        sys.stdout.write(json.dumps(check.as_json(), ensure_ascii=False) + "\n")
    else:
        for line in check.lines():
            out.print(line, markup=False, highlight=False)
    if check.verdict is Verdict.REFUSED:
        raise Fail(f"refused: {check.reason}", 2)


def _verify_due(chosen: OutputFormat) -> None:
    """Every won link due for a check, checked now (JSON: one document per check, as it
    is made); owners get the same DMs as from `gapbot serve` when Slack is set up."""
    # Imported here: only this command checks won links.
    from bot.services.link_checks import CheckedLink, LinkCheckTick
    from bot.slack.app import configured_clients
    from bot.slack.won.delivery import link_news
    from bot.store.hosts import shared_fetcher

    settings = load_settings()
    engine = _app_engine(settings)
    clients = configured_clients(settings, engine)
    tell_owner = link_news(clients) if clients is not None else None
    checked: list[CheckedLink] = []

    def report(one: CheckedLink) -> None:
        checked.append(one)
        if chosen is OutputFormat.JSON:
            sys.stdout.write(link_check_json(one) + "\n")
            sys.stdout.flush()
        if tell_owner is not None:
            tell_owner(one)

    with shared_fetcher(settings, engine) as fetcher:
        LinkCheckTick(engine, fetcher, report)()
    if chosen is OutputFormat.TABLE:
        if checked:
            out.print(link_checks_table(checked))
        else:
            out.print("No won link is due for a check.", markup=False, highlight=False)
    if tell_owner is None and checked:
        err.print(
            "Slack is not set up, so owners were not told in Slack; `gapbot pipeline` shows"
            " the links at risk.",
            markup=False,
            highlight=False,
        )


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
        # The demo's own GAPBOT_HOME, beside the user's: its index is where a command run
        # with GAPBOT_HOME set to it finds one (Settings.index_path).
        home = load_settings().home.resolve() / "demo"
        index = LinkIndex(home / "index")
        plan = SamplePlan(DEMO_SITE, DEMO_COMPETITORS, refdomains=400, links_per_site=1500)
        with tempfile.TemporaryDirectory() as folder:
            for path in write_ahrefs_exports(Path(folder), plan):
                index.import_file(path)
        query = make_query([plan.site, *plan.competitors])
        with running(query, index) as analysis:
            report = analysis.report(TABLE_DEFAULT_LIMIT)
        out.print(as_table(report, report.opportunities, out.width, SAMPLE_LABEL))
        out.print(Text(_demo_next_steps(home, query.site, query.competitors, report.opportunities)))


def _demo_next_steps(
    home: Path, site: str, competitors: Sequence[str], shown: Sequence[Opportunity]
) -> str:
    """The commands to run next, exactly as they work from where the demo was run."""
    program = shlex.quote(sys.argv[0])
    sites = shlex.join([site, "vs", *competitors])
    demo = f"GAPBOT_HOME={shlex.quote(str(home))} {program}"
    lines = [
        f"Sample index: {home / 'index'}",
        "",
        "Next, the demo's index, filtered and as JSON:",
        f"  {demo} gaps {sites} --min-authority 50 --tld com",
        f"  {demo} gaps {sites} --format json --limit 5",
    ]
    if shown:
        lines += [
            "The pages behind a row:",
            f"  {demo} links {shlex.quote(shown[0].domain)} {sites}",
        ]
    lines += [
        "Then your own exports:",
        f"  {program} import FILE...",
        f"  {program} gaps SITE vs COMPETITOR...",
    ]
    return "\n".join(lines)


def main() -> None:
    _with_readable_help(app)
    try:
        status = app(standalone_mode=False)
    except Fail as failure:
        err.print(f"gapbot: error: {failure}", highlight=False, markup=False)
        sys.exit(failure.status)
    except typer.TyperException as error:  # click's: an unknown option, a bad value, ...
        _usage_error(error)
    except typer.Abort:  # Ctrl-C or end of input at a prompt
        err.print("Aborted.", highlight=False, markup=False)
        sys.exit(1)
    if isinstance(status, int):
        sys.exit(status)


def _with_readable_help(group: typer.Typer) -> None:
    """Every command of `group` and its sub-groups built as a GapbotCommand."""
    for command in group.registered_commands:
        if command.cls in (None, TyperCommand):
            command.cls = GapbotCommand
    for subgroup in group.registered_groups:
        if subgroup.typer_instance is not None:
            _with_readable_help(subgroup.typer_instance)


def _usage_error(error: typer.TyperException) -> NoReturn:
    """click's usage errors as one line, like Gapbot's own; a group called without a
    command (click raises its help as the error) prints its help."""
    context = getattr(error, "ctx", None)
    message = error.format_message()
    if context is not None and message == context.get_help():
        err.print(message, highlight=False, markup=False)
    else:
        hint = f" ({context.command_path} -h for help)" if context is not None else ""
        err.print(f"gapbot: error: {message}{hint}", highlight=False, markup=False)
    sys.exit(error.exit_code)
