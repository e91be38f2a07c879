"""The contacts part of the draft modal: its action ids and its input's block id."""

from __future__ import annotations

from enum import StrEnum


class ContactAction(StrEnum):
    FIND_CONTACTS = "outreach_find_contacts"
    CHOOSE_CONTACT = "outreach_choose_contact"


class ContactInput(StrEnum):
    CONTACT = "contact"
