"""Reading one page for contacts (bot/contacts/pages.py and vocabulary.py), no server."""

from __future__ import annotations

import httpx
import pytest

from bot.contacts.pages import Author, PageReading, Sighting, Source, read_page, text_lines
from bot.contacts.vocabulary import PageKind, page_kind, person_name, role_in
from bot.fetch import FetchedPage
from bot.verify import parse_page

DOMAIN = "gartenblog.de"
URL = "https://www.gartenblog.de/kontakt"


def reading(html: str, *, url: str = URL, forms: bool = False) -> PageReading:
    headers = httpx.Headers({"Content-Type": "text/html; charset=utf-8"})
    return read_page(FetchedPage(url, url, 200, headers, html.encode()), DOMAIN, forms=forms)


def seen(html: str) -> list[tuple[str, Source, str]]:
    return [(item.address, item.source, item.name) for item in reading(html).sightings]


def test_mailto_links_give_addresses_and_the_names_their_text_gives() -> None:
    html = """
      <p>Chefredaktion: <a href="mailto:anna.berg@gartenblog.de">Anna Berg</a></p>
      <p><a href="MAILTO:presse@gartenblog.de,tom@gartenblog.de?subject=Hi">Email us</a></p>
      <p><a href="mailto:">empty</a> <a href="mailto:not-an-address">broken</a></p>
    """
    assert seen(html) == [
        ("anna.berg@gartenblog.de", Source.MAILTO, "Anna Berg"),
        ("presse@gartenblog.de", Source.MAILTO, ""),
        ("tom@gartenblog.de", Source.MAILTO, ""),
    ]
    assert "Chefredaktion" in reading(html).sightings[0].context


def test_schema_org_person_organization_and_contact_point_in_json_ld() -> None:
    html = """<script type="application/ld+json">
      {"@context": "https://schema.org", "@graph": [
        {"@type": "Organization", "name": "Gartenblog GmbH", "email": "info@gartenblog.de",
         "contactPoint": [{"@type": "ContactPoint", "contactType": "press",
                           "email": "mailto:presse@gartenblog.de"}]},
        {"@type": ["Person"], "name": "Anna Berg", "jobTitle": "Chefredakteurin",
         "email": "Anna@Gartenblog.de"}]}
    </script>
    <script type="application/ld+json">{ not json </script>"""
    found = reading(html).sightings
    assert [(item.address, item.name, item.person) for item in found] == [
        ("info@gartenblog.de", "", False),
        ("presse@gartenblog.de", "", False),
        ("anna@gartenblog.de", "Anna Berg", True),
    ]
    assert {item.source for item in found} == {Source.JSON_LD}
    assert role_in(found[1].context) == "press" and role_in(found[2].context) == "editor"


def test_microdata_email_with_the_persons_name() -> None:
    html = """
      <div itemscope itemtype="https://schema.org/Person">
        <span itemprop="name">Tom Krause</span>, <span itemprop="jobTitle">Redakteur</span>
        <a itemprop="email" href="mailto:tom.krause@gartenblog.de">schreiben</a>
      </div>
      <div itemscope itemtype="https://schema.org/Organization">
        <meta itemprop="email" content="kontakt@gartenblog.de">
      </div>
    """
    micro = [item for item in reading(html).sightings if item.source is Source.MICRODATA]
    assert [(item.address, item.name, item.person) for item in micro] == [
        ("tom.krause@gartenblog.de", "Tom Krause", True),
        ("kontakt@gartenblog.de", "", False),
    ]
    assert role_in(micro[0].context) == "editor"


def test_text_addresses_keep_the_words_before_them_and_never_read_scripts() -> None:
    html = """
      <p>Redaktion: <b>anna</b>@gartenblog.de</p><p>Werbung: werbung [at] gartenblog [dot] de</p>
      <script>var hidden = "script@gartenblog.de";</script>
      <style>/* style@gartenblog.de */</style>
    """
    found = reading(html).sightings
    assert [(item.address, item.source) for item in found] == [
        ("anna@gartenblog.de", Source.TEXT),
        ("werbung@gartenblog.de", Source.OBFUSCATED),
    ]
    assert [item.context for item in found] == ["Redaktion: ", "Werbung: "]


def test_blocks_and_line_breaks_separate_the_text() -> None:
    document = parse_page(
        FetchedPage(
            URL,
            URL,
            200,
            httpx.Headers({"Content-Type": "text/html"}),
            b"<div>Kontakt<p>anna@gartenblog.de<br>Tel. 123</p><ul><li>a</li><li>b</li></ul></div>",
        )
    )
    assert text_lines(document) == ["Kontakt", "anna@gartenblog.de", "Tel. 123", "a", "b"]


