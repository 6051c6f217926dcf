"""Fixtures for the audit store suite: every `store` test runs on SQLite and on PostgreSQL.

PostgreSQL is mandatory. Each test gets its own freshly created database (`govern_test_<uuid>`), dropped
afterwards. If the server cannot be reached the tests fail with one line saying so: they never skip.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from domain.events import DomainEvent
from store.canonical import GENESIS_HASH, record_hash
from store.engine import parse_store_url
from store.event_store import EventStore
from store.rows import ROW_COLUMNS

POSTGRES_URL = os.environ.get("GOVERN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")


# -- helpers (handed to tests as fixtures: the suite runs with --import-mode=importlib) ------------------

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def make_event(
    number: int,
    stream_id: str = "grant/2027-014",
    *,
    type: str = "GrantSubmitted",
    actor: str = "programme-officer-1",
    minutes: int | None = None,
    payload: dict[str, Any] | None = None,
    **fields: Any,
) -> DomainEvent:
    """A plausible governance event; `minutes` after T0 (default: `number` minutes)."""
    return DomainEvent(
        event_id=f"{stream_id}#{number}",
        stream_id=stream_id,
        type=type,
        occurred_at=T0 + timedelta(minutes=number if minutes is None else minutes),
        actor=actor,
        payload={"amount_usd": "12000.00", "number": number, "note": "Budget révisé"} if payload is None else payload,
        **fields,
    )


def fill(store: EventStore, count: int, streams: tuple[str, ...] = ("grant/2027-014", "grant/2027-015")) -> None:
    """`count` events, one per append, alternating between `streams`."""
    versions = dict.fromkeys(streams, 0)
    for number in range(1, count + 1):
        stream = streams[(number - 1) % len(streams)]
        store.append(stream, [make_event(number, stream)], expected_version=versions[stream])
        versions[stream] += 1


class Attacker:
    """Someone with write access to the database: drops the triggers, then edits rows directly."""

    def __init__(self, store: EventStore) -> None:
        self.engine = store.engine
        self.backend = store.backend
        with self.engine.begin() as connection:
            if self.backend == "postgresql":
                connection.exec_driver_sql("DROP TRIGGER audit_events_refuse_update_delete ON audit_events")
                connection.exec_driver_sql("DROP TRIGGER audit_events_refuse_truncate ON audit_events")
            else:
                connection.exec_driver_sql("DROP TRIGGER audit_events_refuse_update")
                connection.exec_driver_sql("DROP TRIGGER audit_events_refuse_delete")

    def run(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.text(sql), params)

    def row(self, seq: int) -> dict[str, Any]:
        columns = ", ".join(ROW_COLUMNS)
        with self.engine.connect() as connection:
            found = connection.execute(sa.text(f"SELECT {columns} FROM audit_events WHERE seq = :seq"), {"seq": seq})
            return dict(found.mappings().one())

    def last_seq(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sa.text("SELECT max(seq) FROM audit_events")).scalar() or 0)

    def rehash(self, seq: int) -> None:
        """Recompute this row's hash from its (possibly edited) fields, as a careful forger would."""
        row = self.row(seq)
        self.run("UPDATE audit_events SET hash = :h WHERE seq = :seq", h=record_hash(row, row["payload"]), seq=seq)

    def rehash_tail(self, from_seq: int) -> None:
        """Re-link and re-hash every row from `from_seq` to the end, so that a plain verify passes."""
        prev_hash = self.row(from_seq - 1)["hash"] if from_seq > 1 else GENESIS_HASH
        for seq in range(from_seq, self.last_seq() + 1):
            self.run("UPDATE audit_events SET prev_hash = :p WHERE seq = :seq", p=prev_hash, seq=seq)
            self.rehash(seq)
            prev_hash = self.row(seq)["hash"]

    def move(self, from_seq: int, to_seq: int) -> None:
        self.run("UPDATE audit_events SET seq = :to WHERE seq = :frm", to=to_seq, frm=from_seq)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    engine = sa.create_engine(parse_store_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError as error:
        engine.dispose()
        pytest.fail(
            f"PostgreSQL is required by the audit store tests and is unreachable at "
            f"{make_url(POSTGRES_URL).render_as_string(hide_password=True)} "
            f"(set GOVERN_TEST_POSTGRES_URL): {str(error).splitlines()[0]}",
            pytrace=False,
        )
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_admin: Engine) -> Iterator[str]:
    name = f"govern_test_{uuid.uuid4().hex[:16]}"
    with postgres_admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = parse_store_url(POSTGRES_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with postgres_admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'audit.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url: str) -> Iterator[EventStore]:
    opened = EventStore.open(store_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "checkpoint-ed25519.pem"


@pytest.fixture(name="make_event")
def make_event_fixture() -> Callable[..., DomainEvent]:
    return make_event


@pytest.fixture
def t0() -> datetime:
    return T0


@pytest.fixture(name="fill")
def fill_fixture() -> Callable[..., None]:
    return fill


@pytest.fixture
def attacker(store: EventStore) -> "Attacker":
    """An attacker on this test's store, triggers already dropped."""
    return Attacker(store)
