"""bot/store/db.py: the migrations build exactly the tables the models describe."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
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


WATCH_DOCUMENT = {
    "site": "mysite.com",
    "competitors": ["a.com", "b.com"],
    "source": "local",
    "site_source": None,
    "prove": True,
    "min_matches": 2,
    "dofollow_only": True,
    "sort": "authority",
    "min_authority": 30,
    "tlds": ["de", "-ru"],
    "excluded": ["*.blogspot.com", "spam.com"],
}


def test_a_watchs_query_kept_as_json_becomes_gaps_text_and_back(db: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "c0ffee120006")
        connection.execute(
            text(
                "INSERT INTO watch (team_id, due_at, state, attempts, channel_id, created_by,"
                " site, query, every, paused, created_at, failure_reported) VALUES ('T1',"
                " :now, 'pending', 0, 'C1', 'U1', 'mysite.com', :query, 'week', false, :now,"
                " false)"
            ),
            {"now": datetime(2026, 11, 23, tzinfo=UTC), "query": json.dumps(WATCH_DOCUMENT)},
        )
    create_schema(db)
    with db.connect() as connection:
        stored = connection.execute(text("SELECT query FROM watch")).scalar()
    assert stored == (
        "mysite.com vs a.com b.com --min-matches 2 --dofollow-only --sort authority"
        " --source local --prove --min-authority 30 --tld=de,-ru"
        " --exclude '*.blogspot.com' --exclude spam.com"
    )
    with db.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "c0ffee120006")
        back = connection.execute(text("SELECT query FROM watch")).scalar()
    assert json.loads(str(back)) == WATCH_DOCUMENT