def test_the_author_from_json_ld_meta_or_rel_author() -> None:
    json_ld = """<script type="application/ld+json">{"@type": "BlogPosting",
      "author": {"@type": "Person", "name": "Anna Berg", "email": "anna@gartenblog.de"}}</script>"""
    assert reading(json_ld).author == Author("Anna Berg", None, "anna@gartenblog.de")
    meta = '<meta name="author" content="Tom Krause">'
    assert reading(meta).author == Author("Tom Krause")
    rel = """<meta name="author" content="Gartenblog Redaktion">
      <a rel="author" href="/autoren/tom-krause">Tom Krause</a>
      <a rel="author" href="https://elsewhere.example/tom">Tom elsewhere</a>"""
    assert reading(rel).author == Author(
        "Tom Krause", "https://www.gartenblog.de/autoren/tom-krause"
    )
    assert reading("<p>No byline.</p>").author is None


def test_links_to_contact_pages_by_their_text_or_path_in_several_languages() -> None:
    html = """
      <a href="/ueber-uns/">Mehr</a>
      <a href="/impressum">Impressum</a>
      <a href="https://gartenblog.de/de/kontakt.html#form">Schreib uns</a>
      <a href="/schreib-fuer-uns">Schreib für uns</a>
      <a href="/2023/alles-ueber-rosen">Alles über Rosen</a>
      <a href="/team">Das Team</a>
      <a href="/mediadaten.pdf">Kontakt (PDF)</a>
      <a href="https://other.example/contact">Contact</a>
      <a href="mailto:x@gartenblog.de">Kontakt</a>
    """
    assert reading(html).links == (
        ("https://www.gartenblog.de/impressum", PageKind.CONTACT),
        ("https://gartenblog.de/de/kontakt.html", PageKind.CONTACT),
        ("https://www.gartenblog.de/schreib-fuer-uns", PageKind.WRITE_FOR_US),
        ("https://www.gartenblog.de/team", PageKind.TEAM),
        ("https://www.gartenblog.de/ueber-uns/", PageKind.ABOUT),
    )


@pytest.mark.parametrize(
    ("text", "url", "kind"),
    [
        ("Contact us", "/x", PageKind.CONTACT),
        ("", "/contacto/", PageKind.CONTACT),
        ("Contatti", "/x", PageKind.CONTACT),
        ("Mentions légales", "/x", PageKind.CONTACT),
        ("Write for Us", "/x", PageKind.WRITE_FOR_US),
        ("", "/escribe-para-nosotros", PageKind.WRITE_FOR_US),
        ("La rédaction", "/x", PageKind.EDITORIAL),
        ("", "/redaktion/", PageKind.EDITORIAL),
        ("Quiénes somos", "/x", PageKind.ABOUT),
        ("À propos", "/x", PageKind.ABOUT),
        ("Chi siamo", "/x", PageKind.ABOUT),
        ("All about roses", "/2023/all-about-roses", None),
        ("How to contact your MP about the new rules", "/x", None),
        ("Home", "/", None),
    ],
)
def test_page_kind(text: str, url: str, kind: PageKind | None) -> None:
    assert page_kind(text, f"https://gartenblog.de{url}") == kind


def test_a_contact_form_counts_where_asked_and_not_a_comment_or_search_form() -> None:
    form = '<form action="/send"><input name="email"><textarea name="msg"></textarea></form>'
    comment = '<form id="commentform" action="/wp-comments-post.php"><textarea></textarea></form>'
    search = '<form role="search"><input name="q"></form>'
    newsletter = '<form><input type="email" name="email"></form>'
    assert reading(form, forms=True).contact_form
    assert not reading(form).contact_form
    assert not reading(comment + search + newsletter, forms=True).contact_form


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Anna Berg", "Anna Berg"),
        ("Anna von Berg", "Anna von Berg"),
        ("Mary-Jane O'Neil", "Mary-Jane O'Neil"),
        ("Email us", ""),
        ("Redaktion", ""),
        ("Kontakt Team", ""),
        ("anna berg", ""),
        ("Anna", ""),
        ("anna@gartenblog.de", ""),
        ("Write to Anna Berg today please", ""),
    ],
)
def test_person_name(text: str, name: str) -> None:
    assert person_name(text) == name


def test_a_sighting_records_its_page_and_the_links_title() -> None:
    page = "https://gartenblog.de/team"
    html = '<a href="mailto:anna@gartenblog.de" title="Write to the editor">Anna</a>'
    found = reading(html, url=page).sightings
    assert found == (
        Sighting("anna@gartenblog.de", page, Source.MAILTO, "", "Anna Write to the editor"),
    )
