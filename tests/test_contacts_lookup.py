"""Looking a domain's contacts up (bot/contacts/lookup.py) on sites served locally."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from contact_sites import GARDEN_MX, GARDEN_PAGES, local_finder, serve
from page_server import Page, PageServer

from bot.contacts.addresses import MxStatus
from bot.contacts.lookup import MAX_PAGES, ContactLookup
from bot.contacts.pages import Source

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as running:
        yield running


def test_a_german_site_from_its_kontakt_and_impressum_links(server: PageServer) -> None:
    serve(server, GARDEN_PAGES)
    site = f"http://gartenblog.de:{server.port}"
    finder = local_finder(["gartenblog.de"], GARDEN_MX)

    lookup = finder.find("gartenblog.de", [f"{site}/beete"], NOW)

    assert server.paths == [
        "/robots.txt",
        "/",
        "/beete",
        "/autoren/lena-vogel",
        "/seite-7",
        "/rechtliches",
    ]
    assert lookup.pages == tuple(
        f"{site}{path}"
        for path in ("/", "/beete", "/autoren/lena-vogel", "/seite-7", "/rechtliches")
    )
    assert [(item.address, item.name, item.score) for item in lookup.contacts] == [
        ("lena@gartenblog.de", "Lena Vogel", 110),
        ("anna.berg@gartenblog.de", "Anna Berg", 90),
        ("redaktion@gartenblog.de", "", 70),
        ("presse@gartenblog.de", "", 60),
        ("tom.krause@gartenblog.de", "Tom Krause", 50),
        ("hallo@gartenblog.de", "", 40),
        ("info@gartenblog.de", "", 40),
        ("gartenblog.werbung@gmail.com", "", 20),
        ("post@alter-gartenblog.de", "", -50),
    ]
    by_address = {item.address: item for item in lookup.contacts}
    assert by_address["lena@gartenblog.de"].found_on == f"{site}/autoren/lena-vogel"
    assert by_address["redaktion@gartenblog.de"].sources == (Source.OBFUSCATED,)
    assert by_address["redaktion@gartenblog.de"].found_on == f"{site}/rechtliches"
    assert by_address["presse@gartenblog.de"].sources == (Source.JSON_LD,)
    assert by_address["tom.krause@gartenblog.de"].sources == (Source.MICRODATA,)
    gmail = by_address["gartenblog.werbung@gmail.com"]
    assert not gmail.same_domain and "other domain: gmail.com" in [r.text for r in gmail.reasons]
    old = by_address["post@alter-gartenblog.de"]
    assert old.mx is MxStatus.NONE and old.reasons[0].text == "no MX record"
    assert (lookup.author, lookup.problems) == ("Lena Vogel", ())


def test_a_contact_page_with_only_a_form_gives_the_form(server: PageServer) -> None:
    form = '<form action="/send"><input name="email"><textarea></textarea></form>'
    serve(server, {"/": '<a href="/get-in-touch">Get in touch</a>', "/get-in-touch": form})
    site = f"http://quiet-blog.com:{server.port}"

    lookup = local_finder(["quiet-blog.com"]).find("quiet-blog.com", [f"{site}/post"], NOW)

    assert [(item.address, item.form) for item in lookup.contacts] == [
        (f"{site}/get-in-touch", True)
    ]
    assert lookup.problems == (f"{site}/post answered HTTP 404",)


def test_a_linking_page_that_is_the_home_page_is_read_once(server: PageServer) -> None:
    serve(server, {"/": '<meta name="author" content="Lena Vogel"><p>lena@quiet-blog.com</p>'})
    site = f"http://quiet-blog.com:{server.port}"
    finder = local_finder(["quiet-blog.com"], {"quiet-blog.com": ["mx.quiet-blog.com."]})

    lookup = finder.find("quiet-blog.com", [f"{site}/#comments"], NOW)

    assert server.paths == ["/robots.txt", "/"]
    assert lookup.author == "Lena Vogel"
    assert [(item.address, item.name, item.author) for item in lookup.contacts] == [
        ("lena@quiet-blog.com", "Lena Vogel", True)
    ]


def test_no_more_than_a_handful_of_pages(server: PageServer) -> None:
    links = " ".join(f'<a href="/contact-{n}">Contact {n}</a>' for n in range(10))
    serve(server, {"/": links} | {f"/contact-{n}": "<p>nothing</p>" for n in range(10)})
    site = f"http://busy-site.com:{server.port}"

    lookup = local_finder(["busy-site.com"]).find("busy-site.com", [f"{site}/"], NOW)

    assert len(lookup.pages) == MAX_PAGES
    assert [path for path in server.paths if path != "/robots.txt"] == [
        "/",
        "/contact-0",
        "/contact-1",
        "/contact-2",
        "/contact-3",
    ]


def test_pages_that_fail_count_and_are_told(server: PageServer) -> None:
    serve(
        server,
        {
            "/beete": GARDEN_PAGES["/beete"],
            "/autoren/lena-vogel": GARDEN_PAGES["/autoren/lena-vogel"],
        },
    )
    blog = f"http://blog.gartenblog.de:{server.port}"

    lookup = local_finder(["blog.gartenblog.de"], GARDEN_MX).find(
        "gartenblog.de", [f"{blog}/beete"], NOW
    )

    assert lookup.problems == (
        f"{blog}/ answered HTTP 404",
        "gartenblog.de could not be resolved to an address",
        "www.gartenblog.de could not be resolved to an address",
    )
    assert lookup.pages == (f"{blog}/beete", f"{blog}/autoren/lena-vogel")
    assert [(item.address, item.author) for item in lookup.contacts] == [
        ("lena@gartenblog.de", True)
    ]


def test_robots_txt_keeps_a_page_out(server: PageServer) -> None:
    serve(server, GARDEN_PAGES)
    server.pages["/robots.txt"] = Page(
        b"User-agent: *\nDisallow: /seite-7\n", content_type="text/plain"
    )
    site = f"http://gartenblog.de:{server.port}"

    lookup = local_finder(["gartenblog.de"], GARDEN_MX).find("gartenblog.de", [f"{site}/"], NOW)

    assert "/seite-7" not in server.paths
    assert len(lookup.problems) == 1 and "robots.txt" in lookup.problems[0]
    assert "anna.berg@gartenblog.de" not in [item.address for item in lookup.contacts]


def test_a_lookup_survives_its_json(server: PageServer) -> None:
    serve(server, GARDEN_PAGES)
    site = f"http://gartenblog.de:{server.port}"
    lookup = local_finder(["gartenblog.de"], GARDEN_MX).find(
        "gartenblog.de", [f"{site}/beete"], NOW
    )

    again = ContactLookup.from_json(json.loads(json.dumps(lookup.as_json())))

    assert again == lookup
