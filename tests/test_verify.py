"""The page check (bot/verify.py): SPEC 4.2's verdicts from pages made by hand, no server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.fetch import FetchedPage, FetchError, FetchFailed, FetchRefused, Redirect
from bot.verify import LinkFound, Robots, Verdict, check_page, judge

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
URL = "https://blog.example/post"
SITE = "mysite.com"


def fetched(
    html: str | bytes,
    *,
    status: int = 200,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    url: str = URL,
    final_url: str = URL,
    redirects: tuple[Redirect, ...] = (),
) -> FetchedPage:
    body = html.encode() if isinstance(html, str) else html
    given = httpx.Headers(headers or {"Content-Type": "text/html; charset=utf-8"})
    return FetchedPage(url, final_url, status, given, body, redirects)


def checked(html: str | bytes, **kwargs: Any) -> dict[str, Any]:
    return judge(SITE, fetched(html, **kwargs), NOW).as_json()


def document(
    verdict: str,
    links: list[dict[str, Any]],
    *,
    noindex: bool = False,
    nofollow: bool = False,
    **changes: Any,
) -> dict[str, Any]:
    """SPEC 4.2's JSON for a page of URL that loaded (200, no redirects), and its extras."""
    return {
        "url": URL,
        "final_url": URL,
        "http_status": 200,
        "site": SITE,
        "verdict": verdict,
        "links": links,
        "robots": {"noindex": noindex, "nofollow": nofollow},
        "canonical": None,
        "redirects": [],
        "x_robots_tag": None,
        "reason": None,
        "cause": None,
        "checked_at": "2026-03-01T12:00:00+00:00",
        **changes,
    }


GUIDE = {"href": "https://www.mysite.com/guide", "anchor": "a guide", "rel": []}


def test_live_is_spec_4_2s_example() -> None:
    html = '<p>See <a href="https://www.mysite.com/guide">a guide</a>.</p>'
    assert checked(html) == document("live", [GUIDE])


def test_links_elsewhere_only_is_missing() -> None:
    html = """
      <a href="https://rival-a.com/">rival</a>
      <a href="https://mysite.com.evil.example/">lookalike</a>
      <a href="https://notmysite.com/">near miss</a>
      <a href="mailto:me@mysite.com">mail</a>
      <a href="/about">our own page</a>
    """
    assert checked(html) == document("missing", [])


def test_every_link_to_any_host_of_the_site_is_listed_with_its_rel() -> None:
    html = """
      <a href="https://blog.mysite.com/a" rel="nofollow">one</a>
      <a href="http://MYSITE.com/b" rel="noopener UGC">two</a>
      <a href="https://mysite.com/c" rel="sponsored nofollow">three</a>
    """
    assert checked(html) == document(
        "nofollow",
        [
            {"href": "https://blog.mysite.com/a", "anchor": "one", "rel": ["nofollow"]},
            {"href": "http://MYSITE.com/b", "anchor": "two", "rel": ["ugc"]},
            {"href": "https://mysite.com/c", "anchor": "three", "rel": ["sponsored", "nofollow"]},
        ],
    )


def test_one_followed_link_among_nofollow_ones_is_live() -> None:
    html = """
      <a href="https://mysite.com/x" rel="nofollow">x</a>
      <a href="https://www.mysite.com/guide">a guide</a>
    """
    assert checked(html)["verdict"] == "live"


@pytest.mark.parametrize(
    "head",
    [
        '<meta name="robots" content="nofollow">',
        '<meta name="ROBOTS" content="index, NoFollow">',
        '<meta name="googlebot" content="nofollow">',
    ],
)
def test_a_page_whose_robots_say_nofollow_is_nofollow(head: str) -> None:
    html = f'<html><head>{head}</head><body><a href="https://www.mysite.com/guide">a guide'
    assert checked(html) == document("nofollow", [GUIDE], nofollow=True)


def test_robots_rules_for_another_crawler_do_not_count() -> None:
    html = (
        '<meta name="bingbot" content="noindex, nofollow">'
        '<a href="https://www.mysite.com/guide">a guide</a>'
    )
    assert checked(html)["verdict"] == "live"


