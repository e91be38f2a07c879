"""Addresses in text (bot/contacts/addresses.py): every way pages write them, prose that is
not one, the syntax check, and what DNS says of the MX."""

from __future__ import annotations

import dns.resolver
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.contacts.addresses import MxStatus, addresses_in, mx_status, valid_address
from bot.domains import DomainError, fold_domain, under_known_suffix
from bot.outreach.checks import is_valid_email

OWN = "gartenblog.de"


def found(text: str, own_domain: str | None = OWN) -> list[tuple[str, bool]]:
    return [(item.address, item.obfuscated) for item in addresses_in(text, own_domain)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Schreib an anna@gartenblog.de!", ("anna@gartenblog.de", False)),
        ("Anna.Berg@Gartenblog.DE", ("anna.berg@gartenblog.de", False)),
        ("jane [at] news-site [dot] co [dot] uk", ("jane@news-site.co.uk", True)),
        ("jane(at)news-site.com", ("jane@news-site.com", True)),
        ("jane (at) news-site (dot) com", ("jane@news-site.com", True)),
        ("jane{at}news-site{dot}com", ("jane@news-site.com", True)),
        ("jane [@] news-site [.] com", ("jane@news-site.com", True)),
        ("redaktion (ät) gartenblog (punkt) de", ("redaktion@gartenblog.de", True)),
        ("jane @ news-site.com", ("jane@news-site.com", False)),
        ("hola arroba revista punto es", None),  # bare words, another domain
        ("anna at gartenblog dot de", ("anna@gartenblog.de", True)),
        ("anna dot berg at gartenblog dot de", ("anna.berg@gartenblog.de", True)),
        ("Mail: jane@news-site.com.Then we wrote", ("jane@news-site.com", False)),
        ("büro@gartenblog.de", None),  # a non-ASCII local part is not a draft's address
        ("anna@münchen-blog.de", ("anna@xn--mnchen-blog-thb.de", False)),
    ],
)
def test_each_way_of_writing_an_address(text: str, expected: tuple[str, bool] | None) -> None:
    assert found(text) == ([expected] if expected else [])


@pytest.mark.parametrize(
    "text",
    [
        "Find us at gartenblog.de or look at this dot com.",
        "We met at the conference, dot com boom and all.",
        "Follow us @gartenblog.de and @anna",
        "the logo@2x.png sprite and icon@3x.webp",
        "you@example.com or name@yourdomain.com",
        "Preise: 3 @ 5 EUR, 10 @ 12 EUR",
        "email me at anna dot berg at gmail dot com",  # bare words naming another domain
        "user@localhost and root@server",
    ],
)
def test_prose_and_placeholders_are_not_addresses(text: str) -> None:
    assert found(text) == []


def test_addresses_come_in_order_with_their_place_in_the_text() -> None:
    text = "Presse: presse@gartenblog.de, Redaktion: anna [at] gartenblog [dot] de"
    first, second = addresses_in(text, OWN)
    assert (first.address, second.address) == ("presse@gartenblog.de", "anna@gartenblog.de")
    assert text[first.start : first.end] == "presse@gartenblog.de"
    assert text[second.start : second.end] == "anna [at] gartenblog [dot] de"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mailto:Jane.Doe@News-Site.com?subject=Hello", "jane.doe@news-site.com"),
        ("MAILTO:%6Aane@news-site.com", "jane@news-site.com"),
        (" press@news-site.com ", "press@news-site.com"),
        ("mailto:", None),
        ("jane@news-site", None),
        ("two@news-site.com three@news-site.com", None),
        ("you@example.org", None),
    ],
)
def test_valid_address(value: str, expected: str | None) -> None:
    assert valid_address(value) == expected


# -- the property tests ------------------------------------------------------------------------

