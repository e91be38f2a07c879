"""`gapbot verify URL --site SITE` (SPEC 4.2) against pages served on 127.0.0.1: reachable
only because the tests set GAPBOT_FETCH_ALLOW_PRIVATE.

Most checks run `main()` in this process with the politeness gate on a clock that does
not wait; a few run the real entry point, which waits its three seconds between
robots.txt and the page as any fetch of a new host does."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from export_files import run_gapbot
from fake_slack import FakeSlack
from page_server import Page, PageServer, redirect
from sqlmodel import Session

import bot.fetch
import bot.store.hosts
from bot.cli import main
from bot.fetch import HostGate
from bot.outreach.moves import Status
from bot.store.db import create_schema, make_engine
from bot.store.pipeline import Move, move
from bot.store.won_links import NewWonLink, track

WARNING = (
    "GAPBOT_FETCH_ALLOW_PRIVATE is on: pages may be fetched from loopback and private"
    " addresses on any port. It is for tests only."
)
GUIDE = '<a href="https://www.mysite.com/guide"{rel}>a guide</a>'
LINK = {"href": "https://www.mysite.com/guide", "anchor": "a guide", "rel": []}


@pytest.fixture(scope="module")
def blog() -> Iterator[PageServer]:
    """A blog with one page per verdict (a 404 for `unreachable`)."""
    with PageServer() as server:
        server.pages = {
            "/robots.txt": Page(b"User-agent: *\nDisallow: /drafts/\n", content_type="text/plain"),
            "/live": Page(f"<p>See {GUIDE.format(rel='')}.</p>".encode()),
            "/nofollow": Page(GUIDE.format(rel=' rel="ugc nofollow"').encode()),
            "/noindex": Page(
                f'<meta name="robots" content="noindex">{GUIDE.format(rel="")}'.encode()
            ),
            "/missing": Page(b'<a href="https://rival-a.com/">a rival</a>'),
            "/old": redirect(301, "/live"),
            "/drafts/post": Page(GUIDE.format(rel="").encode()),
            "/to-metadata": redirect(302, "http://169.254.169.254/latest/meta-data/"),
        }
        yield server


Gapbot = Callable[..., tuple[int, str, str]]


@pytest.fixture
def gapbot(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Gapbot:
    """`gapbot ARGS...` run by `main()` here: (exit status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GAPBOT_HOME", str(tmp_path))
    monkeypatch.setenv("GAPBOT_FETCH_ALLOW_PRIVATE", "1")
    monkeypatch.setattr(bot.fetch, "_PROCESS_GATE", HostGate(clock=lambda: 0.0, sleep=no_wait))

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["gapbot", *args])
        try:
            main()
            status = 0
        except SystemExit as exit:
            status = int(exit.code or 0)
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def no_wait(seconds: float) -> None:
    """The gate's sleep in these tests (test_fetch.py measures the spacing)."""


def spec_json(
    url: str, verdict: str, links: list[dict[str, Any]], **changes: Any
) -> dict[str, Any]:
    return {
        "url": url,
        "final_url": url,
        "http_status": 200,
        "site": "mysite.com",
        "verdict": verdict,
        "links": links,
        "robots": {"noindex": False, "nofollow": False},
        "canonical": None,
        "redirects": [],
        "x_robots_tag": None,
        "reason": None,
        "cause": None,
        **changes,
    }


def checked_just_now(document: dict[str, Any]) -> dict[str, Any]:
    """The document without `checked_at`, once that is shown to be a moment ago, in UTC."""
    moment = datetime.fromisoformat(document.pop("checked_at"))
    assert moment.utcoffset() == timedelta(0)
    assert timedelta(0) <= datetime.now(UTC) - moment < timedelta(minutes=1)
    return document


def expected(path: str, url: str) -> dict[str, Any]:
    return {
        "/live": spec_json(url, "live", [LINK]),
        "/nofollow": spec_json(url, "nofollow", [{**LINK, "rel": ["ugc", "nofollow"]}]),
        "/noindex": spec_json(url, "noindex", [LINK], robots={"noindex": True, "nofollow": False}),
        "/missing": spec_json(url, "missing", []),
        "/old": spec_json(
            url,
            "live",
            [LINK],
            final_url=url.replace("/old", "/live"),
            redirects=[{"url": url, "status": 301}],
        ),
        "/gone": spec_json(
            url,
            "unreachable",
            [],
            http_status=404,
            reason="the page answered HTTP 404",
            cause="http_status",
        ),
    }[path]


