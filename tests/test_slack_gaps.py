"""`/gaps` end to end: signed slash commands to the running app, results in the fake Slack."""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa
from conftest import SIGNING_SECRET, build_index, make_settings
from fake_providers import FakeProviders, provider_environment, running
from fake_slack import Call, FakeSlack, SlackDriver
from sqlmodel import Session, select
from test_cli_mixed import OWN_LINKS
from test_providers_coverage import GRAPH

from bot.gaps import Listing
from bot.links.index import LinkIndex
from bot.store.analyses import Analysis, AnalysisStatus
from bot.store.db import make_engine
from bot.store.results import ResultFiles

COMPETITORS = ("a.com", "b.com", "c.com")


def analyses(slack: SlackDriver) -> list[Analysis]:
    with Session(make_engine(slack.settings.app_database_url)) as session:
        return list(session.exec(select(Analysis)).all())


def results(slack: SlackDriver) -> ResultFiles:
    return ResultFiles(slack.settings.results_path)


def app_db_text(slack: SlackDriver) -> str:
    """Every row of every table of the app database, as one text."""
    engine = make_engine(slack.settings.app_database_url)
    with engine.connect() as connection:
        return "\n".join(
            str(row)
            for table in sa.inspect(engine).get_table_names()
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))
        )


def test_gaps_acks_at_once_then_posts_the_result_in_the_channel(slack: SlackDriver) -> None:
    started = time.monotonic()
    response = slack.command("mysite.com vs a.com b.com c.com")
    acked = time.monotonic() - started

    assert response.status_code == 200 and acked < 3
    ack = response.json()
    assert ack["response_type"] == "ephemeral"
    assert "Working on it" in ack["text"] and "*mysite.com*" in ack["text"]
    posted = slack.fake.wait_for("chat.postMessage")[0]
    assert posted.args["channel"] == "C1"
    assert posted.headers["authorization"] == "Bearer xoxb-test-token"
    header = posted.args["blocks"][1]["text"]["text"]
    assert "*26* gaps for *mysite.com* vs *a.com*, *b.com*, *c.com*" in header
    assert "source: local" in header
    rows = [block for block in posted.args["blocks"] if block["type"] == "section"][1:]
    assert len(rows) == 10
    assert rows[0]["text"]["text"].startswith("*1. gap00.example* — 3 of 3 competitors")
    assert "a.com 1 · b.com 1 · c.com 2" in rows[0]["text"]["text"]


def test_the_analysis_and_both_link_counts_are_stored(slack: SlackDriver) -> None:
    slack.command("mysite.com vs a.com b.com c.com")
    slack.fake.wait_for("chat.postMessage")

    [analysis] = analyses(slack)
    assert (analysis.team_id, analysis.status, analysis.total) == ("T1", AnalysisStatus.DONE, 26)
    assert analysis.id is not None
    files = results(slack)
    every = files.page("T1", analysis.id, COMPETITORS, Listing())
    dofollow = files.page("T1", analysis.id, COMPETITORS, Listing(dofollow_only=True))
    assert files.counts("T1", analysis.id, Listing(), []).listed == len(every) == 26
    by_domain = {item.domain: dict(item.links) for item in every}
    assert "shared.example" not in by_domain
    assert by_domain["nofollow.example"] == {"a.com": 1, "b.com": 1, "c.com": 0}
    dofollow_links = {item.domain: dict(item.links) for item in dofollow}
    assert len(dofollow) == 25 and "nofollow.example" not in dofollow_links
    assert dofollow_links["gap00.example"] == {"a.com": 1, "b.com": 1, "c.com": 2}
    found = files.opportunity("T1", analysis.id, COMPETITORS, "gap00.example")
    assert found is not None
    assert set(found.sample_urls["c.com"]) == {
        "https://gap00.example/three",
        "https://gap00.example/four",
    }
    text = app_db_text(slack)
    assert "mysite.com" in text and ".example" not in text  # the opportunities are not in it