_ATOMS = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_LABELS = st.from_regex(r"[a-z][a-z0-9]{0,6}(?:-[a-z0-9]{1,4})?", fullmatch=True)
_SUFFIXES = st.sampled_from(["com", "de", "org", "co.uk", "fr", "io", "com.au"])
_PROSE = st.lists(
    st.sampled_from(["Write", "to", "our", "editor", "Redaktion:", "oder", "the", "press", "—"]),
    max_size=6,
).map(" ".join)
_AT = st.sampled_from(["@", " @ ", " [at] ", "(at)", " (at) ", "{at}", " [ät] ", " <at> "])
_DOT = st.sampled_from([".", " [dot] ", "(dot)", " (punkt) ", "{dot}", " [.] "])


@given(
    local=st.lists(_ATOMS, min_size=1, max_size=3),
    labels=st.lists(_LABELS, min_size=1, max_size=2),
    suffix=_SUFFIXES,
    at=_AT,
    dot=_DOT,
    before=_PROSE,
    after=_PROSE,
)
def test_a_generated_obfuscated_address_is_found(
    local: list[str],
    labels: list[str],
    suffix: str,
    at: str,
    dot: str,
    before: str,
    after: str,
) -> None:
    domain = ".".join([*labels, suffix])
    written = dot.join(local) + at + dot.join(domain.split("."))
    expected = f"{'.'.join(local)}@{domain}"
    assert expected in [item.address for item in addresses_in(f"{before} {written} {after}")]


@given(labels=st.lists(_LABELS, min_size=1, max_size=2), suffix=_SUFFIXES, local=_ATOMS)
def test_a_generated_bare_word_address_is_found_on_its_own_domain(
    labels: list[str], suffix: str, local: str
) -> None:
    # A part that is itself a word for @ or . ("at at a dot com") reads two ways; a domain
    # that is a public suffix (x0.com) is no site of its own.
    assume(not {local, *labels} & {"at", "arroba", "dot", "punkt", "punto", "point"})
    domain = ".".join([*labels, suffix])
    written = f"{local} at {' dot '.join(domain.split('.'))}"
    try:
        own = fold_domain(domain)
    except DomainError:
        assume(False)
    expected = f"{local}@{domain}"
    assert [item.address for item in addresses_in(f"Mail {written} please", own)] == [expected]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_the_parser_never_returns_an_invalid_address(text: str) -> None:
    for item in addresses_in(text, OWN):
        assert is_valid_email(item.address)
        assert under_known_suffix(item.address.rpartition("@")[2])
        assert item.address == item.address.lower()


@given(
    st.lists(
        st.sampled_from(["a", "@", " at ", "[at]", " dot ", ".", "(dot)", "de", "com", " ", "-"]),
        max_size=40,
    ).map("".join)
)
def test_near_misses_never_give_an_invalid_address(text: str) -> None:
    for item in addresses_in(text, OWN):
        assert is_valid_email(item.address)
        assert under_known_suffix(item.address.rpartition("@")[2])


# -- MX ----------------------------------------------------------------------------------------


def dns_answering(answers: dict[str, list[str] | Exception]) -> object:
    """A made-up DNS: each domain's MX hosts, or the dnspython error it raises."""

    def query(domain: str) -> list[str]:
        answer = answers[domain]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return query


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (["mx1.gartenblog.de.", "mx2.gartenblog.de."], MxStatus.FOUND),
        ([], MxStatus.NONE),
        (dns.resolver.NoAnswer(), MxStatus.NONE),
        (["."], MxStatus.REFUSES),
        (dns.resolver.NXDOMAIN(), MxStatus.NO_DOMAIN),
        (dns.resolver.LifetimeTimeout(timeout=5.0, errors={}), MxStatus.UNKNOWN),
        (dns.resolver.NoNameservers(), MxStatus.UNKNOWN),
    ],
)
def test_mx_status_from_what_dns_answers(answer: list[str] | Exception, expected: MxStatus) -> None:
    assert mx_status("gartenblog.de", dns_answering({"gartenblog.de": answer})) is expected  # type: ignore[arg-type]
