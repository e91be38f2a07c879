"""Fetches a Common Crawl domain-level web-graph release into GAPBOT_HOME, resuming on failure."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

import httpx
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    DownloadColumn,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from bot.config import DEFAULT_WEBGRAPH_URL
from bot.links.base import LinkSourceError
from bot.links.http import RETRY_STATUSES, RetryLater, RetryPolicy, retry_after_seconds
from bot.links.webgraph import ReleaseFiles

# Where Common Crawl publishes the graphs (SPEC 3, GAPBOT_WEBGRAPH_URL). A release's domain-level
# files are `<release>/domain/<release>-domain-{vertices,edges,ranks}.txt.gz` under it, e.g.
# cc-main-2024-feb-apr-may/domain/cc-main-2024-feb-apr-may-domain-edges.txt.gz; see
# https://commoncrawl.org/blog/host--and-domain-level-web-graphs-february-march-april-and-may-2024

# Common Crawl lists its releases on its index server, not beside the files: a JSON array, newest
# first, of {"id": "cc-main-2024-feb-apr-may", "crawls": ["CC-MAIN-2024-10", ...], "index": ...,
# "location": "s3://commoncrawl/projects/hyperlinkgraph/cc-main-2024-feb-apr-may/",
# "stats": {"host": {"nodes": ..., "arcs": ...}, "domain": {...}}}.
COMMON_CRAWL_GRAPHINFO_URL = "https://index.commoncrawl.org/graphinfo.json"

KINDS = ("vertices", "edges", "ranks")
# Release ids become folder names: nothing that could climb out of the downloads folder.
RELEASE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
CONTENT_RANGE = re.compile(r"bytes (?:(\d+)-\d+|\*)/(\d+)")

ProgressCallback = Callable[[int, int], None]
T = TypeVar("T")


class WebgraphDownloadError(LinkSourceError):
    """A release could not be fetched; the message names the URL and what went wrong."""


@dataclass(frozen=True)
class RemoteFile:
    """One file of a release: where it comes from, its size on the server, where it goes."""

    url: str
    size: int
    path: Path

    @property
    def part(self) -> Path:
        """Bytes received so far; renamed to `path` only once the file is complete."""
        return self.path.with_name(self.path.name + ".part")

    def received(self) -> int:
        """Bytes in the partial file."""
        return _size_of(self.part) or 0

    def is_complete(self) -> bool:
        return _size_of(self.path) == self.size

    def bytes_present(self) -> int:
        """How much of the file is already on disk and reusable."""
        if self.is_complete():
            return self.size
        return self.received() if self.received() <= self.size else 0


@dataclass(frozen=True)
class DownloadPlan:
    """A release to fetch, with its files' sizes, checked against the free disk space."""

    release: str
    folder: Path
    files: tuple[RemoteFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(remote.size for remote in self.files)

    @property
    def bytes_needed(self) -> int:
        """What still has to come over the network, and so the disk space still needed."""
        return sum(remote.size - remote.bytes_present() for remote in self.files)

    @property
    def summary(self) -> str:
        return (
            f"Web graph {self.release}: {decimal(self.total_bytes)} in {len(self.files)} files, "
            f"{decimal(self.bytes_needed)} still to download into {self.folder}"
        )


def catalogue_url(base_url: str) -> str:
    """Where the list of releases is: Common Crawl's index server, or beside a mirror's files."""
    if base_url.rstrip("/") == DEFAULT_WEBGRAPH_URL.rstrip("/"):
        return COMMON_CRAWL_GRAPHINFO_URL
    return base_url.rstrip("/") + "/graphinfo.json"


def downloads_folder(home: Path, release: str) -> Path:
    return home / "webgraph" / "downloads" / release


def downloaded_release(home: Path, release: str | None = None) -> ReleaseFiles:
    """A downloaded release's files (default: the release downloaded last), checked present."""
    if release is None:
        folders = [path for path in (home / "webgraph" / "downloads").glob("*") if path.is_dir()]
        if not folders:
            raise WebgraphDownloadError(
                "no web graph downloaded yet: run `gapbot webgraph download` first"
            )
        release = max(folders, key=lambda path: path.stat().st_mtime).name
    if not RELEASE_ID.fullmatch(release):
        raise WebgraphDownloadError(
            f"{release!r} is not a release name (such as cc-main-2024-feb-apr-may)"
        )
    files = release_paths(home, release)
    missing = [path.name for path in (files.vertices, files.edges) if not path.is_file()]
    if missing:
        raise WebgraphDownloadError(
            f"{release} is not (fully) downloaded: {', '.join(missing)} missing;"
            f" run `gapbot webgraph download {release}`"
        )
    if files.ranks is not None and not files.ranks.is_file():
        files = replace(files, ranks=None)
    return files


def release_paths(home: Path, release: str) -> ReleaseFiles:
    """Where a release's files are (or will be) once downloaded."""
    return ReleaseFiles(release, *_release_file_paths(home, release))


def _release_file_paths(home: Path, release: str) -> list[Path]:
    folder = downloads_folder(home, release)
    return [folder / f"{release}-domain-{kind}.txt.gz" for kind in KINDS]


def download_columns() -> tuple[ProgressColumn, ...]:
    """Columns for a rich Progress showing a download's size, speed and time left."""
    return (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )


def plan_download(
    base_url: str,
    home: Path,
    release: str | None = None,
    *,
    policy: RetryPolicy | None = None,
) -> DownloadPlan:
    """Pick the release (default: the latest listed), size its files, refuse if they cannot fit.

    Writes nothing: the disk-space check comes before any file or folder is created.
    """
    policy = policy or RetryPolicy()
    listing = catalogue_url(base_url)
    with _client(policy) as client:
        name = _choose_release(_fetch_catalogue(client, listing, policy), release, listing)
        files = []
        for path in _release_file_paths(home, name):
            url = f"{base_url.rstrip('/')}/{name}/domain/{path.name}"
            files.append(RemoteFile(url, _remote_size(client, url, policy), path))
    plan = DownloadPlan(name, downloads_folder(home, name), tuple(files))
    _require_disk_space(plan)
    return plan


def download_release(
    plan: DownloadPlan,
    on_progress: ProgressCallback | None = None,
    *,
    policy: RetryPolicy | None = None,
) -> ReleaseFiles:
    """Fetch every file of `plan` not yet complete; `on_progress(bytes done, bytes total)`."""
    policy = policy or RetryPolicy()
    plan.folder.mkdir(parents=True, exist_ok=True)
    meter = _Meter(plan, on_progress)
    with _client(policy) as client:
        for remote in plan.files:
            if not remote.is_complete():
                transfer = partial(_transfer, client, remote, meter)
                _with_retries(policy, remote.url, transfer, progress=remote.received)
            meter.update(remote, remote.size)
    return ReleaseFiles(plan.release, *(remote.path for remote in plan.files))


# -- the catalogue and the sizes ---------------------------------------------------------------


def _fetch_catalogue(client: httpx.Client, url: str, policy: RetryPolicy) -> list[str]:
    response = _with_retries(policy, url, lambda: _checked(client.get(url), url))
    try:
        entries = json.loads(response.content)
        ids = [str(entry["id"]) for entry in entries]
    except (ValueError, TypeError, KeyError):
        raise WebgraphDownloadError(
            f"{_shown(url)} is not Common Crawl's list of web-graph releases (graphinfo.json)"
        ) from None
    if not ids:
        raise WebgraphDownloadError(f"{_shown(url)} lists no web-graph releases")
    return ids


def _choose_release(ids: list[str], wanted: str | None, url: str) -> str:
    name = ids[0] if wanted is None else wanted.strip().lower()
    if name not in ids:
        raise WebgraphDownloadError(
            f"Release {name!r} is not listed in {_shown(url)}; the latest is {ids[0]}"
        )
    if not RELEASE_ID.fullmatch(name):
        raise WebgraphDownloadError(
            f"{_shown(url)} lists a release named {name!r}, not a safe name"
        )
    return name


def _remote_size(client: httpx.Client, url: str, policy: RetryPolicy) -> int:
    """The size from a HEAD, or else from a first byte's Content-Range (some hosts refuse HEAD)."""
    head = _with_retries(policy, url, lambda: _unless_busy(client.head(url)))
    if head.is_success and "content-length" in head.headers:
        return int(head.headers["content-length"])

    def first_byte() -> int | None:
        with client.stream("GET", url, headers={"Range": "bytes=0-0"}) as response:
            _checked(response, url)
            if response.status_code == 206:
                return _content_range(response, url)[1]
            length = response.headers.get("content-length")
            return int(length) if length is not None else None

    size = _with_retries(policy, url, first_byte)
    if size is None:
        raise WebgraphDownloadError(f"{_shown(url)} does not say how large it is")
    return size


def _require_disk_space(plan: DownloadPlan) -> None:
    folder = plan.folder
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if plan.bytes_needed > free:
        raise WebgraphDownloadError(
            f"Downloading web graph {plan.release} needs {decimal(plan.bytes_needed)} of free disk"
            f" space in {folder}, but only {decimal(free)} is free: free some space or point"
            " GAPBOT_HOME at a larger disk"
        )


# -- one file --------------------------------------------------------------------------------


class _Meter:
    """Adds up the bytes on disk across the release's files for one progress callback."""

    def __init__(self, plan: DownloadPlan, on_progress: ProgressCallback | None) -> None:
        self._done = {remote.url: remote.bytes_present() for remote in plan.files}
        self._total = plan.total_bytes
        self._on_progress = on_progress

    def update(self, remote: RemoteFile, position: int) -> None:
        self._done[remote.url] = position
        if self._on_progress is not None:
            self._on_progress(sum(self._done.values()), self._total)


def _transfer(client: httpx.Client, remote: RemoteFile, meter: _Meter) -> None:
    """One request for the rest of the file; returns once `remote.path` is complete."""
    offset = remote.received()
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    with client.stream("GET", remote.url, headers=headers) as response:
        if response.status_code == 416:
            _settle_unsatisfiable(remote, response, offset)
        else:
            start, total = _body_extent(_checked(response, remote.url), remote, offset)
            if total != remote.size:
                remote.part.unlink(missing_ok=True)
                raise WebgraphDownloadError(
                    f"{_shown(remote.url)} sent a {total:,}-byte file where it announced"
                    f" {remote.size:,} bytes; nothing was kept, run the download again"
                )
            _write_body(response, remote, start, meter)
    remote.part.replace(remote.path)


def _body_extent(response: httpx.Response, remote: RemoteFile, offset: int) -> tuple[int, int]:
    """Where the body starts in the file and the file's full size, as the response says."""
    if response.status_code == 206:
        start, total = _content_range(response, remote.url)
        if start != offset:
            raise WebgraphDownloadError(
                f"{_shown(remote.url)} answered with a range that does not start at byte"
                f" {offset:,}, where the partial download ends"
            )
        return offset, total
    if response.status_code != 200:
        raise WebgraphDownloadError(
            f"{_shown(remote.url)} answered HTTP {response.status_code} to a download request"
        )
    # A 200 to a Range request means the server ignored it: the whole file follows, from byte 0.
    length = response.headers.get("content-length")
    return 0, int(length) if length is not None else remote.size


def _write_body(response: httpx.Response, remote: RemoteFile, start: int, meter: _Meter) -> None:
    position = start
    # Raw bytes: the file on disk is the gzip file as published, whatever the transfer encoding.
    # No chunk size: httpx would buffer up to it, and a cut connection would lose the buffer.
    with remote.part.open("ab" if start else "wb") as sink:
        for chunk in response.iter_raw():
            position += len(chunk)
            if position > remote.size:
                break
            sink.write(chunk)
            meter.update(remote, position)
    if position > remote.size:
        remote.part.unlink()
        raise WebgraphDownloadError(
            f"{_shown(remote.url)} sent more than the {remote.size:,} bytes it announced;"
            " nothing was kept, run the download again"
        )
    if position < remote.size:
        raise RetryLater(f"the transfer ended after {position:,} of {remote.size:,} bytes")


def _settle_unsatisfiable(remote: RemoteFile, response: httpx.Response, offset: int) -> None:
    """416: the partial file is complete if it is exactly as long as the file; else start over."""
    if _content_range(response, remote.url)[1] == offset == remote.size:
        return
    remote.part.unlink(missing_ok=True)
    raise RetryLater("the partial download did not match the file on the server")


# -- HTTP ------------------------------------------------------------------------------------


def _client(policy: RetryPolicy) -> httpx.Client:
    return httpx.Client(
        timeout=policy.timeout,
        follow_redirects=True,
        # identity: sizes and ranges are then those of the .gz file itself, never of a re-encoding.
        headers={"User-Agent": "gapbot (webgraph download)", "Accept-Encoding": "identity"},
    )


def _unless_busy(response: httpx.Response) -> httpx.Response:
    """429 and 5xx become RetryLater, honouring Retry-After."""
    if response.status_code in RETRY_STATUSES:
        raise RetryLater(f"HTTP {response.status_code}", retry_after_seconds(response))
    return response


def _checked(response: httpx.Response, url: str) -> httpx.Response:
    """Retryable statuses become RetryLater; other errors end the download with a sentence."""
    _unless_busy(response)
    if response.status_code == 404:
        raise WebgraphDownloadError(f"{_shown(url)} does not exist (HTTP 404)")
    if response.is_error:
        raise WebgraphDownloadError(f"{_shown(url)} answered HTTP {response.status_code}")
    return response


def _with_retries(
    policy: RetryPolicy, url: str, attempt: Callable[[], T], progress: Callable[[], int] = int
) -> T:
    """Run `attempt` until it succeeds, giving up after `policy.attempts` failures in a row.

    A failure after `progress()` moved forward is a broken connection in a long transfer: it
    is retried at once and does not count, so a 10 GB file survives any number of cuts.
    """
    failures, best = 0, progress()
    while True:
        try:
            return attempt()
        except httpx.TimeoutException:
            later = RetryLater("timed out")
        except httpx.TransportError as error:
            later = RetryLater(f"connection failed ({type(error).__name__})")
        except RetryLater as error:
            later = error
        if progress() > best:
            failures, best = 0, progress()
            continue
        failures += 1
        if failures >= policy.attempts:
            raise WebgraphDownloadError(
                f"{_shown(url)} failed {failures} times in a row (last: {later.reason});"
                " run the download again later to resume"
            )
        policy.sleep(_wait(policy, later, failures - 1, url))


def _wait(policy: RetryPolicy, later: RetryLater, attempt: int, url: str) -> float:
    if later.retry_after is None:
        return policy.backoff(attempt)
    if later.retry_after > policy.max_delay:
        raise WebgraphDownloadError(
            f"{_shown(url)} asks us to wait {later.retry_after:.0f} s; try again later"
        )
    return later.retry_after


def _content_range(response: httpx.Response, url: str) -> tuple[int | None, int]:
    """(first byte sent, full size) from `Content-Range`; no first byte in a 416's `*/size`."""
    match = CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
    if match is None:
        raise WebgraphDownloadError(
            f"{_shown(url)} answered HTTP {response.status_code} without a usable Content-Range"
        )
    first, total = match.groups()
    return (None if first is None else int(first)), int(total)


def _shown(url: str) -> str:
    """The URL as it may appear in a message: no user, password or query string."""
    return str(httpx.URL(url).copy_with(username=None, password=None, query=None, fragment=None))


def _size_of(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None
