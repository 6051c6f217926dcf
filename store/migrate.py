"""Bring an audit database to the current schema, from code (no alembic.ini at run time).

Several workers may start at once against one PostgreSQL database, so the upgrade holds a session-level
advisory lock there; the second worker waits, then finds nothing to do.
"""

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError

from store.engine import create_store_engine, describe_url
from store.errors import StoreUnavailable
from store.schema_revision import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# An arbitrary constant that names "audit store migrations" among PostgreSQL advisory locks.
_MIGRATION_LOCK_KEY = 0x60_7E_A0_D1


def alembic_config(connection: Connection | None = None) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The schema this code reads and writes (`store.schema_revision`)."""
    return HEAD_REVISION


@cache
def migrations_head() -> str:
    """The newest revision among the migration scripts, as alembic reads them (writers only)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database (alembic's `alembic_version` table), None when it has none; read
    with plain SQL, so that a read does not load alembic."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    revisions = [row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")]
    if not revisions:
        return None
    # One row, unless the database was migrated along two branches: no revision this code knows.
    return revisions[0] if len(revisions) == 1 else " and ".join(sorted(revisions))


def stored_revision(engine: Engine) -> str | None:
    """The schema revision a database is at, without changing it; None when it has no audit tables."""
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
            connection.rollback()
            return revision
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise StoreUnavailable(f"Cannot open the audit store at {describe_url(engine.url)}: {reason}.") from None


def upgrade(engine_or_url: Engine | str | URL, revision: str = "head") -> None:
    """Migrate the audit database to `revision` (default: the newest). Safe to call on every start."""
    engine = engine_or_url if isinstance(engine_or_url, Engine) else create_store_engine(engine_or_url)
    try:
        with engine.connect() as connection:
            is_postgres = connection.dialect.name == "postgresql"
            if is_postgres:
                connection.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_KEY})")
                connection.commit()
            try:
                if revision == "head" and current_revision(connection) == migrations_head():
                    connection.rollback()
                    return
                connection.rollback()
                from alembic import command

                command.upgrade(alembic_config(connection), revision)
                connection.commit()
            finally:
                if is_postgres:
                    connection.rollback()
                    connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_KEY})")
                    connection.commit()
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise StoreUnavailable(f"Cannot open the audit store at {describe_url(engine.url)}: {reason}.") from None
    finally:
        if engine is not engine_or_url:
            engine.dispose()