@pytest.mark.parametrize("path", ["/live", "/nofollow", "/noindex", "/missing", "/old", "/gone"])
def test_each_verdict_as_json_exits_0(blog: PageServer, gapbot: Gapbot, path: str) -> None:
    url = blog.url(path)
    status, out, err = gapbot(
        "verify", url, "--site", "https://www.MySite.com/", "--format", "json"
    )
    assert (status, err) == (0, "")
    assert checked_just_now(json.loads(out)) == expected(path, url)


def test_a_page_robots_txt_disallows_is_unreachable_and_not_fetched(
    blog: PageServer, gapbot: Gapbot
) -> None:
    url = blog.url("/drafts/post")
    before = len(blog.requests)
    status, out, err = gapbot("verify", url, "--site", "mysite.com", "--format", "json")
    assert (status, err) == (0, "")
    reason = f"{blog.url('')}/robots.txt does not let Gapbot fetch /drafts/post"
    assert checked_just_now(json.loads(out)) == spec_json(
        url, "unreachable", [], http_status=None, reason=reason, cause="robots"
    )
    assert [seen.path for seen in blog.requests[before:]] == ["/robots.txt"]


def test_the_table_form_reads_as_sentences(blog: PageServer, gapbot: Gapbot) -> None:
    url = blog.url("/old")
    status, out, _ = gapbot("verify", url, "--site", "mysite.com")
    assert status == 0
    assert out.splitlines() == [
        f"live: {url} for mysite.com",
        f"  redirect: {url} (301)",
        f"  final URL: {blog.url('/live')}",
        "  HTTP status: 200",
        "  link: https://www.mysite.com/guide “a guide” (followed)",
        "  robots: index, follow",
    ]


def test_a_redirect_to_the_metadata_address_is_refused_with_exit_2(
    blog: PageServer, gapbot: Gapbot
) -> None:
    url = blog.url("/to-metadata")
    status, out, err = gapbot("verify", url, "--site", "mysite.com", "--format", "json")
    reason = "169.254.169.254 is the cloud metadata address, which Gapbot never fetches"
    assert (status, err) == (2, f"gapbot: error: refused: {reason}\n")
    assert checked_just_now(json.loads(out)) == spec_json(
        url,
        "refused",
        [],
        final_url="http://169.254.169.254/latest/meta-data/",
        http_status=None,
        redirects=[{"url": url, "status": 302}],
        reason=reason,
        cause="address",
    )


# -- the real entry point ---------------------------------------------------------------------