def test_options_use_the_cli_parser(slack: SlackDriver) -> None:
    slack.command(
        "https://www.MySite.com/blog vs a.com,b.com c.com --min-matches 2 --dofollow-only"
    )

    blocks = slack.fake.wait_for("chat.postMessage")[0].args["blocks"]
    summary = blocks[2]["elements"][0]["text"]
    assert "at least 2 competitors" in summary and "dofollow links only" in summary
    assert "showing 1-10 of 15" in summary


def test_help_explains_usage_and_runs_nothing(slack: SlackDriver) -> None:
    for text in ("help", ""):
        answer = slack.command(text).json()
        assert answer["response_type"] == "ephemeral"
        assert "/gaps SITE vs COMPETITOR" in answer["text"] and "--min-matches" in answer["text"]
    slack.settle()
    assert slack.fake.calls_to("chat.postMessage") == []
    assert analyses(slack) == []


def test_bad_input_gets_an_ephemeral_error_naming_the_bad_part(slack: SlackDriver) -> None:
    answer = slack.command("mysite.com vs localhost").json()
    assert answer["response_type"] == "ephemeral"
    assert "localhost" in answer["text"]

    answer = slack.command("mysite.com vs a.com --sort sideways").json()
    assert "sideways" in answer["text"]
    slack.settle()
    assert slack.fake.calls_to("chat.postMessage") == []


def test_not_in_channel_falls_back_to_the_response_url_with_an_invite_hint(
    slack: SlackDriver,
) -> None:
    slack.fake.fail("chat.postMessage", "not_in_channel")
    slack.command("mysite.com vs a.com b.com c.com")

    replies = slack.fake.wait_for("respond/*", count=2)
    public, hint = replies[0].args, replies[1].args
    assert public["response_type"] == "in_channel"
    assert "Backlink gaps: mysite.com" in str(public["blocks"])
    assert hint["response_type"] == "ephemeral"
    assert "/invite @Gapbot" in hint["text"]


def test_a_rate_limited_post_is_retried_after_retry_after(slack: SlackDriver) -> None:
    slack.fake.rate_limit("chat.postMessage", retry_after=1)
    slack.command("mysite.com vs a.com b.com c.com")

    first, second = slack.fake.wait_for("chat.postMessage", count=2)
    assert second.at - first.at >= 0.9
    assert second.response["ok"] is True


def test_an_unknown_source_is_bad_input_named_at_once(slack: SlackDriver) -> None:
    answer = slack.command("mysite.com vs a.com --source carrier-pigeon").json()
    assert answer["response_type"] == "ephemeral"
    assert "unknown source 'carrier-pigeon'" in answer["text"]
    slack.settle()
    assert analyses(slack) == []


def test_filters_leave_domains_out_of_the_stored_result(slack: SlackDriver) -> None:
    slack.command(
        "mysite.com vs a.com b.com c.com --exclude gap0?.example --exclude nofollow.example"
        " --tld -de --min-authority 0"
    )
    posted = slack.fake.wait_for("chat.postMessage")[0].args["blocks"]
    assert "*15* gaps for *mysite.com*" in posted[1]["text"]["text"]
    rows = [block for block in posted if block["type"] == "section"][1:]
    assert rows[0]["text"]["text"].startswith("*1. gap10.example* — 3 of 3 competitors")
    [analysis] = analyses(slack)
    assert analysis.total == 15 and analysis.id is not None
    stored = results(slack).page("T1", analysis.id, COMPETITORS, Listing())
    assert sorted(item.domain for item in stored) == [f"gap{n}.example" for n in range(10, 25)]


def test_a_filter_that_leaves_nothing_says_so(slack: SlackDriver) -> None:
    slack.command("mysite.com vs a.com b.com c.com --min-authority 1")
    posted = slack.fake.wait_for("chat.postMessage")[0].args["blocks"]
    texts = [block["text"]["text"] for block in posted if block["type"] == "section"]
    assert "*0* gaps for *mysite.com*" in texts[0]
    assert texts[1] == (
        "No gaps pass the filters of this command (--min-authority, --tld, --exclude)."
    )


