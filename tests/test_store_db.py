"""bot/store/db.py: the migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from bot.store.db import (
    HEAD_REVISION,
    MIGRATIONS,
    create_schema,
    import_table_modules,
    schema_revision,
)


def test_migrations_match_the_models(db: Engine) -> None:
    import_table_modules()
    with db.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migrating_twice_changes_nothing(db: Engine) -> None:
    create_schema(db)
    with db.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert len(versions) == 1


def test_sqlite_runs_in_wal_mode(db: Engine) -> None:
    if db.dialect.name != "sqlite":
        return
    with db.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_head_revision_gapbot_checks_for_is_alembic_s_newest(db: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION
    with db.connect() as connection:
        assert schema_revision(connection) == HEAD_REVISION


def test_a_database_one_migration_behind_is_brought_up_to_date(db: Engine) -> None:
    with db.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'c0ffee120005'"))
        connection.execute(text("DROP TABLE contact_lookup"))
    create_schema(db)
    with db.connect() as connection:
        assert schema_revision(connection) == HEAD_REVISION
        assert connection.execute(text("SELECT count(*) FROM contact_lookup")).scalar() == 0
