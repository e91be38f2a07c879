"""A local stand-in for DataForSEO, Ahrefs, Semrush and Moz, as strict as their documentation.

Each handler cites the reference page it follows. It accepts only the parameters that page
lists, with the values it allows, answers in the documented shape and units, and refuses
anything else the way that vendor reports errors: an adapter drifting from the docs fails
here, not against the paid API. A documented option the sample graph cannot express (a
subdomain target, most filter operators) is answered HTTP 501 "not modelled by the test
fake", never silently ignored.

The graph is kept at page level: the same page URL under two sites is one page linking to
both, which is what tells a source page from a source domain.
"""

from __future__ import annotations

import base64
import binascii
import json
import operator
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from publicsuffixlist import PublicSuffixList
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.links.live import open_provider
from bot.links.providers import ProviderSource
from bot.store.cache import ProviderTables
from bot.store.clock import Clock, utc_now
from bot.store.db import create_schema, make_engine

DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD = "login", "dfs-password"
AHREFS_KEY, SEMRUSH_KEY, MOZ_TOKEN = "ahrefs-key", "semrush-key", "moz-token"
# The fake's own root-domain rule, from the Public Suffix List directly rather than from the
# code under test.
_PSL = PublicSuffixList(only_icann=False)


def root_of(host: str) -> str:
    return _PSL.privatesuffix(host) or host


@dataclass(frozen=True)
class Ref:
    """What one referring host links to one site with: `links` pages, one link each."""

    links: int
    nofollow: int = 0
    authority: int | None = None

    def pages(self, host: str) -> list[str]:
        return [f"https://{host}/post-{number}" for number in range(1, self.links + 1)]


# site -> referring host -> links. `me.com` is the site; a, b, c the competitors. A host's
# post-1 linking to me.com and to a.com is one page linking to both.
SAMPLE_GRAPH: dict[str, dict[str, Ref]] = {
    "me.com": {"shared.net": Ref(1, authority=50), "www.bbc.co.uk": Ref(2, authority=90)},
    "a.com": {
        "www.news.example": Ref(2, authority=71),
        "blog.news.example": Ref(1, nofollow=1, authority=65),
        "forum.org": Ref(1, authority=40),
        "shared.net": Ref(5, authority=50),
        "www.bbc.co.uk": Ref(1, authority=90),
    },
    "b.com": {
        "news.example": Ref(1, authority=71),
        "forum.org": Ref(1, authority=40),
        "lakeblogger.blogspot.com": Ref(2, nofollow=2, authority=20),
    },
    "c.com": {"forum.org": Ref(2, authority=40), "tiny.io": Ref(1)},
}


@dataclass(frozen=True)
class Fault:
    """A scripted bad answer: a status (with headers and body), or a delay past the timeout."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    delay: float = 0.0


@dataclass
class Call:
    provider: str
    path: str
    target: str


@dataclass(frozen=True)
class Answer:
    """A reply; `paid`: the vendor bills it (a successful data answer)."""

    status: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)
    paid: bool = False


class Refused(Exception):
    """A request the documentation does not allow, with the vendor's answer to it."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.text)
        self.answer = answer


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, json.dumps(data), {"content-type": "application/json", **(headers or {})})


def _paid_json(data: Any, headers: dict[str, str] | None = None) -> Answer:
    answer = _json(data, headers=headers)
    return Answer(answer.status, answer.text, answer.headers, paid=True)


def _names(text: str) -> frozenset[str]:
    """A set of documented names, written as the docs list them (space-separated)."""
    return frozenset(text.split())


def _unmodelled(what: str) -> Refused:
    return Refused(Answer(501, f"not modelled by the test fake: {what}"))


class FakeProviders:
    """The four providers on one local port; records paid calls, injects faults and latency."""

    def __init__(self, graph: dict[str, dict[str, Ref]] | None = None, latency: float = 0.0):
        self.graph = graph if graph is not None else SAMPLE_GRAPH
        self.latency = latency
        self.calls: list[Call] = []
        self.faults: dict[tuple[str, str], list[Fault]] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail(self, provider: str, target: str, *faults: Fault) -> None:
        """Answer the next requests of `provider` about `target` ("*": any) with `faults`."""
        self.faults.setdefault((provider, target), []).extend(faults)

    def paid_calls(self, provider: str | None = None) -> int:
        return sum(1 for call in self.calls if provider in (None, call.provider))

    def next_fault(self, provider: str, target: str) -> Fault | None:
        with self.lock:
            for key in ((provider, target), (provider, "*")):
                if self.faults.get(key):
                    return self.faults[key].pop(0)
        return None

    def record(self, provider: str, path: str, target: str) -> None:
        with self.lock:
            self.calls.append(Call(provider, path, target))

    def settings(self, home: Path, **extra: Any) -> Settings:
        return provider_settings(self.url, home, **extra)

    def refs(self, target: str) -> list[tuple[str, Ref]]:
        """The target's referring hosts, strongest first."""
        refs = self.graph.get(target, {}).items()
        return sorted(refs, key=lambda item: (-(item[1].authority or 0), item[0]))

    def authority(self, host: str) -> int | None:
        """A host's authority, wherever in the graph it is given."""
        found = [refs[host].authority for refs in self.graph.values() if host in refs]
        return max((value for value in found if value is not None), default=None)


def provider_settings(url: str, home: Path, **extra: Any) -> Settings:
    """Settings pointing every provider at `url`, with the credentials the fake accepts."""
    values: dict[str, Any] = {"GAPBOT_HOME": str(home), **provider_environment(url)}
    return Settings(**(values | extra))


def provider_source(
    name: str, settings: Settings, *, clock: Clock = utc_now, **options: Any
) -> ProviderSource:
    """The provider `name` as the app opens it: its answers and spend kept in the app
    database of `settings` (one engine per database, as a process makes once)."""
    return open_provider(name, settings, app_store(settings, clock), **options)


def app_store(settings: Settings, clock: Clock = utc_now) -> ProviderTables:
    """The app database of `settings`, where live providers keep answers and spend."""
    return ProviderTables(_app_engine(settings.app_database_url), clock)


@lru_cache(maxsize=4)
def _app_engine(url: str) -> Engine:
    engine = make_engine(url)
    create_schema(engine)
    return engine


