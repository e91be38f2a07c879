"""Contacts in the draft modal: Find contacts, Look again, choosing one found."""
