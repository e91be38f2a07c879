"""The one way Gapbot fetches a URL taken from data: polite and SSRF-safe.

Polite: a User-Agent that names Gapbot and who to contact, robots.txt honoured, at most
one request per host every few seconds. Safe: only http(s) on ports 80 and 443, and every
URL and redirect target is resolved once, refused if any of its addresses is not public,
and connected to the very address that was checked (no second DNS lookup to rebind).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from typing import Protocol

import httpx
from protego import Protego

from bot.config import Settings

log = logging.getLogger(__name__)

# The product token robots.txt groups are matched against (`User-agent: Gapbot`).
ROBOTS_NAME = "Gapbot"
MAX_REDIRECTS = 5
# At most one request per host this often; a robots.txt Crawl-delay may ask for more,
# which is honoured up to MAX_CRAWL_DELAY (a larger one would stall a check for minutes).
HOST_SPACING = 3.0
MAX_CRAWL_DELAY = 30.0
MAX_PAGE_BYTES = 5 * 1024 * 1024
# RFC 9309 2.5: crawlers must parse at least the first 500 KiB of a robots.txt.
MAX_ROBOTS_BYTES = 500 * 1024
ROBOTS_TTL = 3600.0
DEFAULT_PORTS = frozenset({80, 443})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the host's addresses as text; the fetcher's only way to look a name up.
Resolver = Callable[[str, int], list[str]]

# AWS, GCP and Azure answer on 169.254.169.254 (link-local anyway), AWS on IPv6 too (a
# unique-local address): named so that the refusal says what was at stake.
METADATA_ADDRESSES: frozenset[Address] = frozenset(
    {ipaddress.IPv4Address("169.254.169.254"), ipaddress.IPv6Address("fd00:ec2::254")}
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class FetchError(Exception):
    """A fetch that gave no page. `cause` is a short code for scripts; the message, one
    sentence for people. `final_url` and `redirects` tell how far the fetch got."""

    def __init__(self, reason: str, cause: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cause = cause
        self.final_url: str | None = None
        self.redirects: tuple[Redirect, ...] = ()


class FetchRefused(FetchError):
    """The URL or a redirect target is not allowed: scheme, port, credentials or address."""


class FetchFailed(FetchError):
    """The page could not be had: DNS, connection, timeout, TLS, robots.txt, size, redirects."""


@dataclass(frozen=True)
class Redirect:
    """One hop of a redirect chain: the URL asked for and the status that sent us on."""

    url: str
    status: int


@dataclass(frozen=True, eq=False)
class FetchedPage:
    """A response at the end of its redirect chain, its body read whole (within the cap)."""

    url: str
    final_url: str
    status: int
    headers: httpx.Headers
    body: bytes
    redirects: tuple[Redirect, ...] = ()


@dataclass(frozen=True)
class FetchPolicy:
    """What the fetcher may do. `allow_private` is for tests against a local server only:
    it lets loopback and private addresses through, on any port (never the metadata one)."""

    user_agent: str
    allow_private: bool = False
    ports: frozenset[int] = DEFAULT_PORTS
    # Per network operation (connect, each read), and for a whole body however it trickles.
    timeout: float = 10.0
    deadline: float = 30.0
    max_bytes: int = MAX_PAGE_BYTES

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(
            user_agent=user_agent(settings.contact_url),
            allow_private=settings.fetch_allow_private,
        )


def user_agent(contact_url: str) -> str:
    """`Gapbot/0.1.0 (+https://...)`: who we are and where to complain."""
    return f"{ROBOTS_NAME}/{version('gapbot')} (+{contact_url})"


def resolve(host: str, port: int) -> list[str]:
    """The system resolver's addresses for `host`, in its order of preference."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal_reason(address: Address) -> str | None:
    """Why Gapbot must not connect to `address`, or None for a public unicast address.

    An IPv6 address that carries an IPv4 one (IPv4-mapped, 6to4, NAT64) is judged by the
    IPv4 address too: the network would deliver it there. (NAT64 is refused whatever it
    carries, as ipaddress counts 64:ff9b::/96 reserved; the reason names what it carries.)
    """
    if address in METADATA_ADDRESSES:
        return "the cloud metadata address"
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        inner = refusal_reason(embedded)
        if inner is not None:
            return f"an IPv6 form of {embedded}, {inner}"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local):
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


