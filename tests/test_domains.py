"""bot/domains.py: folding hosts and URLs to registrable domains (SPEC 5.1)."""

from __future__ import annotations

import idna
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.domains import (
    DomainError,
    domain_pattern,
    fold_domain,
    fold_site,
    public_suffix,
    shown_domain,
    try_fold_domain,
    unicode_name,
    without_credentials,
)


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


# -- a site as a user names it ------------------------------------------------------------------


def test_a_site_with_an_underscore_in_its_registrable_name_is_refused() -> None:
    with pytest.raises(DomainError, match="no registry allows '_'"):
        fold_site("https://www.exa_mple.com/")
    # Below the registrable name, a host may have one: the site is the registrable name.
    assert fold_site("my_blog.example.com") == "example.com"
    # Link data keeps such hosts as they are.
    assert fold_domain("exa_mple.com") == "exa_mple.com"


# -- names for people ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "shown"),
    [
        ("xn--mnchen-blog-thb.de", "münchen-blog.de (xn--mnchen-blog-thb.de)"),
        ("example.com", "example.com"),
        ("203.0.113.9", "203.0.113.9"),
        ("xn--zz.com", "xn--zz.com"),  # not valid punycode: shown as it is
    ],
)
def test_shown_domain_gives_unicode_and_ascii(domain: str, shown: str) -> None:
    assert shown_domain(domain) == shown


@given(unicode_labels, st.sampled_from(["de", "com", "fr", "org"]))
def test_a_folded_name_shown_in_unicode_folds_back_to_itself(label: str, suffix: str) -> None:
    folded = try_fold_domain(f"{label}.{suffix}")
    assume(folded is not None)
    assert fold_domain(unicode_name(folded)) == folded


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@host.example/a", "https://host.example/a"),
        ("http://user@host.example:8080/x?y=1", "http://host.example:8080/x?y=1"),
        ("//user:pw@cdn.example/lib.js", "//cdn.example/lib.js"),
        ("https://a:b@c@host.example/", "https://host.example/"),
        ("https://host.example/mail@example.com", "https://host.example/mail@example.com"),
        ("https://host.example/?to=a@b", "https://host.example/?to=a@b"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
    ],
)
def test_urls_lose_their_user_info(url: str, shown: str) -> None:
    assert without_credentials(url) == shown


@given(
    scheme=st.sampled_from(["http://", "https://", "//", "HTTPS://"]),
    user=st.text(alphabet="abcXYZ019:%!$&'()*+,;=@-._~", min_size=1, max_size=20),
    host=hosts,
    path=st.sampled_from(["", "/", "/a/b@c.html", "?q=a@b", "#x@y"]),
)
def test_no_user_info_survives(scheme: str, user: str, host: str, path: str) -> None:
    shown = without_credentials(f"{scheme}{user}@{host}{path}")
    assert shown == f"{scheme}{host}{path}"
    assert without_credentials(shown) == shown


# -- --tld and --exclude ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "suffix"),
    [("de", "de"), (".co.uk", "co.uk"), ("CO.UK", "co.uk"), ("рф", "xn--p1ai"), ("uk", "uk")],
)
def test_public_suffixes(value: str, suffix: str) -> None:
    assert public_suffix(value) == suffix


@pytest.mark.parametrize("value", ["dee", "example.com", "", "d e"])
def test_a_suffix_the_list_does_not_have_is_refused(value: str) -> None:
    with pytest.raises(DomainError):
        public_suffix(value)


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("spam.com", "spam.com"),
        ("https://user:pw@www.Spam.com/page", "spam.com"),
        ("domain:spam.com", "spam.com"),  # a disavow file's line
        ("*.spam.com", "spam.com"),  # the hosts of spam.com: spam.com
        ("*.blogspot.com", "*.blogspot.com"),
        ("*.co.uk", "*.co.uk"),
        ("*casino*", "*casino*"),
        ("seo-?.net", "seo-?.net"),
        ("203.0.113.*", "203.0.113.*"),
        ("*.münchen-blog.de", "xn--mnchen-blog-thb.de"),
    ],
)
def test_domain_patterns(value: str, pattern: str) -> None:
    assert domain_pattern(value) == pattern


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("blog*.spam.com", "names hosts inside spam.com, and a gap is a whole domain"),
        ("*.www.spam.com", "names hosts inside spam.com"),
        ("sp am*", "not a domain pattern"),
        ("ex!ample*", "not a domain pattern"),
        ("co.uk", "public suffix"),
    ],
)
def test_a_pattern_that_can_match_no_domain_is_refused(value: str, reason: str) -> None:
    with pytest.raises(DomainError, match=reason):
        domain_pattern(value)


patterns = st.builds(
    lambda head, rest: ".".join([head, *rest]),
    st.sampled_from(["*", "?", "a*", "*b", "x?z", "www", "shop", "*-seo"]),
    st.lists(st.sampled_from(["example", "blogspot", "co", "com", "uk", "de", "*"]), max_size=3),
)


@given(st.one_of(patterns, hosts))
def test_a_pattern_is_its_own_normal_form(value: str) -> None:
    try:
        pattern = domain_pattern(value)
    except DomainError as error:
        assert str(error)
    else:
        assert domain_pattern(pattern) == pattern