def provider_environment(url: str) -> dict[str, str]:
    """Environment variables pointing every provider at `url`, with accepted credentials."""
    return {
        "DATAFORSEO_LOGIN": DATAFORSEO_LOGIN,
        "DATAFORSEO_PASSWORD": DATAFORSEO_PASSWORD,
        "AHREFS_API_KEY": AHREFS_KEY,
        "SEMRUSH_API_KEY": SEMRUSH_KEY,
        "MOZ_TOKEN": MOZ_TOKEN,
        "DATAFORSEO_API_URL": url,
        "AHREFS_API_URL": url,
        "SEMRUSH_API_URL": url,
        "MOZ_API_URL": url,
    }


@contextmanager
def running(fake: FakeProviders) -> Iterator[FakeProviders]:
    thread = threading.Thread(target=fake.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def _handler(fake: FakeProviders) -> type[BaseHTTPRequestHandler]:
    class Handler(_ProviderHandler):
        provider_state = fake

    return Handler


class _ProviderHandler(BaseHTTPRequestHandler):
    provider_state: FakeProviders

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `calls`, not the log."""

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        endpoint = url.path.removeprefix("/v3/site-explorer/")
        if endpoint in AHREFS_ENDPOINTS:
            target = (query.get("target") or [""])[0]
            self._serve("ahrefs", target, lambda: _ahrefs(self, AHREFS_ENDPOINTS[endpoint], query))
        elif url.path == "/analytics/v1/":
            target = (query.get("targets[]") or query.get("target") or [""])[-1]
            self._serve("semrush", target, lambda: _semrush(self, query))
        else:
            self._reply(Answer(404, "Not Found"))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        path = urlparse(self.path).path
        dataforseo = re.fullmatch(r"/v3/backlinks/(\w+)/live", path)
        if dataforseo and dataforseo.group(1) in DFS_ENDPOINTS:
            task = DFS_ENDPOINTS[dataforseo.group(1)]
            self._serve("dataforseo", _dfs_target(body), lambda: _dataforseo(self, task, body))
        elif path in MOZ_ENDPOINTS:
            call = MOZ_ENDPOINTS[path]
            self._serve("moz", _moz_target(body), lambda: _moz(self, call, body))
        else:
            # https://docs.dataforseo.com/v3/appendix/errors/: 404 "Requested endpoint not found".
            self._reply(Answer(404, "Not Found"))

    def _serve(self, provider: str, target: str, answer: Callable[[], Answer]) -> None:
        state = self.provider_state
        time.sleep(state.latency)
        fault = state.next_fault(provider, target)
        if fault is not None:
            time.sleep(fault.delay)
            self._reply(Answer(fault.status, fault.body, fault.headers))
            return
        try:
            reply = answer()
        except Refused as refused:
            reply = refused.answer
        if reply.paid:
            state.record(provider, urlparse(self.path).path, target)
        self._reply(reply)

    def _reply(self, answer: Answer) -> None:
        data = answer.text.encode()
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def basic_auth(self) -> tuple[str, str] | None:
        header = self.headers.get("authorization") or ""
        if not header.startswith("Basic "):
            return None
        login, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return login, password


def _sorted(rows: list[dict[str, Any]], keys: Sequence[tuple[str, bool]]) -> list[dict[str, Any]]:
    """Rows in the order of (field, descending) keys, the first key first; None sorts last."""
    for name, descending in reversed(keys):
        present = [row for row in rows if row[name] is not None]
        absent = [row for row in rows if row[name] is None]
        rows = sorted(present, key=lambda row: row[name], reverse=descending) + absent
    return rows


# --- DataForSEO ------------------------------------------------------------------------------
# https://docs.dataforseo.com/v3/backlinks/referring_domains/live/ and
# https://docs.dataforseo.com/v3/backlinks/backlinks/live/: POST an array of one task (live
# endpoints take one task at a time); limit 1-1000 (default 100); up to 8 filters and 3
# order_by rules; backlinks/live's offset is at most 20,000.
# https://docs.dataforseo.com/v3/appendix/errors/: HTTP 200 with status codes in the body,
# except HTTP 401 (unauthorized), 402, 404 and 500.


@dataclass(frozen=True)
class DfsEndpoint:
    name: str
    fields: frozenset[str]
    max_offset: int | None = None


DFS_ENDPOINTS = {
    "referring_domains": DfsEndpoint(
        "referring_domains",
        _names(
            "target limit offset internal_list_limit backlinks_status_type filters order_by"
            " backlinks_filters include_subdomains include_indirect_links"
            " exclude_internal_backlinks tag"
        ),
    ),
    "backlinks": DfsEndpoint(
        "backlinks",
        _names(
            "target mode custom_mode filters order_by offset search_after_token limit"
            " backlinks_status_type include_subdomains include_indirect_links tag"
        ),
        max_offset=20_000,
    ),
}
DFS_STATUS_TYPES = frozenset({"all", "live", "lost"})
DFS_MODES = frozenset({"as_is", "one_per_domain", "one_per_anchor"})
DFS_BOOLEANS = ("include_subdomains", "include_indirect_links", "exclude_internal_backlinks")
# Documented filter operators: regex, =, <>, in, not_in, like, not_like, ilike, not_ilike.
DFS_DOCUMENTED_OPERATORS = _names("regex = <> in not_in like not_like ilike not_ilike")
DFS_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "like": lambda value, pattern: _like(str(value), pattern),
    "not_like": lambda value, pattern: not _like(str(value), pattern),
}
DFS_MAX_FILTERS, DFS_MAX_SORTS, DFS_MAX_LIMIT = 8, 3, 1000
DFS_USD_PER_REQUEST, DFS_USD_PER_ITEM = 0.02, 0.00003


def _like(value: str, pattern: str) -> bool:
    """SQL LIKE: % is any run of characters."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("%"))), value) is not None


def _dfs_target(body: bytes) -> str:
    try:
        return str(json.loads(body)[0].get("target") or "")
    except (ValueError, LookupError, AttributeError):
        return ""


def _dfs_envelope(tasks: list[dict[str, Any]], cost: float, errors: int) -> dict[str, Any]:
    return {
        "version": "0.1.20240801",
        "status_code": 20000,
        "status_message": "Ok.",
        "time": "0.1000 sec.",
        "cost": cost,
        "tasks_count": len(tasks),
        "tasks_error": errors,
        "tasks": tasks,
    }


def _dfs_task_error(code: int, message: str) -> Refused:
    task = {
        "id": "fake-task",
        "status_code": code,
        "status_message": message,
        "cost": 0,
        "result_count": 0,
        "result": None,
    }
    return Refused(_json(_dfs_envelope([task], 0, 1)))


def _dfs_invalid(name: str) -> Refused:
    return _dfs_task_error(40501, f"Invalid Field: '{name}'.")


def _dataforseo(handler: _ProviderHandler, endpoint: DfsEndpoint, body: bytes) -> Answer:
    fake = handler.provider_state
    if handler.basic_auth() != (DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD):
        unauthorized = _dfs_envelope([], 0, 0) | {
            "status_code": 40100,
            "status_message": "You are not authorized to access this resource.",
            "tasks": None,
        }
        return _json(unauthorized, status=401)
    tasks = json.loads(body)
    if not isinstance(tasks, list) or len(tasks) != 1:
        raise _dfs_task_error(40000, "You can set only one task at a time.")
    task = tasks[0]
    _dfs_check_task(endpoint, task)
    target = task["target"]
    if endpoint.name == "referring_domains":
        items = [_dfs_refdomain(host, ref) for host, ref in fake.refs(target)]
    else:
        items = [
            _dfs_backlink(host, ref, page, target, index)
            for host, ref in fake.refs(target)
            for index, page in enumerate(ref.pages(host))
        ]
    items = [item for item in items if _dfs_matches(item, task.get("filters"))]
    items = _sorted(items, [_dfs_sort_key(rule) for rule in task.get("order_by", [])])
    offset, limit = task.get("offset", 0), task.get("limit", 100)
    page = items[offset : offset + limit]
    cost = round(DFS_USD_PER_REQUEST + DFS_USD_PER_ITEM * len(page), 5)
    result = {"target": target, "total_count": len(items), "items_count": len(page), "items": page}
    answer = {
        "id": "fake-task",
        "status_code": 20000,
        "status_message": "Ok.",
        "cost": cost,
        "result_count": 1,
        "path": ["v3", "backlinks", endpoint.name, "live"],
        "data": task,
        "result": [result],
    }
    return _paid_json(_dfs_envelope([answer], cost, 0))


def _dfs_check_task(endpoint: DfsEndpoint, task: Any) -> None:
    if not isinstance(task, dict):
        raise _dfs_task_error(40503, "POST Data Is Invalid.")
    for name in task:
        if name not in endpoint.fields:
            raise _dfs_invalid(name)
    target = task.get("target")
    # "a domain or a subdomain should be specified without https:// and www."
    if not isinstance(target, str) or not target or target.startswith("www."):
        raise _dfs_invalid("target")
    if not _int_within(task.get("limit", 100), 1, DFS_MAX_LIMIT):
        raise _dfs_invalid("limit")
    if not _int_within(task.get("offset", 0), 0, endpoint.max_offset):
        raise _dfs_invalid("offset")
    if task.get("backlinks_status_type", "live") not in DFS_STATUS_TYPES:
        raise _dfs_invalid("backlinks_status_type")
    if task.get("mode", "as_is") not in DFS_MODES:
        raise _dfs_invalid("mode")
    for name in DFS_BOOLEANS:
        if not isinstance(task.get(name, True), bool):
            raise _dfs_invalid(name)
    order_by = task.get("order_by", [])
    if not isinstance(order_by, list) or len(order_by) > DFS_MAX_SORTS:
        raise _dfs_invalid("order_by")
    for rule in order_by:
        if _dfs_sort_key(rule)[0] not in DFS_ITEM_FIELDS[endpoint.name]:
            raise _dfs_invalid("order_by")
    if _dfs_conditions(task.get("filters"), DFS_ITEM_FIELDS[endpoint.name]) > DFS_MAX_FILTERS:
        raise _dfs_invalid("filters")
    # The sample graph's links are all live, direct and external.
    if task.get("backlinks_status_type", "live") != "live":
        raise _unmodelled(f"DataForSEO backlinks_status_type {task['backlinks_status_type']}")
    for name in ("internal_list_limit", "backlinks_filters", "custom_mode", "search_after_token"):
        if name in task:
            raise _unmodelled(f"DataForSEO {name}")


def _int_within(value: Any, low: int, high: int | None) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= low
        and (high is None or value <= high)
    )


