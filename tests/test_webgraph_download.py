"""Downloading a web-graph release from a local server that cuts, ignores Range, misstates sizes."""

from __future__ import annotations

import gzip
import json
import random
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.config import DEFAULT_WEBGRAPH_URL
from bot.links import webgraph_download
from bot.links.base import LinkSourceError
from bot.links.http import RetryPolicy
from bot.links.webgraph import ReleaseFiles
from bot.links.webgraph_download import (
    COMMON_CRAWL_GRAPHINFO_URL,
    WebgraphDownloadError,
    catalogue_url,
    download_release,
    plan_download,
)

LATEST, OLDER = "cc-main-2024-feb-apr-may", "cc-main-2024-nov-feb-apr"

# graphinfo.json as Common Crawl publishes it at https://index.commoncrawl.org/graphinfo.json:
# newest release first.
GRAPHINFO = [
    {
        "id": release,
        "crawls": crawls,
        "index": f"https://data.commoncrawl.org/projects/hyperlinkgraph/{release}/index.html",
        "location": f"s3://commoncrawl/projects/hyperlinkgraph/{release}/",
        "stats": {
            "host": {"nodes": 336_600_000, "arcs": 2_600_000_000},
            "domain": {"nodes": 101_000_000, "arcs": 1_900_000_000},
        },
    }
    for release, crawls in [
        (LATEST, ["CC-MAIN-2024-10", "CC-MAIN-2024-18", "CC-MAIN-2024-22"]),
        (OLDER, ["CC-MAIN-2023-50", "CC-MAIN-2024-10", "CC-MAIN-2024-18"]),
    ]
]


def release_files(release: str) -> dict[str, bytes]:
    """A tiny domain graph in the real layout: gzipped TSV, ids in reversed-name order."""
    names = sorted(["com.example", "org.wikipedia", "uk.co.bbc", "com.blogspot.lakeblogger"])
    vertices = "".join(f"{number}\t{name}\t{number + 1}\n" for number, name in enumerate(names))
    # Pseudo-random edges so that gzip leaves a file of a few kilobytes to cut in the middle.
    rng = random.Random(release)
    edges = "".join(f"{rng.randrange(4)}\t{rng.randrange(4)}\n" for _ in range(3000))
    ranks = "#harmonicc_pos\t#harmonicc_val\t#pr_pos\t#pr_val\t#host_rev\t#n_hosts\n" + "".join(
        f"{number + 1}\t{9.5 - number}\t{number + 1}\t0.0{number + 1}\t{name}\t{number + 1}\n"
        for number, name in enumerate(names)
    )
    return {
        f"/{release}/domain/{release}-domain-{kind}.txt.gz": gzip.compress(text.encode(), mtime=0)
        for kind, text in [("vertices", vertices), ("edges", edges), ("ranks", ranks)]
    }


@dataclass
class Request:
    method: str
    path: str
    range: str | None
    status: int


@dataclass
class GraphServer:
    """Serves graphinfo.json and the files of two releases, with scripted misbehaviour."""

    files: dict[str, bytes]
    requests: list[Request] = field(default_factory=list)
    cut_after: dict[str, int] = field(default_factory=dict)  # path -> bytes, first GET only
    ignore_range: bool = False
    refuse_head: bool = False
    busy: set[str] = field(default_factory=set)  # paths answered 503
    announced: dict[str, int] = field(default_factory=dict)  # path -> size HEAD claims
    unframed: dict[str, bytes] = field(default_factory=dict)  # path -> body sent without length
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        # A short poll interval so that shutdown() at teardown returns at once.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def gets(self, path: str) -> list[Request]:
        return [
            request for request in self.requests if request.method == "GET" and request.path == path
        ]


