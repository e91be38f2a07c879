"""Alembic environment: migrates the app database that `bot.store.db.migrate` hands it."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from bot.store.db import import_table_modules

import_table_modules()
connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
