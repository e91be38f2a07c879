"""The page fetcher (bot/fetch.py): polite, and unable to reach what it must not.

The refusal tests run with the network locked (`wire`): the system resolver refuses
names and any socket connect raises, except to a stand-in public address that the test
diverts to its own local server. A guard that regressed would fail loudly, never send a
packet.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version

import pytest
import trustme
from hypothesis import given
from hypothesis import strategies as st
from page_server import Page, PageServer, redirect

from bot.config import Settings
from bot.fetch import (
    Address,
    Fetcher,
    FetchFailed,
    FetchPolicy,
    FetchRefused,
    HostGate,
    Redirect,
    refusal_reason,
    resolve,
    user_agent,
)

UA = "Gapbot/test (+https://contact.example/bot)"
# Tests reach their local server only because of this (GAPBOT_FETCH_ALLOW_PRIVATE).
LOCAL = FetchPolicy(user_agent=UA, allow_private=True)
GUARDED = FetchPolicy(user_agent=UA)
# A stand-in for a public web server's address. Never contacted: `wire` diverts every
# connection to it to the test's own server on 127.0.0.1.
PUBLIC = "93.184.215.14"


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as running:
        yield running


def local_fetcher(clock: FakeClock, policy: FetchPolicy = LOCAL, **kwargs: object) -> Fetcher:
    gate = HostGate(clock=clock, sleep=clock.sleep)
    return Fetcher(policy, gate=gate, clock=clock, **kwargs)  # type: ignore[arg-type]


@dataclass
class Wire:
    """The locked network: `connects` lists every connect attempted; `diverts` maps an
    (address, port) to the local port that answers for it."""

    connects: list[tuple[str, int]] = field(default_factory=list)
    diverts: dict[tuple[str, int], int] = field(default_factory=dict)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    locked = Wire()
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: tuple[str, int]) -> None:
        host, port = address[0], address[1]
        locked.connects.append((host, port))
        if (host, port) not in locked.diverts:
            raise AssertionError(f"the fetcher tried to connect to {host} port {port}")
        real_connect(self, ("127.0.0.1", locked.diverts[host, port]))

    def getaddrinfo(host: str, *args: object, **kwargs: object) -> object:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise AssertionError(f"{host} was looked up by the system resolver") from None
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return locked


class Resolver:
    """DNS as a test wants it: each host's answers in turn (the last one repeats)."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(f"{host}: no such name")
        turns = self.answers[host]
        return turns[min(len(self.asked_for(host)), len(turns)) - 1]

    def asked_for(self, host: str) -> list[str]:
        return [name for name in self.asked if name == host]


def never_resolve(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} should not have been looked up")


# -- politeness: User-Agent, robots.txt, one request per host every few seconds -------------


def test_robots_txt_is_read_first_and_every_request_names_gapbot(
    server: PageServer, clock: FakeClock
) -> None:
    server.pages["/post"] = Page(b"<p>hello</p>")
    with local_fetcher(clock) as fetcher:
        page = fetcher.fetch(server.url("/post"))
    assert (page.status, page.body, page.final_url) == (200, b"<p>hello</p>", server.url("/post"))
    assert server.paths == ["/robots.txt", "/post"]
    assert {seen.headers["User-Agent"] for seen in server.requests} == {UA}
    assert {seen.headers["Host"] for seen in server.requests} == {f"127.0.0.1:{server.port}"}


def test_the_user_agent_names_gapbot_its_version_and_the_contact_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GAPBOT_CONTACT_URL", "https://contact.example/bot")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    expected = f"Gapbot/{version('gapbot')} (+https://contact.example/bot)"
    assert FetchPolicy.from_settings(settings).user_agent == expected
    assert user_agent("https://contact.example/bot") == expected


