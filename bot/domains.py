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
    ascii_host = _to_ascii(host)
    registrable = _PSL.privatesuffix(ascii_host)
    if registrable is None:
        raise DomainError(f"{ascii_host!r} is a public suffix or a local name, not a site")
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


def _to_ascii(host: str) -> str:
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise DomainError(f"{host!r} is not a valid internationalised name ({error})") from None
    labels = host.split(".")
    if len(host) > _MAX_HOST_LENGTH or not all(_ASCII_LABEL.match(label) for label in labels):
        raise DomainError(f"{host!r} is not a valid host name")
    return host
