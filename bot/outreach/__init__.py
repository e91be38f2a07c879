"""Outreach drafting and follow-up rules: pure, no Slack, no database (SPEC 7)."""
