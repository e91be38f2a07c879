"""Small websites for the contact lookup's tests, served by tests/page_server.py, and a
ContactFinder that reaches them through a made-up DNS (and asks a made-up DNS for MX)."""

from __future__ import annotations

import socket
from collections.abc import Iterable

import dns.resolver
from page_server import Page, PageServer

from bot.contacts.lookup import ContactFinder
from bot.fetch import Fetcher, FetchPolicy, HostGate

# Tests reach their local server only because of this (GAPBOT_FETCH_ALLOW_PRIVATE).
LOCAL = FetchPolicy(user_agent="Gapbot/test (+https://contact.example/bot)", allow_private=True)

# A German garden blog: its contacts behind "Kontakt" and "Impressum", whose paths say
# neither, with each way of writing an address, and a link to the competitor's page.
GARDEN_HOME = """<!doctype html><html lang="de"><head><title>Gartenblog</title></head><body>
<nav><a href="/">Start</a> <a href="/seite-7">Kontakt</a> <a href="/rechtliches">Impressum</a>
<a href="/2024/alles-ueber-rosen">Alles über Rosen</a>
<a href="https://partner-shop.de/kontakt">Kontakt Partnershop</a></nav>
<footer>Tipps an hallo [at] gartenblog [dot] de</footer></body></html>"""

GARDEN_KONTAKT = """<!doctype html><html lang="de"><body><h1>Kontakt</h1>
<p>Chefredaktion: <a href="mailto:anna.berg@gartenblog.de">Anna Berg</a></p>
<p>Werbung und Kooperationen: gartenblog.werbung(at)gmail.com</p>
<div itemscope itemtype="https://schema.org/Person"><span itemprop="name">Tom Krause</span>
<meta itemprop="email" content="tom.krause@gartenblog.de"></div>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Organization",
 "name": "Gartenblog", "email": "info@gartenblog.de", "contactPoint": {"@type": "ContactPoint",
 "contactType": "Presse", "email": "presse@gartenblog.de"}}</script>
<p>Kein Newsletter: noreply@gartenblog.de</p></body></html>"""

GARDEN_IMPRESSUM = """<!doctype html><html lang="de"><body><h1>Impressum</h1>
<p>Verantwortlich: Anna Berg, redaktion (at) gartenblog (punkt) de</p>
<p>Alter Blog: post@alter-gartenblog.de</p></body></html>"""

# The page that links to the competitors: its author, and the author's page.
GARDEN_POST = """<!doctype html><html><head><meta name="author" content="Lena Vogel"></head>
<body><article><h1>Die besten Beete</h1><p>Siehe <a href="https://a.com/">a.com</a>.</p>
<p>Von <a rel="author" href="/autoren/lena-vogel">Lena Vogel</a></p></article>
<form id="commentform"><textarea></textarea></form></body></html>"""

GARDEN_AUTHOR = """<!doctype html><html><body><h1>Lena Vogel</h1>
<p>Schreibt über Beete. <a href="mailto:lena@gartenblog.de">Lena schreiben</a></p></body></html>"""

GARDEN_PAGES = {
    "/": GARDEN_HOME,
    "/seite-7": GARDEN_KONTAKT,
    "/rechtliches": GARDEN_IMPRESSUM,
    "/beete": GARDEN_POST,
    "/autoren/lena-vogel": GARDEN_AUTHOR,
}
# What DNS says of the mail domains on these pages.
GARDEN_MX: dict[str, list[str] | Exception] = {
    "gartenblog.de": ["mx.gartenblog.de."],
    "gmail.com": ["gmail-smtp-in.l.google.com."],
    "alter-gartenblog.de": dns.resolver.NoAnswer(),
}


def serve(server: PageServer, pages: dict[str, str]) -> None:
    for path, html in pages.items():
        server.pages[path] = Page(html.encode())


def local_finder(
    hosts: Iterable[str], mx: dict[str, list[str] | Exception] | None = None
) -> ContactFinder:
    """A finder whose fetcher finds `hosts` on 127.0.0.1 (any other name does not resolve),
    without waiting between requests, and whose DNS gives `mx` (no MX for the rest)."""
    known = frozenset(hosts)

    def resolver(host: str, _port: int) -> list[str]:
        if host not in known:
            raise socket.gaierror(f"{host}: no such name")
        return ["127.0.0.1"]

    def query(domain: str) -> list[str]:
        answer = (mx or {}).get(domain, [])
        if isinstance(answer, Exception):
            raise answer
        return answer

    return ContactFinder(lambda: Fetcher(LOCAL, resolver=resolver, gate=HostGate(0.0)), query)
