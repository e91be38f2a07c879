"""`gapbot gaps --site-source`: the site's links from one source, the competitors' from another."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import build_index
from export_files import run_gapbot
from fake_providers import FakeProviders, provider_environment, running
from test_providers_coverage import GRAPH

# The site's own complete list (a Search Console export, say): weak.biz and dim.org link
# to me.com. DataForSEO, cut off at 4 rows, misses weak.biz and never had dim.org.
OWN_LINKS = (
    "source_url,target_url\n"
    "https://weak.biz/post,https://me.com/\n"
    "https://dim.org/links,https://me.com/guide\n"
)
ARGS = ["gaps", "me.com", "vs", "a.com", "b.com", "--source", "dataforseo"]


def test_the_site_from_local_only_pays_for_the_competitors(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build_index(home, OWN_LINKS)
    with running(FakeProviders(GRAPH)) as fake:
        env = {**provider_environment(fake.url), "GAPBOT_PROVIDER_MAX_ROWS": "4"}
        table = run_gapbot(home, *ARGS, "--site-source", "local", env={**env, "COLUMNS": "100"})
        paid = fake.paid_calls()
    assert table.returncode == 0, table.stderr
    assert paid == 2  # a.com and b.com: me.com's profile is not fetched
    assert "cost estimate: at most 2 requests" in table.stderr
    # By hand: weak.biz and dim.org link to me.com (local): not gaps. Only DataForSEO
    # knew that big.org links to me.com, and it was not asked: big.org is a gap here.
    rows = [line for line in table.stdout.splitlines() if line.startswith("│")]
    assert rows == [
        "│ 1 │ strong.com       │ 1 of 2  │     3 │     · │              90 │",
        "│ 2 │ shiny.net        │ 1 of 2  │     2 │     · │              45 │",
        "│ 3 │ big.org          │ 1 of 2  │     1 │     · │              80 │",
        "│ 4 │ nameless.io      │ 1 of 2  │     · │     1 │               0 │",
    ]
    caption = " ".join(table.stdout.split())
    assert "source: dataforseo (me.com: local, data from" in caption
    assert "coverage: complete" in caption


def test_the_site_from_local_and_the_provider_is_their_union(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build_index(home, OWN_LINKS)
    with running(FakeProviders(GRAPH)) as fake:
        env = {
            **provider_environment(fake.url),
            "GAPBOT_PROVIDER_MAX_ROWS": "4",
            "COLUMNS": "100",
        }
        both = ["--site-source", "local,dataforseo"]
        table = run_gapbot(home, *ARGS, *both, env=env)
        document = run_gapbot(
            home, *ARGS, "--site-source", "LOCAL, DataForSEO", "--format", "json", env=env
        )
    assert table.returncode == 0, table.stderr
    # By hand: big.org links to me.com (DataForSEO), weak.biz and dim.org (local): not
    # gaps. me.com's list is complete with the local one: no row is unproven.
    # A competitor with no links is shown as a dot.
    rows = [line for line in table.stdout.splitlines() if line.startswith("│")]
    assert rows == [
        "│ 1 │ strong.com       │ 1 of 2  │     3 │     · │              90 │",
        "│ 2 │ shiny.net        │ 1 of 2  │     2 │     · │              45 │",
        "│ 3 │ nameless.io      │ 1 of 2  │     · │     1 │               0 │",
    ]
    assert "†" not in table.stdout
    caption = " ".join(table.stdout.split())
    assert "source: dataforseo (me.com: local, dataforseo, data from" in caption
    assert "coverage: complete" in caption
    assert document.returncode == 0, document.stderr
    parsed = json.loads(document.stdout)
    assert [o["domain"] for o in parsed["opportunities"]] == [
        "strong.com",
        "shiny.net",
        "nameless.io",
    ]
    assert parsed["site_source"] == "local, dataforseo"
    assert parsed["source"].startswith("dataforseo (me.com: local, dataforseo")
    assert parsed["coverage"]["me.com"]["complete"] is True


def test_a_site_source_that_cannot_hold_a_profile_is_a_usage_error(tmp_path: Path) -> None:
    result = run_gapbot(tmp_path, *ARGS, "--site-source", "local,moz")
    assert result.returncode == 2
    assert "--site-source 'local,moz': use one or more of local, dataforseo, ahrefs" in (
        result.stderr
    )