def test_an_exclude_file_is_the_terminals_only(slack: SlackDriver) -> None:
    answer = slack.command("mysite.com vs a.com --exclude @/etc/hosts").json()
    assert answer["response_type"] == "ephemeral"
    assert "--exclude @FILE works in the terminal only" in answer["text"]
    slack.settle()
    assert analyses(slack) == []


def test_a_broken_index_is_reported_and_nothing_is_posted(slack: SlackDriver) -> None:
    live = LinkIndex(slack.settings.index_path).path
    assert live is not None
    live.write_bytes(b"this is not a duckdb file" * 100)
    slack.command("mysite.com vs a.com")

    reply = slack.fake.wait_for("respond/*")[0].args
    assert "link index" in reply["text"]
    slack.settle()
    assert slack.fake.calls_to("chat.postMessage") == []
    [analysis] = analyses(slack)
    assert analysis.status == AnalysisStatus.FAILED
    assert analysis.id is not None and not results(slack).exists("T1", analysis.id)


def posted_with_a_provider(tmp_path: Path, fake_slack: FakeSlack, home: Path, text: str) -> Call:
    """Run the app on `home` with DataForSEO's fake serving GRAPH (cut off at 4 rows),
    send `/gaps text`, and return the posted result."""
    with running(FakeProviders(GRAPH)) as fake:
        settings = make_settings(
            home,
            f"sqlite:///{tmp_path / 'app.db'}",
            fake_slack.api_url,
            GAPBOT_PROVIDER_MAX_ROWS="4",
            **provider_environment(fake.url),
        )
        slack = SlackDriver.in_process(settings, fake_slack, SIGNING_SECRET)
        try:
            slack.command(text)
            return slack.fake.wait_for("chat.postMessage")[0]
        finally:
            slack.stop()


def test_the_header_says_each_sites_coverage_and_unproven_rows_are_marked(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    posted = posted_with_a_provider(
        tmp_path, fake_slack, tmp_path, "me.com vs a.com b.com --source dataforseo"
    )
    blocks = posted.args["blocks"]
    header = blocks[1]["text"]["text"]
    # tests/test_providers_coverage.py works out the cut-off and the unproven rows.
    assert "coverage: me.com fetched 4 of 6 referring domains, a.com complete, b.com complete" in (
        header
    )
    rows = [block["text"]["text"] for block in blocks if block["type"] == "section"][1:]
    assert [row.split(" — ")[0] for row in rows] == [
        "*1. strong.com*",
        "*2. shiny.net*",
        "*3. dim.org* †",
        "*4. nameless.io* †",
        "*5. weak.biz* †",
    ]
    summary = blocks[2]["elements"][0]["text"]
    assert "† not proven absent from me.com's links" in summary


def test_a_mixed_source_header_names_each_sources_data(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    home = tmp_path / "home"
    build_index(home, OWN_LINKS)
    command = "me.com vs a.com b.com --source dataforseo --site-source local,dataforseo"
    posted = posted_with_a_provider(tmp_path, fake_slack, home, command)
    blocks = posted.args["blocks"]
    header = blocks[1]["text"]["text"]
    # tests/test_cli_mixed.py works the list out by hand.
    assert "*3* gaps for *me.com* vs *a.com*, *b.com*" in header
    assert "source: dataforseo (me.com: local, dataforseo, data from " in header
    assert "coverage: complete" in header


def test_analyses_that_store_different_rows_never_share_a_run() -> None:
    from bot.query import parse_gap_text
    from bot.services.analyses import analysis_key

    base = "me.com vs a.com b.com --source dataforseo"
    variants = [
        base,
        base + " --site-source local",
        base + " --prove",
        base + " --tld de",
        base + " --min-authority 10",
        base + " --exclude spam.com",
    ]
    keys = {analysis_key("T1", parse_gap_text(text)) for text in variants}
    assert len(keys) == len(variants)
    # Views of one stored result do share it.
    assert analysis_key("T1", parse_gap_text(base + " --sort authority")) == analysis_key(
        "T1", parse_gap_text(base)
    )
