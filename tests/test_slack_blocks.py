"""The pure block builders: escaping, Slack's limits, and what a row says."""

from __future__ import annotations

from datetime import UTC, date, datetime

from result_pages import select_page

from bot.gaps import Opportunity, SortOrder
from bot.links.base import LinkingPages, LinkingUrl
from bot.outreach.moves import Status
from bot.services.paging import PAGE_SIZE, ResultView
from bot.slack.blocks import MAX_MESSAGE_BLOCKS
from bot.slack.mrkdwn import escape, link
from bot.slack.results.blocks import result_message
from bot.slack.results.links_blocks import links_modal
from bot.store.analyses import AnalysisRecord, AnalysisStatus
from bot.store.pipeline import PipelineMark

HOSTILE = "<!channel> & <@U123> *bold* _it_ ~s~ `c` <https://evil.example|click>"


def analysis(competitors: tuple[str, ...], **changes: object) -> AnalysisRecord:
    values: dict[str, object] = {
        "id": 7,
        "team_id": "T1",
        "channel_id": "C1",
        "user_id": "U1",
        "query_text": "",
        "site": "mysite.com",
        "competitors": competitors,
        "source_name": None,
        "sort": "matches",
        "min_matches": 1,
        "dofollow_only": False,
        "status": AnalysisStatus.DONE,
        "error": None,
        "source": "local",
        "authority_source": None,
        "data_date": date(2026, 11, 1),
        "data_label": None,
        "cost": None,
        "warning": None,
        "total": 0,
        "created_at": datetime(2026, 11, 2, tzinfo=UTC),
    }
    values.update(changes)
    return AnalysisRecord(**values)  # type: ignore[arg-type]


def rendered(blocks: list) -> str:
    """Every mrkdwn text Slack would parse (button values and plain text are not parsed)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk([block.to_dict() for block in blocks])
    return "\n".join(found)


def test_escape_shows_control_and_formatting_characters_literally() -> None:
    escaped = escape(HOSTILE)

    assert "<" not in escaped and ">" not in escaped
    assert "&lt;!channel&gt;" in escaped and "&lt;@U123&gt;" in escaped
    assert " &amp; " in escaped
    assert not any(mark in escaped for mark in "*_~`")


def test_link_keeps_the_address_and_escapes_the_label() -> None:
    made = link("https://x.example/a_b?q=1&r=2|x", HOSTILE)

    assert made.startswith("<https://x.example/a_b?q=1&amp;r=2%7Cx|")
    assert "<!channel>" not in made and made.count("<") == 1
    assert link("javascript:alert(1)") == "javascript:alert(1)"


def test_hostile_data_pings_nobody_in_a_result_message() -> None:
    row = Opportunity(HOSTILE, {"a.com": 1, HOSTILE: 2}, 50)
    record = analysis(
        ("a.com", HOSTILE), total=1, authority_source=HOSTILE, warning=HOSTILE, data_label=HOSTILE
    )
    page = select_page(record, [row], {}, ResultView(7))

    text = rendered(result_message(page))
    assert "<!channel>" not in text and "<@U123>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text


def test_hostile_anchor_text_pings_nobody_in_the_links_modal() -> None:
    pages = {
        "a.com": LinkingPages(
            [LinkingUrl("https://news.example/<!channel>", None, HOSTILE, True)], 1
        )
    }

    text = rendered(links_modal(HOSTILE, pages).blocks)
    assert "<!channel>" not in text and "<@U123>" not in text and "nofollow" in text


def test_a_full_page_with_ten_competitors_and_long_names_stays_within_slack_limits() -> None:
    competitors = tuple(f"{'c' * 60}{number}.example" for number in range(10))
    rows = [
        Opportunity(f"{'d' * 200}{number}.example", dict.fromkeys(competitors, 99999), 99)
        for number in range(35)
    ]
    marks = {
        rows[0].domain: PipelineMark(
            site="mysite.com",
            refdomain=rows[0].domain,
            status=Status.TARGETED,
            owner_id="U1",
            updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    }
    record = analysis(competitors, total=35, site="s" * 200 + ".example", cost="$" + "9" * 250)
    page = select_page(record, rows, marks, ResultView(7, page=1, sort=SortOrder.AUTHORITY))

    blocks = [block.to_dict() for block in result_message(page)]
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    assert blocks[-1]["elements"][0]["text"] == "page 2 of 4"
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        for element in block.get("elements", []):
            assert len(element.get("value", "")) <= 2000
            for option in element.get("options", []):
                assert len(option["value"]) <= 150 and len(option["text"]["text"]) <= 75


def test_the_header_names_the_data_release_and_date() -> None:
    record = analysis(("a.com",), data_label="cc-main-2024-feb-apr-may", data_date=date(2024, 5, 1))
    page = select_page(record, [], {}, ResultView(7))

    text = rendered(result_message(page))
    assert "data: cc-main-2024-feb-apr-may · data as of 2024-05-01" in text


def test_a_page_number_past_the_end_shows_the_last_page() -> None:
    rows = [Opportunity(f"d{number}.example", {"a.com": 1}) for number in range(PAGE_SIZE + 1)]
    page = select_page(analysis(("a.com",), total=11), rows, {}, ResultView(7, page=9))

    assert page.view.page == 1 and [row.domain for row in page.rows] == ["d9.example"]


def test_an_empty_result_of_a_long_stored_command_says_its_filters_left_everything_out() -> None:
    # `--exclude @FILE` writes the whole file into the stored text: far over what /gaps takes.
    excluded = " ".join(f"--exclude spam{number}.example" for number in range(400))
    text = f"mysite.com vs a.com {excluded}"
    assert len(text) > 4_000
    page = select_page(analysis(("a.com",), query_text=text, total=0), [], {}, ResultView(7))

    assert "No gaps pass the filters" in rendered(result_message(page))