def _dfs_conditions(filters: Any, fields: frozenset[str]) -> int:
    """How many conditions `filters` holds, once each is checked against the docs."""
    if not filters:
        return 0
    if not isinstance(filters, list):
        raise _dfs_invalid("filters")
    if isinstance(filters[0], str):
        if len(filters) != 3 or filters[0] not in fields:
            raise _dfs_invalid("filters")
        if filters[1] not in DFS_DOCUMENTED_OPERATORS:
            raise _dfs_invalid("filters")
        if filters[1] not in DFS_OPERATORS:
            raise _unmodelled(f"DataForSEO filter operator {filters[1]}")
        return 1
    if len(filters) % 2 == 0 or any(joiner not in ("and", "or") for joiner in filters[1::2]):
        raise _dfs_invalid("filters")
    return sum(_dfs_conditions(part, fields) for part in filters[::2])


def _dfs_matches(item: dict[str, Any], filters: Any) -> bool:
    """A filter is [field, operator, value], or filters joined by "and"/"or" (left to right)."""
    if not filters:
        return True
    if isinstance(filters[0], str):
        name, op, value = filters
        return DFS_OPERATORS[op](item[name], value)
    matched = _dfs_matches(item, filters[0])
    for joiner, part in zip(filters[1::2], filters[2::2], strict=True):
        this = _dfs_matches(item, part)
        matched = (matched and this) if joiner == "and" else (matched or this)
    return matched


def _dfs_sort_key(rule: Any) -> tuple[str, bool]:
    """A sort key from "field,asc" or "field,desc"."""
    name, _, direction = str(rule).partition(",")
    if direction not in ("asc", "desc"):
        raise _dfs_invalid("order_by")
    return name, direction == "desc"


def _dfs_refdomain(host: str, ref: Ref) -> dict[str, Any]:
    """A referring_domains item, every documented field present; `rank` on the 0-1000 scale."""
    return {
        "type": "backlinks_referring_domain",
        "domain": host,
        "rank": (ref.authority or 0) * 10,
        "backlinks": ref.links,
        "first_seen": "2024-01-15 09:30:00 +00:00",
        "lost_date": None,
        "backlinks_spam_score": 0,
        "broken_backlinks": 0,
        "broken_pages": 0,
        "referring_domains": 1,
        "referring_domains_nofollow": 1 if ref.nofollow else 0,
        "referring_main_domains": 1,
        "referring_main_domains_nofollow": 1 if ref.nofollow else 0,
        "referring_ips": 1,
        "referring_subnets": 1,
        "referring_pages": ref.links,
        "referring_pages_nofollow": ref.nofollow,
        "referring_links_tld": {host.rsplit(".", 1)[-1]: ref.links},
        "referring_links_types": {"anchor": ref.links},
        "referring_links_attributes": {"nofollow": ref.nofollow} if ref.nofollow else None,
        "referring_links_platform_types": {"blogs": ref.links},
        "referring_links_semantic_locations": {"article": ref.links},
        "referring_links_countries": {"": ref.links},
    }


