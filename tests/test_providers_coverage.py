"""A cut-off site profile: each site's coverage, and the gaps whose absence is unproven."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_providers import FakeProviders, Ref, provider_source, running
from rich.console import Console

from bot.engine import running as running_analysis
from bot.links.base import Coverage
from bot.links.http import RetryPolicy
from bot.links.providers import BudgetExceeded, ProviderSource
from bot.query import make_query
from bot.render import as_table, write_json

NO_WAIT = RetryPolicy(attempts=2, sleep=lambda _: None, timeout=5)
QUERY = ["me.com", "vs", "a.com", "b.com"]

# me.com has 6 referring domains; with GAPBOT_PROVIDER_MAX_ROWS=4 DataForSEO (rank
# descending, documented `total_count` 6) returns the 4 strongest: the weakest fetched
# is also.net, authority 25. weak.biz links to me.com but ranks below the cut-off.
GRAPH = {
    "me.com": {
        "big.org": Ref(1, authority=80),
        "mid.net": Ref(1, authority=60),
        "low.io": Ref(1, authority=30),
        "also.net": Ref(1, authority=25),
        "weak.biz": Ref(1, authority=20),
        "tail.co": Ref(1, authority=10),
    },
    "a.com": {
        "strong.com": Ref(3, authority=90),
        "big.org": Ref(1, authority=80),
        "shiny.net": Ref(2, authority=45),
        "weak.biz": Ref(1, authority=20),
    },
    "b.com": {"dim.org": Ref(1, authority=25), "nameless.io": Ref(1)},
}

# By hand: above authority 25 a domain linking to me.com would have been fetched, so
# strong.com (90) and shiny.net (45) are proven gaps; dim.org (25, a tie with the cut-off),
# nameless.io (no rank: 0) and weak.biz (20) are not proven. Default order: matches, then
# links, then the name.
EXPECTED = [
    ("strong.com", 90, False),
    ("shiny.net", 45, False),
    ("dim.org", 25, True),
    ("nameless.io", 0, True),
    ("weak.biz", 20, True),
]


@pytest.fixture
def source(tmp_path: Path) -> Iterator[ProviderSource]:
    with running(FakeProviders(GRAPH)) as fake:
        settings = fake.settings(tmp_path, GAPBOT_PROVIDER_MAX_ROWS=4)
        provider = provider_source("dataforseo", settings, policy=NO_WAIT)
        assert isinstance(provider, ProviderSource)
        yield provider


def test_a_cut_off_site_profile_marks_the_gaps_below_the_cut_off(source: ProviderSource) -> None:
    with running_analysis(make_query(QUERY), source) as analysis:
        report = analysis.report()
    rows = [(o.domain, o.authority, o.unproven) for o in report.opportunities]
    assert rows == EXPECTED
    assert report.provenance.coverage == {
        "me.com": Coverage(fetched=4, total=6, complete=False, lowest_authority=25),
        "a.com": Coverage(fetched=4, total=4, complete=True, lowest_authority=20),
        "b.com": Coverage(fetched=2, total=2, complete=True, lowest_authority=0),
    }


def test_coverage_and_unproven_in_json_csv_and_the_table(source: ProviderSource) -> None:
    out, csv_out = io.StringIO(), io.StringIO()
    with running_analysis(make_query(QUERY), source) as analysis:
        write_json(analysis, out, None)
        analysis.write_csv(csv_out, None)
        report = analysis.report()
    document = json.loads(out.getvalue())
    assert [(o["domain"], o["unproven"]) for o in document["opportunities"]] == [
        (domain, unproven) for domain, _, unproven in EXPECTED
    ]
    assert document["coverage"] == {
        "me.com": {
            "complete": False,
            "fetched": 4,
            "total": 6,
            "text": "fetched 4 of 6 referring domains",
        },
        "a.com": {"complete": True, "fetched": 4, "total": 4, "text": "complete"},
        "b.com": {"complete": True, "fetched": 2, "total": 2, "text": "complete"},
    }
    assert list(csv.reader(io.StringIO(csv_out.getvalue()))) == [
        ["domain", "matches", "a.com", "b.com", "total_links", "authority", "unproven"],
        ["strong.com", "1", "3", "0", "3", "90", "false"],
        ["shiny.net", "1", "2", "0", "2", "45", "false"],
        ["dim.org", "1", "0", "1", "1", "25", "true"],
        ["nameless.io", "1", "0", "1", "1", "0", "true"],
        ["weak.biz", "1", "1", "0", "1", "20", "true"],
    ]
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(as_table(report, report.opportunities, width=120))
    text = console.export_text()
    assert "│ strong.com  " in text and "│ weak.biz †  " in text and "│ dim.org †  " in text
    assert "coverage: me.com fetched 4 of 6 referring domains, a.com complete, b.com complete" in (
        " ".join(text.split())
    )
    assert (
        "† not proven absent from me.com's links: the provider's list of them was cut off"
        " before domains this weak" in " ".join(text.split())
    )


def test_a_provider_with_no_total_says_at_least(tmp_path: Path) -> None:
    with running(FakeProviders(GRAPH)) as fake:
        settings = fake.settings(tmp_path, GAPBOT_PROVIDER_MAX_ROWS=4)
        source = provider_source("ahrefs", settings, policy=NO_WAIT)
        with running_analysis(make_query(QUERY), source) as analysis:
            report = analysis.report()
    coverage = report.provenance.coverage_of("me.com")
    assert coverage.describe() == "fetched 4 of at least 4 referring domains"
    assert [(o.domain, o.unproven) for o in report.opportunities] == [
        (domain, unproven) for domain, _, unproven in EXPECTED
    ]


def test_a_complete_source_proves_every_gap() -> None:
    assert Coverage().unproven_cutoff is None
    assert Coverage(fetched=3, complete=False).unproven_cutoff == 100
    assert Coverage(fetched=3, complete=False, lowest_authority=12).unproven_cutoff == 12


def test_prove_looks_up_each_unproven_gap(tmp_path: Path) -> None:
    with running(FakeProviders(GRAPH)) as fake:
        settings = fake.settings(tmp_path, GAPBOT_PROVIDER_MAX_ROWS=4)
        source = provider_source("dataforseo", settings, policy=NO_WAIT)
        with running_analysis(make_query(QUERY, prove=True), source) as analysis:
            report = analysis.report()
        lookups = [call.target for call in fake.calls if "referring_domains" not in call.path]
    # weak.biz links to me.com after all: no gap. dim.org and nameless.io do not: proven.
    assert [(o.domain, o.unproven) for o in report.opportunities] == [
        ("strong.com", False),
        ("shiny.net", False),
        ("dim.org", False),
        ("nameless.io", False),
    ]
    assert report.total == 4
    assert sorted(lookups) == ["me.com", "me.com", "me.com"]


def test_prove_stays_within_the_daily_budget(tmp_path: Path) -> None:
    with running(FakeProviders(GRAPH)) as fake:
        settings = fake.settings(tmp_path, GAPBOT_PROVIDER_MAX_ROWS=4)
        source = provider_source("dataforseo", settings, policy=NO_WAIT)
        assert isinstance(source, ProviderSource)
        with running_analysis(make_query(QUERY), source):
            pass  # the profiles are now cached
        source.budget_usd = 0.0
        with (
            pytest.raises(BudgetExceeded, match="budget"),
            running_analysis(make_query(QUERY, prove=True), source),
        ):
            pass