def test_robots_txt_that_disallows_the_page_stops_the_fetch(
    server: PageServer, clock: FakeClock
) -> None:
    server.pages["/robots.txt"] = Page(
        b"User-agent: OtherBot\nDisallow: /\n\nUser-agent: Gapbot\nDisallow: /private/\n",
        content_type="text/plain",
    )
    server.pages["/private/post"] = Page(b"secret")
    server.pages["/public"] = Page(b"open")
    with local_fetcher(clock) as fetcher:
        with pytest.raises(FetchFailed) as refused:
            fetcher.fetch(server.url("/private/post"))
        assert fetcher.fetch(server.url("/public")).body == b"open"
    origin = f"http://127.0.0.1:{server.port}"
    assert refused.value.cause == "robots"
    assert str(refused.value) == f"{origin}/robots.txt does not let Gapbot fetch /private/post"
    assert server.paths == ["/robots.txt", "/public"]


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(404, True), (401, True), (403, True), (500, False), (503, False), (429, False)],
)
def test_robots_txt_missing_sets_no_rules_and_unreachable_keeps_out(
    server: PageServer, clock: FakeClock, status: int, allowed: bool
) -> None:
    # RFC 9309 2.3.1.3 and 2.3.1.4.
    server.pages["/robots.txt"] = Page(b"oops", status=status)
    server.pages["/post"] = Page(b"ok")
    with local_fetcher(clock) as fetcher:
        if allowed:
            assert fetcher.fetch(server.url("/post")).status == 200
            assert server.paths == ["/robots.txt", "/post"]
            return
        with pytest.raises(FetchFailed) as kept_out:
            fetcher.fetch(server.url("/post"))
    assert kept_out.value.cause == "robots"
    assert str(kept_out.value) == (
        f"http://127.0.0.1:{server.port}/robots.txt answered HTTP {status},"
        " which means keep out for now"
    )
    assert server.paths == ["/robots.txt"]


def test_robots_txt_is_cached_per_site_for_an_hour(server: PageServer, clock: FakeClock) -> None:
    server.pages["/post"] = Page(b"ok")
    with local_fetcher(clock) as fetcher:
        fetcher.fetch(server.url("/post"))
        fetcher.fetch(server.url("/post"))
        clock.now += 3600
        fetcher.fetch(server.url("/post"))
    assert server.paths == ["/robots.txt", "/post", "/post", "/robots.txt", "/post"]


def test_two_fetches_of_one_host_are_spaced_by_three_seconds(
    server: PageServer, clock: FakeClock
) -> None:
    server.pages["/a"] = Page(b"a")
    server.pages["/b"] = Page(b"b")
    with local_fetcher(clock) as fetcher:
        fetcher.fetch(server.url("/a"))  # robots.txt now, /a three seconds later
        fetcher.fetch(server.url("/b"))  # three seconds after /a
    assert clock.sleeps == [3.0, 3.0]


@pytest.mark.parametrize(("delay", "waited"), [("10", 10.0), ("1", 3.0), ("600", 30.0)])
def test_a_crawl_delay_above_three_seconds_is_honoured_up_to_thirty(
    server: PageServer, clock: FakeClock, delay: str, waited: float
) -> None:
    server.pages["/robots.txt"] = Page(f"User-agent: *\nCrawl-delay: {delay}\n".encode())
    server.pages["/a"] = Page(b"a")
    with local_fetcher(clock) as fetcher:
        fetcher.fetch(server.url("/a"))
        fetcher.fetch(server.url("/a"))
    assert clock.sleeps == [3.0, waited]


def test_the_gate_spaces_each_host_on_its_own() -> None:
    clock = FakeClock()
    gate = HostGate(clock=clock, sleep=clock.sleep)
    for host in ("a.example", "b.example", "a.example"):
        with gate.turn(host):
            pass
    clock.now += 10
    with gate.turn("a.example"):
        pass
    assert clock.sleeps == [3.0]


def test_the_gate_lets_one_thread_at_a_time_and_spaces_from_the_end_of_each() -> None:
    clock = FakeClock()
    lock = threading.Lock()
    turns: list[tuple[float, float]] = []

    def request() -> None:
        with gate.turn("a.example"):
            began = clock.now
            clock.sleep(1.0)  # a slow page: the next one waits 3 s after it ends
            with lock:
                turns.append((began, clock.now))

    gate = HostGate(clock=clock, sleep=clock.sleep)
    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    turns.sort()
    assert [began for began, _ in turns] == [1000.0 + 4.0 * n for n in range(8)]


