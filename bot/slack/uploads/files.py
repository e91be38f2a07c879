"""A file shared with Gapbot: the site its message names, and its download from Slack's
file host only, within a size limit."""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import DEFAULT_SLACK_API_URL, Settings
from bot.domains import DomainError, fold_domain

log = logging.getLogger(__name__)

# Where Slack serves a workspace's files (a file object's url_private_download).
SLACK_FILE_HOST = "files.slack.com"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_CHUNK_BYTES = 1 << 20
# Between two reads of the download, not for the whole file.
_DOWNLOAD_TIMEOUT = httpx.Timeout(30.0)
# Slack sends a URL or domain typed in a message as `<http://example.com|example.com>`.
_SLACK_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_SITE_LABEL = re.compile(r"\bsite\s*:\s*(\S+)", re.IGNORECASE)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_DEFAULT_PORTS = {"https": 443, "http": 80}


class UploadRefused(Exception):
    """The shared file cannot be imported; the message says why in one sentence."""


def site_in(text: str) -> str | None:
    """The site a file's message names: `site: example.com` anywhere, or a message that
    is only a domain (which Slack sends as a link); None if it names none."""
    plain = _SLACK_LINK.sub(lambda link: link.group(2) or link.group(1), text).strip()
    labelled = _SITE_LABEL.search(plain)
    if labelled is not None:
        given = labelled.group(1)
    elif _SLACK_LINK.fullmatch(text.strip()):
        given = plain
    else:
        return None
    try:
        return fold_domain(given)
    except DomainError as error:
        raise UploadRefused(f"{given[:60]!r} in its message is not a site: {error}") from None


def file_info(client: WebClient, file_id: str) -> dict[str, Any]:
    """The file object (https://api.slack.com/types/file) of a shared file."""
    try:
        info = client.files_info(file=file_id).get("file")
    except SlackApiError as error:
        code = error.response.get("error") or f"HTTP {error.response.status_code}"
        raise UploadRefused(f"Slack did not describe it ({code})") from None
    if not isinstance(info, dict):
        raise UploadRefused("Slack did not describe it")
    return info


def file_name(info: dict[str, Any]) -> str:
    """The file's name, safe as the last part of a path (a name comes from the sender)."""
    printable = _CONTROL_CHARACTERS.sub("", str(info.get("name") or ""))
    name = Path(printable).name.strip()[:100]
    return name if name not in ("", ".", "..") else "export.csv"


@contextmanager
def downloaded(info: dict[str, Any], settings: Settings, token: str | None) -> Iterator[Path]:
    """The file `info` describes, downloaded into a temporary folder removed afterwards."""
    if int(info.get("size") or 0) > MAX_UPLOAD_BYTES:
        raise UploadRefused(_too_big())
    url = file_url(str(info.get("url_private_download") or ""), settings)
    with tempfile.TemporaryDirectory(prefix="gapbot-upload-") as folder:
        path = Path(folder) / file_name(info)
        _download(url, token, path)
        yield path


def file_url(address: str, settings: Settings) -> httpx.URL:
    """`address` if it is on Slack's file host (or, when SLACK_API_URL points at another
    Slack, on that host); else UploadRefused, before any connection: the address is data
    from a request, and the download carries the bot token."""
    try:
        url = httpx.URL(address)
    except httpx.InvalidURL:
        raise UploadRefused("Slack gave no address to download it from") from None
    allowed: set[tuple[str, str, int | None]] = {("https", SLACK_FILE_HOST, 443)}
    if settings.slack_api_url != DEFAULT_SLACK_API_URL:
        allowed.add(_origin(httpx.URL(settings.slack_api_url)))
    if _origin(url) not in allowed:
        log.warning("refused to download a shared file from %s", url.host)
        raise UploadRefused(
            f"its address is on {url.host or 'no host'}, and Gapbot downloads files from"
            f" Slack ({SLACK_FILE_HOST}) only"
        )
    return url


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def _download(url: httpx.URL, token: str | None, path: Path) -> None:
    """Stream the file to `path` with the bot token (https://api.slack.com/types/file#auth),
    stopping at MAX_UPLOAD_BYTES. Redirects are not followed: they could lead off Slack."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with httpx.stream("GET", url, headers=headers, timeout=_DOWNLOAD_TIMEOUT) as response:
            if response.status_code != httpx.codes.OK:
                raise UploadRefused(f"Slack did not hand it over (HTTP {response.status_code})")
            received = 0
            with path.open("wb") as out:
                for chunk in response.iter_bytes(_CHUNK_BYTES):
                    received += len(chunk)
                    if received > MAX_UPLOAD_BYTES:
                        raise UploadRefused(_too_big())
                    out.write(chunk)
    except httpx.HTTPError as error:
        raise UploadRefused(f"it could not be downloaded ({type(error).__name__})") from None


def _too_big() -> str:
    return f"it is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, the most Gapbot imports"
