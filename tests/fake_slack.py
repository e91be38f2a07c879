"""A fake Slack Web API on 127.0.0.1, over real HTTP, that records every call.

It answers the methods Gapbot uses the way Slack documents them, serves response
URLs and file upload URLs, and can be told to fail a method (`not_in_channel`),
to refuse some arguments for good (a user who left: `user_not_found`), to
rate-limit it (429 with Retry-After), to answer it with an HTTP error (500, 503) or
to answer it slowly. Messages posted with chat.postMessage are kept per
channel and served back by conversations.history, with their metadata when asked
(https://api.slack.com/methods/conversations.history, `include_all_metadata`;
https://api.slack.com/metadata/using). Files shared with the app (`share_file`) are
described by files.info and downloaded from its /files-pri/ path with a bearer token.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

# Form arguments the SDK sends as JSON strings; decoded for the tests' convenience.
_JSON_ARGS = ("blocks", "view", "files", "attachments")


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # bursts of concurrent calls, as Slack would take them
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client killed mid-call (a benchmark's SIGKILL) is not the fake's error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Call:
    """One request the fake received: an API method, a response URL, or a file upload."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.socket_url = "ws://127.0.0.1:1/"
        self._lock = threading.Condition()
        self._failures: dict[str, list[tuple[str, str | int]]] = {}
        self._delays: dict[str, list[float]] = {}
        self._refusals: list[tuple[str, dict[str, str], str]] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.admins: set[str] = set()
        # Files shared with the app: id -> (file object, content, the token that may download it)
        self.files: dict[str, tuple[dict[str, Any], bytes, str]] = {}
        self._expired_responses = 0
        self._ts = itertools.count(1)
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base}/respond/{name}"

    # -- scripting failures -----------------------------------------------------------------

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `{"ok": false, "error": error}`."""
        self._failures.setdefault(method, []).extend([("error", error)] * times)

    def refuse(self, method: str, error: str, **arguments: str) -> None:
        """Answer every call of `method` with these `arguments` with `error`, for good.

        A user who left: `refuse("conversations.open", "user_not_found", users="U404")`.
        """
        with self._lock:
            self._refusals.append((method, arguments, error))

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 and Retry-After."""
        self._failures.setdefault(method, []).extend([("ratelimit", retry_after)] * times)

    def server_error(self, method: str, status: int = 500, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP `status` (500, 503...)."""
        self._failures.setdefault(method, []).extend([("status", status)] * times)

    def expire_response_urls(self, times: int = 1) -> None:
        """The next `times` response URL posts get 404 `expired_url`, as an old URL does."""
        with self._lock:
            self._expired_responses += times

    def slow(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next `times` calls of `method` only after `seconds`."""
        self._delays.setdefault(method, []).extend([seconds] * times)

    # -- inspecting -------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for_upload(self, title: str, timeout: float = 10.0) -> tuple[Call, bytes]:
        """Block until a file whose title starts with `title` is shared (files.upload v2:
        getUploadURLExternal, the bytes, completeUploadExternal); its completion and bytes."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for call in self.calls:
                    if call.method != "files.completeUploadExternal":
                        continue
                    for shared in call.args.get("files", []):
                        if str(shared.get("title", "")).startswith(title):
                            body = [c for c in self.calls if c.method == f"upload/{shared['id']}"]
                            return call, body[0].args["body"]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no file titled {title!r} was shared")
                self._lock.wait(left)

    def responses(self) -> list[Call]:
        """Messages sent to response URLs."""
        with self._lock:
            return [call for call in self.calls if call.method.startswith("respond/")]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until `method` has been called `count` times; the calls."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [call for call in self.calls if _matches(call.method, method)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [call.method for call in self.calls]
                    raise AssertionError(f"{method} called {len(found)}/{count} times; saw {seen}")
                self._lock.wait(left)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    # -- answering --------------------------------------------------------------------------

    def _answer(self, method: str, args: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        undocumented = set(args) - _DOCUMENTED_ARGUMENTS.get(method, set(args)) - {"team_id"}
        if undocumented:
            # Slack answers an argument its method does not take with `invalid_arguments`.
            return 200, {}, {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            delays = self._delays.get(method)
            delay = delays.pop(0) if delays else 0.0
            refusal = next(
                (
                    ("error", error)
                    for refused, arguments, error in self._refusals
                    if refused == method and all(args.get(k) == v for k, v in arguments.items())
                ),
                None,
            )
            queued = self._failures.get(method)
            failure = refusal or (queued.pop(0) if queued else None)
        if delay:
            time.sleep(delay)
        if failure is not None:
            kind, detail = failure
            if kind == "ratelimit":
                return 429, {"Retry-After": str(detail)}, {"ok": False, "error": "ratelimited"}
            if kind == "status":
                return int(detail), {}, {"ok": False, "error": "fatal_error"}
            return 200, {}, {"ok": False, "error": detail}
        return 200, {}, self._success(method, args)

    def _keep_message(self, args: dict[str, Any], ts: str) -> None:
        """Remember a posted message for conversations.history (newest first there)."""
        message: dict[str, Any] = {
            "type": "message",
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": args.get("text", ""),
            "ts": ts,
        }
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            with contextlib.suppress(ValueError):
                metadata = json.loads(metadata)
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        with self._lock:
            self.messages.setdefault(str(args.get("channel", "")), []).append(message)

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            kept = list(self.messages.get(str(args.get("channel", "")), []))
        oldest = float(args.get("oldest") or 0)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = int(args.get("limit") or 100)
        found = [
            message if with_metadata else {k: v for k, v in message.items() if k != "metadata"}
            for message in reversed(kept)
            if float(message["ts"]) > oldest
        ]
        return {
            "ok": True,
            "messages": found[:limit],
            "has_more": len(found) > limit,
            "response_metadata": {"next_cursor": ""},
        }

    def _success(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": "Fake",
                "user": "gapbot",
                "team_id": "T1",
                "user_id": "UBOT",
                "bot_id": "BBOT",
            }
        if method in ("chat.postMessage", "chat.update"):
            # Seconds as Slack's are (the time of posting), so that `oldest` finds them.
            ts = args.get("ts") or f"{int(time.time())}.{next(self._ts):06d}"
            if method == "chat.postMessage":
                self._keep_message(args, ts)
            return {"ok": True, "channel": args.get("channel"), "ts": ts}
        if method == "files.info":
            return self._file_info(args)
        if method == "conversations.history":
            return self._history(args)
        if method == "users.info":
            # https://api.slack.com/methods/users.info: the user object's admin flags.
            user = str(args.get("user", ""))
            admin = user in self.admins
            return {
                "ok": True,
                "user": {
                    "id": user,
                    "team_id": "T1",
                    "name": f"user-{user.lower()}",
                    "is_admin": admin,
                    "is_owner": False,
                    "is_primary_owner": False,
                    "is_bot": False,
                },
            }
        if method in ("views.open", "views.update", "views.publish"):
            return {"ok": True, "view": {"id": "V1", "hash": f"h{next(self._ts)}"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": item["id"]} for item in args.get("files", [])]}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "")).split(",")[0]}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "oauth.v2.access":
            return self.oauth_access(args)
        return {"ok": True}

    def oauth_access(self, args: dict[str, Any]) -> dict[str, Any]:
        """An install, shaped as Slack's oauth.v2.access documents it: into workspace T2, or
        into the workspace a test's code names (`team-T3`)."""
        code = str(args.get("code", ""))
        team = code.removeprefix("team-") if code.startswith("team-") else "T2"
        return {
            "ok": True,
            "access_token": f"xoxb-installed-{args.get('code', 'none')}",
            "token_type": "bot",
            "scope": "commands,chat:write,files:read,files:write,im:history,im:write,users:read",
            "bot_user_id": "UBOT2",
            "app_id": "A1",
            "team": {"name": f"Workspace {team}", "id": team},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "U9"},
        }

    def share_file(
        self,
        name: str,
        content: bytes,
        *,
        token: str = "xoxb-test-token",
        download_url: str | None = None,
    ) -> str:
        """A file a user shared with the app; its id. `token` may download its bytes from
        the fake's /files-pri/ path; `download_url` puts its url_private_download elsewhere."""
        file_id = f"F{next(self._ts):08d}"
        # The file object as https://api.slack.com/types/file documents it (its main fields).
        url = f"{self.base}/files-pri/T1-{file_id}/download/{name}"
        info = {
            "id": file_id,
            "created": 1700000000,
            "timestamp": 1700000000,
            "name": name,
            "title": name,
            "mimetype": "text/csv",
            "filetype": "csv",
            "pretty_type": "CSV",
            "user": "U1",
            "editable": False,
            "size": len(content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": url,
            "url_private_download": download_url or url,
            "permalink": f"https://fake.slack.test/files/U1/{file_id}/{name}",
            "channels": [],
            "groups": [],
            "ims": ["D1"],
            "comments_count": 0,
        }
        with self._lock:
            self.files[file_id] = (info, content, token)
        return file_id

    def _file_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """https://api.slack.com/methods/files.info: the file object, or file_not_found."""
        with self._lock:
            shared = self.files.get(str(args.get("file", "")))
        if shared is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": shared[0], "comments": [], "response_metadata": {}}

    def _download(self, path: str, authorization: str) -> tuple[int, bytes]:
        """A file's bytes, only with its token as `Authorization: Bearer`
        (https://api.slack.com/types/file#auth)."""
        parts = path.split("/")  # files-pri/TEAM-FILE/download/NAME
        with self._lock:
            shared = self.files.get(parts[1].split("-", 1)[-1]) if len(parts) > 1 else None
        if shared is None:
            return 404, b"file_not_found"
        if authorization != f"Bearer {shared[2]}":
            return 403, b"not_authed"
        return 200, shared[1]

    def _take_expired_response(self) -> bool:
        with self._lock:
            if self._expired_responses <= 0:
                return False
            self._expired_responses -= 1
            return True

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()


# The arguments Slack documents for the methods whose answers Gapbot reads closely (each
# method's page at https://api.slack.com/methods/NAME, "Arguments"); `token` may come as
# an argument or, as slack_sdk sends it, in the Authorization header; `team_id` ("required
# if an org-level token is used") slack_sdk adds to every call of a workspace's client.
_DOCUMENTED_ARGUMENTS: dict[str, set[str]] = {
    "auth.test": {"token"},
    "chat.postMessage": {
        "token",
        "channel",
        "text",
        "blocks",
        "attachments",
        "as_user",
        "icon_emoji",
        "icon_url",
        "link_names",
        "markdown_text",
        "metadata",
        "mrkdwn",
        "parse",
        "reply_broadcast",
        "thread_ts",
        "unfurl_links",
        "unfurl_media",
        "username",
    },
    "conversations.open": {"token", "channel", "prevent_creation", "return_im", "users"},
    "conversations.history": {
        "token",
        "channel",
        "cursor",
        "include_all_metadata",
        "inclusive",
        "latest",
        "limit",
        "oldest",
    },
    "users.info": {"token", "user", "include_locale"},
    "files.info": {"token", "file", "count", "cursor", "limit", "page"},
    # https://docs.slack.dev/reference/methods/views.publish/
    "views.publish": {"token", "user_id", "view", "hash"},
    # Uploads (the overlap chart, the CSV export, the pipeline chart):
    # https://docs.slack.dev/reference/methods/files.getUploadURLExternal/ and
    # https://docs.slack.dev/reference/methods/files.completeUploadExternal/
    "files.getUploadURLExternal": {"token", "filename", "length", "alt_txt", "snippet_type"},
    "files.completeUploadExternal": {
        "token",
        "files",
        "channel_id",
        "channels",
        "initial_comment",
        "thread_ts",
        "blocks",
    },
}


def _matches(method: str, wanted: str) -> bool:
    return method == wanted or (wanted.endswith("*") and method.startswith(wanted[:-1]))


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            headers = {key.lower(): value for key, value in self.headers.items()}
            path = self.path.split("?", 1)[0].lstrip("/")
            fake._record(Call(path, {}, headers))
            status, body = fake._download(path, headers.get("authorization", ""))
            self._send(status, {"Content-Type": "application/octet-stream"}, body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            headers = {key.lower(): value for key, value in self.headers.items()}
            path = self.path.split("?", 1)[0].lstrip("/")
            if path.startswith("api/"):
                method = path.removeprefix("api/")
                args = _parse(raw, headers.get("content-type", ""))
                status, extra, body = fake._answer(method, args)
                fake._record(Call(method, args, headers, body))
                self._send(status, extra, json.dumps(body).encode())
            elif path.startswith("upload/"):
                fake._record(Call(path, {"body": raw}, headers))
                self._send(200, {"Content-Type": "text/plain"}, f"OK - {len(raw)}".encode())
            else:
                fake._record(Call(path, _parse(raw, headers.get("content-type", "")), headers))
                if fake._take_expired_response():
                    self._send(404, {"Content-Type": "text/plain"}, b"expired_url")
                else:
                    self._send(200, {"Content-Type": "text/plain"}, b"ok")

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    text = raw.decode("utf-8", "replace")
    if "json" in content_type:
        data = json.loads(text or "{}")
        return data if isinstance(data, dict) else {"body": data}
    args: dict[str, Any] = dict(parse_qsl(text, keep_blank_values=True))
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


# -- Slack's side of the app: signed requests to the running app ------------------------------


def signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 request signature: HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return "v0=" + digest.hexdigest()


class InProcess(httpx.BaseTransport):
    """Hands each request to an ASGI app in this process, as uvicorn would, without a socket
    (httpx's ASGITransport on an event loop of its own, which the app's threads share)."""

    def __init__(self, app: Any) -> None:
        # An app's exception is answered 500, as uvicorn answers it.
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def answer() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            body = await response.aread()
            return httpx.Response(
                response.status_code, headers=response.headers, content=body, request=request
            )

        return asyncio.run_coroutine_threadsafe(answer(), self._loop).result()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@dataclass
class SlackDriver:
    """Runs the real app and sends it what Slack would, signed: over HTTP (uvicorn on a
    free port, `serve`), or to the same ASGI app in process (`in_process`)."""

    url: str
    fake: FakeSlack
    secret: str
    server: Any = None
    thread: threading.Thread | None = None
    app: Any = None
    settings: Any = None
    team: str = "T1"
    channel: str = "C1"
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))
    services: Any = None

    @classmethod
    def serve(cls, settings: Any, fake: FakeSlack, secret: str, **app_options: Any) -> SlackDriver:
        """The app of `settings` (and build_app's `app_options`), served on a free port."""
        import uvicorn

        from bot.slack.server import http_app

        app, services = cls._build(settings, app_options)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        config = uvicorn.Config(http_app(app), log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.01)
        port = listener.getsockname()[1]
        driver = cls(f"http://127.0.0.1:{port}", fake, secret, server, thread, app, settings)
        driver.services = services
        return driver

    @classmethod
    def in_process(
        cls, settings: Any, fake: FakeSlack, secret: str, **app_options: Any
    ) -> SlackDriver:
        """The app of `settings`, its ASGI app (bot.slack.server.http_app: the timestamp
        check, Bolt's signature check, the guard) sent each request in this process."""
        from bot.slack.server import http_app

        app, services = cls._build(settings, app_options)
        client = httpx.Client(transport=InProcess(http_app(app)), timeout=60)
        driver = cls("http://gapbot.test", fake, secret, app=app, settings=settings, http=client)
        driver.services = services
        return driver

    @staticmethod
    def _build(settings: Any, app_options: dict[str, Any]) -> tuple[Any, Any]:
        """build_app with services made here, so that `settle` can wait on their work."""
        from bot.slack.app import build_app, start_services

        services = start_services(settings, app_options.pop("contact_finder", None))
        return build_app(settings, services=services, **app_options), services

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the app has done all the work it queued after answering Slack: after
        this, what has not been sent to the fake Slack never will be."""
        if not self.services.unfinished.wait(timeout):
            raise AssertionError(f"the app's work did not end within {timeout} s")

    def stop(self) -> None:
        self.http.close()
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)

    # -- raw requests ---------------------------------------------------------------------------

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signed = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(secret or self.secret, stamp, body),
            **(headers or {}),
        }
        return self.http.post(f"{self.url}/slack/events", content=body, headers=signed)

    def form(self, fields: dict[str, str], **options: Any) -> httpx.Response:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **options)

    # -- what Slack sends -------------------------------------------------------------------

    def command(
        self,
        text: str,
        *,
        user: str = "U1",
        team: str | None = None,
        channel: str | None = None,
        **options: Any,
    ) -> httpx.Response:
        """A `/gaps` slash command, as Slack posts it."""
        team = team or self.team
        return self.form(
            {
                "token": "legacy-verification-token",
                "team_id": team,
                "team_domain": f"team-{team.lower()}",
                "channel_id": channel or self.channel,
                "channel_name": "link-building",
                "user_id": user,
                "user_name": f"user-{user.lower()}",
                "command": "/gaps",
                "text": text,
                "api_app_id": "A1",
                "is_enterprise_install": "false",
                "response_url": self.fake.response_url(f"command-{uuid.uuid4().hex[:8]}"),
                "trigger_id": "1337.42.abcd",
            },
            **options,
        )

    def block_action(
        self,
        action: dict[str, Any],
        *,
        message_ts: str = "1700000000.000001",
        user: str = "U1",
        team: str | None = None,
        channel: str | None = None,
        **options: Any,
    ) -> httpx.Response:
        """A `block_actions` payload for one button or menu in a message."""
        team = team or self.team
        channel = channel or self.channel
        payload = {
            "type": "block_actions",
            "team": {"id": team, "domain": f"team-{team.lower()}"},
            "user": {"id": user, "username": f"user-{user.lower()}", "team_id": team},
            "api_app_id": "A1",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": "1337.42.efgh",
            "channel": {"id": channel, "name": "link-building"},
            "message": {"type": "message", "ts": message_ts, "text": "", "blocks": []},
            "response_url": self.fake.response_url(f"action-{uuid.uuid4().hex[:8]}"),
            "actions": [{**action, "block_id": "b1", "action_ts": str(time.time())}],
        }
        return self.form({"payload": json.dumps(payload)}, **options)

    def press_at_home(
        self, blocks: list[dict[str, Any]], action_id: str, *, user: str = "U1"
    ) -> httpx.Response:
        """Press the button `action_id` on the Home tab: a `block_actions` payload from a
        view, which has no channel, message or response URL."""
        element = find_element(blocks, action_id)
        payload = {
            "type": "block_actions",
            "team": {"id": self.team, "domain": f"team-{self.team.lower()}"},
            "user": {"id": user, "username": f"user-{user.lower()}", "team_id": self.team},
            "api_app_id": "A1",
            "token": "legacy-verification-token",
            "container": {"type": "view", "view_id": "V1"},
            "trigger_id": f"1337.42.{uuid.uuid4().hex[:8]}",
            "view": {"id": "V1", "type": "home", "team_id": self.team, "blocks": blocks},
            "actions": [
                {
                    "action_id": action_id,
                    "type": "button",
                    "value": element["value"],
                    "block_id": "b1",
                    "action_ts": str(time.time()),
                }
            ],
        }
        return self.form({"payload": json.dumps(payload)})

    def press(
        self,
        blocks: list[dict[str, Any]],
        action_id: str,
        *,
        domain: str | None = None,
        option: int | None = None,
        **options: Any,
    ) -> httpx.Response:
        """Press the button (or choose option number `option` of the menu) `action_id`."""
        element = find_element(blocks, action_id, domain)
        if option is not None:
            chosen = element["options"][option]
            action = {"action_id": action_id, "type": "static_select", "selected_option": chosen}
        else:
            action = {"action_id": action_id, "type": "button", "value": element["value"]}
        return self.block_action(action, **options)

    def view_submission(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, Any]],
        *,
        user: str = "U1",
        team: str | None = None,
    ) -> httpx.Response:
        """A `view_submission` of a modal the app opened, with the inputs' state `values`."""
        return self.form(
            {"payload": json.dumps(self._view_payload("view_submission", view, values, user, team))}
        )

    def view_action(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, Any]],
        action: dict[str, Any],
        *,
        user: str = "U1",
        team: str | None = None,
    ) -> httpx.Response:
        """A `block_actions` payload from an input of an open modal (`dispatch_action`)."""
        payload = self._view_payload("block_actions", view, values, user, team)
        payload["container"] = {"type": "view", "view_id": "V1"}
        payload["trigger_id"] = "1337.42.ijkl"
        payload["actions"] = [{**action, "action_ts": str(time.time())}]
        return self.form({"payload": json.dumps(payload)})

    def _view_payload(
        self,
        kind: str,
        view: dict[str, Any],
        values: dict[str, dict[str, Any]],
        user: str,
        team: str | None,
    ) -> dict[str, Any]:
        team = team or self.team
        return {
            "type": kind,
            "team": {"id": team, "domain": f"team-{team.lower()}"},
            "user": {"id": user, "username": f"user-{user.lower()}", "team_id": team},
            "api_app_id": "A1",
            "token": "legacy-verification-token",
            # Each submission carries a fresh trigger_id, so no two are the same body.
            "trigger_id": f"1337.42.{uuid.uuid4().hex[:8]}",
            "view": {
                **view,
                "id": "V1",
                "hash": "h1",
                "team_id": team,
                "state": {"values": values},
            },
        }

    def event(
        self, event: dict[str, Any], *, team: str | None = None, **options: Any
    ) -> httpx.Response:
        """An Events API `event_callback`, as Slack posts it."""
        team = team or self.team
        body = {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": "A1",
            "event": {**event, "event_ts": str(time.time())},
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10]}",
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": team, "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}
            ],
        }
        return self.post(json.dumps(body), "application/json", **options)


def find_element(
    blocks: list[dict[str, Any]], action_id: str, domain: str | None = None
) -> dict[str, Any]:
    """The first interactive element with `action_id` (in the row of `domain`, if given)."""
    for block in blocks:
        elements = block.get("elements", [])
        if block.get("accessory"):
            elements = [block["accessory"]]
        for element in elements:
            if element.get("action_id") != action_id:
                continue
            if domain is None or f'"d":"{domain}"' in element.get("value", ""):
                return dict(element)
    raise AssertionError(f"no {action_id} element" + (f" for {domain}" if domain else ""))
