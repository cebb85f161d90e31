"""Fresh databases for tests: a SQLite file, or a new database on the throwaway PostgreSQL server.

Running the migrations takes seconds on SQLite (each batch operation rebuilds a table), far longer than most tests
that need a database. So each test process migrates one empty database per backend, the first time a test asks
for one, and every fresh database is a copy of it: a copy of the file on SQLite, ``CREATE DATABASE ... TEMPLATE`` on
PostgreSQL. Each test still gets a database of its own, identical to one just migrated; the migrations themselves
are tested where a test runs them (tests/test_store.py, the live server, ``lsc db``). The templates are removed
when the process exits.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psycopg
import pytest

from lsc_engine.settings import Settings
from lsc_engine.store import migrate
from lsc_engine.store.db import prepare_sqlite_file

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_ENV = "LSC_TEST_POSTGRES_URL"


def postgres_admin_url() -> str:
    """Return the URL of the test PostgreSQL server, skipping (or, in CI, failing) when there is none."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests for real")
        pytest.skip(f"{POSTGRES_ENV} is not set (scripts/pg_throwaway.sh starts a server)")
    return url


#: A rate limit high enough for any test, so that the limiter runs without refusing (its own tests set theirs).
TEST_LIMITS: dict[str, Any] = {"rate_limit_per_minute": 100_000, "failed_auth_per_minute": 100_000}


def _admin(url: str) -> str:
    """Return a server URL as psycopg takes it (without SQLAlchemy's driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


class _Templates:
    """The migrated, empty databases of this process that fresh ones are copied from, made when first needed."""

    def __init__(self) -> None:
        self.sqlite: Path | None = None
        self.postgres: dict[str, str] = {}  # admin URL -> template database name
        atexit.register(self.remove)

    def sqlite_file(self) -> Path:
        """Return the migrated SQLite file (made once per process)."""
        if self.sqlite is None:
            settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="lsc-template-")) / "data")
            migrate.upgrade(settings)
            self.sqlite = settings.data_dir / "lsc.db"
        return self.sqlite

    def postgres_database(self, admin: str) -> str:
        """Return the name of the migrated template database on the server (made once per process and server)."""
        if admin not in self.postgres:
            name = f"lsc_template_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(_admin(admin), autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{name}"')
            self.postgres[admin] = name  # registered before migrating, so that a failed migration is dropped too
            # The migrations connect without a pool, so no connection to the template outlives them (a database
            # with a connection open cannot be copied).
            migrate.upgrade(Settings(database_url=admin.rsplit("/", 1)[0] + f"/{name}"))
        return self.postgres[admin]

    def remove(self) -> None:
        """Delete the SQLite template and drop the PostgreSQL ones (a server already gone has dropped them)."""
        if self.sqlite is not None:
            shutil.rmtree(self.sqlite.parent.parent, ignore_errors=True)
        for admin, name in self.postgres.items():
            with suppress(psycopg.Error), psycopg.connect(_admin(admin), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_TEMPLATES = _Templates()


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[Settings]:
    """Create an empty, migrated database and yield settings pointing at it; drop it afterwards."""
    if backend == "sqlite":
        settings = Settings(data_dir=tmp_path / "data", **TEST_LIMITS)
        prepare_sqlite_file(settings)  # the directory and the file, with the permissions the service gives them
        shutil.copyfile(_TEMPLATES.sqlite_file(), settings.data_dir / "lsc.db")
        yield settings
        return
    admin = postgres_admin_url()
    template = _TEMPLATES.postgres_database(admin)
    name = f"lsc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin(admin), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    settings = Settings(database_url=admin.rsplit("/", 1)[0] + f"/{name}", **TEST_LIMITS)
    try:
        yield settings
    finally:
        with psycopg.connect(_admin(admin), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
