"""Does a page link to a site, and does the link count? SPEC 4.2's verdicts.

`judge` is pure (a fetched page in, a PageCheck out); `check_page` puts it behind the
fetcher it is given, so every way of checking a page (the CLI, later the scheduled checks
of won links) gives the same answer.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.domains import try_fold_domain
from bot.fetch import FetchedPage, Fetcher, FetchError, FetchRefused, Redirect


class Verdict(StrEnum):
    LIVE = "live"
    NOFOLLOW = "nofollow"
    NOINDEX = "noindex"
    MISSING = "missing"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"


# The rel values that ask search engines not to pass credit through a link (SPEC 5.5).
UNFOLLOWED_RELS = ("nofollow", "ugc", "sponsored")
# Whose robots rules decide whether the page counts: everyone's, and Google's own.
ROBOTS_META_NAMES = frozenset({"robots", "googlebot"})
# X-Robots-Tag rules that carry a value after a colon, so their name is not a crawler's
# (`X-Robots-Tag: googlebot: noindex` names one; `max-snippet: 20` does not).
_VALUED_RULES = frozenset(
    {"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"}
)
_AGENT_PREFIX = re.compile(r"\s*([A-Za-z0-9_.-]+)\s*:(.*)", re.DOTALL)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class LinkFound:
    """A link to the site: where it points (absolute), its anchor text, and which of
    UNFOLLOWED_RELS it carries."""

    href: str
    anchor: str
    rel: tuple[str, ...] = ()

    @property
    def followed(self) -> bool:
        return not self.rel


@dataclass(frozen=True)
class Robots:
    noindex: bool = False
    nofollow: bool = False

    def __or__(self, other: Robots) -> Robots:
        return Robots(self.noindex or other.noindex, self.nofollow or other.nofollow)


@dataclass(frozen=True)
class PageCheck:
    """One check of one page for links to `site`: the verdict and its evidence."""

    url: str
    site: str
    verdict: Verdict
    checked_at: datetime
    final_url: str | None = None
    http_status: int | None = None
    links: tuple[LinkFound, ...] = ()
    robots: Robots = field(default_factory=Robots)
    canonical: str | None = None
    redirects: tuple[Redirect, ...] = ()
    x_robots_tag: str | None = None
    # Why the verdict is not about links (unreachable, refused, not HTML), and its code.
    reason: str | None = None
    cause: str | None = None

    def as_json(self) -> dict[str, Any]:
        """SPEC 4.2's document; keys after `canonical` are extras."""
        return {
            "url": self.url,
            "final_url": self.final_url,
            "http_status": self.http_status,
            "site": self.site,
            "verdict": self.verdict.value,
            "links": [
                {"href": link.href, "anchor": link.anchor, "rel": list(link.rel)}
                for link in self.links
            ],
            "robots": {"noindex": self.robots.noindex, "nofollow": self.robots.nofollow},
            "canonical": self.canonical,
            "redirects": [{"url": hop.url, "status": hop.status} for hop in self.redirects],
            "x_robots_tag": self.x_robots_tag,
            "reason": self.reason,
            "cause": self.cause,
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
        }

    def lines(self) -> list[str]:
        """The check for a person to read, one fact a line."""
        shown = [f"{self.verdict.value}: {self.url} for {self.site}"]
        if self.reason:
            shown.append(f"  reason: {self.reason}")
        for hop in self.redirects:
            shown.append(f"  redirect: {hop.url} ({hop.status})")
        if self.final_url and self.final_url != self.url:
            shown.append(f"  final URL: {self.final_url}")
        if self.http_status is not None:
            shown.append(f"  HTTP status: {self.http_status}")
        for link in self.links:
            rel = " ".join(link.rel) if link.rel else "followed"
            shown.append(f"  link: {link.href} “{link.anchor}” ({rel})")
        if self.verdict not in (Verdict.UNREACHABLE, Verdict.REFUSED):
            noindex = "noindex" if self.robots.noindex else "index"
            nofollow = "nofollow" if self.robots.nofollow else "follow"
            shown.append(f"  robots: {noindex}, {nofollow}")
        if self.x_robots_tag:
            shown.append(f"  X-Robots-Tag: {self.x_robots_tag}")
        if self.canonical:
            shown.append(f"  canonical: {self.canonical}")
        return shown


def check_page(fetcher: Fetcher, url: str, site: str) -> PageCheck:
    """Fetch `url` and judge it for links to `site` (a folded domain)."""
    checked_at = datetime.now(UTC)
    try:
        page = fetcher.fetch(url)
    except FetchError as error:
        return _failed(url, site, error, checked_at)
    return judge(site, page, checked_at)


def _failed(url: str, site: str, error: FetchError, checked_at: datetime) -> PageCheck:
    """The check of a page that could not be fetched: refused or unreachable."""
    return PageCheck(
        url=url,
        site=site,
        verdict=Verdict.REFUSED if isinstance(error, FetchRefused) else Verdict.UNREACHABLE,
        checked_at=checked_at,
        final_url=error.final_url,
        redirects=error.redirects,
        reason=error.reason,
        cause=error.cause,
    )


