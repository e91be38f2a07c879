"""Shared fixtures: app databases (SQLite and a real PostgreSQL 15), a fake Slack, a running app."""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fake_slack import FakeSlack, SlackDriver
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.store.db import create_schema, make_engine, schema_revision

# CI replays the same examples every run (a red build is reproducible); developers'
# runs explore new ones and keep what fails in .hypothesis/.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SIGNING_SECRET = "test-signing-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- PostgreSQL --------------------------------------------------------------------------------


def _as_postgres(*command: str) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


@pytest.fixture(scope="session")
def postgres_port(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[int]:
    """A throwaway PostgreSQL 15 server on loopback, shared by the session's xdist workers:
    the first to ask starts it, the last to finish stops it (each test gets its own
    database on it)."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL 15 binaries not found in {PG_BIN}")
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # the folder every worker of this run has in common
    state = shared / "postgres.json"
    with _locked(shared / "postgres.lock"):
        server = json.loads(state.read_text()) if state.exists() else None
        if server is None or not _running(Path(server["data"])):
            server = _start_postgres()
        server["users"] = sorted({*server.get("users", []), worker_id})
        state.write_text(json.dumps(server))
    try:
        yield int(server["port"])
    finally:
        with _locked(shared / "postgres.lock"):
            server = json.loads(state.read_text())
            server["users"] = [user for user in server["users"] if user != worker_id]
            state.write_text(json.dumps(server))
            if not server["users"]:
                _stop_postgres(Path(server["data"]))
                state.unlink()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _start_postgres() -> dict[str, object]:
    root = Path(tempfile.mkdtemp(prefix="gapbot-pg-"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    quiet = {"check": True, "capture_output": True}
    subprocess.run(
        _as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ),
        **quiet,
    )
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    )
    subprocess.run(
        _as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", options, "start"
        ),
        **quiet,
    )
    return {"port": port, "data": str(data)}


def _running(data: Path) -> bool:
    status = subprocess.run(
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "status"), capture_output=True
    )
    return status.returncode == 0


def _stop_postgres(data: Path) -> None:
    subprocess.run(
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"),
        capture_output=True,
    )
    shutil.rmtree(data.parent, ignore_errors=True)


def _postgres_url(port: int, name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"


def _admin(port: int, statement: str) -> None:
    import psycopg

    admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(statement)


class PostgresDatabases:
    """This worker's databases with the newest schema on the session's PostgreSQL server.

    Creating a database and migrating it takes half a second; a database a test used is
    emptied instead (its rows deleted, its sequences restarted: as new) and handed to the
    next test. One whose schema a test changed is dropped.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.free: list[str] = []
        self.schema: tuple[str, list[str], list[str]] | None = None  # revision, tables, sequences

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"gapbot_{uuid.uuid4().hex[:12]}"
        _admin(self.port, f'CREATE DATABASE "{name}"')
        engine = make_engine(_postgres_url(self.port, name))
        try:
            create_schema(engine)
            if self.schema is None:
                self.schema = _schema_of(engine)
        finally:
            engine.dispose()
        return name

    def give_back(self, name: str) -> None:
        engine = make_engine(_postgres_url(self.port, name))
        try:
            kept = _schema_of(engine) == self.schema
            if kept:
                _empty(engine, self.schema)
        except SQLAlchemyError:  # a connection the test left open holds a lock
            kept = False
        finally:
            engine.dispose()
        if kept:
            self.free.append(name)
        else:
            _admin(self.port, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        for name in self.free:
            _admin(self.port, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _schema_of(engine: Engine) -> tuple[str, list[str], list[str]]:
    with engine.connect() as connection:
        revision = str(schema_revision(connection))
        tables = [
            str(name)
            for name in connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            ).scalars()
        ]
        sequences = [
            str(name)
            for name in connection.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1")
            ).scalars()
        ]
    return revision, tables, sequences


def _empty(engine: Engine, schema: tuple[str, list[str], list[str]] | None) -> None:
    """Delete every row but the schema's revision, and restart the sequences."""
    assert schema is not None
    _, tables, sequences = schema
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '2s'"))
        # Rows in any order: the foreign keys are not checked while the tables are emptied.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            if table != "alembic_version":
                connection.execute(text(f'DELETE FROM "{table}"'))
        for sequence in sequences:
            connection.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))