def test_the_gate_forgets_hosts_whose_turn_has_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(HostGate, "_PRUNE_AT", 3)
    clock = FakeClock()
    gate = HostGate(clock=clock, sleep=clock.sleep)
    for host in ("a.example", "b.example", "c.example"):
        with gate.turn(host):
            pass
    clock.now += 10
    with gate.turn("d.example"):  # the fourth host: a, b and c are past their turn
        pass
    assert list(gate._next) == ["d.example"] and list(gate._hosts) == ["d.example"]
    with gate.turn("d.example"):
        pass
    assert clock.sleeps == [3.0]


def test_robots_txt_of_sites_not_asked_for_an_hour_is_forgotten(
    server: PageServer, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.fetch._RobotsCache._PRUNE_AT", 1)
    server.pages["/post"] = Page(b"ok")
    resolver = Resolver({"blog.test": [["127.0.0.1"]]})
    with local_fetcher(clock, resolver=resolver) as fetcher:
        fetcher.fetch(server.url("/post"))
        clock.now += 3600
        fetcher.fetch(f"http://blog.test:{server.port}/post")  # a second origin
        assert list(fetcher._robots._entries) == [f"http://blog.test:{server.port}"]


def test_allowing_private_addresses_is_logged_as_tests_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.fetch"):
        Fetcher(LOCAL).close()
        Fetcher(GUARDED).close()
    assert [record.getMessage() for record in caplog.records] == [
        "GAPBOT_FETCH_ALLOW_PRIVATE is on: pages may be fetched from loopback and private"
        " addresses on any port. It is for tests only."
    ]


# -- limits: size, redirects, time -----------------------------------------------------------


def test_a_body_over_the_cap_is_not_read_past_it(server: PageServer, clock: FakeClock) -> None:
    server.pages["/fits"] = Page(b"x" * 1000)
    server.pages["/big"] = Page(b"x" * 1001)
    # 64 MiB with no Content-Length: only reading tells the size.
    server.pages["/endless"] = Page(b"y" * 65536 for _ in range(1024))
    with local_fetcher(clock, FetchPolicy(user_agent=UA, allow_private=True, max_bytes=1000)) as f:
        assert len(f.fetch(server.url("/fits")).body) == 1000
        for path in ("/big", "/endless"):
            with pytest.raises(FetchFailed) as too_large:
                f.fetch(server.url(path))
            assert too_large.value.cause == "too_large"
            assert str(too_large.value) == (
                "the page is larger than 1,000 bytes, where Gapbot stops reading"
            )
    # The socket buffers hold a few MiB: far fewer chunks than the 1,024 there were.
    assert server.chunks_sent < 256


def test_five_redirects_are_followed_and_each_hop_is_kept(
    server: PageServer, clock: FakeClock
) -> None:
    for hop in range(5):
        server.pages[f"/r{hop}"] = redirect(301 if hop % 2 else 302, f"/r{hop + 1}")
    server.pages["/r5"] = Page(b"arrived")
    with local_fetcher(clock) as fetcher:
        page = fetcher.fetch(server.url("/r0"))
    assert (page.url, page.final_url, page.body) == (
        server.url("/r0"),
        server.url("/r5"),
        b"arrived",
    )
    assert page.redirects == (
        Redirect(server.url("/r0"), 302),
        Redirect(server.url("/r1"), 301),
        Redirect(server.url("/r2"), 302),
        Redirect(server.url("/r3"), 301),
        Redirect(server.url("/r4"), 302),
    )


def test_a_sixth_redirect_is_not_followed(server: PageServer, clock: FakeClock) -> None:
    for hop in range(6):
        server.pages[f"/r{hop}"] = redirect(307, server.url(f"/r{hop + 1}"))
    server.pages["/r6"] = Page(b"too far")
    with local_fetcher(clock) as fetcher, pytest.raises(FetchFailed) as lost:
        fetcher.fetch(server.url("/r0"))
    assert lost.value.cause == "redirects"
    assert str(lost.value) == "more than 5 redirects, where Gapbot stops following"
    assert lost.value.final_url == server.url("/r5")
    assert [hop.url for hop in lost.value.redirects] == [server.url(f"/r{n}") for n in range(6)]
    assert "/r6" not in server.paths


def test_a_server_that_stops_answering_times_out(server: PageServer, clock: FakeClock) -> None:
    release = threading.Event()

    def stalled() -> Iterator[bytes]:
        yield b"<p>the start"
        release.wait(10)

    server.pages["/robots.txt"] = Page(b"User-agent: *\nAllow: /\n", content_type="text/plain")
    server.pages["/slow"] = Page(stalled())
    policy = FetchPolicy(user_agent=UA, allow_private=True, timeout=0.2)
    try:
        with local_fetcher(clock, policy) as fetcher, pytest.raises(FetchFailed) as late:
            fetcher.fetch(server.url("/slow"))
    finally:
        release.set()
    assert late.value.cause == "timeout"
    assert str(late.value) == f"{server.url('/slow')} timed out"


def test_a_body_that_trickles_past_the_deadline_times_out(
    server: PageServer, clock: FakeClock
) -> None:
    release = threading.Event()

    def trickle() -> Iterator[bytes]:
        while not release.wait(0.05):
            yield b"."

    server.pages["/trickle"] = Page(trickle())
    policy = FetchPolicy(user_agent=UA, allow_private=True, timeout=5, deadline=0.3)
    try:
        with local_fetcher(clock, policy) as fetcher, pytest.raises(FetchFailed) as late:
            fetcher.fetch(server.url("/trickle"))
    finally:
        release.set()
    assert late.value.cause == "timeout"


# -- refusals --------------------------------------------------------------------------------

FORBIDDEN = [
    ("10.1.2.3", "a private address"),
    ("172.16.0.1", "a private address"),
    ("192.168.1.1", "a private address"),
    ("127.0.0.1", "a loopback address"),
    ("127.8.9.10", "a loopback address"),
    ("::1", "a loopback address"),
    ("fe80::1", "a link-local address"),
    ("169.254.1.1", "a link-local address"),
    ("169.254.169.254", "the cloud metadata address"),
    ("fd00:ec2::254", "the cloud metadata address"),
    ("fc00::1", "a private address"),
    ("fec0::1", "a private address"),
    ("::ffff:10.0.0.1", "an IPv6 form of 10.0.0.1, a private address"),
    ("::ffff:127.0.0.1", "an IPv6 form of 127.0.0.1, a loopback address"),
    ("2002:c0a8:101::1", "an IPv6 form of 192.168.1.1, a private address"),
    ("64:ff9b::a9fe:a9fe", "an IPv6 form of 169.254.169.254, the cloud metadata address"),
    ("224.0.0.1", "a multicast address"),
    ("ff02::1", "a multicast address"),
    ("0.0.0.0", "the unspecified address"),
    ("::", "the unspecified address"),
    ("240.0.0.1", "a reserved address"),
    ("255.255.255.255", "a reserved address"),
    ("100.64.0.1", "not a public address"),
]


@pytest.mark.parametrize(("address", "reason"), FORBIDDEN)
def test_a_name_that_resolves_to_a_forbidden_address_is_refused_unconnected(
    wire: Wire, clock: FakeClock, address: str, reason: str
) -> None:
    resolver = Resolver({"sneaky.example": [[address]]})
    with (
        local_fetcher(clock, GUARDED, resolver=resolver) as fetcher,
        pytest.raises(FetchRefused) as refused,
    ):
        fetcher.fetch("http://sneaky.example/page")
    shown = ipaddress.ip_address(address)
    assert str(refused.value) == (
        f"sneaky.example resolves to {shown}, {reason}, which Gapbot never fetches"
    )
    assert refused.value.cause == "address"
    assert wire.connects == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address, which Gapbot never fetches"),
        ("http://[::1]/", "::1 is a loopback address, which Gapbot never fetches"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 is the cloud metadata address, which Gapbot never fetches",
        ),
        (
            "https://[::ffff:10.0.0.1]/",
            "::ffff:10.0.0.1 is an IPv6 form of 10.0.0.1, a private address,"
            " which Gapbot never fetches",
        ),
        ("http://0.0.0.0/", "0.0.0.0 is the unspecified address, which Gapbot never fetches"),
    ],
)
def test_an_address_in_the_url_is_checked_the_same_way(
    wire: Wire, clock: FakeClock, url: str, message: str
) -> None:
    with (
        local_fetcher(clock, GUARDED, resolver=never_resolve) as fetcher,
        pytest.raises(FetchRefused) as refused,
    ):
        fetcher.fetch(url)
    assert str(refused.value) == message
    assert wire.connects == []