@pytest.mark.parametrize(
    ("head", "nofollow"),
    [
        ('<meta name="robots" content="noindex">', False),
        ('<meta name="googlebot" content="noindex,follow">', False),
        ('<meta name="robots" content="none">', True),
        ('<meta name="robots" content="noindex nofollow">', True),
    ],
)
def test_a_page_with_a_noindex_meta_is_noindex(head: str, nofollow: bool) -> None:
    html = f'<head>{head}</head><a href="https://www.mysite.com/guide">a guide</a>'
    assert checked(html) == document("noindex", [GUIDE], noindex=True, nofollow=nofollow)


@pytest.mark.parametrize(
    ("values", "robots"),
    [
        (["noindex"], Robots(noindex=True)),
        (["googlebot: noindex, nofollow"], Robots(noindex=True, nofollow=True)),
        (["max-snippet: 20, noindex"], Robots(noindex=True)),
        (["unavailable_after: 25 Jun 2030 15:00:00 PST"], Robots()),
        (["otherbot: noindex"], Robots()),
        (["otherbot: noindex", "nofollow"], Robots(nofollow=True)),
    ],
)
def test_x_robots_tag_rules_for_everyone_and_for_google_count(
    values: list[str], robots: Robots
) -> None:
    headers = [("Content-Type", "text/html"), *(("X-Robots-Tag", value) for value in values)]
    page = fetched('<a href="https://www.mysite.com/guide">a guide</a>', headers=headers)
    check = judge(SITE, page, NOW)
    assert check.robots == robots
    assert check.x_robots_tag == ", ".join(values)


def test_a_noindex_header_makes_the_page_noindex() -> None:
    headers = {"Content-Type": "text/html", "X-Robots-Tag": "noindex"}
    html = '<a href="https://www.mysite.com/guide">a guide</a>'
    assert checked(html, headers=headers) == document(
        "noindex", [GUIDE], noindex=True, x_robots_tag="noindex"
    )


def test_a_missing_link_outweighs_noindex() -> None:
    html = '<meta name="robots" content="noindex"><a href="https://rival-a.com/">rival</a>'
    assert checked(html) == document("missing", [], noindex=True)


def test_relative_links_resolve_against_the_final_url_and_base_href() -> None:
    moved = "https://mysite.com/blog/2024/post"
    page = fetched(
        '<a href="../guide">guide</a>',
        final_url=moved,
        redirects=(Redirect(URL, 301),),
    )
    check = judge(SITE, page, NOW)
    assert check.links == (LinkFound("https://mysite.com/blog/guide", "guide"),)
    assert check.as_json()["redirects"] == [{"url": URL, "status": 301}]
    assert check.final_url == moved

    based = '<base href="https://www.mysite.com/docs/"><a href="start">start</a>'
    assert checked(based)["links"] == [
        {"href": "https://www.mysite.com/docs/start", "anchor": "start", "rel": []}
    ]
    relative_base = '<base href="/elsewhere/"><a href="x">x</a>'
    assert checked(relative_base)["verdict"] == "missing"  # blog.example/elsewhere/x


def test_anchor_text_is_the_links_text_or_its_images_alt() -> None:
    html = """
      <a href="https://mysite.com/1">  the <b>best</b>
         guide </a>
      <a href="https://mysite.com/2"><img src="logo.png" alt="My Site logo"></a>
      <a href="https://mysite.com/3"><img src="blank.png"></a>
    """
    assert [link["anchor"] for link in checked(html)["links"]] == [
        "the best guide",
        "My Site logo",
        "",
    ]


def test_the_canonical_url_is_reported_absolute() -> None:
    html = '<link rel="Canonical" href="/post?ref=1"><a href="https://mysite.com/">home</a>'
    assert checked(html)["canonical"] == "https://blog.example/post?ref=1"


