"""Watches: `/gaps watch` and `/gaps watches`, their buttons, and what a run posts."""
