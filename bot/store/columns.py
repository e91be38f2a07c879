"""Column types shared by the app database's tables (kept apart from bot.store.clock, which
the terminal's link-data commands import without loading SQLAlchemy)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime
from sqlmodel import Field


def utc_time(*, nullable: bool) -> Any:
    """A model field stored as a timezone-aware time (one definition any table can use)."""
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=nullable)
