"""The `gapbot` command line, run through its real entry point (SPEC 4)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from export_files import SCENARIO, export_copy, run_gapbot
from fake_providers import FakeProviders, provider_environment, running
from PIL import Image
from sqlmodel import Session

from bot.outreach.drafts import TemplateKind
from bot.outreach.moves import Status
from bot.services.outreach import record_sent
from bot.store import claims
from bot.store.db import create_schema, make_engine
from bot.store.drafts import NewDraft, save_draft
from bot.store.pipeline import Move, move
from bot.store.reminders import Reminder

COMPETITORS = ["rival-a.com", "rival-b.com", "rival-c.com"]

# The hand-computed answer for the fixture scenario (tests/fixtures/exports/README.md):
# (domain, matches, links per competitor, authority). Authority is Ahrefs DR: münchen-blog.de
# has 33 there; Semrush's 55 is a page's score (Page ascore), no domain's authority.
EXPECTED = [
    ("news.example", 3, [2, 1, 2], 71),
    ("aaa.net", 2, [2, 0, 1], 15),
    ("two.org", 2, [0, 2, 1], 40),
    ("xn--mnchen-blog-thb.de", 2, [1, 1, 0], 33),
    ("203.0.113.9", 1, [0, 1, 0], None),
    ("deals.example", 1, [1, 0, 0], 90),
    ("lakeblogger.blogspot.com", 1, [1, 0, 0], 12),
]
EXPECTED_DOFOLLOW = [
    ("news.example", 3, [2, 1, 2], 71),
    ("aaa.net", 2, [1, 0, 1], 15),
    ("two.org", 2, [0, 1, 1], 40),
    ("xn--mnchen-blog-thb.de", 2, [1, 1, 0], 33),
    ("203.0.113.9", 1, [0, 1, 0], None),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GAPBOT_HOME with the whole fixture scenario imported through `gapbot import`."""
    home = tmp_path_factory.mktemp("home")
    for name, site, utf16 in SCENARIO:
        path = export_copy(name, home, utf16=utf16)
        args = ["import", path, *(["--site", site] if site else [])]
        result = run_gapbot(home, *args)
        assert result.returncode == 0, result.stderr
    return home


