"""Contacts in the draft modal (bot/slack/contacts/): Find contacts after the ack, the
candidates with where and why, choosing one, the cache, and a modal changed meanwhile."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import GENERIC_HEADER, SIGNING_SECRET, build_index, make_settings
from contact_sites import GARDEN_MX, GARDEN_PAGES, local_finder, serve
from drafting import PERSONAL, inputs, open_draft, post_result, save_draft, texts, values_of
from fake_slack import Call, FakeSlack, SlackDriver, find_element
from page_server import PageServer

from bot.contacts.lookup import ContactLookup
from bot.contacts.ranking import Contact
from bot.slack.contacts.blocks import contact_blocks
from bot.slack.contacts.ids import ContactAction

DOMAIN = "gartenblog.de"


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        serve(server, GARDEN_PAGES)
        yield server


@pytest.fixture
def slack(tmp_path: Path, fake_slack: FakeSlack, site: PageServer) -> Iterator[SlackDriver]:
    """The app over a small index in which gartenblog.de's page (served by `site`) links to
    both competitors, with a contact finder that reads `site` and a made-up DNS."""
    home = tmp_path / "home"
    post = f"http://{DOMAIN}:{site.port}/beete"
    rows = [
        f"{post},https://a.com/,false",
        f"{post},https://b.com/guide,false",
        "https://friends.org/p,https://mysite.com/,false",
    ]
    build_index(home, GENERIC_HEADER + "\n".join(rows) + "\n")
    settings = make_settings(home, f"sqlite:///{tmp_path / 'app.db'}", fake_slack.api_url)
    finder = local_finder([DOMAIN], GARDEN_MX)
    driver = SlackDriver.in_process(settings, fake_slack, SIGNING_SECRET, contact_finder=finder)
    yield driver
    driver.stop()


def draft_view(slack: SlackDriver) -> dict[str, Any]:
    message = post_result(slack, "mysite.com vs a.com b.com")
    return dict(open_draft(slack, message, domain=DOMAIN).args["view"])


def find_contacts(slack: SlackDriver, view: dict[str, Any]) -> list[Call]:
    """Press Find contacts (or Look again) in `view`; the two views.update calls."""
    before = len(slack.fake.calls_to("views.update"))
    button = find_element(view["blocks"], ContactAction.FIND_CONTACTS)
    slack.view_action(
        view,
        values_of(view),
        {"action_id": ContactAction.FIND_CONTACTS, "type": "button", "value": button["value"]},
    )
    return slack.fake.wait_for("views.update", count=before + 2)[before:]


def choose(slack: SlackDriver, view: dict[str, Any], address: str) -> dict[str, Any]:
    """Choose the candidate `address` in `view`; the view of the views.update that follows."""
    before = len(slack.fake.calls_to("views.update"))
    options = inputs(view)["contact"]["options"]
    chosen = next(option for option in options if option["value"] == address)
    slack.view_action(
        view,
        values_of(view),
        {
            "action_id": ContactAction.CHOOSE_CONTACT,
            "block_id": "contact",
            "type": "radio_buttons",
            "selected_option": chosen,
        },
    )
    return dict(slack.fake.wait_for("views.update", count=before + 1)[-1].args["view"])


def test_find_contacts_looks_after_the_ack_and_offers_the_candidates(
    slack: SlackDriver, site: PageServer
) -> None:
    view = draft_view(slack)
    assert site.paths == []  # opening the modal fetches nothing
    assert "contact" not in inputs(view)

    looking, found = find_contacts(slack, view)

    assert looking.args["hash"] == "h1"
    assert "Looking for contacts on *gartenblog.de*" in "\n".join(
        texts(looking.args["view"]["blocks"])
    )
    assert found.args["hash"] == looking.response["view"]["hash"]
    shown = found.args["view"]
    options = inputs(shown)["contact"]["options"]
    assert [option["value"] for option in options] == [
        "lena@gartenblog.de",
        "anna.berg@gartenblog.de",
        "redaktion@gartenblog.de",
        "presse@gartenblog.de",
        "tom.krause@gartenblog.de",
    ]
    first = options[0]
    assert first["text"] == {
        "type": "plain_text",
        "text": "lena@gartenblog.de · Lena Vogel",
        "emoji": False,
    }
    assert first["description"]["type"] == "plain_text"
    assert first["description"]["text"] == (
        "found on /autoren/lena-vogel · wrote the linking page · same domain · pers…"
    )
    assert options[1]["description"]["text"] == (
        "found on /seite-7 · editor · same domain · personal inbox"
    )
    summary = "\n".join(texts(shown["blocks"]))
    port = site.port
    assert f"<http://gartenblog.de:{port}/seite-7|/seite-7>" in summary
    assert "The page that links to your competitors was written by *Lena Vogel*." in summary
    assert "Look again" in str(shown["blocks"])
    assert "/beete" in site.paths and len([p for p in site.paths if p != "/robots.txt"]) == 5


def test_choosing_a_contact_fills_the_recipient_and_rewrites_the_email(
    slack: SlackDriver,
) -> None:
    _, found = find_contacts(slack, draft_view(slack))

    chosen = choose(slack, found.args["view"], "anna.berg@gartenblog.de")

    fields = inputs(chosen)
    assert fields["recipient_email"]["initial_value"] == "anna.berg@gartenblog.de"
    assert fields["recipient_name"]["initial_value"] == "Anna Berg"
    assert fields["contact"]["initial_option"]["value"] == "anna.berg@gartenblog.de"
    assert "Anna" in fields["body"]["initial_value"]
    dm = save_draft(
        slack,
        chosen,
        recipient_email="anna.berg@gartenblog.de",
        common_ground=PERSONAL["common_ground"],
    )
    assert dm.args["blocks"][0]["text"]["text"].count("anna.berg@gartenblog.de") == 1


def test_found_contacts_are_kept_and_shown_when_the_modal_opens_again(
    slack: SlackDriver, site: PageServer
) -> None:
    find_contacts(slack, draft_view(slack))
    read = list(site.paths)

    again = draft_view(slack)

    assert site.paths == read
    assert inputs(again)["contact"]["options"][0]["value"] == "lena@gartenblog.de"
    assert "Looked on " in "\n".join(texts(again["blocks"]))


def test_an_address_that_was_not_found_is_not_filled_in(slack: SlackDriver) -> None:
    _, found = find_contacts(slack, draft_view(slack))
    view = found.args["view"]
    before = len(slack.fake.calls_to("views.update"))
    forged = {"text": {"type": "plain_text", "text": "x"}, "value": "boss@evil.example"}
    slack.view_action(
        view,
        values_of(view),
        {
            "action_id": ContactAction.CHOOSE_CONTACT,
            "block_id": "contact",
            "type": "radio_buttons",
            "selected_option": forged,
        },
    )

    chosen = choose(slack, view, "presse@gartenblog.de")

    assert len(slack.fake.calls_to("views.update")) == before + 1
    assert inputs(chosen)["recipient_email"]["initial_value"] == "presse@gartenblog.de"


def test_a_modal_changed_meanwhile_is_left_as_it_is(
    slack: SlackDriver, site: PageServer, caplog: pytest.LogCaptureFixture
) -> None:
    view = draft_view(slack)
    slack.fake.refuse("views.update", "hash_conflict", hash="h1")
    button = find_element(view["blocks"], ContactAction.FIND_CONTACTS)

    with caplog.at_level(logging.INFO, logger="bot.slack.contacts"):
        slack.view_action(
            view,
            values_of(view),
            {"action_id": ContactAction.FIND_CONTACTS, "type": "button", "value": button["value"]},
        )
        deadline = time.monotonic() + 10
        while "left as it is" not in caplog.text:
            assert time.monotonic() < deadline, "the refused update was not noticed"
            time.sleep(0.01)
    slack.settle()

    assert site.paths == []  # nothing was looked up for a modal the user changed
    assert slack.fake.calls_to("chat.postMessage")[1:] == []  # and no error was told


# -- the blocks alone --------------------------------------------------------------------------


def test_page_text_in_the_summary_is_escaped_and_addresses_are_plain_text() -> None:
    page = "https://gartenblog.de/a|b?x=<!channel>"
    lookup = ContactLookup(
        DOMAIN,
        datetime(2026, 3, 1, tzinfo=UTC),
        (Contact("anna_berg@gartenblog.de", page, name="Anna Berg"),),
        pages=(page,),
        author="Anna *Berg*",
        problems=("https://gartenblog.de/<!here> answered HTTP 404",),
    )

    blocks = [block.to_dict() for block in contact_blocks(DOMAIN, lookup, False, "")]

    option = inputs({"blocks": blocks})["contact"]["options"][0]
    assert option["text"]["text"] == "anna_berg@gartenblog.de · Anna Berg"
    assert option["description"]["text"] == "found on /a|b?x=<!channel>"
    summary = "\n".join(texts(blocks))
    assert "<!channel>" not in summary and "<!here>" not in summary
    assert "<https://gartenblog.de/a%7Cb?x=&lt;!channel&gt;|/a|b?x=&lt;!channel&gt;>" in summary
    assert "*Anna \u2217Berg\u2217*" in summary
    assert ":warning: https://gartenblog.de/&lt;!here&gt; answered HTTP 404" in summary


def test_a_lookup_without_addresses_says_so_and_offers_its_forms() -> None:
    form = "https://gartenblog.de/kontakt"
    lookup = ContactLookup(
        DOMAIN, datetime(2026, 3, 1, tzinfo=UTC), (Contact(form, form, form=True),), (form,)
    )

    blocks = [block.to_dict() for block in contact_blocks(DOMAIN, lookup, False, "")]

    assert "contact" not in inputs({"blocks": blocks})
    summary = "\n".join(texts(blocks))
    assert "Looked on 2026-03-01 at 1 page of *gartenblog.de*" in summary
    assert "No address found." in summary
    assert f"Contact form: <{form}|/kontakt>" in summary
