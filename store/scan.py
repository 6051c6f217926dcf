"""Stream the whole log in sequence order, fast, from one consistent snapshot.

Verification and export touch every row, so they bypass SQLAlchemy's result machinery and pydantic: a raw
DB-API cursor, `fetchmany` in large batches, plain tuples in `ROW_COLUMNS` order. SQLite reads inside one
read transaction (a WAL snapshot); PostgreSQL uses a server-side cursor in a REPEATABLE READ, READ ONLY
transaction, so a million rows never sit in client memory at once and concurrent appends do not shift
the walk.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Engine

from store.rows import SELECT_LIST

DEFAULT_BATCH_SIZE = 20_000
_SELECT_ALL = f"SELECT {SELECT_LIST} FROM audit_events ORDER BY seq"
_SELECT_FROM = f"SELECT {SELECT_LIST} FROM audit_events WHERE seq >= {{mark}} ORDER BY seq"


@contextmanager
def chain_rows(
    engine: Engine, batch_size: int = DEFAULT_BATCH_SIZE, from_seq: int = 1
) -> Iterator[Iterator[list[tuple[Any, ...]]]]:
    """Batches of raw rows (tuples in ROW_COLUMNS order) from `from_seq` on, seq ascending, from one snapshot."""
    connection = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            setup = connection.cursor()
            setup.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            setup.close()
            cursor = connection.cursor(name="audit_chain_scan")
        else:
            cursor = connection.cursor()
            cursor.execute("BEGIN")
        try:
            if from_seq <= 1:
                cursor.execute(_SELECT_ALL)
            else:
                mark = "%s" if engine.dialect.name == "postgresql" else "?"
                cursor.execute(_SELECT_FROM.format(mark=mark), (from_seq,))
            yield _batches(cursor, batch_size)
        finally:
            cursor.close()
            connection.rollback()
    finally:
        connection.close()


def _batches(cursor: Any, batch_size: int) -> Iterator[list[tuple[Any, ...]]]:
    while True:
        batch = cursor.fetchmany(batch_size)
        if not batch:
            return
        yield batch
