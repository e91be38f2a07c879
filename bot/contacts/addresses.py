"""Email addresses as pages write them, checked; and whether their domain takes mail (DNS MX).

Pages write an address out (`jane@gartenblog.de`), or lightly hide it from harvesters:
`jane [at] gartenblog [dot] de`, `jane(at)gartenblog.de`, `jane at gartenblog dot de`.
Brackets make the intent plain, so bracketed forms are read on any page; bare words
(`at`, `dot`) are ordinary prose too ("find us at gartenblog.de"), so an address written
with them is kept only when its domain spells a dot out and is the page's own. Whatever
the form, an address is kept only if it passes the same syntax check as the draft's
recipient and its domain is under a real public suffix (`logo@2x.png` is not one).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote

import dns.exception
import dns.resolver

from bot.domains import DomainError, ascii_host, try_fold_domain, under_known_suffix
from bot.outreach.checks import is_valid_email

# Reserved for documentation (RFC 2606) or a template's stand-in: never someone's inbox.
PLACEHOLDER_DOMAINS = frozenset(
    {"example.com", "example.net", "example.org", "domain.com", "yourdomain.com", "yoursite.com"}
)
# Around one `@` or `[at]`: a local part is at most 64 characters and an address 254, and
# obfuscation adds spaces and brackets.
_LOCAL_REACH = 200
_REACH = 400

_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
_AT_WORDS = ("at", "ät", "@", "arroba", "arobase")
_DOT_WORDS = ("dot", "punkt", "punto", "point")
_BRACKETED_AT = rf"\s*{_OPEN}\s*(?:{'|'.join(_AT_WORDS)})\s*{_CLOSE}\s*"
_BRACKETED_DOT = rf"\s*{_OPEN}\s*(?:{'|'.join(_DOT_WORDS)}|\.)\s*{_CLOSE}\s*"
_BARE_AT = r"\s+(?:at|arroba)\s+"
_BARE_DOT = rf"\s+(?:{'|'.join(_DOT_WORDS)})\s+"
# The common subset of what a local part may hold: exotic characters are rare in published
# addresses, and `{}` or `()` must stay free to read `{at}` and `(dot)`.
_ATOM = r"[a-z0-9_%+'-]+"
_LABEL = r"[^\W_](?:[^\W_]|-){0,62}"
_START = r"(?<![\w.%+'-])"
_END = r"(?![\w-])"


def _pattern(at: str, dot: str) -> re.Pattern[str]:
    local = rf"{_ATOM}(?:{dot}{_ATOM})*"
    domain = rf"{_LABEL}(?:{dot}{_LABEL})+"
    return re.compile(
        rf"{_START}(?P<local>{local})(?P<at>{at})(?P<domain>{domain}){_END}", re.IGNORECASE
    )


def _local_backwards(dot: str) -> re.Pattern[str]:
    """A local part read from its end, in reversed text (where `dot` is written reversed)."""
    return re.compile(rf"{_ATOM}(?:{dot}{_ATOM})*", re.IGNORECASE)


_REVERSED_DOT_WORDS = "|".join(word[::-1] for word in _DOT_WORDS)
_REVERSED_BRACKETED_DOT = rf"\s*{_CLOSE}\s*(?:{_REVERSED_DOT_WORDS}|\.)\s*{_OPEN}\s*"
# Each form: the whole address, and its local part read backwards from the `at`.
# `jane @ gartenblog.de` is an address; `us @gartenblog` a handle after a word.
_MARKED = (
    _pattern(rf"(?:{_BRACKETED_AT}|@|\s@\s)", rf"(?:{_BRACKETED_DOT}|\.)"),
    _local_backwards(rf"(?:{_REVERSED_BRACKETED_DOT}|\.)"),
)
_BARE = (
    _pattern(_BARE_AT, rf"(?:{_BARE_DOT}|{_BRACKETED_DOT}|\.)"),
    _local_backwards(rf"(?:\s+(?:{_REVERSED_DOT_WORDS})\s+|{_REVERSED_BRACKETED_DOT}|\.)"),
)
_ANCHOR = re.compile(rf"{_OPEN}\s*(?:{'|'.join(_AT_WORDS)})\s*{_CLOSE}|@|{_BARE_AT}", re.IGNORECASE)
_DOT_FORMS = re.compile(rf"{_BRACKETED_DOT}|{_BARE_DOT}", re.IGNORECASE)


@dataclass(frozen=True)
class TextAddress:
    """An address found in text: where it stands (`start`, `end`) and whether it was hidden."""

    address: str
    start: int
    end: int
    obfuscated: bool


def valid_address(text: str) -> str | None:
    """`text` (a mailto target, a schema.org email) as one checked address in lower case,
    its domain in ASCII; None if it is not one deliverable-looking address."""
    target = text.strip()
    if target[:7].lower() == "mailto:":
        target = target[7:]
    local, at, domain = unquote(target.partition("?")[0]).strip().rpartition("@")
    if not at:
        return None
    return _checked(local, domain)


def addresses_in(text: str, own_domain: str | None = None) -> list[TextAddress]:
    """Every address in `text`, written out or lightly obfuscated, in order of appearance.

    `own_domain` is the page's registrable domain: the only one a bare-word form may name.
    Each `@` or `at` is read once, from the local part before it to the domain after it,
    so a page full of them costs no more than its length.
    """
    found: dict[int, TextAddress] = {}
    for anchor in _ANCHOR.finditer(text):
        local_end = anchor.start()
        while local_end > 0 and text[local_end - 1].isspace():
            local_end -= 1
        before = text[max(0, local_end - _LOCAL_REACH) : local_end][::-1]
        for form in (_MARKED, _BARE):
            item = _read_at(text, anchor, local_end, before, form, own_domain)
            if item is not None:
                found.setdefault(item.start, item)
    return [found[start] for start in sorted(found)]


def _read_at(
    text: str,
    anchor: re.Match[str],
    local_end: int,
    before: str,
    form: tuple[re.Pattern[str], re.Pattern[str]],
    own_domain: str | None,
) -> TextAddress | None:
    """The address of one form whose `at` is `anchor`, if there is one."""
    pattern, backwards = form
    local = backwards.match(before)
    if local is None:
        return None
    start = local_end - local.end()
    match = pattern.match(text, start, anchor.end() + _REACH)
    if match is None or not match.start("at") <= anchor.start() < match.end("at"):
        return None
    bare = form is _BARE
    if bare and not _DOT_FORMS.search(match["domain"]):
        return None  # "find us at gartenblog.de" is prose; "at gartenblog dot de" is not
    address = _checked(match["local"], match["domain"])
    if address is None or (bare and try_fold_domain(address) != own_domain):
        return None
    obfuscated = match["at"].strip() != "@" or _DOT_FORMS.search(match[0]) is not None
    return TextAddress(address, start, match.end(), obfuscated)


def _checked(local: str, domain: str) -> str | None:
    """The address made of a local part and a domain as written, or None if it fails.

    A domain that runs into the next sentence (`jane@gartenblog.de.Then`) loses its last
    labels until it is a real one.
    """
    local = _DOT_FORMS.sub(".", local).strip().lower()
    labels = _DOT_FORMS.sub(".", domain).strip().lower().rstrip(".").split(".")
    while len(labels) >= 2:
        try:
            host = ascii_host(".".join(labels))
        except DomainError:
            return None
        address = f"{local}@{host}"
        if under_known_suffix(host) and is_valid_email(address):
            if try_fold_domain(host) in PLACEHOLDER_DOMAINS:
                return None
            return address
        labels.pop()
    return None


# -- MX ----------------------------------------------------------------------------------------


class MxStatus(StrEnum):
    """What DNS says of an address's domain as a place to deliver mail (no SMTP is tried)."""

    FOUND = "found"  # it has MX records
    NONE = "none"  # it exists but has no MX record
    REFUSES = "refuses"  # a null MX (RFC 7505): it takes no mail
    NO_DOMAIN = "no_domain"  # the name does not exist
    UNKNOWN = "unknown"  # DNS did not answer


# domain -> its MX hosts as text (`mail.example.com.`, or `.` for a null MX); raises
# dnspython's exceptions. The one way Gapbot asks DNS about mail; tests pass their own.
MxQuery = Callable[[str], list[str]]
MX_TIMEOUT = 5.0


def dns_mx(domain: str) -> list[str]:
    """The domain's MX hosts, from the system's DNS resolver."""
    answer = dns.resolver.resolve(domain, "MX", lifetime=MX_TIMEOUT)
    return [record.exchange.to_text() for record in answer]


def mx_status(domain: str, query: MxQuery = dns_mx) -> MxStatus:
    try:
        hosts = query(domain)
    except dns.resolver.NXDOMAIN:
        return MxStatus.NO_DOMAIN
    except dns.resolver.NoAnswer:
        return MxStatus.NONE
    except dns.exception.DNSException:
        return MxStatus.UNKNOWN
    if not hosts:
        return MxStatus.NONE
    if all(host in (".", "") for host in hosts):
        return MxStatus.REFUSES
    return MxStatus.FOUND
