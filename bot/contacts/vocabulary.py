"""The words that tell a contact page from the others, and an editor's inbox from support's.

Several languages, written as plain words without accents (`Über uns` reads `uber uns`), so
one rule serves link texts, URL paths, local parts and the text around an address.
"""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum, StrEnum
from urllib.parse import unquote, urlsplit

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """`text` as lower-case words, accents dropped: "Über-uns.html" -> ["uber", "uns", "html"]."""
    plain = unicodedata.normalize("NFKD", text.lower())
    return _WORD.findall("".join(char for char in plain if not unicodedata.combining(char)))


class PageKind(IntEnum):
    """A page worth reading for contacts; lower values are read first."""

    AUTHOR = 0  # the author's page, linked from the page that links to the competitors
    CONTACT = 1
    WRITE_FOR_US = 2
    EDITORIAL = 3
    TEAM = 4
    ABOUT = 5


_PAGE_PHRASES: dict[PageKind, tuple[str, ...]] = {
    PageKind.CONTACT: (
        "contact", "contacts", "contact us", "contactus", "get in touch", "kontakt",
        "kontaktformular", "kontakt aufnehmen", "impressum", "imprint", "legal notice",
        "contacto", "contactanos", "contactenos", "contato", "fale conosco", "contatti",
        "contattaci", "contactez nous", "nous contacter", "mentions legales", "aviso legal",
        "colofon", "colophon", "kontakta oss", "yhteystiedot", "kapcsolat", "iletisim",
        "neem contact op",
    ),
    PageKind.WRITE_FOR_US: (
        "write for us", "writeforus", "guest post", "guest posts", "guest posting",
        "contribute", "contributors", "become a contributor", "submissions",
        "gastbeitrag", "gastbeitrage", "gastartikel", "gastautor werden", "autor werden",
        "schreib fur uns", "schreiben sie fur uns", "escribe para nosotros", "colabora",
        "scrivi per noi", "ecrire pour nous", "ecrivez pour nous", "schrijf voor ons",
    ),
    PageKind.EDITORIAL: (
        "editorial", "editorial team", "editors", "the editors", "redaktion", "die redaktion",
        "redaccion", "la redaccion", "redazione", "la redazione", "redactie", "de redactie",
        "redaction", "la redaction", "press", "presse", "prensa", "newsroom", "masthead",
    ),
    PageKind.TEAM: (
        "team", "our team", "the team", "unser team", "das team", "el equipo",
        "nuestro equipo", "equipe", "notre equipe", "la squadra", "il team", "ons team",
        "staff", "authors", "our authors", "autoren", "unsere autoren",
    ),
    PageKind.ABOUT: (
        "about", "about us", "aboutus", "about me", "who we are", "uber uns", "ueber uns",
        "uber mich", "ueber mich", "wir uber uns", "a propos", "qui sommes nous",
        "quienes somos", "sobre nosotros", "sobre mi", "chi siamo", "over ons", "over mij",
        "o nas", "om oss", "om os", "quem somos",
    ),
}  # fmt: skip
_PAGE_OF: dict[tuple[str, ...], PageKind] = {
    tuple(phrase.split()): kind for kind, phrases in _PAGE_PHRASES.items() for phrase in phrases
}
_LONGEST_PHRASE = max(len(phrase) for phrase in _PAGE_OF)
# A link text longer than this is a sentence or a title, not the name of a page.
_MAX_LINK_WORDS = 5
_PAGE_EXTENSIONS = frozenset({"html", "htm", "php", "asp", "aspx", "jsp", "shtml"})


def page_kind(link_text: str, url: str) -> PageKind | None:
    """Which kind of contact page a link leads to, by its text (a short one that begins or
    ends with a phrase) or its path's last part (that is one): "Kontakt", `/de/ueber-uns.html`."""
    last = unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])
    stem, dot, extension = last.rpartition(".")
    if dot and stem:
        if extension.lower() not in _PAGE_EXTENSIONS:
            return None  # a file (`media-kit.pdf`), not a page
        last = stem
    kinds = []
    text = words(link_text)
    if len(text) <= _MAX_LINK_WORDS:
        kinds += [_PAGE_OF[part] for part in _ends(text) if part in _PAGE_OF]
    segment = tuple(words(last))
    if segment in _PAGE_OF:
        kinds.append(_PAGE_OF[segment])
    return min(kinds, default=None)


def _ends(text: list[str]) -> list[tuple[str, ...]]:
    """The phrases a link text may be read as: how it begins or ends ("Contact the editors",
    "Mehr über uns"); a word in its middle is a title's ("All about roses")."""
    sizes = range(1, min(_LONGEST_PHRASE, len(text)) + 1)
    return [tuple(text[:size]) for size in sizes] + [tuple(text[-size:]) for size in sizes]


class Role(StrEnum):
    """Whose inbox an address looks like, by its local part or the words around it."""

    EDITOR = "editor"
    SUBMISSIONS = "submissions"
    PRESS = "press"
    PARTNERSHIPS = "partnerships"
    MARKETING = "marketing"
    GENERIC = "general inbox"
    SUPPORT = "support or admin"


