"""What an outreach email is made from (DraftContext) and what rendering makes (Draft)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any


class TemplateKind(StrEnum):
    FIRST = "first"
    FOLLOW_UP = "follow-up"


@dataclass(frozen=True, kw_only=True)
class RecipientNotes:
    """What the user writes for one recipient: kept with each draft, offered again next time."""

    recipient_name: str = ""
    recipient_email: str = ""
    common_ground: str = ""
    page_note: str = ""
    offer: str = ""
    my_page: str = ""


def note_values(notes: object) -> dict[str, Any]:
    """The RecipientNotes fields of `notes` (a form, a context or a stored draft), by name."""
    return {item.name: getattr(notes, item.name) for item in fields(RecipientNotes)}


@dataclass(frozen=True, kw_only=True)
class DraftContext(RecipientNotes):
    """Everything a template may use; every field is a template variable of the same name.

    The notes (`common_ground`, `page_note`, `offer`, `article_idea`) are whole sentences
    written by the user for this recipient; `my_page_summary` is a phrase that completes
    "we made ...".
    """

    their_site: str
    their_pages: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    my_site: str = ""
    my_page_summary: str = ""
    article_idea: str = ""
    broken_url: str = ""
    previous_subject: str = ""
    sender_name: str = ""
    signature: str = ""

    @property
    def their_page(self) -> str:
        """Their page that links to the competitors, or their site when no page is known."""
        return self.their_pages[0] if self.their_pages else self.their_site

    def variables(self) -> dict[str, object]:
        """The template variables: every field, plus `their_page`."""
        values: dict[str, object] = {item.name: getattr(self, item.name) for item in fields(self)}
        values["their_page"] = self.their_page
        return values

    def is_personal(self) -> bool:
        """Whether the user wrote something for this recipient (the copy-paste guard)."""
        return bool(self.common_ground.strip() or self.page_note.strip())


KNOWN_VARIABLES = frozenset({item.name for item in fields(DraftContext)} | {"their_page"})

# Realistic, deliberately long values: a template must stay within the word limit with them.
EXAMPLE_CONTEXT = DraftContext(
    recipient_name="Priya",
    recipient_email="priya.natarajan@greenhomeguide.co.uk",
    their_site="greenhomeguide.co.uk",
    their_pages=("https://greenhomeguide.co.uk/resources/heat-pump-grants-and-calculators",),
    competitors=("heatpumpcalc.com", "energysavingtrust.org.uk", "renewableadvice.net"),
    my_site="warmhome.io",
    my_page="https://warmhome.io/tools/heat-pump-running-cost-calculator",
    my_page_summary="a free heat pump running cost calculator that uses live UK tariffs",
    common_ground=(
        "I caught your talk at the Retrofit Summit in Leeds last month and have been "
        "recommending your insulation checklist to our customers ever since."
    ),
    page_note=(
        "Your grants page is the clearest summary of the Boiler Upgrade Scheme I have found, "
        "especially the section on eligibility for older homes."
    ),
    offer=(
        "If it helps, I would be glad to share your guide with the 6,000 homeowners on our "
        "monthly newsletter."
    ),
    article_idea=(
        "I could write a practical guide to choosing a heat pump installer, with the ten "
        "questions our engineers wish every homeowner asked before signing a quote."
    ),
    broken_url="https://oldheatcalc.co.uk/calculator/air-source",
    previous_subject="A suggestion for your heat pump resources",
    sender_name="Tom Hughes",
    signature="Tom Hughes\nContent lead, WarmHome\nwarmhome.io",
)

FIELD_LABELS = {
    "recipient_name": "the recipient's name",
    "recipient_email": "the recipient's email address",
    "their_site": "their site",
    "their_pages": "their page that links to the competitors",
    "competitors": "the competitors they link to",
    "my_site": "your site",
    "my_page": "your page to suggest",
    "my_page_summary": "a short description of your page",
    "common_ground": "what you have in common",
    "page_note": "a note about their page",
    "offer": "what you offer in return",
    "article_idea": "your article idea",
    "broken_url": "the broken link's URL",
    "previous_subject": "the subject of your first email",
    "sender_name": "your name",
    "signature": "your signature",
}


@dataclass(frozen=True)
class Draft:
    """A rendered email, ready to be checked, edited and sent."""

    template: str
    kind: TemplateKind
    subject: str
    body: str