def test_one_forbidden_address_among_public_ones_refuses_the_name(
    wire: Wire, clock: FakeClock
) -> None:
    resolver = Resolver({"mixed.example": [[PUBLIC, "10.0.0.1"]]})
    with (
        local_fetcher(clock, GUARDED, resolver=resolver) as fetcher,
        pytest.raises(FetchRefused, match=r"resolves to 10\.0\.0\.1, a private address"),
    ):
        fetcher.fetch("https://mixed.example/")
    assert wire.connects == []


def test_the_test_only_setting_never_opens_the_metadata_address(
    wire: Wire, clock: FakeClock
) -> None:
    resolver = Resolver({"metadata.example": [["169.254.169.254"]]})
    with (
        local_fetcher(clock, LOCAL, resolver=resolver) as fetcher,
        pytest.raises(FetchRefused, match="the cloud metadata address"),
    ):
        fetcher.fetch("http://metadata.example/latest/meta-data/")
    assert wire.connects == []


@pytest.mark.parametrize(
    ("url", "cause", "message"),
    [
        (
            "ftp://files.example/a.txt",
            "scheme",
            "ftp://files.example/a.txt is not an http or https URL, the only kinds Gapbot fetches",
        ),
        (
            "file:///etc/passwd",
            "scheme",
            "file:///etc/passwd is not an http or https URL, the only kinds Gapbot fetches",
        ),
        ("http://blog.example:8080/", "port", "port 8080 is not allowed (only 80 and 443)"),
        ("https://blog.example:22/", "port", "port 22 is not allowed (only 80 and 443)"),
        (
            "http://admin:secret@blog.example/",
            "url",
            "blog.example is given with a user name or password",
        ),
    ],
)
def test_only_http_and_https_on_ports_80_and_443(
    wire: Wire, clock: FakeClock, url: str, cause: str, message: str
) -> None:
    with (
        local_fetcher(clock, GUARDED, resolver=never_resolve) as fetcher,
        pytest.raises(FetchRefused) as refused,
    ):
        fetcher.fetch(url)
    assert (refused.value.cause, str(refused.value)) == (cause, message)
    assert wire.connects == []


