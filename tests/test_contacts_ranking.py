"""Ranking candidates (bot/contacts/ranking.py): the order and its reasons, pinned by hand."""

from __future__ import annotations

from bot.contacts.addresses import MxStatus
from bot.contacts.pages import Author, Sighting, Source
from bot.contacts.ranking import Reason, rank

DOMAIN = "gartenblog.de"
KONTAKT = "https://gartenblog.de/kontakt"
HOME = "https://gartenblog.de/"
IMPRESSUM = "https://gartenblog.de/impressum"


def test_candidates_in_the_order_their_reasons_give() -> None:
    sightings = [
        Sighting("info@gartenblog.de", HOME, Source.JSON_LD),
        Sighting("jobs@gartenblog.de", KONTAKT, Source.TEXT),
        Sighting("hello@oldblog.de", HOME, Source.TEXT),
        Sighting("gartenblog@gmail.com", HOME, Source.TEXT),
        Sighting("gartenblog.werbung@gmail.com", KONTAKT, Source.TEXT),
        Sighting("tom@gartenblog.de", KONTAKT, Source.MAILTO),
        Sighting("presse@gartenblog.de", KONTAKT, Source.JSON_LD, context="press"),
        Sighting("redaktion@gartenblog.de", KONTAKT, Source.OBFUSCATED),
        Sighting("anna.berg@gartenblog.de", KONTAKT, Source.MAILTO),
        Sighting("anna.berg@gartenblog.de", HOME, Source.TEXT),
        Sighting("noreply@gartenblog.de", HOME, Source.TEXT),
    ]
    asked: list[str] = []
    statuses = {"gartenblog.de": MxStatus.FOUND, "gmail.com": MxStatus.FOUND}

    def mx(domain: str) -> MxStatus:
        asked.append(domain)
        return statuses.get(domain, MxStatus.NONE)

    ranked = rank(sightings, [IMPRESSUM, KONTAKT], DOMAIN, Author("Anna Berg"), mx)

    assert [(item.address, item.score) for item in ranked] == [
        ("anna.berg@gartenblog.de", 110),
        ("redaktion@gartenblog.de", 70),
        ("presse@gartenblog.de", 60),
        ("tom@gartenblog.de", 50),
        ("info@gartenblog.de", 40),
        ("gartenblog.werbung@gmail.com", 20),
        (IMPRESSUM, 5),
        ("jobs@gartenblog.de", 0),
        ("gartenblog@gmail.com", -10),
        ("hello@oldblog.de", -50),
    ]
    best = ranked[0]
    assert best.name == "Anna Berg" and best.author and best.personal
    assert best.reasons == (
        Reason("wrote the linking page", 60),
        Reason("same domain", 30),
        Reason("personal inbox", 20),
    )
    assert best.sources == (Source.MAILTO, Source.TEXT) and best.found_on == KONTAKT
    other = ranked[5]
    assert (other.same_domain, other.role) == (False, "partnerships")
    assert Reason("other domain: gmail.com", -10) in other.reasons
    no_mx = ranked[-1]
    assert no_mx.mx is MxStatus.NONE and no_mx.reasons[0] == Reason("no MX record", -50)
    assert ranked[6].form and ranked[6].reasons == (Reason("contact form", 5),)
    assert sorted(asked) == ["gartenblog.de", "gmail.com", "oldblog.de"]


def test_a_name_comes_from_the_page_before_the_author() -> None:
    sightings = [
        Sighting("a.berg@gartenblog.de", KONTAKT, Source.MAILTO, name="Anna Berg-Schulz"),
        Sighting("aberg@gartenblog.de", KONTAKT, Source.TEXT),
        Sighting("bergmann@gartenblog.de", KONTAKT, Source.TEXT),
    ]
    ranked = rank(sightings, [], DOMAIN, Author("Anna Berg"), lambda _domain: MxStatus.FOUND)
    by_address = {item.address: item for item in ranked}
    assert by_address["a.berg@gartenblog.de"].name == "Anna Berg-Schulz"
    assert by_address["aberg@gartenblog.de"].name == "Anna Berg"
    assert not by_address["bergmann@gartenblog.de"].author


def test_an_address_that_takes_no_mail_sinks_to_the_bottom() -> None:
    sightings = [
        Sighting("editor@gartenblog.de", KONTAKT, Source.TEXT),
        Sighting("info@gone-domain.de", KONTAKT, Source.TEXT),
    ]
    statuses = {"gartenblog.de": MxStatus.REFUSES, "gone-domain.de": MxStatus.NO_DOMAIN}
    ranked = rank(sightings, [], DOMAIN, None, statuses.__getitem__)
    assert [(item.address, item.reasons[0]) for item in ranked] == [
        ("editor@gartenblog.de", Reason("domain takes no mail", -200)),
        ("info@gone-domain.de", Reason("domain does not exist", -200)),
    ]