def judge(site: str, page: FetchedPage, checked_at: datetime) -> PageCheck:
    """The verdict on a fetched page. A missing link outweighs noindex, which outweighs
    nofollow: each says less about the link than the one before."""
    x_robots_tag = ", ".join(page.headers.get_list("x-robots-tag")) or None
    check = PageCheck(
        url=page.url,
        site=site,
        verdict=Verdict.UNREACHABLE,
        checked_at=checked_at,
        final_url=page.final_url,
        http_status=page.status,
        redirects=page.redirects,
        x_robots_tag=x_robots_tag,
    )
    if not 200 <= page.status < 300:
        return replace(check, reason=f"the page answered HTTP {page.status}", cause="http_status")
    robots = header_robots(page.headers.get_list("x-robots-tag"))
    kind = media_type(page)
    if kind not in HTML_TYPES:
        return replace(
            check,
            verdict=Verdict.MISSING,
            robots=robots,
            reason=f"the page is {kind}, not HTML, so its links are not read",
            cause="not_html",
        )
    document = parse_page(page)
    base = base_url(document, page.final_url)
    robots |= meta_robots(document)
    links = tuple(links_to(site, document, base))
    return replace(
        check,
        verdict=_verdict(links, robots),
        links=links,
        robots=robots,
        canonical=_canonical(document, base),
    )


def _verdict(links: tuple[LinkFound, ...], robots: Robots) -> Verdict:
    if not links:
        return Verdict.MISSING
    if robots.noindex:
        return Verdict.NOINDEX
    if robots.nofollow or not any(link.followed for link in links):
        return Verdict.NOFOLLOW
    return Verdict.LIVE


def links_to(site: str, document: LexborHTMLParser, base: str) -> list[LinkFound]:
    """Every <a href> and <area href> whose target's registrable domain is `site`."""
    found = []
    for node in document.css("a[href], area[href]"):
        href = resolved_url(base, node.attributes.get("href"))
        if href is None or try_fold_domain(href) != site:
            continue
        rel_tokens = (node.attributes.get("rel") or "").lower().split()
        rel = tuple(dict.fromkeys(token for token in rel_tokens if token in UNFOLLOWED_RELS))
        found.append(LinkFound(href, anchor_text(node), rel))
    return found


def meta_robots(document: LexborHTMLParser) -> Robots:
    """The page's <meta name="robots"> and <meta name="googlebot"> rules."""
    rules: set[str] = set()
    for meta in document.css("meta[name][content]"):
        if (meta.attributes.get("name") or "").strip().lower() in ROBOTS_META_NAMES:
            rules |= _rules(meta.attributes.get("content") or "")
    return _robots(rules)


def header_robots(values: list[str]) -> Robots:
    """X-Robots-Tag values: rules for every crawler, or after `googlebot:` for Google."""
    rules: set[str] = set()
    for value in values:
        prefix = _AGENT_PREFIX.match(value)
        if prefix and prefix[1].lower() not in _VALUED_RULES:
            if prefix[1].lower() in ROBOTS_META_NAMES:
                rules |= _rules(prefix[2])
            continue
        rules |= _rules(value)
    return _robots(rules)


def _rules(text: str) -> set[str]:
    return {rule for rule in re.split(r"[\s,]+", text.lower()) if rule}


def _robots(rules: set[str]) -> Robots:
    # `none` is shorthand for both.
    return Robots(
        noindex=bool(rules & {"noindex", "none"}), nofollow=bool(rules & {"nofollow", "none"})
    )


def media_type(page: FetchedPage) -> str:
    """The page's media type (`text/html`), from its Content-Type; HTML if it names none."""
    return page.headers.get("content-type", "text/html").split(";")[0].strip().lower()


def parse_page(page: FetchedPage) -> LexborHTMLParser:
    """The HTML Standard's order: a byte order mark, then the Content-Type charset, then
    a <meta charset> (lexbor's detection), else UTF-8."""
    declared = _CHARSET.search(page.headers.get("content-type", ""))
    if declared and not page.body.startswith(_BOMS):
        try:
            return LexborHTMLParser(page.body.decode(declared[1], errors="replace"))
        except LookupError:
            pass  # an unknown charset name: let lexbor work it out
    return LexborHTMLParser(page.body, encoding=True)


def base_url(document: LexborHTMLParser, final_url: str) -> str:
    """What the page's relative links are relative to: its <base href>, else its URL."""
    base = document.css_first("base[href]")
    if base is None:
        return final_url
    return resolved_url(final_url, base.attributes.get("href")) or final_url


def _canonical(document: LexborHTMLParser, base: str) -> str | None:
    for node in document.css("link[rel][href]"):
        if "canonical" in (node.attributes.get("rel") or "").lower().split():
            return resolved_url(base, node.attributes.get("href"))
    return None


def resolved_url(base: str, href: str | None) -> str | None:
    """`href` made absolute against `base`, or None unless it is an http(s) URL."""
    if href is None:
        return None
    try:
        absolute = urljoin(base, href.strip())
        scheme = urlsplit(absolute).scheme
    except ValueError:  # such as an unclosed IPv6 bracket
        return None
    return absolute if scheme in ("http", "https") else None


def anchor_text(node: LexborNode) -> str:
    """The link's text, whitespace collapsed; for an image link, the image's alt text."""
    text = " ".join(node.text(separator="").split())
    if text:
        return text
    image = node.css_first("img[alt]")
    return " ".join((image.attributes.get("alt") or "").split()) if image else ""
