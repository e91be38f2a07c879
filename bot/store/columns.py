"""What the app database's tables share: column types, and the config of their read forms
(kept apart from bot.store.clock, which the terminal's link-data commands import without
loading SQLAlchemy)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, DateTime, and_
from sqlmodel import Field, col
from sqlmodel.main import SQLModelConfig

# A table's read form: frozen plain data, safe to pass on once its session has closed.
READ_ONLY = SQLModelConfig(frozen=True)


def utc_time(*, nullable: bool) -> Any:
    """A model field stored as a timezone-aware time (one definition any table can use)."""
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=nullable)


def of_domain(table: Any, team_id: Any, site: Any, refdomain: Any) -> ColumnElement[bool]:
    """The rows of `table` (with team_id, site and refdomain columns) about one referring
    domain of one team's site: values, or another table's columns to join on."""
    return and_(
        col(table.team_id) == team_id, col(table.site) == site, col(table.refdomain) == refdomain
    )