def gaps_json(home: Path, *extra: str) -> dict:
    result = run_gapbot(home, "gaps", "mysite.com", "vs", *COMPETITORS, "--format", "json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def rows(payload: dict) -> list[tuple[str, int, list[int], int | None]]:
    return [
        (o["domain"], o["matches"], [o["links"][c] for c in COMPETITORS], o["authority"])
        for o in payload["opportunities"]
    ]


def test_json_gives_the_exact_gap_table(home: Path) -> None:
    payload = gaps_json(home)
    assert payload["site"] == "mysite.com"
    assert payload["competitors"] == COMPETITORS
    assert payload["total"] == len(EXPECTED)
    assert rows(payload) == EXPECTED
    first = payload["opportunities"][0]
    assert first["sample_urls"]["rival-a.com"] == [
        "https://news.example/gear",
        "https://www.news.example/best-trail-shoes",
    ]


def test_dofollow_only(home: Path) -> None:
    assert rows(gaps_json(home, "--dofollow-only")) == EXPECTED_DOFOLLOW


def test_min_matches_and_limit_keep_the_total(home: Path) -> None:
    payload = gaps_json(home, "--min-matches", "2", "--limit", "2")
    assert payload["total"] == 4
    assert rows(payload) == EXPECTED[:2]


def test_sort_orders(home: Path) -> None:
    by_authority = [row[0] for row in rows(gaps_json(home, "--sort", "authority"))]
    assert by_authority == [
        "deals.example",
        "news.example",
        "two.org",
        "xn--mnchen-blog-thb.de",
        "aaa.net",
        "lakeblogger.blogspot.com",
        "203.0.113.9",
    ]
    ascending = [row[0] for row in rows(gaps_json(home, "--sort", "matches-asc"))]
    assert ascending == [
        "203.0.113.9",
        "deals.example",
        "lakeblogger.blogspot.com",
        "aaa.net",
        "two.org",
        "xn--mnchen-blog-thb.de",
        "news.example",
    ]


def test_urls_commas_and_no_vs_fold_the_same(home: Path) -> None:
    result = run_gapbot(
        home,
        "gaps",
        "https://www.MySite.com/blog",
        "rival-a.com,http://rival-b.com/x",
        "www.rival-c.com",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    assert rows(json.loads(result.stdout)) == EXPECTED


def test_csv_output(home: Path) -> None:
    result = run_gapbot(home, "gaps", "mysite.com", *COMPETITORS, "--format", "csv")
    assert result.returncode == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == ["domain", "matches", *COMPETITORS, "total_links", "authority", "unproven"]
    assert table[1] == ["news.example", "3", "2", "1", "2", "5", "71", "false"]
    assert table[5] == ["203.0.113.9", "1", "0", "1", "0", "1", "", "false"]
    assert len(table) == 1 + len(EXPECTED)


def test_table_output(home: Path) -> None:
    result = run_gapbot(home, "gaps", "mysite.com", "vs", *COMPETITORS)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    first = next(line for line in lines if "news.example" in line)
    assert "3 of 3" in first and "71" in first
    assert "7 of 7 gaps shown" in result.stdout


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["gaps", "mysite.com", "vs", "localhost"], 2, "bad domain: 'localhost' is a public"),
        (["gaps", "mysite.com"], 2, "at least one competitor"),
        (["gaps", "mysite.com", *[f"r{i}.com" for i in range(11)]], 2, "at most 10 competitors"),
        (["gaps", "mysite.com", "rival-a.com", "--format", "xml"], 2, "unknown format 'xml'"),
        (["gaps", "mysite.com", "rival-a.com", "--sort", "best"], 2, "unknown sort 'best'"),
        (["gaps", "mysite.com", "rival-a.com", "--min-matches", "3"], 2, "--min-matches"),
        (["gaps", "mysite.com", "rival-a.com", "--source", "nope"], 2, "unknown source 'nope'"),
        (["import", "missing.csv"], 1, "no such file"),
    ],
)
def test_usage_errors_are_one_line(home: Path, args: list[str], status: int, message: str) -> None:
    result = run_gapbot(home, *args)
    assert result.returncode == status
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_import_without_site_is_a_usage_error(tmp_path: Path) -> None:
    path = export_copy("gsc-mysite-top-linking-sites.csv", tmp_path)
    result = run_gapbot(tmp_path, "import", path)
    assert result.returncode == 2
    assert "--site" in result.stderr


def test_bad_site_domain_is_a_usage_error(tmp_path: Path) -> None:
    path = export_copy("gsc-mysite-top-linking-sites.csv", tmp_path)
    result = run_gapbot(tmp_path, "import", path, "--site", "co.uk")
    assert (result.returncode, "co.uk" in result.stderr) == (2, True)


def test_broken_import_exits_1_and_changes_nothing(home: Path, tmp_path: Path) -> None:
    before = gaps_json(home)
    broken = tmp_path / "broken.csv"
    broken.write_text('source_url,target_url\nhttps://x.example/,"https://rival-a.com/\n')
    result = run_gapbot(home, "import", broken)
    assert result.returncode == 1
    assert result.stderr == (
        "gapbot: error: broken.csv is not a readable generic CSV"
        " (source_url,target_url[,nofollow]): line 2: unterminated quote (the file ends inside"
        " a quoted value)\n"
    )
    assert gaps_json(home) == before


def test_unknown_export_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("name,email\nbob,bob@example.com\n")
    result = run_gapbot(tmp_path, "import", path)
    assert result.returncode == 2
    assert "unrecognised export" in result.stderr


def test_import_report(tmp_path: Path) -> None:
    path = export_copy("ahrefs-rival-a-backlinks.tsv", tmp_path, utf16=True)
    result = run_gapbot(tmp_path, "import", path)
    assert result.returncode == 0, result.stderr
    assert "read 9 rows, imported 6 links" in result.stdout
    assert "skipped 1 lost link: gone.example" in result.stdout
    assert "skipped 1 link from a site to itself: rival-a.com" in result.stdout


def test_demo_prints_a_labelled_sample_table(tmp_path: Path) -> None:
    result = run_gapbot(tmp_path, "demo")
    assert result.returncode == 0, result.stderr
    assert "SAMPLE DATA" in result.stdout
    assert "3 of 3" in result.stdout
    assert (tmp_path / "demo" / "index" / "CURRENT").exists()
    assert not (tmp_path / "index").exists()  # the user's own index is untouched