def _dfs_backlink(host: str, ref: Ref, page: str, target: str, index: int) -> dict[str, Any]:
    """A backlinks item (the fields the fake models, all documented ones)."""
    dofollow = index >= ref.nofollow
    return {
        "type": "backlink",
        "domain_from": host,
        "url_from": page,
        "domain_to": target,
        "url_to": f"https://{target}/",
        "tld_from": host.rsplit(".", 1)[-1],
        "rank": (ref.authority or 0) * 10,
        "page_from_rank": (ref.authority or 0) * 10,
        "domain_from_rank": (ref.authority or 0) * 10,
        "first_seen": "2024-01-15 09:30:00 +00:00",
        "last_seen": "2024-06-01 10:00:00 +00:00",
        "item_type": "anchor",
        "attributes": None if dofollow else ["nofollow"],
        "dofollow": dofollow,
        "anchor": "a link",
        "links_count": 1,
        "is_new": False,
        "is_lost": False,
    }


# The fields filters and order_by may name: those of the answer's items.
DFS_ITEM_FIELDS = {
    "referring_domains": frozenset(_dfs_refdomain("example.org", Ref(1))),
    "backlinks": frozenset(_dfs_backlink("example.org", Ref(1), "", "example.com", 0)),
}


# --- Ahrefs ----------------------------------------------------------------------------------
# https://docs.ahrefs.com/api/reference/site-explorer/get-refdomains and
# https://docs.ahrefs.com/api/reference/site-explorer/get-all-backlinks: query parameters (no
# `offset`), response fields (what `select` and `order_by` name), and the fields `where`
# recognises. https://docs.ahrefs.com/api/docs/filter-syntax: the `where` grammar.
# https://docs.ahrefs.com/api/docs/limits-consumption: max(50, per-row cost x rows) units,
# reported in x-api-* headers. Errors: HTTP 4xx with {"error": "..."}.


@dataclass(frozen=True)
class AhrefsEndpoint:
    key: str
    params: frozenset[str]
    fields: frozenset[str]
    filters: frozenset[str]
    costly: dict[str, int]


AHREFS_COMMON = "timeout limit order_by where select protocol target mode history output"
AHREFS_ENDPOINTS = {
    "refdomains": AhrefsEndpoint(
        "refdomains",
        _names(AHREFS_COMMON),
        _names(
            "dofollow_linked_domains dofollow_links dofollow_refdomains domain domain_rating"
            " first_seen ip_source is_root_domain is_spam last_seen links_to_target lost_links"
            " new_links positions_source_domain traffic_domain"
        ),
        _names(
            "anchor discovered_status dofollow_linked_domains dofollow_links dofollow_refdomains"
            " domain domain_rating drop_reason first_seen ip_source is_content is_dofollow"
            " is_homepage_link is_nofollow is_non_html is_root_domain is_spam is_sponsored is_ugc"
            " languages last_seen len_url_redirect link_type linked_domains links_external"
            " links_to_target lost_links lost_reason new_links noindex port_source port_target"
            " positions positions_source_domain powered_by refdomains root_domain_name"
            " snippet_left snippet_right source_page_author title traffic_domain traffic_page"
            " url_from url_redirect url_redirect_with_target url_to"
        ),
        {"dofollow_refdomains": 5, "traffic_domain": 10},
    ),
    "all-backlinks": AhrefsEndpoint(
        "backlinks",
        _names(AHREFS_COMMON + " aggregation"),
        _names(
            "ahrefs_rank_source ahrefs_rank_target alt anchor broken_redirect_new_target"
            " broken_redirect_reason broken_redirect_source class_c discovered_status"
            " domain_rating_source domain_rating_target drop_reason encoding first_seen"
            " first_seen_link http_code http_crawl ip_source is_alternate is_canonical"
            " is_content is_dofollow is_form is_frame is_image is_lost is_new is_nofollow"
            " is_redirect is_redirect_lost is_root_source is_root_target is_rss is_spam"
            " is_sponsored is_text is_ugc js_crawl languages last_seen last_visited"
            " link_group_count link_type linked_domains_source_domain linked_domains_source_page"
            " linked_domains_target_domain links_external links_internal lost_reason"
            " name_source name_target noindex page_category_source page_size page_type_source"
            " port_source port_target positions powered_by redirect_code redirect_kind"
            " refdomains_source refdomains_source_domain refdomains_target_domain"
            " root_name_source root_name_target snippet_left snippet_right source_page_author"
            " source_page_publish_date title tld_class_source tld_class_target traffic"
            " traffic_domain url_from url_from_plain url_rating_source url_redirect"
            " url_redirect_with_target url_to url_to_plain"
        ),
        _names(
            "ahrefs_rank_source ahrefs_rank_target alt anchor broken_redirect_new_target"
            " broken_redirect_reason broken_redirect_source class_c discovered_status"
            " domain_rating_source domain_rating_target drop_reason encoding first_seen"
            " first_seen_link http_code http_crawl ip_source is_alternate is_canonical"
            " is_content is_dofollow is_form is_frame is_homepage_link is_image is_lost is_new"
            " is_nofollow is_non_html is_redirect is_redirect_lost is_root_source"
            " is_root_target is_rss is_spam is_sponsored is_text is_ugc js_crawl languages"
            " last_seen last_visited len_url_redirect link_group_count link_type"
            " linked_domains_source_domain linked_domains_source_page"
            " linked_domains_target_domain links_external links_internal lost_reason"
            " name_source name_target noindex page_category_source page_size page_type_source"
            " port_source port_target positions positions_source_domain powered_by"
            " redirect_code redirect_kind refdomains_source refdomains_source_domain"
            " refdomains_target_domain root_name_source root_name_target snippet_left"
            " snippet_right source_page_author source_page_publish_date title tld_class_source"
            " tld_class_target traffic traffic_domain url_from url_from_plain url_rating_source"
            " url_redirect url_redirect_with_target url_to url_to_plain"
        ),
        {
            "class_c": 5,
            "refdomains_source": 5,
            "refdomains_source_domain": 5,
            "refdomains_target_domain": 5,
            "traffic": 10,
            "traffic_domain": 10,
        },
    ),
}
AHREFS_MODES = frozenset({"exact", "prefix", "domain", "subdomains"})
AHREFS_PROTOCOLS = frozenset({"both", "http", "https"})
AHREFS_OUTPUTS = frozenset({"json", "csv", "xml", "php"})
AHREFS_HISTORY = re.compile(r"live|all_time|since:\d{4}-\d{2}-\d{2}")
# The filter-syntax page's comparison operators the fake evaluates; its other documented ones.
AHREFS_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
AHREFS_OTHER_OPERATORS = _names("substring isubstring prefix suffix regex")
AHREFS_MIN_UNITS = 50

