"""The web graph from the command line: download from a mirror, import, and a gap table.

The mirror is a plain static file server on loopback (Python's http.server: no Range
support, so a resumed download restarts, as with such a server it must), serving a
release written in Common Crawl's layout (tests/webgraph_files.py) and a graphinfo.json.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from export_files import run_gapbot
from webgraph_files import write_release

RELEASE = "cc-main-2024-feb-apr-may"
SITES = ("mysite.com", "vs", "rival-a.com", "rival-b.net")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[str]:
    """A Common Crawl mirror with one release, at GAPBOT_WEBGRAPH_URL."""
    root = tmp_path / "mirror"
    write_release(root / RELEASE / "domain", RELEASE)
    (root / "graphinfo.json").write_text(json.dumps([{"id": RELEASE, "crawls": []}]))
    handler = partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        thread.join()


def test_download_import_and_gaps_over_the_web_graph(tmp_path: Path, mirror: str) -> None:
    home, env = tmp_path / "home", {"GAPBOT_WEBGRAPH_URL": mirror}
    home.mkdir()

    downloaded = run_gapbot(home, "webgraph", "download", env=env)
    assert downloaded.returncode == 0, downloaded.stderr
    assert f"gapbot webgraph import {RELEASE}" in downloaded.stdout

    imported = run_gapbot(home, "webgraph", "import", env=env)
    assert imported.returncode == 0, imported.stderr
    assert "9 domains, 14 links imported" in imported.stdout
    assert "1 link from a domain to itself skipped" in imported.stdout

    result = run_gapbot(home, "gaps", *SITES, "--source", "webgraph", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    # Worked out by hand from tests/webgraph_files.py's SCENARIO: news.com and wiki.org
    # link to mysite.com too; rival-a.com links to rival-b.net but is an analysed site.
    # Authority: centrality position p of 9 domains, floor(100 * (9 - p) / 8).
    assert document["opportunities"] == [
        {
            "domain": "bbc.co.uk",
            "matches": 2,
            "links": {"rival-a.com": 1, "rival-b.net": 1},
            "authority": 87,
            "sample_urls": {},
            "unproven": False,
        },
        {
            "domain": "lakeblogger.blogspot.com",
            "matches": 1,
            "links": {"rival-a.com": 1, "rival-b.net": 0},
            "authority": 0,
            "sample_urls": {},
            "unproven": False,
        },
        {
            "domain": "xn--mnchen-blog-thb.de",
            "matches": 1,
            "links": {"rival-a.com": 0, "rival-b.net": 1},
            "authority": 12,
            "sample_urls": {},
            "unproven": False,
        },
    ]
    assert (document["source"], document["data_label"], document["data_date"]) == (
        "webgraph",
        RELEASE,
        "2024-05-01",
    )


def test_import_recognises_web_graph_files_by_name(tmp_path: Path) -> None:
    files = write_release(tmp_path / "files", RELEASE)
    home = tmp_path / "home"
    home.mkdir()
    imported = run_gapbot(home, "import", files.vertices, files.edges, files.ranks or "")
    assert imported.returncode == 0, imported.stderr
    table = run_gapbot(home, "gaps", *SITES, "--source", "webgraph")
    assert table.returncode == 0, table.stderr
    assert f"data: {RELEASE}" in table.stdout
    # The table's page path (name keys, names looked up for the rows shown) orders as
    # SPEC 5.6 says: matches, then links, then the domain's name.
    shown = [
        name
        for line in table.stdout.splitlines()
        for name in ("bbc.co.uk", "lakeblogger.blogspot.com", "xn--mnchen-blog-thb.de")
        if name in line
    ]
    assert shown == ["bbc.co.uk", "lakeblogger.blogspot.com", "xn--mnchen-blog-thb.de"]


def test_a_missing_release_is_one_sentence(tmp_path: Path, mirror: str) -> None:
    result = run_gapbot(
        tmp_path, "webgraph", "download", "cc-main-1999-jan", env={"GAPBOT_WEBGRAPH_URL": mirror}
    )
    assert result.returncode == 1
    assert "cc-main-1999-jan" in result.stderr and "Traceback" not in result.stderr
    nothing = run_gapbot(tmp_path, "webgraph", "import")
    assert nothing.returncode == 1
    assert "gapbot webgraph download" in nothing.stderr
    outside = run_gapbot(tmp_path, "webgraph", "import", "../../etc")
    assert outside.returncode == 1
    assert "'../../etc' is not a release name" in outside.stderr