def test_gaps_from_a_live_provider_shows_the_cost_and_caches(tmp_path: Path) -> None:
    with running(FakeProviders()) as fake:
        env = {**provider_environment(fake.url), "GAPBOT_CACHE_TTL_DAYS": "7"}
        args = ["gaps", "me.com", "vs", "a.com", "b.com", "--source", "ahrefs", "--format", "json"]
        first = run_gapbot(tmp_path, *args, env=env)
        assert first.returncode == 0, first.stderr
        assert "cost estimate: " in first.stderr
        payload = json.loads(first.stdout)
        assert payload["source"] == "ahrefs"
        assert [o["domain"] for o in payload["opportunities"]][:2] == ["news.example", "forum.org"]
        paid = fake.paid_calls()
        again = run_gapbot(tmp_path, *args, env=env)
        assert json.loads(again.stdout)["opportunities"] == payload["opportunities"]
        assert fake.paid_calls() == paid  # served from the cache


def test_pipeline_export_lists_due_follow_ups_first(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gapbot.db'}")
    create_schema(engine)
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with Session(engine) as session:
        for domain in ("later.example", "soon.example", "idle.example"):
            move(session, Move("T1", "mysite.com", domain, Status.TARGETED, "U1"))
        session.commit()
        for domain, day in (("later.example", 24), ("soon.example", 23)):
            draft = save_draft(session, outreach_draft("T1", domain), monday.replace(day=day))
            session.commit()
            assert draft.id is not None
            record_sent(session, "T1", draft.id, "U1", monday.replace(day=day))
            session.commit()
    engine.dispose()
    result = run_gapbot(tmp_path, "pipeline", "--format", "csv")
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["domain"] for row in table] == ["soon.example", "later.example", "idle.example"]
    assert [row["status"] for row in table] == ["contacted", "contacted", "targeted"]
    assert table[0]["next_due"] == "2026-11-27T09:00:00+00:00"
    assert table[0]["next_action"] == "follow_up"
    as_json = json.loads(
        run_gapbot(tmp_path, "pipeline", "--format", "json", "--team", "T2").stdout
    )
    assert as_json == []


