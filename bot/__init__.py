"""Gapbot: backlink gap analysis and link-building outreach, in Slack and the terminal."""