Row = dict[str, Any]


def _ahrefs_error(status: int, message: str) -> Refused:
    return Refused(_json({"error": message}, status=status))


def _ahrefs(
    handler: _ProviderHandler, endpoint: AhrefsEndpoint, query: dict[str, list[str]]
) -> Answer:
    if handler.headers.get("authorization") != f"Bearer {AHREFS_KEY}":
        raise _ahrefs_error(401, "Unauthorized: invalid API key")
    params = _ahrefs_params(endpoint, query)
    select = params["select"].split(",")
    for name in select:
        if name not in endpoint.fields:
            raise _ahrefs_error(400, f"invalid column in select: {name}")
    order = _ahrefs_order(endpoint, params.get("order_by", ""))
    where, filtered = _ahrefs_where(endpoint, params.get("where"))
    rows = _ahrefs_rows(handler.provider_state, endpoint, params["target"])
    for name in [*select, *(name for name, _ in order)]:
        if rows and name not in rows[0]:
            raise _unmodelled(f"Ahrefs column {name}")
    rows = _sorted([row for row in rows if where(row)], order)
    rows = rows[: int(params.get("limit", "1000"))]
    units = _ahrefs_units({*select, *filtered, *(name for name, _ in order)}, endpoint, len(rows))
    return _paid_json({endpoint.key: [{name: row[name] for name in select} for row in rows]}, units)


def _ahrefs_params(endpoint: AhrefsEndpoint, query: dict[str, list[str]]) -> dict[str, str]:
    for name in query:
        if name not in endpoint.params:
            raise _ahrefs_error(400, f"unknown parameter: {name}")
    params = {name: values[-1] for name, values in query.items()}
    for name in ("select", "target"):
        if not params.get(name):
            raise _ahrefs_error(400, f"missing required parameter: {name}")
    checks = {
        "mode": lambda value: value in AHREFS_MODES,
        "protocol": lambda value: value in AHREFS_PROTOCOLS,
        "output": lambda value: value in AHREFS_OUTPUTS,
        "history": lambda value: AHREFS_HISTORY.fullmatch(value) is not None,
        "limit": lambda value: value.isdigit() and int(value) > 0,
        "timeout": lambda value: value.isdigit() and int(value) > 0,
    }
    for name, valid in checks.items():
        if name in params and not valid(params[name]):
            raise _ahrefs_error(400, f"invalid value for {name}: {params[name]}")
    # The sample graph's pages are all https and live.
    if params.get("protocol", "both") != "both":
        raise _unmodelled(f"Ahrefs protocol={params['protocol']}")
    if params.get("history", "live") != "live":
        raise _unmodelled(f"Ahrefs history={params['history']}")
    if params.get("output", "json") != "json":
        raise _unmodelled(f"Ahrefs output={params['output']}")
    if "aggregation" in params:
        raise _unmodelled("Ahrefs aggregation")
    return params


def _ahrefs_order(endpoint: AhrefsEndpoint, order_by: str) -> list[tuple[str, bool]]:
    """Sort keys from "field_a,field_b:asc,field_c:desc" (ascending unless told)."""
    keys = []
    for part in filter(None, order_by.split(",")):
        name, _, direction = part.partition(":")
        if name not in endpoint.fields or direction not in ("", "asc", "desc"):
            raise _ahrefs_error(400, f"invalid order_by: {part}")
        keys.append((name, direction == "desc"))
    return keys


def _ahrefs_where(
    endpoint: AhrefsEndpoint, where: str | None
) -> tuple[Callable[[Row], bool], set[str]]:
    """The row predicate `where` describes, and the fields it names."""
    if where is None:
        return (lambda row: True), set()
    try:
        tree = json.loads(where)
    except ValueError:
        raise _ahrefs_error(400, "where is not valid JSON") from None
    names: set[str] = set()
    return _ahrefs_filter(endpoint, tree, names), names


def _ahrefs_filter(endpoint: AhrefsEndpoint, tree: Any, names: set[str]) -> Callable[[Row], bool]:
    """<bool_filter> ::= {"and": [...]} | {"or": [...]} | {"not": ...} | <expr>."""
    if not isinstance(tree, dict):
        raise _ahrefs_error(400, f"invalid filter: {tree!r}")
    if tree.keys() in ({"and"}, {"or"}):
        parts = next(iter(tree.values()))
        if not isinstance(parts, list) or not parts:
            raise _ahrefs_error(400, "and/or take a non-empty list")
        tests = [_ahrefs_filter(endpoint, part, names) for part in parts]
        combine = all if "and" in tree else any
        return lambda row: combine(test(row) for test in tests)
    if tree.keys() == {"not"}:
        test = _ahrefs_filter(endpoint, tree["not"], names)
        return lambda row: not test(row)
    return _ahrefs_expr(endpoint, tree, names)


def _ahrefs_expr(
    endpoint: AhrefsEndpoint, expr: dict[str, Any], names: set[str]
) -> Callable[[Row], bool]:
    """<expr> ::= {"field": <alias>, "is": [<operator>, <value>]} (the form the fake models)."""
    name = expr.get("field")
    if name not in endpoint.filters:
        raise _ahrefs_error(400, f"invalid field in where: {name}")
    if not expr.keys() <= {"field", "is", "list_is", "modifier"}:
        raise _ahrefs_error(400, f"invalid filter keys: {sorted(expr)}")
    if "is" not in expr:
        raise _unmodelled("Ahrefs list_is")
    if "modifier" in expr:
        raise _unmodelled("Ahrefs modifier")
    condition = expr["is"]
    if not isinstance(condition, list) or len(condition) != 2:
        raise _unmodelled(f"Ahrefs condition {condition!r}")
    op, value = condition
    if op in AHREFS_OTHER_OPERATORS:
        raise _unmodelled(f"Ahrefs operator {op}")
    if op not in AHREFS_OPERATORS:
        raise _ahrefs_error(400, f"invalid operator: {op}")
    names.add(name)
    compare = AHREFS_OPERATORS[op]

    def test(row: Row) -> bool:
        if name not in row:
            raise _unmodelled(f"Ahrefs where field {name}")
        return compare(row[name], value)

    return test


