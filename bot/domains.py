"""Host and URL -> registrable domain, by the bundled Public Suffix List (SPEC 5.1)."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

import idna
from publicsuffixlist import PublicSuffixList

# The authority of a URL (or of a bare host): what follows an optional `scheme://`
# up to the first `/`, `?` or `#`. Shared with the link index, which extracts it
# in SQL so that only distinct authorities are folded in Python.
AUTHORITY_PATTERN = r"^\s*(?:[A-Za-z][A-Za-z0-9+.\-]*://|//)?([^/?#]*)"
_AUTHORITY = re.compile(AUTHORITY_PATTERN)
_ASCII_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_MAX_HOST_LENGTH = 253

# The user info of a URL, `scheme://user:password@`, up to the last `@` before the path (as
# a browser reads it). Shared with the engine, which drops it from sample URLs in SQL.
USER_INFO_PATTERN = r"^(\s*(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//)[^/?#]*@"
_USER_INFO = re.compile(USER_INFO_PATTERN)
# A pattern of `--exclude`: host name characters and the glob wildcards `*` and `?`.
_PATTERN_LABEL = re.compile(r"^[a-z0-9_*?-]{1,63}$")
_WILDCARDS = frozenset("*?")

# The private section matters: `lakeblogger.blogspot.com` is a site of its own.
_PSL = PublicSuffixList(only_icann=False)


class DomainError(ValueError):
    """A value that has no registrable domain; the message says why."""


def authority_of(value: str) -> str:
    """The `user@host:port` part of a URL or bare host."""
    match = _AUTHORITY.match(value)
    return match.group(1) if match else ""


def fold_domain(value: str) -> str:
    """Reduce a host or URL to its registrable domain, in ASCII, or raise DomainError."""
    return fold_authority(authority_of(value))


def fold_site(value: str) -> str:
    """Like fold_domain, for a site a user names: a registrable name with `_` is refused.

    Link data may carry such hosts (and keeps them), but no registry sells such a name,
    so a site or competitor written with one is a typo.
    """
    domain = fold_domain(value)
    if "_" in domain:
        raise DomainError(f"{domain!r}: no registry allows '_' in a domain name")
    return domain


def try_fold_domain(value: str) -> str | None:
    """Like fold_domain, but None where the value has no registrable domain."""
    try:
        return fold_domain(value)
    except DomainError:
        return None


@lru_cache(maxsize=200_000)
def fold_authority(authority: str) -> str:
    """Fold the authority part of a URL (see `authority_of`)."""
    host = _host_of(authority)
    if not host:
        raise DomainError("no host name given")
    ip = _as_ip(host)
    if ip is not None:
        return ip
    name = ascii_host(host)
    registrable = _PSL.privatesuffix(name)
    if registrable is None:
        raise DomainError(f"{name!r} is a public suffix or a local name, not a site")
    return str(registrable)


def _host_of(authority: str) -> str:
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    name, colon, port = host.rpartition(":")
    if colon and (port.isdigit() or not port):
        host = name
    return host.strip().rstrip(".").lower()


def _as_ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def ascii_host(host: str) -> str:
    """A host name in ASCII (IDNA, UTS 46 mapped), or DomainError if it is not a valid one."""
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise DomainError(f"{host!r} is not a valid internationalised name ({error})") from None
    labels = host.split(".")
    if len(host) > _MAX_HOST_LENGTH or not all(_ASCII_LABEL.match(label) for label in labels):
        raise DomainError(f"{host!r} is not a valid host name")
    return host


def without_credentials(url: str) -> str:
    """`url` without its user info (`https://user:pw@host/` -> `https://host/`)."""
    return _USER_INFO.sub(r"\1", url, count=1)


def unicode_name(domain: str) -> str:
    """A folded domain as people read it: its punycode labels decoded (`xn--...` -> Unicode).

    A label that does not decode is kept as it is.
    """
    return ".".join(_decoded(label) for label in domain.split("."))


def _decoded(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return str(idna.decode(label))
    except idna.IDNAError:
        return label


def shown_domain(domain: str) -> str:
    """A domain for people to read: an internationalised name in Unicode, followed by its
    ASCII form, which gives away a look-alike (`münchen-blog.de (xn--mnchen-blog-thb.de)`)."""
    readable = unicode_name(domain)
    return domain if readable == domain else f"{readable} ({domain})"


@lru_cache(maxsize=1)
def _known_suffixes() -> PublicSuffixList:
    # The list's own entries only: the folding list treats any unknown last label as a TLD.
    return PublicSuffixList(only_icann=False, accept_unknown=False)


def under_known_suffix(host: str) -> bool:
    """Whether an ASCII host is a name under a suffix the Public Suffix List has (`png` in
    `logo@2x.png` is none), not a suffix itself."""
    return _known_suffixes().privatesuffix(host) is not None


def public_suffix(value: str) -> str:
    """A TLD or public suffix a user names (`de`, `.co.uk`, `рф`), in ASCII; DomainError if the
    Public Suffix List does not have it."""
    suffix = ascii_host(value.strip().lstrip(".").rstrip(".").lower()) if value.strip() else ""
    if not suffix or not _known_suffixes().is_public(suffix):
        raise DomainError(f"{value.strip()!r} is not a public suffix (such as de, com or co.uk)")
    return suffix


def domain_pattern(value: str) -> str:
    """An `--exclude` entry as a glob over registrable domains (see README, Filters).

    A host or URL stands for its registrable domain (`www.spam.com` -> `spam.com`), as
    does `*.` before one (`*.spam.com` -> `spam.com`); `domain:` (a disavow file's prefix)
    is dropped. Other globs are kept if they can match a registrable domain:
    `*.blogspot.com` and `*casino*` can, `blog*.spam.com` (hosts inside spam.com) cannot.
    """
    text = value.strip().lower().removeprefix("domain:").strip()
    if not _WILDCARDS & set(text):
        return fold_domain(text)
    labels = [
        label if _WILDCARDS & set(label) else ascii_host(label)
        for label in text.rstrip(".").split(".")
    ]
    if not all(_PATTERN_LABEL.match(label) for label in labels):
        raise DomainError(f"{text!r} is not a domain pattern (letters, digits, -, . and * or ?)")
    rest = ".".join(labels[1:])
    if labels[0] == "*" and not _WILDCARDS & set(rest) and _PSL.privatesuffix(rest) == rest:
        return rest
    last_wild = max(i for i, label in enumerate(labels) if _WILDCARDS & set(label))
    tail = ".".join(labels[last_wild + 1 :])
    if tail and not _PSL.is_public(tail):
        inside = _PSL.privatesuffix(tail) or tail
        raise DomainError(
            f"{text!r} names hosts inside {inside}, and a gap is a whole domain: exclude {inside}"
        )
    return ".".join(labels)
