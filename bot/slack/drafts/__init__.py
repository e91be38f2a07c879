"""Drafting outreach email: the draft modal, the draft DM, taking a domain over, sender settings."""