def test_pipeline_shows_reminders_retried_and_given_up_with_slacks_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gapbot.db'}")
    create_schema(engine)
    due = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with Session(engine) as session:
        for domain in ("retrying.example", "gone.example"):
            move(session, Move("T1", "mysite.com", domain, Status.TARGETED, "U1"))
            session.add(
                Reminder(
                    team_id="T1",
                    site="mysite.com",
                    refdomain=domain,
                    owner_id="U1",
                    action="follow_up",
                    due_at=due,
                )
            )
        session.commit()
        claimed = {row.refdomain: row.id for row in claims.claim_due(session, Reminder, "w", due)}
        retrying, gone = claimed["retrying.example"], claimed["gone.example"]
        assert retrying and gone
        claims.retry_later(session, Reminder, retrying, "w", due + timedelta(minutes=2), "http_503")
        claims.give_up(session, Reminder, gone, "w", due, "user_not_found")
    engine.dispose()
    result = run_gapbot(tmp_path, "pipeline", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = {row["domain"]: row for row in json.loads(result.stdout)}
    assert rows["retrying.example"]["reminder"] == "retrying"
    assert rows["retrying.example"]["reminder_error"] == "http_503"
    assert rows["retrying.example"]["next_try"] == "2026-11-27T09:02:00+00:00"
    assert rows["retrying.example"]["next_due"] == "2026-11-27T09:00:00+00:00"
    assert rows["gone.example"]["reminder"] == "failed"
    assert rows["gone.example"]["reminder_error"] == "user_not_found"
    assert rows["gone.example"]["next_due"] is None


def outreach_draft(team: str, domain: str) -> NewDraft:
    return NewDraft(
        team_id=team,
        site="mysite.com",
        refdomain=domain,
        template="resource_page",
        kind=TemplateKind.FIRST,
        subject="Hi",
        body="Hello there.",
        recipient_email=f"editor@{domain}",
        author_id="U1",
    )


def test_a_bad_memory_limit_is_one_sentence_naming_the_variable(tmp_path: Path) -> None:
    result = run_gapbot(
        tmp_path, "gaps", "mysite.com", "rival-a.com", env={"GAPBOT_INDEX_MEMORY": "lots"}
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "gapbot: error: GAPBOT_INDEX_MEMORY: must be a size such as 1GB or 1536MB"
    )


# -- --team: imports belong to a workspace ----------------------------------------------------


@pytest.fixture(scope="module")
def team_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GAPBOT_HOME with the fixture scenario imported for workspace T1 only."""
    home = tmp_path_factory.mktemp("team-home")
    for name, site, utf16 in SCENARIO:
        path = export_copy(name, home, utf16=utf16)
        args = ["import", path, "--team", "T1", *(["--site", site] if site else [])]
        result = run_gapbot(home, *args)
        assert result.returncode == 0, result.stderr
    return home


def test_gaps_for_a_team_reads_the_imports_made_for_it(team_home: Path) -> None:
    assert rows(gaps_json(team_home, "--team", "T1")) == EXPECTED
    # Neither the terminal's own team nor another workspace has imported anything here.
    for other in ([], ["--team", "cli"], ["--team", "T2"]):
        payload = gaps_json(team_home, *other)
        assert (payload["total"], payload["opportunities"]) == (0, []), other


def test_with_many_workspaces_a_team_does_not_read_the_terminals_imports(home: Path) -> None:
    # One workspace (no Slack settings, or SLACK_BOT_TOKEN): T9 reads the terminal's too.
    assert rows(gaps_json(home, "--team", "T9")) == EXPECTED
    oauth = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "secret"}
    args = ["gaps", "mysite.com", *COMPETITORS, "--team", "T9", "--format", "json"]
    result = run_gapbot(home, *args, env=oauth)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 0


def test_import_report_for_a_team(tmp_path: Path) -> None:
    path = export_copy("ahrefs-rival-a-backlinks.tsv", tmp_path, utf16=True)
    result = run_gapbot(tmp_path, "import", path, "--team", "T1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "ahrefs-rival-a-backlinks.tsv (Ahrefs backlinks export of 2026-11-01, dated by its"
        " Last seen and Lost columns): read 9 rows, imported 6 links\n"
        "  skipped 1 duplicate link: news.example\n"
        "  skipped 1 link from a site to itself: rival-a.com\n"
        "  skipped 1 lost link: gone.example\n"
        "  rival-a.com: 6 links\n"
        "  for team T1\n"
    )


@pytest.mark.parametrize("command", [["import", "links.csv"], ["gaps", "mysite.com", "a.com"]])
def test_a_team_that_is_no_slack_team_id_is_a_usage_error(
    tmp_path: Path, command: list[str]
) -> None:
    result = run_gapbot(tmp_path, *command, "--team", "t1")
    assert result.returncode == 2
    assert result.stderr == (
        "gapbot: error: --team 't1' is neither a Slack team id (such as T0123ABCD: in"
        " Slack's web address, after /client/) nor 'cli', the terminal's team\n"
    )


def test_gaps_draws_the_overlap_chart_of_the_analysis(home: Path, tmp_path: Path) -> None:
    chart = tmp_path / "overlap.png"
    result = run_gapbot(home, "gaps", "mysite.com", "vs", *COMPETITORS, "--chart", chart)
    assert result.returncode == 0, result.stderr
    assert f"chart written to {chart}" in result.stderr
    data = json.loads(Image.open(chart).info["Description"])
    gaps = {tuple(c["links_to"]): c["gaps"] for c in data["combinations"] if c["gaps"]}
    # EXPECTED's rows, by the competitors each links to.
    a, b, c = COMPETITORS
    assert gaps == {(a, b, c): 1, (a, c): 1, (b, c): 1, (a, b): 1, (b,): 1, (a,): 2}
    unwritable = run_gapbot(home, "gaps", "mysite.com", "vs", *COMPETITORS, "--chart", tmp_path)
    assert unwritable.returncode == 1
    assert (
        unwritable.stderr.strip()
        .splitlines()[-1]
        .startswith(f"gapbot: error: cannot write the chart to {tmp_path}")
    )