def _ahrefs_rows(fake: FakeProviders, endpoint: AhrefsEndpoint, target: str) -> list[Row]:
    if endpoint.key == "refdomains":
        return [_ahrefs_refdomain(host, ref) for host, ref in fake.refs(target)]
    return [
        _ahrefs_backlink(host, ref, page, target, index)
        for host, ref in fake.refs(target)
        for index, page in enumerate(ref.pages(host))
    ]


def _ahrefs_refdomain(host: str, ref: Ref) -> Row:
    """A refdomains row, every documented field present; DR is a float on a 100-point scale."""
    return {
        "dofollow_linked_domains": 10,
        "dofollow_links": ref.links - ref.nofollow,
        "dofollow_refdomains": 100,
        "domain": host,
        "domain_rating": float(ref.authority or 0),
        "first_seen": "2024-01-15T09:30:00Z",
        "ip_source": None,
        "is_root_domain": host == root_of(host),
        "is_spam": False,
        "last_seen": None,
        "links_to_target": ref.links,
        "lost_links": 0,
        "new_links": 0,
        "positions_source_domain": 0,
        "traffic_domain": 0,
    }


def _ahrefs_backlink(host: str, ref: Ref, page: str, target: str, index: int) -> Row:
    """An all-backlinks row (the fields the fake models)."""
    return {
        "url_from": page,
        "url_to": f"https://{target}/",
        "anchor": "a link",
        "is_dofollow": index >= ref.nofollow,
        "is_nofollow": index < ref.nofollow,
        "name_source": host,
        "root_name_source": root_of(host),
        "domain_rating_source": float(ref.authority or 0),
    }


def _ahrefs_units(names: set[str], endpoint: AhrefsEndpoint, rows: int) -> dict[str, str]:
    """Each distinct field of select, where and order_by costs 1 unit a row, or its price."""
    per_row = sum(endpoint.costly.get(name, 1) for name in names)
    total = max(AHREFS_MIN_UNITS, per_row * rows)
    return {
        "x-api-rows": str(rows),
        "x-api-units-cost-row": str(per_row),
        "x-api-units-cost-total": str(total),
        "x-api-units-cost-total-actual": str(total),
        "x-api-cache": "miss",
    }


# --- Semrush ---------------------------------------------------------------------------------
# https://developer.semrush.com/api/v3/analytics/backlinks/: backlinks_matrix ("Comparison by
# Referring Domains": up to 6 targets[] with their target_types[], one extra column per target
# named after it, filters backlinksnum_0..5) and backlinks; both 40 units a line;
# display_limit counts from the first line (0 means 10,000), so an offset raises it. Answers are
# ";"-separated text; errors are "ERROR <code> :: <MESSAGE>"
# (https://developer.semrush.com/api/v3/projects/basic-docs/ lists the key codes: 120 wrong
# key - ID pair, 122 wrong format or empty key).


@dataclass(frozen=True)
class SemrushReport:
    params: frozenset[str]
    columns: frozenset[str]
    # export_columns when the request has none (None: the parameter is required).
    default_columns: str | None
    sorts: frozenset[str]
    default_sort: str
    filters: frozenset[str]
    # What breaks ties in the sort order, so that offset pages are stable.
    tie: str


SEMRUSH_DISPLAY = " export_columns display_sort display_limit display_offset display_filter"
SEMRUSH_TARGET_TYPES = frozenset({"root_domain", "domain", "url"})
SEMRUSH_MAX_TARGETS = 6
SEMRUSH_REPORTS = {
    "backlinks_matrix": SemrushReport(
        _names("type key targets[] target_types[]" + SEMRUSH_DISPLAY),
        _names("domain domain_ascore domain_score matches_num backlinks_num"),
        None,
        frozenset(
            {"domain_score_desc", "domain_score_asc", "matchesnum_desc", "matchesnum_asc"}
            | {f"backlinksnum_{n}_{way}" for n in range(6) for way in ("desc", "asc")}
        ),
        "domain_score_desc",
        frozenset(f"backlinksnum_{n}" for n in range(6)),
        "domain",
    ),
    "backlinks": SemrushReport(
        _names("type key target target_type" + SEMRUSH_DISPLAY),
        _names(
            "page_ascore page_score response_code source_size external_num internal_num"
            " redirect_url source_url source_title image_url target_url target_title anchor"
            " image_alt last_seen first_seen nofollow form frame image sitewide newlink lostlink"
        ),
        "page_score,source_title,source_url,target_url,anchor,external_num,internal_num,"
        "first_seen,last_seen",
        _names(
            "page_ascore_asc page_ascore_desc last_seen_asc last_seen_desc first_seen_asc"
            " first_seen_desc"
        ),
        "page_ascore_desc",
        _names("type zone ip refdomain anchor newlink lostlink urlanchor redirects"),
        "source_url",
    ),
}
# display_sort names that differ from the column they sort by.
SEMRUSH_SORT_COLUMNS = {"domain_score": "domain_ascore", "matchesnum": "matches_num"}
SEMRUSH_DEFAULT_LIMIT = 10_000


def _semrush_refused(detail: str) -> Refused:
    # The docs give no error code for an undocumented parameter or value: the fake answers
    # HTTP 400 in the documented "ERROR" shape so that such a drift fails loudly.
    return Refused(Answer(400, f"ERROR 400 :: {detail.upper()}"))


