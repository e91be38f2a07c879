"""`gapbot gaps` filters and names, `gapbot links`, `gapbot demo` and the command line's manners
(help, version, choices, usage errors), run through the real entry point."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest
from export_files import GAPBOT, run_gapbot

# One Ahrefs backlinks export per site (UTF-8 TSV): what the filters below choose from.
HEADER = "Referring page title\tReferring page URL\tDomain rating\tTarget URL\tAnchor\tNofollow\tUGC\tSponsored\tLost\n"  # noqa: E501
EXPORTS = {
    "mysite.com": [("https://mine.de/x", "30", "")],
    "a.com": [
        ("https://news.de/p1", "70", "false"),
        ("https://news.de/p2", "70", "true"),
        ("https://editor:s3cret@www.news.de/p3", "70", "false"),
        ("https://blog.at/x", "20", "false"),
        ("https://shop.ru/a", "50", "false"),
        ("https://shop.ru/b", "50", "false"),
        ("https://www.bbc.co.uk/news/1", "90", "false"),
        ("http://lakeblogger.blogspot.com/post", "12", "false"),
        *((f"https://casino-deals.net/{n}", "", "false") for n in range(4)),
        ("https://münchen-blog.de/wandern", "40", "false"),
    ],
    "b.com": [
        ("https://news.de/b", "70", "false"),
        *((f"https://spam.cn/{n}", "5", "false") for n in range(5)),
        ("https://lakeblogger.blogspot.com/1", "12", "false"),
        ("https://lakeblogger.blogspot.com/2", "12", "false"),
        ("https://xn--mnchen-blog-thb.de/1", "40", "false"),
        ("https://xn--mnchen-blog-thb.de/2", "40", "false"),
        ("http://203.0.113.9/links", "", "false"),
    ],
}
SITES = ["mysite.com", "vs", "a.com", "b.com"]

# The hand-computed gap table: (domain, matches, links to a.com and b.com, authority).
NEWS = ("news.de", 2, [3, 1], 70)
LAKE = ("lakeblogger.blogspot.com", 2, [1, 2], 12)
MUNICH = ("xn--mnchen-blog-thb.de", 2, [1, 2], 40)
SPAM = ("spam.cn", 1, [0, 5], 5)
CASINO = ("casino-deals.net", 1, [4, 0], None)
SHOP = ("shop.ru", 1, [2, 0], 50)
ADDRESS = ("203.0.113.9", 1, [0, 1], None)
BBC = ("bbc.co.uk", 1, [1, 0], 90)
BLOG = ("blog.at", 1, [1, 0], 20)
EVERY = [NEWS, LAKE, MUNICH, SPAM, CASINO, SHOP, ADDRESS, BBC, BLOG]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("filters")
    for site, rows in EXPORTS.items():
        path = home / f"{site}-backlinks.tsv"
        lines = [
            f"T\t{url}\t{rating}\thttps://{site}/\tanchor [{site}]\t{nofollow}\tfalse\tfalse\t\n"
            for url, rating, nofollow in rows
        ]
        path.write_text(HEADER + "".join(lines), encoding="utf-8")
        result = run_gapbot(home, "import", path)
        assert result.returncode == 0, result.stderr
    return home


def gaps_json(home: Path, *extra: str) -> dict:
    result = run_gapbot(home, "gaps", *SITES, "--format", "json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def rows(payload: dict) -> list[tuple[str, int, list[int], int | None]]:
    return [
        (o["domain"], o["matches"], [o["links"]["a.com"], o["links"]["b.com"]], o["authority"])
        for o in payload["opportunities"]
    ]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], EVERY),
        # A minimum leaves unknown authority out too.
        (["--min-authority", "40"], [NEWS, MUNICH, SHOP, BBC]),
        (["--tld", "de,at"], [NEWS, MUNICH, BLOG]),
        (["--tld", "-ru,-cn"], [NEWS, LAKE, MUNICH, CASINO, ADDRESS, BBC, BLOG]),
        (["--tld", "-ru", "--tld", "-cn"], [NEWS, LAKE, MUNICH, CASINO, ADDRESS, BBC, BLOG]),
        (["--tld", "co.uk"], [BBC]),
        (["--tld", "uk,de", "--tld", "-co.uk"], [NEWS, MUNICH]),
        (
            ["--exclude", "*.blogspot.com", "--exclude", "*casino*"],
            [NEWS, MUNICH, SPAM, SHOP, ADDRESS, BBC, BLOG],
        ),
        (
            ["--exclude", "https://www.Spam.cn/x", "--exclude", "203.0.113.*"],
            [NEWS, LAKE, MUNICH, CASINO, SHOP, BBC, BLOG],
        ),
        (["--min-authority", "30", "--tld", "DE", "--exclude", "news.de"], [MUNICH]),
        (["--tld", "de", "--sort", "Authority", "--min-matches", "2"], [NEWS, MUNICH]),
    ],
)
def test_filters_give_the_exact_table(home: Path, options: list[str], expected: list) -> None:
    payload = gaps_json(home, *options)
    assert rows(payload) == expected
    assert payload["total"] == len(expected)  # counted after the filters


def test_the_total_counts_after_filters_before_the_limit(home: Path) -> None:
    payload = gaps_json(home, "--tld", "-cn", "--limit", "2")
    assert (payload["total"], rows(payload)) == (8, [NEWS, LAKE])


def test_an_exclude_file_with_comments(home: Path, tmp_path: Path) -> None:
    listed = tmp_path / "no [thanks].txt"
    listed.write_text(
        "# platforms\n*.blogspot.com\ndomain:spam.cn  # disavowed\n\ncasino-deals.net\n"
    )
    payload = gaps_json(home, "--exclude", f"@{listed}")
    assert rows(payload) == [NEWS, MUNICH, SHOP, ADDRESS, BBC, BLOG]
    assert payload["excluded"] == ["*.blogspot.com", "spam.cn", "casino-deals.net"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--exclude", "@missing [old].txt"],
            "--exclude @missing [old].txt: No such file or directory",
        ),
        (
            ["--exclude", "blog*.spam.cn"],
            "--exclude: 'blog*.spam.cn' names hosts inside spam.cn, and a gap is a whole domain:"
            " exclude spam.cn",
        ),
        (["--tld", "dee"], "--tld: 'dee' is not a public suffix (such as de, com or co.uk)"),
        (["--min-authority", "101"], "--min-authority must be between 0 and 100"),
    ],
)
def test_a_bad_filter_is_a_usage_error(home: Path, options: list[str], message: str) -> None:
    result = run_gapbot(home, "gaps", *SITES, *options)
    assert result.returncode == 2
    assert result.stderr == f"gapbot: error: {message}\n"


def test_the_table_shows_names_in_unicode_and_the_filters(home: Path) -> None:
    result = run_gapbot(home, "gaps", *SITES, "--tld", "de,at", "--min-authority", "10")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Backlink gaps: mysite.com vs a.com, b.com"
    table = [line for line in lines if line.startswith("│")]
    assert table == [
        "│ 1 │ news.de                                  │ 2 of 2  │     3 │     1 │        70 │",
        "│ 2 │ münchen-blog.de (xn--mnchen-blog-thb.de) │ 2 of 2  │     1 │     2 │        40 │",
        "│ 3 │ blog.at                                  │ 1 of 2  │     1 │     · │        20 │",
    ]
    assert lines[-1].startswith("3 of 3 gaps shown · source: local · authority 10+, only .de, .at")


def test_one_gap_is_one_gap(home: Path) -> None:
    result = run_gapbot(home, "gaps", *SITES, "--tld", "at")
    assert result.stdout.splitlines()[-1].startswith("1 of 1 gap shown · ")


def test_ten_long_competitor_names_get_distinct_headers_and_a_legend(home: Path) -> None:
    competitors = [f"a-very-long-competitor-name-number-{n}.com" for n in range(9)] + ["b.com"]
    result = run_gapbot(home, "gaps", "mysite.com", *competitors)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Backlink gaps: mysite.com vs 10 competitors"
    assert lines[1:11] == [
        *(f"  {letter} = {name}" for letter, name in zip("ABCDEFGHIJ", competitors, strict=True))
    ]
    header = next(line for line in lines if "Referring domain" in line)
    assert [cell.strip() for cell in header.strip("┃").split("┃")][3:13] == list("ABCDEFGHIJ")


# -- gapbot links ------------------------------------------------------------------------------


def test_links_shows_each_competitors_pages_without_credentials(home: Path) -> None:
    result = run_gapbot(home, "links", "news.de", *SITES)
    assert result.returncode == 0, result.stderr
    assert "s3cret" not in result.stdout and "editor" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "Pages on news.de that link to the competitors of mysite.com (source: local)"
    assert [line for line in lines if line.startswith("│")] == [
        # In the order of the pages' addresses as the data has them, user info and all.
        "│ https://www.news.de/p3 │ anchor [a.com] │ dofollow │ https://a.com/ │",
        "│ https://news.de/p1     │ anchor [a.com] │ dofollow │ https://a.com/ │",
        "│ https://news.de/p2     │ anchor [a.com] │ nofollow │ https://a.com/ │",
        "│ https://news.de/b │ anchor [b.com] │ dofollow │ https://b.com/ │",
    ]
    assert "a.com: 3 links" in lines and "b.com: 1 link" in lines


def test_links_as_json(home: Path) -> None:
    result = run_gapbot(
        home, "links", "münchen-blog.de", *SITES, "--format", "JSON", "--limit", "1"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "domain": "xn--mnchen-blog-thb.de",
        "site": "mysite.com",
        "competitors": ["a.com", "b.com"],
        "source": "local",
        "links": {
            "a.com": {
                "total": 1,
                "pages": [
                    {
                        "source_url": "https://münchen-blog.de/wandern",
                        "target_url": "https://a.com/",
                        "anchor": "anchor [a.com]",
                        "nofollow": False,
                    }
                ],
            },
            "b.com": {
                "total": 2,
                "pages": [
                    {
                        "source_url": "https://xn--mnchen-blog-thb.de/1",
                        "target_url": "https://b.com/",
                        "anchor": "anchor [b.com]",
                        "nofollow": False,
                    }
                ],
            },
        },
    }


def test_links_of_a_domain_without_pages(home: Path) -> None:
    result = run_gapbot(home, "links", "nowhere.example", *SITES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "a.com: no linking pages known",
        "b.com: no linking pages known",
    ]


# -- the command line's manners ----------------------------------------------------------------

COMMANDS = [
    ["import"],
    ["gaps"],
    ["links"],
    ["pipeline"],
    ["serve"],
    ["demo"],
    ["webgraph"],
    ["webgraph", "download"],
    ["webgraph", "import"],
]


@pytest.mark.parametrize("command", [[], *COMMANDS])
def test_dash_h_is_help_and_help_has_no_type_labels(tmp_path: Path, command: list[str]) -> None:
    result = run_gapbot(tmp_path, *command, "-h")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: gapbot {' '.join(command)}".rstrip() + " ")
    for label in ("<bool>", "<int", "<str>", "<list", "<Path>", "{"):
        assert label not in result.stdout


def test_gaps_help_shows_the_arguments_as_written(tmp_path: Path) -> None:
    result = run_gapbot(tmp_path, "gaps", "--help")
    assert result.stdout.startswith("Usage: gapbot gaps [OPTIONS] SITE [vs] COMPETITOR...\n")
    assert "--format FORMAT          table, json or csv." in result.stdout
    assert "--exclude PATTERN|@FILE" in result.stdout


def test_version(tmp_path: Path) -> None:
    result = run_gapbot(tmp_path, "--version")
    assert (result.returncode, result.stdout) == (0, "gapbot 0.1.0\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gaps", "vs", "a.com"], "the site is missing: SITE vs COMPETITOR..."),
        (
            ["gaps", "exa_mple.com", "a.com"],
            "bad domain: 'exa_mple.com': no registry allows '_' in a domain name",
        ),
        (["gaps", "me.com", "a.com", "www.a.com"], "a.com is listed twice as a competitor"),
        (
            ["gaps", "me.com", "a.com", "--source", "nope"],
            "unknown source 'nope': use one of local, webgraph, dataforseo, ahrefs, semrush, moz",
        ),
        (
            ["gaps", "me.com", "a.com", "--format", "xml"],
            "unknown format 'xml': use table, json or csv",
        ),
        (
            ["links", "x.com", "me.com", "a.com", "--format", "csv"],
            "unknown format 'csv': use table or json",
        ),
        (
            ["gaps", "me.com", "a.com", "--limit", "many"],
            "Invalid value for '--limit': Input should be a valid integer, unable to parse string"
            " as an integer (gapbot gaps -h for help)",
        ),
        (
            ["gaps", "me.com", "a.com", "--frmat", "json"],
            "No such option: --frmat (Possible options: --format, --sort)"
            " (gapbot gaps -h for help)",
        ),
        (["gaps"], "Missing argument 'SITE [vs] COMPETITOR...'. (gapbot gaps -h for help)"),
    ],
)
def test_usage_errors_are_one_sentence_with_status_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_gapbot(tmp_path, *args)
    assert (result.returncode, result.stderr) == (2, f"gapbot: error: {message}\n")


def test_choices_ignore_case(home: Path) -> None:
    result = run_gapbot(home, "gaps", *SITES, "--format", "CSV", "--sort", "Matches-Asc")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:3] == [
        "spam.cn,1,0,5,5,5,false",
        "casino-deals.net,1,4,0,4,,false",
    ]


def test_serve_without_slack_says_it_was_reaching_slack(tmp_path: Path) -> None:
    slack = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # the discard port: nothing answers
        "SLACK_RETRY_BACKOFF": "0",  # nor will it on a retry
    }
    result = run_gapbot(tmp_path, "serve", "--http", env=slack)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "gapbot: error: Slack could not be reached at http://127.0.0.1:9/api/ (SLACK_API_URL): "
    )
    assert len(result.stderr.splitlines()) == 1


def test_an_app_token_that_is_no_app_token_is_named(tmp_path: Path) -> None:
    result = run_gapbot(tmp_path, "serve", env={"SLACK_APP_TOKEN": "xoxb-1"})
    assert result.returncode == 1
    assert result.stderr == (
        "gapbot: error: SLACK_APP_TOKEN: must be an app-level token (xapp-...): Basic"
        " Information → App-Level Tokens in your Slack app's settings\n"
    )


# -- gapbot demo -------------------------------------------------------------------------------


def test_demo_ends_with_next_commands_that_work(tmp_path: Path) -> None:
    # A real process: the commands printed name the program that was started.
    result = run_gapbot(tmp_path, "demo", real_process=True)
    assert result.returncode == 0, result.stderr
    assert "50 of " in result.stdout  # the README's default for a table
    lines = result.stdout.splitlines()
    commands = [line.strip() for line in lines if line.startswith("  GAPBOT_HOME=")]
    assert len(commands) == 3
    home = tmp_path.resolve() / "demo"
    assert commands[0].startswith(f"GAPBOT_HOME={home} ")
    # One command as a shell runs it; every one as the shell splits it, run in this process.
    ran = subprocess.run(
        commands[1], shell=True, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert (ran.returncode, ran.stderr) == (0, "")
    as_json = json.loads(ran.stdout)
    assert as_json["site"] == "trailhead-journal.com" and len(as_json["opportunities"]) == 5
    for command in commands:
        assignment, program, *args = shlex.split(command)
        assert (assignment, program) == (f"GAPBOT_HOME={home}", str(GAPBOT))
        ran = run_gapbot(home, *args)
        assert ran.returncode == 0, (command, ran.stderr)
        assert ran.stdout and not ran.stderr, command
    assert lines[-2:] == [
        f"  {shlex.quote(commands[0].split()[1])} import FILE...",
        f"  {shlex.quote(commands[0].split()[1])} gaps SITE vs COMPETITOR...",
    ]
