"""Fresh databases for tests: a SQLite file, or a new database on the throwaway PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from lsc_engine.settings import Settings
from lsc_engine.store import migrate

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


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[Settings]:
    """Create an empty, migrated database and yield settings pointing at it; drop it afterwards."""
    if backend == "sqlite":
        settings = Settings(data_dir=tmp_path / "data", **TEST_LIMITS)
        migrate.upgrade(settings)
        yield settings
        return
    admin = postgres_admin_url()
    name = f"lsc_test_{uuid.uuid4().hex[:12]}"
    plain = admin.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    settings = Settings(database_url=admin.rsplit("/", 1)[0] + f"/{name}", **TEST_LIMITS)
    try:
        migrate.upgrade(settings)
        yield settings
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
