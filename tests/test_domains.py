"""bot/domains.py: folding hosts and URLs to registrable domains (SPEC 5.1)."""

from __future__ import annotations

import idna
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.domains import DomainError, fold_domain, try_fold_domain


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("example.com", "example.com"),
        ("https://www.Example.com/blog", "example.com"),
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("news.bbc.co.uk.", "bbc.co.uk"),
        ("lakeblogger.blogspot.com", "lakeblogger.blogspot.com"),
        ("http://www.lakeblogger.blogspot.com/2020/post", "lakeblogger.blogspot.com"),
        ("münchen-blog.de", "xn--mnchen-blog-thb.de"),
        ("https://WWW.MÜNCHEN-BLOG.DE/x", "xn--mnchen-blog-thb.de"),
        ("xn--mnchen-blog-thb.de", "xn--mnchen-blog-thb.de"),
        ("https://user:secret@shop.example.org:8443/p?q=1#top", "example.org"),
        ("//cdn.example.net/lib.js", "example.net"),
        ("203.0.113.9", "203.0.113.9"),
        ("http://203.0.113.9:8080/x", "203.0.113.9"),
        ("http://[2001:db8::1]:80/", "2001:db8::1"),
        ("example.com:", "example.com"),
    ],
)
def test_folds_known_forms(value: str, expected: str) -> None:
    assert fold_domain(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("localhost", "public suffix or a local name"),
        ("co.uk", "public suffix or a local name"),
        ("blogspot.com", "public suffix or a local name"),
        ("", "no host name"),
        ("https://", "no host name"),
        ("-bad-.com", "not a valid host name"),
        ("exa mple.com", "not a valid host name"),
        ("a" * 64 + ".com", "not a valid host name"),
        ("ex!ample.com", "not a valid host name"),
    ],
)
def test_rejects_junk_with_a_reason(value: str, reason: str) -> None:
    with pytest.raises(DomainError, match=reason):
        fold_domain(value)
    assert try_fold_domain(value) is None


labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
suffixes = st.sampled_from(["com", "org", "co.uk", "de", "blogspot.com", "com.au", "io", "fr"])
hosts = st.builds(
    lambda subs, name, suffix: ".".join([*subs, name, suffix]),
    st.lists(labels, max_size=3),
    labels,
    suffixes,
)


@given(hosts)
def test_folding_is_idempotent(host: str) -> None:
    folded = try_fold_domain(host)
    assume(folded is not None)  # e.g. `x0.com` is itself a (private) public suffix
    assert fold_domain(folded) == folded


@given(
    host=hosts,
    scheme=st.sampled_from(["", "http://", "https://", "//", "HTTPS://"]),
    userinfo=st.sampled_from(["", "user@", "user:pw@"]),
    port=st.sampled_from(["", ":80", ":8443"]),
    path=st.sampled_from(["", "/", "/a/b.html", "?q=1", "#x", "/p?x=y#z"]),
    upper=st.booleans(),
    trailing_dot=st.booleans(),
    www=st.booleans(),
)
def test_every_url_form_folds_like_the_host(
    host: str,
    scheme: str,
    userinfo: str,
    port: str,
    path: str,
    upper: bool,
    trailing_dot: bool,
    www: bool,
) -> None:
    assume(try_fold_domain(host) is not None)
    name = (
        ("www." if www else "") + (host.upper() if upper else host) + ("." if trailing_dot else "")
    )
    url = f"{scheme}{userinfo}{name}{port}{path}" if scheme or not userinfo else name + path
    assert fold_domain(url) == fold_domain(host)


unicode_labels = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzäöüßéèñçåøæ"), min_size=2, max_size=15
)


@given(unicode_labels, st.sampled_from(["de", "com", "fr", "org"]))
def test_unicode_and_punycode_forms_agree(label: str, suffix: str) -> None:
    name = f"{label}.{suffix}"
    try:
        ascii_name = idna.encode(name, uts46=True).decode()
    except idna.IDNAError:
        assume(False)
    assume(try_fold_domain(ascii_name) is not None)  # `us.com` is a (private) public suffix
    assert fold_domain(name) == fold_domain(ascii_name) == ascii_name
    assert fold_domain(name).isascii()


@given(st.text(max_size=40))
def test_any_text_folds_or_says_why(value: str) -> None:
    try:
        folded = fold_domain(value)
    except DomainError as error:
        assert str(error)
    else:
        assert folded == fold_domain(folded)
