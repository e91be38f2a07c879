"""How counts read in every output, terminal and Slack alike: "1 link", "2 links"."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and `noun`, plural unless the number is one, with thousands separators."""
    word = noun if number == 1 else (plural or noun + "s")
    return f"{number:,} {word}"
