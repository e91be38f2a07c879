"""A local stand-in for DataForSEO, Ahrefs, Semrush and Moz, serving their documented shapes."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.config import Settings

DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD = "login", "dfs-password"
AHREFS_KEY, SEMRUSH_KEY, MOZ_TOKEN = "ahrefs-key", "semrush-key", "moz-token"


@dataclass(frozen=True)
class Ref:
    """What one referring host links to one site with."""

    links: int
    nofollow: int = 0
    authority: int | None = None

    def pages(self, host: str) -> list[str]:
        return [f"https://{host}/post-{number}" for number in range(1, self.links + 1)]


# site -> referring host -> links. `me.com` is the site; a, b, c the competitors.
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


class FakeProviders:
    """The four providers on one local port; records calls, can inject faults and latency."""

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

    def refs(self, target: str, excluding: str | None = None) -> list[tuple[str, Ref]]:
        """The target's referring hosts, minus those linking to `excluding`, strongest first."""
        skip = set(self.graph.get(excluding or "", {}))
        refs = [(h, r) for h, r in self.graph.get(target, {}).items() if h not in skip]
        return sorted(refs, key=lambda item: (-(item[1].authority or 0), item[0]))


def provider_settings(url: str, home: Path, **extra: Any) -> Settings:
    """Settings pointing every provider at `url`, with the credentials the fake accepts."""
    values: dict[str, Any] = {"GAPBOT_HOME": str(home), **provider_environment(url)}
    return Settings(**(values | extra))


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
        query = {key: values for key, values in parse_qs(url.query).items()}
        if url.path.startswith("/v3/site-explorer/"):
            self._serve("ahrefs", query["target"][0], lambda: _ahrefs(self, url.path, query))
        elif url.path == "/analytics/v1/":
            target = (query.get("targets[]") or query.get("target") or [""])[-1]
            self._serve("semrush", target, lambda: _semrush(self, query))
        else:
            self._reply(404, "not found")

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
        if self.path.startswith("/v3/backlinks/"):
            task = body[0]
            target = task.get("target") or task["targets"]["1"]
            self._serve("dataforseo", target, lambda: _dataforseo(self, task))
        elif self.path.startswith("/v2/"):
            target = body.get("target") or body["positive_targets"][0]["target"]
            self._serve("moz", target, lambda: _moz(self, body))
        else:
            self._reply(404, "not found")

    def _serve(self, provider: str, target: str, answer: Any) -> None:
        state = self.provider_state
        time.sleep(state.latency)
        fault = state.next_fault(provider, target)
        if fault is not None:
            time.sleep(fault.delay)
            self._reply(fault.status, fault.body, fault.headers)
            return
        status, text, headers = answer()
        if status == 200 and not text.startswith("ERROR") and '"status_code": 401' not in text:
            state.record(provider, urlparse(self.path).path, target)
        self._reply(status, text, headers)

    def _reply(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        data = text.encode()
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
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


Answer = tuple[int, str, dict[str, str]]


def _json(data: Any, headers: dict[str, str] | None = None) -> Answer:
    return 200, json.dumps(data), {"content-type": "application/json", **(headers or {})}


def _dataforseo(handler: _ProviderHandler, task: dict[str, Any]) -> Answer:
    fake = handler.provider_state
    if handler.basic_auth() != (DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD):
        return _json(
            {
                "status_code": 40100,
                "status_message": "You are not authorized.",
                "cost": 0,
                "tasks": [],
            }
        )
    if handler.path.endswith("/domain_intersection/live"):
        excluding = (task.get("exclude_targets") or [None])[0]
        refs = fake.refs(task["targets"]["1"], excluding)
        offset, limit = task.get("offset", 0), task.get("limit", 100)
        items = [_dfs_item(host, ref) for host, ref in refs[offset : offset + limit]]
        total = len(refs)
    else:
        refdomain = task["filters"][0][2]
        refs = [(h, r) for h, r in fake.refs(task["target"]) if h.endswith(refdomain)]
        items = [
            {
                "type": "backlink",
                "domain_from": host,
                "url_from": page,
                "url_to": f"https://{task['target']}/",
                "anchor": "a link",
                "dofollow": index >= ref.nofollow,
            }
            for host, ref in refs
            for index, page in enumerate(ref.pages(host))
        ][: task["limit"]]
        total = sum(ref.links for _, ref in refs)
    cost = round(0.02 + 0.00003 * len(items), 5)
    result = {"total_count": total, "items_count": len(items), "items": items}
    task_answer = {"status_code": 20000, "status_message": "Ok.", "cost": cost, "result": [result]}
    return _json(
        {
            "status_code": 20000,
            "status_message": "Ok.",
            "cost": cost,
            "tasks_count": 1,
            "tasks_error": 0,
            "tasks": [task_answer],
        }
    )


def _dfs_item(host: str, ref: Ref) -> dict[str, Any]:
    element = {
        "type": "backlinks_domain_intersection",
        "target": host,
        "rank": None if ref.authority is None else ref.authority * 10,
        "backlinks": ref.links,
        "referring_links_attributes": {"nofollow": ref.nofollow} if ref.nofollow else None,
    }
    return {"domain_intersection": {"1": element}, "summary": {"intersections_count": 1}}


def _ahrefs(handler: _ProviderHandler, path: str, query: dict[str, list[str]]) -> Answer:
    fake = handler.provider_state
    if handler.headers.get("authorization") != f"Bearer {AHREFS_KEY}":
        return 401, json.dumps({"error": "Unauthorized"}), {}
    refs = fake.refs(query["target"][0])
    limit = int(query["limit"][0])
    if path.endswith("/refdomains"):
        offset = int(query.get("offset", ["0"])[0])
        rows = [
            {
                "domain": host,
                "domain_rating": ref.authority,
                "links_to_target": ref.links,
                "dofollow_links": ref.links - ref.nofollow,
            }
            for host, ref in refs[offset : offset + limit]
        ]
        units = max(50, 4 * len(rows))
        return _json({"refdomains": rows}, {"x-api-units-cost-total-actual": str(units)})
    refdomain = json.loads(query["where"][0])["is"][1]
    rows = [
        {
            "url_from": page,
            "url_to": f"https://{query['target'][0]}/",
            "anchor": "a link",
            "is_dofollow": index >= ref.nofollow,
        }
        for host, ref in refs
        if host.endswith(refdomain)
        for index, page in enumerate(ref.pages(host))
    ][:limit]
    return _json({"backlinks": rows})


def _semrush(handler: _ProviderHandler, query: dict[str, list[str]]) -> Answer:
    fake = handler.provider_state
    if query.get("key") != [SEMRUSH_KEY]:
        return 200, "ERROR 120 :: WRONG KEY - ID PAIR", {}
    if query["type"] == ["backlinks_matrix"]:
        targets = query["targets[]"]
        excluding = targets[0] if len(targets) > 1 else None
        refs = fake.refs(targets[-1], excluding)
        offset, end = int(query["display_offset"][0]), int(query["display_limit"][0])
        header = ";".join(["domain", "domain_ascore", "matches_num", *targets])
        lines = [
            ";".join(
                [host, str(ref.authority or 0), "1", *(["0"] * (len(targets) - 1)), str(ref.links)]
            )
            for host, ref in refs[offset:end]
        ]
    else:
        refdomain = query["display_filter"][0].rsplit("|", 1)[1]
        header = "source_url;target_url;anchor;nofollow"
        lines = [
            f"{page};https://{query['target'][0]}/;a link;{str(index < ref.nofollow).lower()}"
            for host, ref in fake.refs(query["target"][0])
            if host.endswith(refdomain)
            for index, page in enumerate(ref.pages(host))
        ][: int(query["display_limit"][0])]
    if not lines:
        return 200, "ERROR 50 :: NOTHING FOUND", {}
    return 200, "\r\n".join([header, *lines]), {"content-type": "text/plain"}


def _moz(handler: _ProviderHandler, body: dict[str, Any]) -> Answer:
    fake = handler.provider_state
    if handler.headers.get("x-moz-token") != MOZ_TOKEN:
        return 401, json.dumps({"name": "Unauthorized", "message": "bad token"}), {}
    if handler.path == "/v2/links":
        refs = [
            (h, r) for h, r in fake.refs(body["target"]) if h.endswith(body["source_root_domain"])
        ]
        results = [
            {
                "source": {"page": page.removeprefix("https://")},
                "target": {"page": f"{body['target']}/"},
                "anchor_text": "a link",
                "nofollow": index < ref.nofollow,
            }
            for host, ref in refs
            for index, page in enumerate(ref.pages(host))
        ][: body["limit"]]
        return _json({"results": results})
    negative = body.get("negative_targets") or [{}]
    refs = fake.refs(body["positive_targets"][0]["target"], negative[0].get("target"))
    pages = [
        {
            "page": page.removeprefix("https://"),
            "domain_authority": ref.authority,
            "matching_target_indexes": [0],
        }
        for host, ref in refs
        for page in ref.pages(host)
    ]
    offset = int(body.get("next_token") or 0)
    end = offset + body["limit"]
    token = str(end) if end < len(pages) else None
    return _json({"results": pages[offset:end], "next_token": token})