def _semrush(handler: _ProviderHandler, query: dict[str, list[str]]) -> Answer:
    key = (query.get("key") or [""])[-1]
    if not key.strip():
        return Answer(200, "ERROR 122 :: WRONG FORMAT OR EMPTY KEY")
    if key != SEMRUSH_KEY:
        return Answer(200, "ERROR 120 :: WRONG KEY - ID PAIR")
    kind = (query.get("type") or [""])[-1]
    if kind not in SEMRUSH_REPORTS:
        raise _semrush_refused(f"undocumented type {kind}")
    report = SEMRUSH_REPORTS[kind]
    for name in query:
        if name not in report.params:
            raise _semrush_refused(f"undocumented parameter {name}")
    one = {name: values[-1] for name, values in query.items()}
    exported = one.get("export_columns", report.default_columns)
    if exported is None:
        raise _semrush_refused("export_columns is required")
    columns = exported.split(",")
    if not set(columns) <= report.columns:
        raise _semrush_refused(f"undocumented export_columns {exported}")
    if kind == "backlinks_matrix":
        targets, header, rows = _semrush_matrix(handler.provider_state, query, columns)
    else:
        targets, header, rows = _semrush_backlinks(handler.provider_state, one, columns)
    rows = [row for row in rows if _semrush_kept(row, one.get("display_filter"), report, targets)]
    rows = _sorted(rows, [_semrush_sort(one.get("display_sort"), report), (report.tie, False)])
    lines = [";".join(str(row[name]) for name in header) for row in _semrush_window(one, rows)]
    if not lines:
        return Answer(200, "ERROR 50 :: NOTHING FOUND")
    return Answer(200, "\r\n".join([";".join(header), *lines]), paid=True)


def _semrush_sort(sort: str | None, report: SemrushReport) -> tuple[str, bool]:
    """A sort key from "<column>_desc" or "<column>_asc"."""
    sort = sort or report.default_sort
    if sort not in report.sorts:
        raise _semrush_refused(f"undocumented display_sort {sort}")
    name, direction = sort.rsplit("_", 1)
    return SEMRUSH_SORT_COLUMNS.get(name, name), direction == "desc"


def _semrush_matrix(
    fake: FakeProviders, query: dict[str, list[str]], columns: list[str]
) -> tuple[list[str], list[str], list[Row]]:
    targets, types = query.get("targets[]", []), query.get("target_types[]", [])
    if not 1 <= len(targets) <= SEMRUSH_MAX_TARGETS or len(types) != len(targets):
        raise _semrush_refused("targets[] and target_types[] must pair up, 1 to 6 of them")
    if not set(types) <= SEMRUSH_TARGET_TYPES:
        raise _semrush_refused(f"undocumented target_types[] {types}")
    if set(types) != {"root_domain"}:
        raise _unmodelled("Semrush target types other than root_domain")
    hosts = {host for target in targets for host, _ in fake.refs(target)}
    rows = []
    for host in hosts:
        counts = [fake.graph.get(target, {}).get(host, Ref(0)).links for target in targets]
        rows.append(
            {
                "domain": host,
                "domain_ascore": fake.authority(host) or 0,
                "domain_score": fake.authority(host) or 0,
                "matches_num": sum(1 for count in counts if count),
                "backlinks_num": sum(counts),
                **{f"backlinksnum_{n}": count for n, count in enumerate(counts)},
                **dict(zip(targets, counts, strict=True)),
            }
        )
    return targets, [*columns, *targets], rows


def _semrush_backlinks(
    fake: FakeProviders, one: dict[str, str], columns: list[str]
) -> tuple[list[str], list[str], list[Row]]:
    if one.get("target_type") not in SEMRUSH_TARGET_TYPES:
        raise _semrush_refused(f"undocumented target_type {one.get('target_type')}")
    if one["target_type"] != "root_domain":
        raise _unmodelled("Semrush target types other than root_domain")
    target = one.get("target", "")
    rows = [
        {
            "page_ascore": fake.authority(host) or 0,
            "page_score": fake.authority(host) or 0,
            "source_url": page,
            "source_title": f"Post on {host}",
            "target_url": f"https://{target}/",
            "anchor": "a link",
            "external_num": 10,
            "internal_num": 20,
            "first_seen": 1705311000,
            "last_seen": 1717236000,
            "nofollow": str(index < ref.nofollow).lower(),
            "form": "false",
            "frame": "false",
            "image": "false",
            "sitewide": "false",
            "newlink": "false",
            "lostlink": "false",
            # Not a column: what the refdomain filter compares (the registrable domain).
            "refdomain": root_of(host),
        }
        for host, ref in fake.refs(target)
        for index, page in enumerate(ref.pages(host))
    ]
    for name in columns:
        if rows and name not in rows[0]:
            raise _unmodelled(f"Semrush column {name}")
    return [target], columns, rows


def _semrush_kept(row: Row, spec: str | None, report: SemrushReport, targets: list[str]) -> bool:
    """display_filter: "<sign>|<field>|<operation>|<value>", repeated with "|"."""
    if not spec:
        return True
    parts = spec.split("|")
    if len(parts) % 4:
        raise _semrush_refused(f"malformed display_filter {spec}")
    for sign, name, operation, value in zip(*[iter(parts)] * 4, strict=True):
        if sign not in ("+", "-") or name not in report.filters:
            raise _semrush_refused(f"undocumented display_filter {sign}|{name}")
        if name.startswith("backlinksnum_") and int(name.rsplit("_", 1)[1]) >= len(targets):
            raise _semrush_refused(f"display_filter {name} names no target")
        if operation != "Eq" or name not in row:
            raise _unmodelled(f"Semrush filter {name}|{operation}")
        if (str(row[name]) == value) != (sign == "+"):
            return False
    return True


def _semrush_window(one: dict[str, str], rows: list[Row]) -> list[Row]:
    """display_offset skips lines; display_limit is counted from the first line."""
    try:
        offset = int(one.get("display_offset", "0"))
        limit = int(one.get("display_limit", "0")) or SEMRUSH_DEFAULT_LIMIT
    except ValueError:
        raise _semrush_refused("display_offset and display_limit are numbers") from None
    return rows[offset:limit]


# --- Moz -------------------------------------------------------------------------------------
# https://moz.com/help/links-api/making-calls/link-intersect: sources that link to at least
# one positive target and to no negative target, at `source_scope` (page, the default, or
# root_domain); up to 6 targets in all; limit at most 50, paged by next_token.
# https://moz.com/help/links-api/making-calls/weighted-endpoints: each returned row counts as 5.
# https://moz.com/help/links-api/making-calls/links: links to a target, source_root_domain
# narrows them to one source domain. https://moz.com/help/links-api/getting-started/overview:
# x-moz-token (or Basic auth with an access ID and secret key); errors as JSON.


@dataclass(frozen=True)
class MozEndpoint:
    fields: frozenset[str]
    required: frozenset[str]