class Gate(Protocol):
    """Where the fetcher takes its turn for each request to a host: the block runs the
    request, and the next turn starts `spacing` after it ended."""

    def turn(self, host: str, spacing: float | None = None) -> AbstractContextManager[None]: ...


class HostGate:
    """One request at a time per host, and `spacing` seconds from the end of one to the
    start of the next, across threads.

    A caller waits on its host's own lock, so waiting callers never hold up other hosts.
    Spacing from the end, not the start: a thread that stalls (a busy machine, a slow
    page) can never send its request on top of the next one. `clock` and `sleep` are
    injectable so tests measure the spacing without waiting for it.
    """

    # Past this many hosts, those whose turn has passed are forgotten.
    _PRUNE_AT = 10_000

    def __init__(
        self,
        spacing: float = HOST_SPACING,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.spacing = spacing
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._hosts: dict[str, threading.Lock] = {}

    @contextmanager
    def turn(self, host: str, spacing: float | None = None) -> Iterator[None]:
        gap = max(self.spacing, spacing or 0.0)
        with self._lock:
            host_lock = self._hosts.setdefault(host, threading.Lock())
        with host_lock:
            with self._lock:
                free_at = self._next.get(host, 0.0)
            now = self._clock()
            if free_at > now:
                self._sleep(free_at - now)
            try:
                yield
            finally:
                with self._lock:
                    self._next[host] = self._clock() + gap
                    if len(self._next) > self._PRUNE_AT:
                        self._prune()

    def _prune(self) -> None:
        """Forget the hosts whose turn has passed and that nobody waits for."""
        now = self._clock()
        self._next = {name: at for name, at in self._next.items() if at > now}
        self._hosts = {
            name: lock for name, lock in self._hosts.items() if name in self._next or lock.locked()
        }


# One gate for the whole process: every fetcher (CLI, scheduled checks, Slack workers)
# shares it, so two of them cannot hit one host together.
_PROCESS_GATE = HostGate()


@dataclass(frozen=True)
class _RobotsEntry:
    rules: Protego
    expires: float
    # Set when the rules stand in for a robots.txt the server failed to give: the reason
    # a page it keeps out is refused with.
    note: str = ""


class _RobotsCache:
    """Parsed robots.txt per origin (RFC 9309: scheme, host and port), kept ROBOTS_TTL."""

    # Past this many origins, the expired ones are forgotten.
    _PRUNE_AT = 10_000

    def __init__(self, clock: Callable[[], float], ttl: float = ROBOTS_TTL) -> None:
        self._clock = clock
        self._ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[str, _RobotsEntry] = {}
        # One per origin, so that threads asking for the same new origin load it once.
        self._loading: dict[str, threading.Lock] = {}

    def get(self, origin: str, load: Callable[[], tuple[Protego, str]]) -> _RobotsEntry:
        """The origin's rules, loaded with `load` when missing or expired."""
        with self._lock:
            loading = self._loading.setdefault(origin, threading.Lock())
        with loading:
            with self._lock:
                entry = self._entries.get(origin)
            if entry is not None and entry.expires > self._clock():
                return entry
            rules, note = load()
            entry = _RobotsEntry(rules, self._clock() + self._ttl, note)
            with self._lock:
                self._entries[origin] = entry
                if len(self._entries) > self._PRUNE_AT:
                    self._prune()
            return entry

    def _prune(self) -> None:
        now = self._clock()
        self._entries = {key: kept for key, kept in self._entries.items() if kept.expires > now}
        self._loading = {key: lock for key, lock in self._loading.items() if key in self._entries}


_ALLOW_ALL = "User-agent: *\nAllow: /\n"
_DISALLOW_ALL = "User-agent: *\nDisallow: /\n"


@dataclass(frozen=True)
class _Target:
    """A URL that passed the checks, with the address its connection must go to."""

    url: httpx.URL
    host: str  # ASCII (IDNA) form, as sent in Host and SNI
    port: int
    address: Address

    @property
    def origin(self) -> str:
        return f"{self.url.scheme}://{self.url.netloc.decode('ascii')}"


@dataclass(frozen=True, eq=False)
class _Response:
    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool


class _Lookups:
    """One fetch's DNS answers: each host is looked up once, its addresses checked once,
    and every connection of the fetch (robots.txt, redirects back to it) uses that answer."""

    def __init__(self, resolver: Resolver, policy: FetchPolicy) -> None:
        self._resolver = resolver
        self._policy = policy
        self._addresses: dict[str, Address] = {}

    def address(self, host: str, port: int) -> Address:
        if host not in self._addresses:
            self._addresses[host] = self._checked(host, self._lookup(host, port))
        return self._addresses[host]

    def _lookup(self, host: str, port: int) -> list[Address]:
        literal = _as_address(host)
        if literal is not None:
            return [literal]
        try:
            answers = [ipaddress.ip_address(text) for text in self._resolver(host, port)]
        except (OSError, UnicodeError, ValueError):
            answers = []
        if not answers:
            raise FetchFailed(f"{host} could not be resolved to an address", "dns")
        return answers

    def _checked(self, host: str, addresses: list[Address]) -> Address:
        for address in addresses:
            reason = refusal_reason(address)
            if reason is None or (self._policy.allow_private and address not in METADATA_ADDRESSES):
                continue
            literal = _as_address(host) is not None
            said = f"{host} is" if literal else f"{host} resolves to {address},"
            raise FetchRefused(f"{said} {reason}, which Gapbot never fetches", "address")
        return addresses[0]


def _as_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


class Fetcher:
    """GETs pages for Gapbot; see the module's docstring for the rules it keeps.

    `resolver`, `gate` and `clock` are injectable; by default the fetcher uses the system
    resolver and the process-wide politeness gate (bot.store.hosts shares one between
    processes).
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        resolver: Resolver = resolve,
        gate: Gate | None = None,
        clock: Callable[[], float] = time.monotonic,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.policy = policy
        self._resolver = resolver
        self._gate: Gate = gate or _PROCESS_GATE
        self._robots = _RobotsCache(clock)
        if policy.allow_private:
            log.warning(
                "GAPBOT_FETCH_ALLOW_PRIVATE is on: pages may be fetched from loopback and"
                " private addresses on any port. It is for tests only."
            )
        self._client = httpx.Client(
            headers={
                "User-Agent": policy.user_agent,
                "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            },
            timeout=policy.timeout,
            verify=verify,
            follow_redirects=False,
            # Proxies from the environment would look the name up again, beyond our checks.
            trust_env=False,
            # A kept connection is keyed by address, not name: reusing one for another
            # host on the same address would skip that host's TLS check. Politeness
            # spaces requests by seconds, so keep-alive would gain nothing anyway.
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Fetcher:
        return cls(FetchPolicy.from_settings(settings))

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str) -> FetchedPage:
        """GET `url`, following up to MAX_REDIRECTS redirects, each hop checked and allowed
        by its site's robots.txt. Raises FetchRefused or FetchFailed; an HTTP error status
        is a page like any other (the caller judges it)."""
        return self._follow(url, _Lookups(self._resolver, self.policy), robots_txt=False)

    def _follow(self, url: str, lookups: _Lookups, *, robots_txt: bool) -> FetchedPage:
        """Fetch a page, or with `robots_txt` a robots.txt: that one is not subject to
        itself, and past its size cap it is cut rather than refused (RFC 9309 2.5)."""
        redirects: list[Redirect] = []
        current = url
        limit = MAX_ROBOTS_BYTES if robots_txt else self.policy.max_bytes
        try:
            while True:
                target = self._target(current, lookups)
                spacing = None if robots_txt else self._robots_spacing(target, lookups)
                response = self._get(target, limit, spacing)
                location = response.headers.get("location")
                if response.status not in REDIRECT_STATUSES or not location:
                    if response.truncated and not robots_txt:
                        raise FetchFailed(
                            f"the page is larger than {_size(limit)}, where Gapbot stops reading",
                            "too_large",
                        )
                    return FetchedPage(
                        url=url,
                        final_url=current,
                        status=response.status,
                        headers=response.headers,
                        body=response.body,
                        redirects=tuple(redirects),
                    )
                redirects.append(Redirect(current, response.status))
                if len(redirects) > MAX_REDIRECTS:
                    raise FetchFailed(
                        f"more than {MAX_REDIRECTS} redirects, where Gapbot stops following",
                        "redirects",
                    )
                current = _joined(current, location)
        except FetchError as error:
            error.final_url, error.redirects = current, tuple(redirects)
            raise

    def _target(self, url: str, lookups: _Lookups) -> _Target:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as error:
            raise FetchRefused(f"{url!r} is not a valid URL ({error})", "url") from None
        if parsed.scheme not in ("http", "https"):
            raise FetchRefused(
                f"{url} is not an http or https URL, the only kinds Gapbot fetches", "scheme"
            )
        if parsed.userinfo:
            raise FetchRefused(f"{parsed.host} is given with a user name or password", "url")
        if not parsed.host:
            raise FetchRefused(f"{url} has no host name", "url")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        if port not in self.policy.ports and not self.policy.allow_private:
            allowed = " and ".join(str(number) for number in sorted(self.policy.ports))
            raise FetchRefused(f"port {port} is not allowed (only {allowed})", "port")
        host = parsed.raw_host.decode("ascii")
        return _Target(parsed, host, port, lookups.address(host, port))

    def _robots_spacing(self, target: _Target, lookups: _Lookups) -> float:
        """Raise FetchFailed unless the origin's robots.txt lets Gapbot fetch the target;
        return the spacing it asks for (its Crawl-delay, capped)."""
        entry = self._robots.get(target.origin, lambda: self._load_robots(target, lookups))
        if not entry.rules.can_fetch(str(target.url), ROBOTS_NAME):
            path = target.url.raw_path.decode("ascii")
            reason = entry.note or f"{target.origin}/robots.txt does not let Gapbot fetch {path}"
            raise FetchFailed(reason, "robots")
        return min(entry.rules.crawl_delay(ROBOTS_NAME) or 0.0, MAX_CRAWL_DELAY)

    def _load_robots(self, target: _Target, lookups: _Lookups) -> tuple[Protego, str]:
        """RFC 9309 2.3.1: a robots.txt that is missing (4xx) or lost in redirects sets no
        rules; one the server fails to give (5xx, 429) means keep out for now. A network
        failure is raised as it is: the page, on the same server, would not load either,
        and nothing is cached, so the next fetch asks again."""
        address = f"{target.origin}/robots.txt"
        try:
            page = self._follow(address, lookups, robots_txt=True)
        except FetchFailed as error:
            if error.cause != "redirects":
                raise
            return Protego.parse(_ALLOW_ALL), ""
        if page.status >= 500 or page.status == 429:
            return Protego.parse(_DISALLOW_ALL), (
                f"{address} answered HTTP {page.status}, which means keep out for now"
            )
        if page.status >= 400:
            return Protego.parse(_ALLOW_ALL), ""
        return Protego.parse(page.body.decode("utf-8", errors="replace")), ""

    def _get(self, target: _Target, limit: int, spacing: float | None) -> _Response:
        """One GET, on a connection to the checked address (the URL carries the address;
        Host and TLS, server name and certificate check alike, carry the name)."""
        pinned = target.url.copy_with(host=str(target.address))
        default_port = 443 if target.url.scheme == "https" else 80
        host = f"[{target.host}]" if ":" in target.host else target.host
        headers = {"Host": host if target.port == default_port else f"{host}:{target.port}"}
        extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
        try:
            with (
                self._gate.turn(target.host, spacing),
                self._client.stream(
                    "GET", pinned, headers=headers, extensions=extensions
                ) as response,
            ):
                if response.status_code in REDIRECT_STATUSES:
                    return _Response(response.status_code, response.headers, b"", False)
                body, truncated = self._read(response, limit)
                return _Response(response.status_code, response.headers, body, truncated)
        except httpx.TimeoutException:
            raise FetchFailed(f"{target.url} timed out", "timeout") from None
        except httpx.HTTPError as error:
            reason = str(error) or type(error).__name__
            raise FetchFailed(
                f"{target.url} could not be fetched ({reason})", "connection"
            ) from None

    def _read(self, response: httpx.Response, limit: int) -> tuple[bytes, bool]:
        """The body, decompressed, up to `limit` bytes: past it we stop reading (and say so)."""
        deadline = time.monotonic() + self.policy.deadline
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                return b"".join(chunks)[:limit], True
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the body took too long", request=response.request)
        return b"".join(chunks), False


def _joined(base: str, location: str) -> str:
    try:
        return str(httpx.URL(base).join(location))
    except httpx.InvalidURL as error:
        raise FetchRefused(
            f"the redirect to {location!r} is not a valid URL ({error})", "url"
        ) from None


def _size(count: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count >= scale and count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count:,} bytes"