def _handler(graph: GraphServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_HEAD(self) -> None:
            if graph.refuse_head:
                self._answer(405, {})
            elif self.path not in graph.files:
                self._answer(404, {})
            else:
                size = graph.announced.get(self.path, len(graph.files[self.path]))
                self._answer(200, {"Content-Length": str(size)})

        def do_GET(self) -> None:
            body = graph.files.get(self.path)
            if body is None:
                self._answer(404, {"Content-Length": "0"})
                return
            if self.path in graph.busy:
                self._answer(503, {"Content-Length": "0"})
                return
            if self.path in graph.unframed:
                # HTTP/1.0 with no Content-Length: the body ends when the connection closes.
                self._answer(200, {}, graph.unframed[self.path])
                return
            status, headers, part = self._ranged(body)
            with graph.lock:
                cut = graph.cut_after.pop(self.path, None)
            if cut is None:
                self._answer(status, headers, part)
                return
            self._answer(status, headers, part[:cut])
            # The connection drops mid-body: the client got `cut` of the announced bytes.
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True

        def _ranged(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
            asked = self.headers.get("Range")
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", asked or "")
            if match is None or graph.ignore_range:
                return 200, {"Content-Length": str(len(body))}, body
            start = int(match[1])
            if start >= len(body):
                return 416, {"Content-Range": f"bytes */{len(body)}", "Content-Length": "0"}, b""
            end = min(int(match[2]), len(body) - 1) if match[2] else len(body) - 1
            part = body[start : end + 1]
            return (
                206,
                {
                    "Content-Range": f"bytes {start}-{end}/{len(body)}",
                    "Content-Length": str(len(part)),
                },
                part,
            )

        def _answer(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
            with graph.lock:
                graph.requests.append(
                    Request(self.command, self.path, self.headers.get("Range"), status)
                )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)
                self.wfile.flush()

    return Handler


@pytest.fixture
def graph() -> Iterator[GraphServer]:
    files = {"/graphinfo.json": json.dumps(GRAPHINFO).encode()}
    files |= release_files(LATEST) | release_files(OLDER)
    server = GraphServer(files)
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def no_wait(sleeps: Sleeps | None = None) -> RetryPolicy:
    return RetryPolicy(
        attempts=3,
        base_delay=1.0,
        timeout=5.0,
        sleep=Sleeps() if sleeps is None else sleeps,
        jitter=lambda: 1.0,
    )


def path_of(release: str, kind: str) -> str:
    return f"/{release}/domain/{release}-domain-{kind}.txt.gz"


def download(
    graph: GraphServer, home: Path, release: str | None = None, **kwargs: Any
) -> ReleaseFiles:
    policy = kwargs.pop("policy", no_wait())
    plan = plan_download(graph.url, home, release, policy=policy)
    return download_release(plan, policy=policy, **kwargs)


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def assert_identical(graph: GraphServer, result: ReleaseFiles) -> None:
    for kind in ("vertices", "edges", "ranks"):
        assert getattr(result, kind).read_bytes() == graph.files[path_of(result.release, kind)]


# -- a whole release ----------------------------------------------------------------------------


def test_downloads_the_latest_release_listed_in_graphinfo(
    graph: GraphServer, tmp_path: Path
) -> None:
    sizes = [len(graph.files[path_of(LATEST, kind)]) for kind in ("vertices", "edges", "ranks")]
    plan = plan_download(graph.url, tmp_path, policy=no_wait())
    assert plan.release == LATEST
    assert plan.total_bytes == plan.bytes_needed == sum(sizes)
    assert not (tmp_path / "webgraph").exists()

    progress: list[tuple[int, int]] = []
    result = download_release(
        plan, lambda done, total: progress.append((done, total)), policy=no_wait()
    )

    folder = tmp_path / "webgraph" / "downloads" / LATEST
    assert result == ReleaseFiles(
        LATEST,
        folder / f"{LATEST}-domain-vertices.txt.gz",
        folder / f"{LATEST}-domain-edges.txt.gz",
        folder / f"{LATEST}-domain-ranks.txt.gz",
    )
    assert_identical(graph, result)
    assert files_under(tmp_path) == sorted(
        f"webgraph/downloads/{LATEST}/{LATEST}-domain-{kind}.txt.gz"
        for kind in ("vertices", "edges", "ranks")
    )
    assert progress[-1] == (sum(sizes), sum(sizes))
    assert {total for _, total in progress} == {sum(sizes)}
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


def test_a_named_release_and_a_second_run_fetches_nothing(
    graph: GraphServer, tmp_path: Path
) -> None:
    first = download(graph, tmp_path, OLDER)
    assert first.release == OLDER
    assert_identical(graph, first)
    gets = len([request for request in graph.requests if request.method == "GET"])

    plan = plan_download(graph.url, tmp_path, OLDER, policy=no_wait())
    assert plan.bytes_needed == 0
    assert download_release(plan, policy=no_wait()) == first
    # Only graphinfo.json was fetched again; no file body.
    assert len([request for request in graph.requests if request.method == "GET"]) == gets + 1


# -- interrupted and resumed --------------------------------------------------------------------


def test_a_connection_cut_mid_file_resumes_with_range(graph: GraphServer, tmp_path: Path) -> None:
    edges = path_of(LATEST, "edges")
    graph.cut_after[edges] = 1000
    sleeps = Sleeps()
    result = download(graph, tmp_path, policy=no_wait(sleeps))

    assert [(request.range, request.status) for request in graph.gets(edges)] == [
        (None, 200),
        ("bytes=1000-", 206),
    ]
    assert_identical(graph, result)
    assert sleeps == []  # the cut came after progress: reconnect at once
    assert not list(tmp_path.rglob("*.part"))


def test_a_server_that_ignores_range_restarts_the_file(graph: GraphServer, tmp_path: Path) -> None:
    edges = path_of(LATEST, "edges")
    graph.cut_after[edges] = 1000
    graph.ignore_range = True
    result = download(graph, tmp_path)

    assert [(request.range, request.status) for request in graph.gets(edges)] == [
        (None, 200),
        ("bytes=1000-", 200),
    ]
    assert_identical(graph, result)


def test_a_complete_partial_file_is_settled_by_a_416(graph: GraphServer, tmp_path: Path) -> None:
    ranks = path_of(LATEST, "ranks")
    plan = plan_download(graph.url, tmp_path, policy=no_wait())
    target = plan.files[2].path
    target.parent.mkdir(parents=True)
    target.with_name(target.name + ".part").write_bytes(graph.files[ranks])

    result = download_release(plan, policy=no_wait())

    assert [(request.range, request.status) for request in graph.gets(ranks)] == [
        (f"bytes={len(graph.files[ranks])}-", 416)
    ]
    assert_identical(graph, result)


def test_sizes_come_from_a_first_ranged_get_when_head_is_refused(
    graph: GraphServer, tmp_path: Path
) -> None:
    graph.refuse_head = True
    plan = plan_download(graph.url, tmp_path, policy=no_wait())
    assert [remote.size for remote in plan.files] == [
        len(graph.files[path_of(LATEST, kind)]) for kind in ("vertices", "edges", "ranks")
    ]
    assert_identical(graph, download_release(plan, policy=no_wait()))


# -- refusals -----------------------------------------------------------------------------------


def test_not_enough_disk_space_is_refused_before_anything_is_written(
    graph: GraphServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    needed = sum(len(graph.files[path_of(LATEST, kind)]) for kind in ("vertices", "edges", "ranks"))
    usage = SimpleNamespace(total=10 * needed, used=9 * needed + 1, free=needed - 1)
    monkeypatch.setattr(webgraph_download.shutil, "disk_usage", lambda path: usage)
    with pytest.raises(
        WebgraphDownloadError, match=r"needs .* of free disk space in .* only .* is free"
    ):
        plan_download(graph.url, tmp_path, policy=no_wait())
    assert files_under(tmp_path) == []
    assert not (tmp_path / "webgraph").exists()
    assert [request.path for request in graph.requests if request.method == "GET"] == [
        "/graphinfo.json"
    ]


def test_a_release_not_in_graphinfo_is_refused(graph: GraphServer, tmp_path: Path) -> None:
    with pytest.raises(LinkSourceError) as error:
        plan_download(graph.url, tmp_path, "cc-main-1999-jan-feb-mar", policy=no_wait())
    assert str(error.value) == (
        f"Release 'cc-main-1999-jan-feb-mar' is not listed in {graph.url}graphinfo.json;"
        f" the latest is {LATEST}"
    )
    assert files_under(tmp_path) == []


def test_a_file_shorter_than_announced_is_refused_and_not_kept(
    graph: GraphServer, tmp_path: Path
) -> None:
    vertices = path_of(LATEST, "vertices")
    graph.announced[vertices] = len(graph.files[vertices]) + 10
    with pytest.raises(WebgraphDownloadError) as error:
        download(graph, tmp_path)
    assert str(error.value) == (
        f"{graph.url.rstrip('/')}{vertices} sent a {len(graph.files[vertices]):,}-byte file where"
        f" it announced {len(graph.files[vertices]) + 10:,} bytes; nothing was kept, run the"
        " download again"
    )
    assert files_under(tmp_path) == []


def test_a_body_longer_than_announced_is_refused_and_not_kept(
    graph: GraphServer, tmp_path: Path
) -> None:
    ranks = path_of(LATEST, "ranks")
    graph.unframed[ranks] = graph.files[ranks] + b"trailing junk"
    with pytest.raises(
        WebgraphDownloadError, match=r"sent more than the [\d,]+ bytes it announced"
    ):
        download(graph, tmp_path)
    folder = tmp_path / "webgraph" / "downloads" / LATEST
    assert files_under(folder) == [
        f"{LATEST}-domain-edges.txt.gz",
        f"{LATEST}-domain-vertices.txt.gz",
    ]


def test_retries_are_bounded_and_the_error_hides_credentials(
    graph: GraphServer, tmp_path: Path
) -> None:
    edges = path_of(LATEST, "edges")
    graph.busy.add(edges)
    sleeps = Sleeps()
    policy = no_wait(sleeps)
    base = graph.url.replace("http://", "http://reader:s3cret@")
    plan = plan_download(base, tmp_path, policy=policy)
    with pytest.raises(WebgraphDownloadError) as error:
        download_release(plan, policy=policy)
    assert str(error.value) == (
        f"{graph.url.rstrip('/')}{edges} failed 3 times in a row (last: HTTP 503);"
        " run the download again later to resume"
    )
    assert sleeps == [1.0, 2.0]
    assert len(graph.gets(edges)) == 3


def test_the_release_list_comes_from_common_crawls_index_server_or_a_mirror() -> None:
    assert catalogue_url(DEFAULT_WEBGRAPH_URL) == COMMON_CRAWL_GRAPHINFO_URL
    assert catalogue_url("https://mirror.example/cc/") == "https://mirror.example/cc/graphinfo.json"
