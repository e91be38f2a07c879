"""How counts and marks read in every output, terminal and Slack alike: "1 link", "2 links"."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and `noun`, plural unless the number is one, with thousands separators."""
    word = noun if number == 1 else (plural or noun + "s")
    return f"{number:,} {word}"


# After a domain whose absence from the site's profile is not proven (Opportunity.unproven).
UNPROVEN_MARK = " †"


def unproven_note(site: str) -> str:
    """The footnote to UNPROVEN_MARK."""
    return (
        f"not proven absent from {site}'s links: the provider's list of them was cut off"
        " before domains this weak"
    )
