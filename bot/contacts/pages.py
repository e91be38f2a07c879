"""What one page says about whom to write to. Pure: a fetched page in, a PageReading out.

Addresses come from `mailto:` links, from the text (bot.contacts.addresses), from
schema.org JSON-LD (`email` of a Person, an Organization, a ContactPoint) and from
microdata (`itemprop="email"`). The page's author (JSON-LD, `<meta name="author">`,
`rel="author"`) and its links to contact, about, write-for-us, team and editorial pages
on the same domain are read too, and whether it holds a contact form.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.contacts.addresses import addresses_in, valid_address
from bot.contacts.vocabulary import PageKind, page_kind, person_name
from bot.domains import try_fold_domain
from bot.fetch import FetchedPage
from bot.verify import anchor_text, base_url, parse_page, resolved_url


class Source(StrEnum):
    """How a page gave an address away."""

    MAILTO = "mailto link"
    TEXT = "in the text"
    OBFUSCATED = "obfuscated in the text"
    JSON_LD = "schema.org JSON-LD"
    MICRODATA = "schema.org microdata"


@dataclass(frozen=True)
class Sighting:
    """One address seen on one page: how, with the name given for it (a person's, or ""),
    the words around it that may tell its role, and whether schema.org calls it a Person's."""

    address: str
    page: str
    source: Source
    name: str = ""
    context: str = ""
    person: bool = False


@dataclass(frozen=True)
class Author:
    """Who wrote a page: a person's name, their own page on the site, their address."""

    name: str = ""
    url: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class PageReading:
    url: str
    sightings: tuple[Sighting, ...] = ()
    links: tuple[tuple[str, PageKind], ...] = ()  # same-domain pages worth reading, best first
    author: Author | None = None
    contact_form: bool = False


_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "summary", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
_UNREAD_TAGS = frozenset(
    {"head", "script", "style", "noscript", "template", "svg", "select", "textarea", "iframe"}
)
# The words before an address that may say whose it is ("Redaktion: ...").
_CONTEXT_CHARS = 80
# Text of a link's surroundings longer than this is a whole section, not its label.
_MAX_LABEL_CHARS = 200
# JSON-LD objects read per page, however deeply a page nests them.
_MAX_JSON_OBJECTS = 2000
_PERSON_TYPES = frozenset({"person"})


def read_page(page: FetchedPage, domain: str, *, forms: bool = False) -> PageReading:
    """What `page` (HTML, status 2xx) of `domain` says; `forms`: whether a contact form on it
    counts (on a contact page it does; a comment form under an article does not)."""
    document = parse_page(page)
    base = base_url(document, page.final_url)
    url = page.final_url
    json_ld = list(_json_ld_objects(document))
    sightings = [
        *_mailto_sightings(document, url),
        *_json_ld_sightings(json_ld, url),
        *_microdata_sightings(document, url),
        *_text_sightings(document, url, domain),
    ]
    return PageReading(
        url=url,
        sightings=tuple(sightings),
        links=tuple(_contact_links(document, base, domain)),
        author=_author(document, json_ld, base, domain),
        contact_form=forms and _has_contact_form(document),
    )


def same_domain_url(url: str | None, domain: str) -> str | None:
    """`url` without its fragment, if it is an http(s) URL on `domain`; else None."""
    if url is None or try_fold_domain(url) != domain:
        return None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


# -- addresses ---------------------------------------------------------------------------------


def _mailto_sightings(document: LexborHTMLParser, page: str) -> Iterator[Sighting]:
    for node in document.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if href[:7].lower() != "mailto:":
            continue
        label = anchor_text(node)
        name = person_name(label)
        # The block around the link holds its text; a title may say more ("Email the editor").
        context = f"{_surroundings(node) or label} {node.attributes.get('title') or ''}"
        for target in href[7:].partition("?")[0].split(","):
            address = valid_address(target)
            if address is not None:
                yield Sighting(address, page, Source.MAILTO, name, context)


def _surroundings(node: LexborNode) -> str:
    """The text of the smallest block around `node`, if it is short enough to be a label."""
    parent = node.parent
    while parent is not None and parent.tag not in _BLOCK_TAGS:
        parent = parent.parent
    if parent is None:
        return ""
    text = " ".join(parent.text(separator=" ").split())
    return text if len(text) <= _MAX_LABEL_CHARS else ""


def _text_sightings(document: LexborHTMLParser, page: str, domain: str) -> Iterator[Sighting]:
    for line in text_lines(document):
        previous_end = 0
        for found in addresses_in(line, domain):
            context = line[max(previous_end, found.start - _CONTEXT_CHARS) : found.start]
            source = Source.OBFUSCATED if found.obfuscated else Source.TEXT
            yield Sighting(found.address, page, source, context=context)
            previous_end = found.end


def text_lines(document: LexborHTMLParser) -> list[str]:
    """The page's visible text, a line per block (paragraph, list item, cell, <br>), so that
    `<b>jane</b>@gartenblog.de` reads as one address and two paragraphs never run together."""
    root = document.body or document.root
    if root is None:
        return []
    parts: list[str] = []
    stack: list[LexborNode | None] = [root]  # None: the end of a block
    while stack:
        node = stack.pop()
        if node is None:
            parts.append("\n")
        elif node.is_text_node:
            parts.append(node.text_content or "")
        elif node.is_element_node and node.tag not in _UNREAD_TAGS:
            if node.tag == "br":
                parts.append("\n")
            elif node.tag in _BLOCK_TAGS:
                parts.append("\n")
                stack.append(None)
            stack.extend(reversed(list(node.iter(include_text=True))))
    return [" ".join(line.split()) for line in "".join(parts).split("\n") if line.strip()]


def _json_ld_objects(document: LexborHTMLParser) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD scripts (nested ones and `@graph` too)."""
    count = 0
    for script in document.css("script[type]"):
        if (script.attributes.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            pending: list[Any] = [json.loads(script.text(deep=True))]
        except ValueError:
            continue  # a broken block: the page's other data still counts
        while pending and count < _MAX_JSON_OBJECTS:
            item = pending.pop()
            if isinstance(item, list):
                pending.extend(reversed(item))
            elif isinstance(item, dict):
                count += 1
                yield item
                pending.extend(reversed([value for value in item.values() if value]))


def _json_ld_sightings(objects: list[dict[str, Any]], page: str) -> Iterator[Sighting]:
    """`email` of any schema.org object: a Person's with its name, a ContactPoint's with its
    contactType, an Organization's as the organization's."""
    for item in objects:
        person = bool(_types(item) & _PERSON_TYPES)
        name = person_name(_text(item.get("name"))) if person else ""
        context = " ".join(_text(item.get(key)) for key in ("contactType", "jobTitle", "name"))
        for value in _list(item.get("email")):
            address = valid_address(_text(value))
            if address is not None:
                yield Sighting(address, page, Source.JSON_LD, name, context, person)


def _microdata_sightings(document: LexborHTMLParser, page: str) -> Iterator[Sighting]:
    for node in document.css("[itemprop]"):
        if "email" not in (node.attributes.get("itemprop") or "").lower().split():
            continue
        value = (
            node.attributes.get("content") or node.attributes.get("href") or node.text(separator="")
        )
        address = valid_address(value or "")
        if address is None:
            continue
        scope = node.parent
        while scope is not None and "itemscope" not in scope.attributes:
            scope = scope.parent
        if scope is None:
            yield Sighting(address, page, Source.MICRODATA)
            continue
        person = (scope.attributes.get("itemtype") or "").lower().rstrip("/").endswith("person")
        name = _itemprop(scope, "name") if person else ""
        context = f"{_itemprop(scope, 'jobTitle')} {_itemprop(scope, 'contactType')}"
        yield Sighting(address, page, Source.MICRODATA, person_name(name), context, person)


def _itemprop(scope: LexborNode, prop: str) -> str:
    node = scope.css_first(f'[itemprop~="{prop}"]')
    if node is None:
        return ""
    return node.attributes.get("content") or " ".join(node.text(separator=" ").split())


# -- the author, links and forms ---------------------------------------------------------------


def _author(
    document: LexborHTMLParser, json_ld: list[dict[str, Any]], base: str, domain: str
) -> Author | None:
    """The page's author as schema.org, <meta name="author"> or a rel="author" link gives
    them (the first that names a person wins; a rel="author" link gives their page)."""
    names: list[str] = []
    address = None
    for item in json_ld:
        for author in _list(item.get("author")):
            if isinstance(author, dict):
                names.append(_text(author.get("name")))
                address = address or valid_address(_text(author.get("email")))
            else:
                names.append(_text(author))
    for meta in document.css("meta[name]"):
        if (meta.attributes.get("name") or "").strip().lower() == "author":
            names.append(meta.attributes.get("content") or "")
    url = None
    for node in document.css("a[rel][href], link[rel][href]"):
        if "author" in (node.attributes.get("rel") or "").lower().split():
            href = resolved_url(base, node.attributes.get("href"))
            url = url or same_domain_url(href, domain)
            names.append(anchor_text(node) if node.tag == "a" else "")
    name = next((person_name(text) for text in names if person_name(text)), "")
    if not (name or url or address):
        return None
    return Author(name, url, address)


def _contact_links(
    document: LexborHTMLParser, base: str, domain: str
) -> list[tuple[str, PageKind]]:
    """The page's links to contact, write-for-us, editorial, team and about pages on the
    same domain, best kind first (in the page's order within a kind)."""
    best: dict[str, PageKind] = {}
    for node in document.css("a[href]"):
        url = same_domain_url(resolved_url(base, node.attributes.get("href")), domain)
        if url is None:
            continue
        kind = page_kind(anchor_text(node), url)
        if kind is not None and kind < best.get(url, PageKind.ABOUT + 1):
            best[url] = kind
    return sorted(best.items(), key=lambda item: item[1])


def _has_contact_form(document: LexborHTMLParser) -> bool:
    """A form with a message box that is not for comments or search."""
    for form in document.css("form"):
        marks = " ".join(
            form.attributes.get(name) or "" for name in ("id", "class", "action", "role")
        ).lower()
        if "comment" in marks or "search" in marks:
            continue
        if form.css_first("textarea") is not None:
            return True
    return False


# -- JSON-LD values ----------------------------------------------------------------------------


def _types(item: dict[str, Any]) -> set[str]:
    """An object's @type names, lower case, without a vocabulary URL."""
    return {_text(kind).rstrip("/").rpartition("/")[2].lower() for kind in _list(item.get("@type"))}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """A JSON-LD value as text: a string, or a node's @value (an email may be either)."""
    if isinstance(value, dict):
        value = value.get("@value") or value.get("@id") or ""
    return value.strip() if isinstance(value, str) else ""