MOZ_ENDPOINTS = {
    "/v2/link_intersect": MozEndpoint(
        _names(
            "positive_targets negative_targets min_matching_targets source_scope sort limit"
            " next_token"
        ),
        frozenset({"positive_targets"}),
    ),
    "/v2/links": MozEndpoint(
        _names(
            "target target_scope sort filter anchor_text source_root_domain source_scope"
            " subdomains_limited_to_one limit next_token"
        ),
        frozenset({"target"}),
    ),
}
MOZ_SOURCE_SCOPES = frozenset({"page", "root_domain"})
MOZ_TARGET_SCOPES = frozenset({"page", "subdomain", "root_domain"})
# The sort the link-intersect page's example uses; its other values are not modelled.
MOZ_SORTS = frozenset({"source_domain_authority"})
MOZ_LINK_FILTERS = frozenset({"external", "internal", "follow", "nofollow"})
MOZ_MAX_TARGETS, MOZ_MAX_LIMIT = 6, 50


def _moz_error(status: int, name: str, message: str) -> Refused:
    return Refused(_json({"name": name, "message": message}, status=status))


def _moz_target(body: bytes) -> str:
    try:
        data = json.loads(body)
        return str(data.get("target") or data["positive_targets"][0]["target"])
    except (ValueError, LookupError, AttributeError, TypeError):
        return ""


def _moz(handler: _ProviderHandler, endpoint: MozEndpoint, body: bytes) -> Answer:
    if handler.headers.get("x-moz-token") != MOZ_TOKEN:
        raise _moz_error(401, "Unauthorized", "invalid token or credentials")
    try:
        request = json.loads(body)
    except ValueError:
        raise _moz_error(400, "Bad Request", "the body is not JSON") from None
    if not isinstance(request, dict):
        raise _moz_error(400, "Bad Request", "the body is not a JSON object")
    for name in request:
        if name not in endpoint.fields:
            raise _moz_error(400, "Bad Request", f"unknown parameter: {name}")
    for name in endpoint.required - request.keys():
        raise _moz_error(400, "Bad Request", f"missing required parameter: {name}")
    limit = request.get("limit", 25)
    if not _int_within(limit, 1, MOZ_MAX_LIMIT):
        raise _moz_error(400, "Bad Request", "limit must be 1 to 50")
    offset = _moz_offset(request.get("next_token"))
    fake = handler.provider_state
    if "positive_targets" in request:
        results = _moz_intersect(fake, request)
    else:
        results = _moz_links(fake, request)
    page = results[offset : offset + limit]
    answer: dict[str, Any] = {"results": page}
    if offset + limit < len(results):
        answer["next_token"] = base64.b64encode(str(offset + limit).encode()).decode()
    return _paid_json(answer)


def _moz_offset(token: Any) -> int:
    if token is None:
        return 0
    try:
        return int(base64.b64decode(str(token), validate=True))
    except (binascii.Error, ValueError):
        raise _moz_error(400, "Bad Request", "invalid next_token") from None


def _moz_targets(request: dict[str, Any], name: str) -> list[str]:
    targets = request.get(name, [])
    if not isinstance(targets, list):
        raise _moz_error(400, "Bad Request", f"{name} must be a list")
    for target in targets:
        if not isinstance(target, dict) or target.keys() != {"target", "scope"}:
            raise _moz_error(400, "Bad Request", f"{name} entries take target and scope")
        if target["scope"] not in MOZ_TARGET_SCOPES:
            raise _moz_error(400, "Bad Request", f"invalid scope: {target['scope']}")
        if target["scope"] != "root_domain":
            raise _unmodelled("Moz target scopes other than root_domain")
    return [target["target"] for target in targets]


def _moz_intersect(fake: FakeProviders, request: dict[str, Any]) -> list[dict[str, Any]]:
    positive = _moz_targets(request, "positive_targets")
    negative = _moz_targets(request, "negative_targets")
    if not positive or len(positive) + len(negative) > MOZ_MAX_TARGETS:
        raise _moz_error(400, "Bad Request", "1 to 6 targets in all, one positive at least")
    scope = request.get("source_scope", "page")
    if scope not in MOZ_SOURCE_SCOPES:
        raise _moz_error(400, "Bad Request", f"invalid source_scope: {scope}")
    if request.get("sort", "source_domain_authority") not in MOZ_SORTS:
        raise _unmodelled(f"Moz sort {request['sort']}")
    at_least = request.get("min_matching_targets", 1)
    linking = [_moz_sources(fake, target, scope) for target in positive]
    excluded = set().union(*(_moz_sources(fake, target, scope) for target in negative))
    key = "page" if scope == "page" else "root_domain"
    results = []
    for source in sorted(set().union(*linking)):
        matching = [index for index, sources in enumerate(linking) if source in sources]
        if len(matching) >= at_least and source not in excluded:
            authority = max(sources[source] or 0 for sources in linking if source in sources)
            results.append(
                {
                    key: source,
                    "domain_authority": authority or None,
                    "matching_target_indexes": matching,
                }
            )
    return _sorted(results, [("domain_authority", True)])


def _moz_sources(fake: FakeProviders, target: str, scope: str) -> dict[str, int | None]:
    """The sources linking to `target` at `scope` (a page without its scheme, or a root
    domain), with their domain's authority."""
    sources: dict[str, int | None] = {}
    for host, ref in fake.refs(target):
        for page in ref.pages(host):
            source = page.removeprefix("https://") if scope == "page" else root_of(host)
            known = [value for value in (sources.get(source), fake.authority(host)) if value]
            sources[source] = max(known, default=None)
    return sources


def _moz_links(fake: FakeProviders, request: dict[str, Any]) -> list[dict[str, Any]]:
    if request.get("target_scope", "page") not in MOZ_TARGET_SCOPES:
        raise _moz_error(400, "Bad Request", "invalid target_scope")
    if request.get("target_scope") != "root_domain":
        raise _unmodelled("Moz links target scopes other than root_domain")
    if not set(str(request.get("filter", "external")).split("+")) <= MOZ_LINK_FILTERS:
        raise _moz_error(400, "Bad Request", f"invalid filter: {request['filter']}")
    for name in ("sort", "anchor_text", "source_scope", "subdomains_limited_to_one"):
        if name in request:
            raise _unmodelled(f"Moz links {name}")
    source_root = request.get("source_root_domain")
    return [
        {
            "source": {"page": page.removeprefix("https://"), "root_domain": root_of(host)},
            "target": {"page": f"{request['target']}/"},
            "anchor_text": "a link",
            "nofollow": index < ref.nofollow,
        }
        for host, ref in fake.refs(request["target"])
        if source_root in (None, root_of(host))
        for index, page in enumerate(ref.pages(host))
    ]