def test_the_entry_point_checks_a_page_and_warns_of_the_test_setting(
    blog: PageServer, tmp_path: Path
) -> None:
    url = blog.url("/live")
    env = {"GAPBOT_FETCH_ALLOW_PRIVATE": "1"}
    # A real process: the warning goes through logging, to the process's stderr.
    result = run_gapbot(
        tmp_path,
        *("verify", url, "--site", "mysite.com", "--format", "json"),
        env=env,
        real_process=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"{WARNING}\n"
    assert checked_just_now(json.loads(result.stdout)) == expected("/live", url)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address, which Gapbot never fetches"),
        ("/live", "port {port} is not allowed (only 80 and 443)"),
    ],
)
def test_without_the_test_setting_local_addresses_are_refused(
    blog: PageServer, tmp_path: Path, path: str, reason: str
) -> None:
    url = blog.url(path) if path.startswith("/") else path
    before = len(blog.requests)
    env = {"GAPBOT_FETCH_ALLOW_PRIVATE": "0"}
    result = run_gapbot(tmp_path, "verify", url, "--site", "mysite.com", env=env)
    assert result.returncode == 2
    assert result.stderr == f"gapbot: error: refused: {reason.format(port=blog.port)}\n"
    assert result.stdout.splitlines()[0] == f"refused: {url} for mysite.com"
    assert len(blog.requests) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "mysite.com"], "--site goes with a URL: gapbot verify URL --site SITE"),
        (["https://blog.example/post"], "--site is required: the site the page should link to"),
        (
            ["blog.example/post", "--site", "mysite.com"],
            "'blog.example/post': give the page's whole URL, such as https://blog.example/post",
        ),
        (
            ["https://blog.example/post", "--site", "mysite.com", "--format", "csv"],
            "unknown format 'csv': use table or json",
        ),
        (
            ["https://blog.example/post", "--site", "co.uk"],
            "'co.uk' is a public suffix or a local name, not a site",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_gapbot(tmp_path, "verify", *args)
    assert result.returncode == 2
    assert result.stderr == f"gapbot: error: {message}\n"
    assert result.stdout == ""


# -- the due checks of won links ----------------------------------------------------------------


def won_links_due(home: Path, pages: dict[tuple[str, str], str]) -> None:
    """(team, domain) -> its won page, each due a minute ago, in GAPBOT_HOME's app database."""
    engine = make_engine(f"sqlite:///{home / 'gapbot.db'}")
    create_schema(engine)
    due = datetime.now(UTC) - timedelta(minutes=1)
    with Session(engine) as session:
        for (team, domain), url in pages.items():
            for status in (Status.CONTACTED, Status.WON):
                move(session, Move(team, "mysite.com", domain, status, "U1"))
            session.commit()
            link = NewWonLink(
                team_id=team, site="mysite.com", refdomain=domain, url=url, owner_id="U1"
            )
            track(session, link, due)
            session.commit()
    engine.dispose()


@pytest.fixture
def due_checks(
    blog: PageServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[tuple[str, str], str]:
    """Two workspaces' won links due now; Slack not set up; no waiting between requests."""
    monkeypatch.setattr(bot.store.hosts, "HOST_SPACING", 0.0)
    for variable in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(variable, raising=False)
    pages = {("T1", "blog.example"): blog.url("/live"), ("T2", "news.example"): blog.url("/gone")}
    won_links_due(tmp_path, pages)
    return pages


NOT_TOLD = (
    "Slack is not set up, so owners were not told in Slack; `gapbot pipeline` shows the"
    " links at risk.\n"
)


def test_verify_without_a_url_runs_every_due_check_once_as_json(
    gapbot: Gapbot, due_checks: dict[tuple[str, str], str]
) -> None:
    status, out, err = gapbot("verify", "--format", "json")

    assert (status, err) == (0, NOT_TOLD)
    documents = sorted((json.loads(line) for line in out.splitlines()), key=lambda d: d["team"])
    assert [(d["team"], d["domain"], d["verdict"], d["notice"]) for d in documents] == [
        ("T1", "blog.example", "live", "first"),
        ("T2", "news.example", "unreachable", "first"),
    ]
    assert documents[0]["url"] == due_checks[("T1", "blog.example")]
    assert documents[0]["links"] == [LINK] and documents[1]["http_status"] == 404
    assert gapbot("verify") == (0, "No won link is due for a check.\n", "")


def test_verify_without_a_url_prints_a_table_and_the_pipeline_shows_the_checks(
    gapbot: Gapbot, due_checks: dict[tuple[str, str], str]
) -> None:
    status, out, err = gapbot("verify")

    assert (status, err) == (0, NOT_TOLD)
    assert out.splitlines()[0] == "Won links checked"
    rows = [line for line in out.splitlines() if "mysite.com" in line]
    assert len(rows) == 2
    assert "live" in rows[0] and "first check" in rows[0]
    assert "unreachable" in rows[1] and "404" in rows[1]
    status, out, _ = gapbot("pipeline", "--format", "csv")
    checks = {row["domain"]: row for row in csv.DictReader(io.StringIO(out))}
    assert checks["blog.example"]["link_check"] == "live"
    assert checks["news.example"]["link_check"] == "unreachable"
    assert checks["blog.example"]["linking_page"] == due_checks[("T1", "blog.example")]
    checked_at = datetime.fromisoformat(checks["blog.example"]["link_checked_at"])
    assert timedelta(0) <= datetime.now(UTC) - checked_at < timedelta(minutes=1)


def test_verify_without_a_url_tells_owners_in_slack_when_it_is_set_up(
    gapbot: Gapbot,
    due_checks: dict[tuple[str, str], str],
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)

    status, _, err = gapbot("verify", "--format", "json")

    assert (status, err) == (0, "")
    dms = fake_slack.wait_for("chat.postMessage", count=2)
    assert {dm.args["channel"] for dm in dms} == {"DU1"}
    assert sorted(dm.args["text"] for dm in dms) == [
        "Won link blog.example: live",
        "Won link news.example: unreachable",
    ]