@pytest.fixture(scope="session")
def postgres_databases(postgres_port: int) -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_port)
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite app database with the newest schema, copied for each test that needs one."""
    path = tmp_path_factory.mktemp("schema") / "app.db"
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app_db_url(
    app_db_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """The app database URL, once on SQLite and once on PostgreSQL, with the newest schema
    (as `create_schema` leaves a new database)."""
    if app_db_backend == "sqlite":
        path = tmp_path / "app.db"
        shutil.copyfile(request.getfixturevalue("sqlite_schema"), path)
        yield f"sqlite:///{path}"
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    name = databases.take()
    yield _postgres_url(databases.port, name)
    databases.give_back(name)


@pytest.fixture
def db(app_db_url: str) -> Iterator[Engine]:
    """An engine on a fresh app database with the schema created."""
    engine = make_engine(app_db_url)
    yield engine
    engine.dispose()


# -- Slack -------------------------------------------------------------------------------------


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def make_settings(home: Path, database_url: str, api_url: str, **extra: str) -> Settings:
    values = {
        "GAPBOT_HOME": str(home),
        "GAPBOT_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "GAPBOT_LINK_SOURCE": "local",
        # The fake answering 500 is retried at once (the retries are kept, not their wait).
        "SLACK_RETRY_BACKOFF": "0",
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


GENERIC_HEADER = "source_url,target_url,nofollow\n"


def sample_links() -> str:
    """A small generic CSV export: mysite.com against a.com, b.com and c.com.

    25 gap domains (for three pages), one domain that links to everyone including
    mysite.com (not a gap), one whose only links are nofollow.
    """
    rows = [
        "https://shared.example/p,https://mysite.com/,false",
        "https://shared.example/p,https://a.com/,false",
        "https://nofollow.example/x,https://a.com/,true",
        "https://nofollow.example/y,https://b.com/,true",
    ]
    for number in range(25):
        domain = f"gap{number:02d}.example"
        rows.append(f"https://{domain}/one,https://a.com/,false")
        if number % 2 == 0:
            rows.append(f"https://{domain}/two,https://b.com/page,false")
        if number % 5 == 0:
            rows.append(f"https://{domain}/three,https://c.com/,false")
            rows.append(f"https://{domain}/four,https://c.com/x,false")
    return GENERIC_HEADER + "\n".join(rows) + "\n"


def build_index(home: Path, csv_text: str) -> Path:
    """Import `csv_text` (generic CSV) into the local index of GAPBOT_HOME=`home`; its folder.

    A new index is a copy of the one this process built from the same text (an import
    costs a tenth of a second, and most Slack tests start from the sample).
    """
    from bot.links.index import LinkIndex

    home.mkdir(parents=True, exist_ok=True)
    export = home / "links.csv"
    export.write_text(csv_text)
    folder = Settings(_env_file=None, GAPBOT_HOME=str(home)).index_path  # type: ignore[call-arg]
    if folder.exists():
        LinkIndex(folder).import_file(export)
        return folder
    built = _BUILT_INDEXES / hashlib.sha256(csv_text.encode()).hexdigest()
    if not built.exists():
        LinkIndex(built).import_file(export)
    shutil.copytree(built, folder)
    return folder


_BUILT_INDEXES = Path(tempfile.mkdtemp(prefix="gapbot-indexes-"))
atexit.register(shutil.rmtree, _BUILT_INDEXES, ignore_errors=True)


def sample_app(tmp_path: Path, fake_slack: FakeSlack) -> Settings:
    """The settings of an app with the sample index and an SQLite app database."""
    home = tmp_path / "home"
    build_index(home, sample_links())
    return make_settings(home, f"sqlite:///{tmp_path / 'app.db'}", fake_slack.api_url)


@pytest.fixture
def slack(tmp_path: Path, fake_slack: FakeSlack, sqlite_schema: Path) -> Iterator[SlackDriver]:
    """The real app with a sample index and SQLite DB, sent signed requests in process
    (through the same ASGI app uvicorn serves)."""
    shutil.copyfile(sqlite_schema, tmp_path / "app.db")
    driver = SlackDriver.in_process(sample_app(tmp_path, fake_slack), fake_slack, SIGNING_SECRET)
    yield driver
    driver.stop()


@pytest.fixture
def slack_http(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[SlackDriver]:
    """The real app over HTTP (uvicorn on a free port) with a sample index and SQLite DB."""
    driver = SlackDriver.serve(sample_app(tmp_path, fake_slack), fake_slack, SIGNING_SECRET)
    yield driver
    driver.stop()
