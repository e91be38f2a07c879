"""Shared fixtures: app databases (SQLite and a real PostgreSQL 15), a fake Slack, a running app."""

from __future__ import annotations

import fcntl
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
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.store.db import create_schema, make_engine

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


@pytest.fixture
def postgres_url(postgres_port: int) -> Iterator[str]:
    """A fresh, empty database on the session's PostgreSQL server."""
    import psycopg

    name = f"gapbot_{uuid.uuid4().hex[:12]}"
    admin = f"postgresql://postgres@127.0.0.1:{postgres_port}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:{postgres_port}/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The app database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db(app_db_url: str) -> Iterator[Engine]:
    """An engine on a fresh app database with the schema created."""
    engine = make_engine(app_db_url)
    create_schema(engine)
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
    """Import `csv_text` (generic CSV) into the local index of GAPBOT_HOME=`home`; its folder."""
    from bot.links.index import LinkIndex

    home.mkdir(parents=True, exist_ok=True)
    export = home / "links.csv"
    export.write_text(csv_text)
    folder = Settings(_env_file=None, GAPBOT_HOME=str(home)).index_path  # type: ignore[call-arg]
    LinkIndex(folder).import_file(export)
    return folder


@pytest.fixture
def slack(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[SlackDriver]:
    """The real app over HTTP (uvicorn on a free port) with a sample index and SQLite DB."""
    home = tmp_path / "home"
    build_index(home, sample_links())
    settings = make_settings(home, f"sqlite:///{tmp_path / 'app.db'}", fake_slack.api_url)
    driver = SlackDriver.serve(settings, fake_slack, SIGNING_SECRET)
    yield driver
    driver.stop()
