"""Opening a SQLAlchemy engine on the audit store, with the settings the chain relies on.

SQLite: WAL (readers never block the writer), synchronous=FULL (a committed event survives power loss),
foreign keys on, and a busy timeout so concurrent writers queue for the lock instead of failing. The sqlite3
driver's own transaction handling is switched off (isolation_level=None) and SQLAlchemy emits a plain BEGIN,
which lets the append path issue BEGIN IMMEDIATE itself (see `event_store`).
PostgreSQL: psycopg 3; a bare ``postgresql://`` URL is taken to mean psycopg, the driver this project ships.
"""

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from store.errors import StoreUnavailable

SQLITE_BUSY_TIMEOUT_MS = 30_000


def describe_url(url: str | URL) -> str:
    """The URL as safe to print: never the password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def parse_store_url(url: str | URL) -> URL:
    """Parse and normalise a store URL, or raise StoreUnavailable with one sentence."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(
            "The audit database URL is not a valid SQLAlchemy URL "
            "(expected e.g. sqlite:////path/audit.db or postgresql://user@host/db)."
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreUnavailable(
            f"The audit store supports SQLite and PostgreSQL, not {backend!r} ({describe_url(parsed)})."
        )
    return parsed


def sqlite_file_of(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for an in-memory database."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return Path(database)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (its legacy mode skips BEGIN for SELECTs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def create_store_engine(url: str | URL, *, create_directories: bool = True) -> Engine:
    """An engine on the audit store (not migrated; see `store.migrate.upgrade`). Reads pass
    `create_directories=False`, so that they never create anything."""
    parsed = parse_store_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            file = sqlite_file_of(parsed)
            if file is None:
                # One shared connection keeps an in-memory database alive; fit for tests, never for workers.
                engine = sa.create_engine(parsed, poolclass=StaticPool, connect_args={"check_same_thread": False})
            else:
                try:
                    if create_directories:
                        file.parent.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise StoreUnavailable(
                        f"Cannot create the directory {file.parent} for the audit database: {error.strerror}."
                    ) from None
                engine = sa.create_engine(
                    parsed,
                    connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                    pool_size=8,
                    max_overflow=24,
                )
            _configure_sqlite(engine)
            return engine
        return sa.create_engine(parsed, pool_size=8, max_overflow=24, pool_pre_ping=False)
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise StoreUnavailable(
            f"No database driver for {describe_url(parsed)} ({error}); for PostgreSQL install psycopg."
        ) from None
    except ArgumentError as error:
        raise StoreUnavailable(f"The audit database URL {describe_url(parsed)} is not usable: {error}.") from None