@pytest.fixture
def public_server(wire: Wire, server: PageServer) -> PageServer:
    """The local server standing in for PUBLIC port 80: `public.example` resolves there."""
    wire.diverts[PUBLIC, 80] = server.port
    return server


def redirect_targets(port: int) -> list[tuple[str, str]]:
    return [
        ("http://127.0.0.1/admin", "127.0.0.1 is a loopback address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud metadata"),
        ("http://internal.example/", "internal.example resolves to 10.0.0.7, a private address"),
        # Even the test server's own port, by its loopback address: refused for the port.
        (f"http://127.0.0.1:{port}/robots.txt", f"port {port} is not allowed"),
    ]


def test_a_redirect_to_a_forbidden_target_is_refused_before_connecting(
    public_server: PageServer, wire: Wire, clock: FakeClock
) -> None:
    resolver = Resolver({"public.example": [[PUBLIC]], "internal.example": [["10.0.0.7"]]})
    for target, message in redirect_targets(public_server.port):
        public_server.pages["/start"] = redirect(302, target)
        wire.connects.clear()
        with (
            local_fetcher(clock, GUARDED, resolver=resolver) as fetcher,
            pytest.raises(FetchRefused) as refused,
        ):
            fetcher.fetch("http://public.example/start")
        assert str(refused.value).startswith(message), target
        assert refused.value.redirects == (Redirect("http://public.example/start", 302),)
        assert refused.value.final_url == target
        # robots.txt and /start, both from the (diverted) public address; nothing else.
        assert wire.connects == [(PUBLIC, 80), (PUBLIC, 80)], target
    assert {seen.headers["Host"] for seen in public_server.requests} == {"public.example"}


