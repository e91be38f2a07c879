"""The one database engine and session factory (SQLite in WAL mode, or PostgreSQL)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration (tests/test_store_db.py checks it is Alembic's head): a database
# already there is recognised without loading Alembic, a fifth of a second per command.
HEAD_REVISION = "c0ffee120007"
# Every module that defines tables; imported before the schema is created.
TABLE_MODULES = (
    "bot.store.cache",
    "bot.store.analyses",
    "bot.store.pipeline",
    "bot.store.drafts",
    "bot.store.reminders",
    "bot.store.settings",
    "bot.store.installations",
    "bot.store.requests",
    "bot.store.won_links",
    "bot.store.hosts",
    "bot.store.watches",
    "bot.store.contacts",
)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # Safe with WAL (a power cut may lose the last commits, never corrupt the file), and it
    # keeps a commit per request (the replay check) well under a millisecond.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def import_table_modules() -> None:
    for module in TABLE_MODULES:
        importlib.import_module(module)


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def create_schema(engine: Engine) -> None:
    """Bring the database to the newest schema with the Alembic migrations (a database
    already there is only checked)."""
    with engine.begin() as connection:
        if schema_revision(connection) != HEAD_REVISION:
            from alembic import command

            command.upgrade(_alembic_config(connection), "head")


def schema_revision(connection: Connection) -> str | None:
    """The migration the database is at (None for an empty one)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def new_migration(engine: Engine, message: str) -> None:
    """Write a migration for the table changes not yet migrated (a developer's tool)."""
    from alembic import command

    with engine.begin() as connection:
        command.revision(_alembic_config(connection), message=message, autogenerate=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