def test_the_charset_comes_from_the_header_else_the_page() -> None:
    anchor = "Привет"
    html = f'<meta charset="windows-1251"><a href="https://mysite.com/">{anchor}</a>'
    body = html.encode("windows-1251")
    by_meta = fetched(body, headers={"Content-Type": "text/html"})
    by_header = fetched(
        f'<a href="https://mysite.com/">{anchor}</a>'.encode("koi8-r"),
        headers={"Content-Type": "text/html; charset=KOI8-R"},
    )
    assert judge(SITE, by_meta, NOW).links[0].anchor == anchor
    assert judge(SITE, by_header, NOW).links[0].anchor == anchor


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_an_http_error_is_unreachable(status: int) -> None:
    html = '<a href="https://www.mysite.com/guide">a guide</a>'
    assert checked(html, status=status) == document(
        "unreachable",
        [],
        http_status=status,
        reason=f"the page answered HTTP {status}",
        cause="http_status",
    )


def test_a_page_that_is_not_html_has_no_links_read() -> None:
    headers = {"Content-Type": "application/pdf", "X-Robots-Tag": "noindex"}
    assert checked(b"%PDF-1.7 https://mysite.com/", headers=headers) == document(
        "missing",
        [],
        noindex=True,
        x_robots_tag="noindex",
        reason="the page is application/pdf, not HTML, so its links are not read",
        cause="not_html",
    )


class FakeFetcher:
    """Gives the page it was made with, or raises the error."""

    def __init__(self, outcome: FetchedPage | FetchError) -> None:
        self.outcome = outcome

    def fetch(self, url: str) -> FetchedPage:
        if isinstance(self.outcome, FetchError):
            raise self.outcome
        return self.outcome


def failure(error: FetchError, final_url: str, redirects: tuple[Redirect, ...]) -> FetchError:
    error.final_url, error.redirects = final_url, redirects
    return error


def test_check_page_turns_a_refused_fetch_into_refused() -> None:
    error = failure(
        FetchRefused("127.0.0.1 is a loopback address, which Gapbot never fetches", "address"),
        "http://127.0.0.1/admin",
        (Redirect(URL, 302),),
    )
    check = check_page(FakeFetcher(error), URL, SITE)  # type: ignore[arg-type]
    assert check.verdict is Verdict.REFUSED
    assert {**check.as_json(), "checked_at": None} == {
        "url": URL,
        "final_url": "http://127.0.0.1/admin",
        "http_status": None,
        "site": SITE,
        "verdict": "refused",
        "links": [],
        "robots": {"noindex": False, "nofollow": False},
        "canonical": None,
        "redirects": [{"url": URL, "status": 302}],
        "x_robots_tag": None,
        "reason": "127.0.0.1 is a loopback address, which Gapbot never fetches",
        "cause": "address",
        "checked_at": None,
    }


def test_check_page_turns_a_failed_fetch_into_unreachable_and_judges_a_page() -> None:
    blocked = failure(
        FetchFailed("https://blog.example/robots.txt does not let Gapbot fetch /post", "robots"),
        URL,
        (),
    )
    check = check_page(FakeFetcher(blocked), URL, SITE)  # type: ignore[arg-type]
    assert (check.verdict, check.cause, check.reason) == (
        Verdict.UNREACHABLE,
        "robots",
        "https://blog.example/robots.txt does not let Gapbot fetch /post",
    )
    page = fetched('<a href="https://www.mysite.com/guide">a guide</a>')
    live = check_page(FakeFetcher(page), URL, SITE)  # type: ignore[arg-type]
    assert live.verdict is Verdict.LIVE
    assert live.checked_at.tzinfo is UTC


def test_the_table_form_says_the_verdict_then_the_evidence() -> None:
    html = (
        '<meta name="robots" content="nofollow"><link rel="canonical" href="/post">'
        '<a href="https://www.mysite.com/guide" rel="ugc">a guide</a>'
    )
    page = fetched(
        html,
        headers={"Content-Type": "text/html", "X-Robots-Tag": "noarchive"},
        url="http://blog.example/post",
        redirects=(Redirect("http://blog.example/post", 301),),
    )
    assert judge(SITE, page, NOW).lines() == [
        "nofollow: http://blog.example/post for mysite.com",
        "  redirect: http://blog.example/post (301)",
        "  final URL: https://blog.example/post",
        "  HTTP status: 200",
        "  link: https://www.mysite.com/guide “a guide” (ugc)",
        "  robots: index, nofollow",
        "  X-Robots-Tag: noarchive",
        "  canonical: https://blog.example/post",
    ]
