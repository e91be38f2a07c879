"""What works, in Slack: the Report section of App Home, and the win rate of similar prospects
that Target tells once enough were sent. The sample result's domains link to (SPEC 5.4):
gap00, gap10, gap20 three competitors; the other even ones and gap05, gap15 two; the other
odd ones one. The sample data has no authority: every band is unknown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fake_slack import Call, SlackDriver, find_element
from outreach_history import History

from bot.outreach.moves import Status
from bot.slack.results.ids import ResultAction
from bot.store.db import make_engine, session_scope


def post_result(slack: SlackDriver) -> Call:
    slack.command("mysite.com vs a.com b.com c.com")
    return slack.fake.wait_for("chat.postMessage")[0]


def target(slack: SlackDriver, message: Call, domain: str) -> None:
    """Press Target on `domain`'s row, whichever page of the result it is on."""
    button = find_element(message.args["blocks"], ResultAction.TARGET, "gap00.example")
    value = button["value"].replace('"d":"gap00.example"', f'"d":"{domain}"')
    action = {"action_id": ResultAction.TARGET, "type": "button", "value": value}
    assert slack.block_action(action, message_ts=message.response["ts"]).status_code == 200


def told_like(slack: SlackDriver) -> list[dict[str, Any]]:
    """Once one is sent, every note on similar prospects sent so far."""
    seen = 0
    while True:
        replies = slack.fake.wait_for("respond/*", count=seen + 1)
        notes = [reply.args for reply in replies if "Prospects like" in reply.args["text"]]
        if notes:
            return notes
        seen = len(replies)


def write_history(slack: SlackDriver, write: Any) -> None:
    engine = make_engine(slack.settings.app_database_url)
    with session_scope(engine) as session:
        write(History(session))
    engine.dispose()


def home_text(slack: SlackDriver) -> str:
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    blocks = slack.fake.wait_for("views.publish")[0].args["view"]["blocks"]
    return next(
        block["text"]["text"]
        for block in blocks
        if block["type"] == "section" and block["text"]["text"].startswith("*What works*")
    )


def test_app_home_reports_the_last_90_days_per_template_and_match_count(
    slack: SlackDriver,
) -> None:
    post_result(slack)
    now = datetime.now(UTC)

    def write(history: History) -> None:
        day = now - timedelta(days=3)
        history.draft("gap00.example", "resource_page", "U1", day, sent=day)
        history.event("gap00.example", Status.REPLIED, day + timedelta(hours=5))
        history.event("gap00.example", Status.WON, day + timedelta(hours=30))
        history.draft("gap01.example", "<!channel> *now*", "U2", day, sent=day)
        history.draft("gap03.example", "resource_page", "U1", day)
        long_ago = now - timedelta(days=91)
        history.draft("gap02.example", "broken_link", "U1", long_ago, sent=long_ago)

    write_history(slack, write)

    assert home_text(slack).split("\n") == [
        "*What works* (first emails drafted in the last 90 days):"
        " 2 sent of 3 drafted · 50% replied · 50% won · median reply 5 hours",
        "*By template*",
        "&lt;!channel&gt; \u2217now\u2217: 1 sent of 1 drafted · 0% replied · 0% won",
        "resource\u02cdpage: 1 sent of 2 drafted · 100% replied · 100% won · median reply 5 hours",
        "*By competitors linked*",
        "1 competitor: 1 sent of 2 drafted · 0% replied · 0% won",
        "3+ competitors: 1 sent of 1 drafted · 100% replied · 100% won · median reply 5 hours",
    ]


def test_app_home_says_when_nothing_was_drafted(slack: SlackDriver) -> None:
    assert home_text(slack) == (
        "*What works* (first emails drafted in the last 90 days)\nNothing drafted in that time."
    )


def sent_to(domains: list[str], won: int) -> Any:
    """History: a first email sent to each of `domains`, the first `won` of them won."""

    def write(history: History) -> None:
        day = datetime.now(UTC) - timedelta(days=200)  # all the history counts, however old
        for number, domain in enumerate(domains):
            history.draft(domain, "resource_page", "U2", day, sent=day)
            if number < won:
                history.event(domain, Status.WON, day + timedelta(days=2))

    return write


def test_target_tells_how_similar_prospects_did_once_ten_were_sent(slack: SlackDriver) -> None:
    message = post_result(slack)
    ones = ["gap01", "gap03", "gap07", "gap09", "gap11", "gap13", "gap17", "gap19", "gap21"]
    twos = ["gap02", "gap04", "gap05", "gap06", "gap08", "gap12", "gap14", "gap16", "gap18"]
    write_history(slack, sent_to([f"{name}.example" for name in ones], won=1))
    write_history(slack, sent_to([f"{name}.example" for name in [*twos, "gap22"]], won=3))

    target(slack, message, "gap23.example")  # 1 competitor: 9 like it were sent
    slack.fake.wait_for("chat.update")
    target(slack, message, "gap15.example")  # 2 competitors: 10 like it

    (told,) = told_like(slack)  # nothing for gap23.example
    assert told["response_type"] == "ephemeral" and told["replace_original"] is False
    assert told["text"] == (
        ":bar_chart: Prospects like *gap15.example* (2 competitors, authority unknown) were"
        " won 30% of the time: 3 of 10 sent."
    )
