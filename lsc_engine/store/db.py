"""Database engines and sessions, tuned per backend; schema changes go through the migrations."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, make_url, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

from lsc_engine.errors import StoreUnavailable
from lsc_engine.settings import Settings

log = logging.getLogger("lsc.store")

#: The handle on a database that the layers above pass around without knowing what it is made of.
Database = Engine

#: What a caller that can carry on without the database (a remembered answer, a local count) catches.
UNAVAILABLE: tuple[type[Exception], ...] = (SQLAlchemyError, StoreUnavailable)


class Collision(Exception):
    """A write lost a race: another transaction stored a record with the same unique key first.

    Not an LscError: a caller that expects the race (a retried submission) catches it; anywhere else it
    is a fault.
    """


def sqlite_file(settings: Settings) -> Path | None:
    """Return the SQLite file the settings name, or None for a database server."""
    url = make_url(settings.url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def describe(settings: Settings) -> str:
    """Name the configured database for people: a SQLite file by its full path, a server without its password."""
    url = make_url(settings.url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = sqlite_file(settings)
        return f"SQLite file {path.resolve()}" if path else "SQLite in memory"
    name = {"postgresql": "PostgreSQL"}.get(backend, backend)
    port = f":{url.port}" if url.port else ""
    return f"{name} database {url.database} on {url.host or 'localhost'}{port} as {url.username}"


def make_engine(settings: Settings) -> Engine:
    """Create the engine for the configured database, signing audit entries with the audit key if there is one."""
    engine = _engine(settings)
    if settings.audit_key is not None:
        _AUDIT_KEYS[engine] = settings.audit_key.get_secret_value().encode()
    return engine


#: The audit key of each engine made with one; kept in memory only, never in the database it signs for.
_AUDIT_KEYS: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()


def audit_key(engine: Engine) -> bytes | None:
    """Return the key audit entries written through this engine are signed with (None: unsigned)."""
    return _AUDIT_KEYS.get(engine)


def prepare_sqlite_file(settings: Settings) -> None:
    """Make the default SQLite file, for the service's own user only: it holds token hashes and confidential evidence.

    SQLite gives its journal files the database file's permissions. A data directory or file that already exists
    keeps the permissions its owner gave it.
    """
    if settings.is_sqlite and settings.database_url is None:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        (settings.data_dir / "lsc.db").touch(mode=0o600, exist_ok=True)


def _engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        prepare_sqlite_file(settings)
        engine = create_engine(
            settings.url,
            connect_args={"check_same_thread": False, "timeout": settings.database_timeout_seconds},
            pool_size=settings.database_pool_size,
        )
        _serialise_sqlite_writers(engine, settings.database_timeout_seconds)
        return engine
    return create_engine(
        settings.url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        pool_pre_ping=True,
        pool_timeout=settings.database_timeout_seconds,
        connect_args={
            "connect_timeout": max(1, int(settings.database_timeout_seconds)),
            # A server that stops answering must not hang requests on open connections for ever.
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": int(settings.database_timeout_seconds * 1000),
            "options": f"-c lock_timeout={int(settings.database_timeout_seconds * 1000)}",
        },
    )


def _serialise_sqlite_writers(engine: Engine, timeout: float) -> None:
    """Use WAL, so readers never wait; writers take the write lock first thing (see ``audit.Chain``)."""

    @event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Open a session whose unreachable-database errors surface as StoreUnavailable."""
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else type(error).__name__
        log.warning("database unavailable: %s", reason)
        raise StoreUnavailable("the database is unavailable", details={"reason": reason}) from None


def ping(engine: Engine) -> None:
    """Check the database answers."""
    with session_scope(engine) as session:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