def test_a_name_is_looked_up_once_and_the_connection_goes_to_that_answer(
    public_server: PageServer, wire: Wire, clock: FakeClock
) -> None:
    # DNS rebinding: a public answer for the check, a private one right after.
    resolver = Resolver({"rebind.example": [[PUBLIC], ["10.0.0.1"]]})
    public_server.pages["/a"] = redirect(301, "/b")
    public_server.pages["/b"] = Page(b"fine")
    with local_fetcher(clock, GUARDED, resolver=resolver) as fetcher:
        page = fetcher.fetch("http://rebind.example/a")
        assert (page.final_url, page.body) == ("http://rebind.example/b", b"fine")
        # robots.txt, /a and /b: one lookup, three connections to the checked address.
        assert resolver.asked == ["rebind.example"]
        assert wire.connects == [(PUBLIC, 80)] * 3
        # A later fetch looks the name up again, and the new answer is checked.
        with pytest.raises(FetchRefused, match=r"rebind\.example resolves to 10\.0\.0\.1"):
            fetcher.fetch("http://rebind.example/b")
    assert wire.connects == [(PUBLIC, 80)] * 3


@pytest.fixture(scope="module")
def tls_ca() -> trustme.CA:
    return trustme.CA()


def test_tls_goes_to_the_checked_address_and_is_verified_against_the_name(
    wire: Wire, clock: FakeClock, tls_ca: trustme.CA
) -> None:
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("public.example").configure_cert(server_tls)
    names: list[str | None] = []
    server_tls.sni_callback = lambda conn, name, context: names.append(name)
    client_tls = ssl.create_default_context()
    tls_ca.configure_trust(client_tls)
    resolver = Resolver({"public.example": [[PUBLIC]], "impostor.example": [[PUBLIC]]})
    with PageServer(tls=server_tls) as server:
        server.pages["/post"] = Page(b"secure")
        wire.diverts[PUBLIC, 443] = server.port
        with local_fetcher(clock, GUARDED, resolver=resolver, verify=client_tls) as fetcher:
            assert fetcher.fetch("https://public.example/post").body == b"secure"
            with pytest.raises(FetchFailed) as mismatch:
                fetcher.fetch("https://impostor.example/post")
    assert names == ["public.example", "public.example", "impostor.example"]
    assert mismatch.value.cause == "connection"
    assert "certificate is not valid for 'impostor.example'" in str(mismatch.value)
    assert server.paths == ["/robots.txt", "/post"]


def test_the_system_resolver_gives_addresses_as_text() -> None:
    assert resolve("127.0.0.1", 80) == ["127.0.0.1"]


def test_a_name_that_does_not_resolve_is_unreachable_not_refused(
    wire: Wire, clock: FakeClock
) -> None:
    with (
        local_fetcher(clock, GUARDED, resolver=Resolver({})) as fetcher,
        pytest.raises(FetchFailed) as unknown,
    ):
        fetcher.fetch("https://gone.example/")
    assert (unknown.value.cause, str(unknown.value)) == (
        "dns",
        "gone.example could not be resolved to an address",
    )


# -- the address rule against ipaddress's own properties --------------------------------------

METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


def not_public(address: Address) -> bool:
    """SPEC 4.2's list, in ipaddress's words, for an address and any IPv4 one it carries."""
    special = (
        address in METADATA
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )
    if isinstance(address, ipaddress.IPv4Address):
        return special
    carried = address.ipv4_mapped or address.sixtofour
    return special or address.is_site_local or (carried is not None and not_public(carried))


def as_6to4(v4: ipaddress.IPv4Address) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address((0x2002 << 112) | (int(v4) << 80) | 1)


def as_mapped(v4: ipaddress.IPv4Address) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address((0xFFFF << 32) | int(v4))


ipv4 = st.ip_addresses(v=4)
addresses: st.SearchStrategy[Address] = st.one_of(
    ipv4,
    st.ip_addresses(v=6),
    st.ip_addresses(network="2000::/3"),  # where the public IPv6 addresses are
    ipv4.map(as_6to4),
    ipv4.map(as_mapped),
    st.sampled_from(sorted(METADATA, key=str)),
)


@given(addresses)
def test_an_address_is_refused_exactly_when_it_is_not_public(address: Address) -> None:
    assert (refusal_reason(address) is not None) == not_public(address)


@pytest.mark.parametrize("address", [PUBLIC, "2606:4700::1111", "2002:5db8:d70e::1", "8.8.8.8"])
def test_public_addresses_are_fetched(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None