_ROLE_WORDS: dict[Role, frozenset[str]] = {
    Role.EDITOR: frozenset({
        "editor", "editors", "editorial", "redaktion", "redakteur", "redakteurin",
        "chefredaktion", "chefredakteur", "chefredakteurin", "redaccion", "redactor",
        "redactora", "redazione", "redattore", "redactie", "redacteur", "redaction",
        "redactrice", "newsroom", "newsdesk", "tips", "editora", "editeur", "herausgeber",
    }),
    Role.SUBMISSIONS: frozenset({
        "submissions", "submission", "submit", "contribute", "contributor", "contributors",
        "guest", "guestpost", "guestposts", "writers", "pitch", "pitches", "gastbeitrag",
        "gastbeitrage", "gastautor", "autoren", "authors",
    }),
    Role.PRESS: frozenset({
        "press", "presse", "prensa", "stampa", "pr", "media", "medien", "medios", "comms",
        "communications", "communication", "kommunikation",
    }),
    Role.PARTNERSHIPS: frozenset({
        "partner", "partners", "partnership", "partnerships", "sponsor", "sponsors",
        "sponsoring", "sponsorship", "advertising", "advertise", "ads", "werbung",
        "anzeigen", "kooperation", "kooperationen", "cooperation", "collab", "collabs",
        "collaboration", "collaborations", "business", "bizdev", "publicidad", "affiliate",
        "affiliates",
    }),
    Role.MARKETING: frozenset({"marketing", "seo", "growth", "outreach", "content", "social"}),
    Role.GENERIC: frozenset({
        "contact", "contacts", "hello", "hi", "hey", "info", "infos", "information", "mail",
        "email", "office", "team", "kontakt", "hallo", "hola", "contacto", "contatto",
        "contato", "bonjour", "ciao", "general", "inquiries", "enquiries", "inquiry",
        "enquiry", "post", "mailbox",
    }),
    Role.SUPPORT: frozenset({
        "support", "help", "helpdesk", "service", "kundenservice", "billing", "invoice",
        "invoices", "rechnung", "accounts", "accounting", "buchhaltung", "jobs", "job",
        "careers", "career", "karriere", "bewerbung", "hr", "recruiting", "privacy",
        "datenschutz", "gdpr", "dsgvo", "legal", "abuse", "security", "webmaster", "admin",
        "administrator", "postmaster", "hostmaster", "unsubscribe", "newsletter", "orders",
        "order", "shop", "returns", "bestellung",
    }),
}  # fmt: skip
# How much each role is worth to someone asking for a link (bot.contacts.ranking).
ROLE_POINTS: dict[Role, int] = {
    Role.EDITOR: 40,
    Role.SUBMISSIONS: 35,
    Role.PRESS: 30,
    Role.PARTNERSHIPS: 30,
    Role.MARKETING: 25,
    Role.GENERIC: 10,
    Role.SUPPORT: -30,
}
_ROLE_OF_WORD = {word: role for role, vocabulary in _ROLE_WORDS.items() for word in vocabulary}
# Local parts that no one reads.
_NO_REPLY = re.compile(r"(?:no-?reply|do-?not-?reply|mailer-daemon|bounces?)(?:[._+-]|$)")


def role_in(text: str) -> Role | None:
    """The most promising role a text names ("Chefredaktion", "press-office"), if any."""
    roles = {_ROLE_OF_WORD[word] for word in words(text) if word in _ROLE_OF_WORD}
    return max(roles, key=ROLE_POINTS.__getitem__, default=None)


def is_no_reply(local: str) -> bool:
    return _NO_REPLY.match(local.lower()) is not None


# Words of a link text that make it a call to action or a label, not a person's name.
_NOT_NAMES = frozenset(
    {
        "email", "e", "mail", "here", "us", "me", "write", "send", "click", "our", "the",
        "your", "to", "for", "hier", "uns", "schreiben", "schreib", "senden", "per", "an",
        "escribenos", "ecrivez", "nous", "scrivici", "home", "page", "blog", "about",
    }
    | _ROLE_OF_WORD.keys()
    | {phrase[0] for phrase in _PAGE_OF if len(phrase) == 1}
)  # fmt: skip
_NAME_PART = re.compile(r"[^\W\d_](?:[^\W\d_]|['\u2019-])*\.?")
_PARTICLES = frozenset(
    {"von", "van", "de", "der", "den", "da", "di", "du", "la", "le", "del", "dos", "zu", "ten"}
)


def person_name(text: str) -> str:
    """`text` if it reads as a person's name (two to four capitalised words, "Anna von
    Berg"), else ""; so "Email us" or "Redaktion" never fill a recipient's name."""
    parts = text.split()
    name = " ".join(parts)
    if not 2 <= len(parts) <= 4 or len(name) > 60:
        return ""
    if not all(_NAME_PART.fullmatch(part) for part in parts):
        return ""
    if not all(part[0].isupper() for part in parts if part.lower() not in _PARTICLES):
        return ""
    return "" if set(words(name)) & _NOT_NAMES else name
