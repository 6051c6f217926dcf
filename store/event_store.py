"""The audit event store: append domain events to one hash chain, read them back.

Appends are serialised so that sequence order, chain order and commit order are one and the same, even with
many workers: SQLite takes its writer lock up front with BEGIN IMMEDIATE; PostgreSQL locks the single
`audit_chain_head` row FOR UPDATE (READ COMMITTED, so every later statement in the transaction sees what the
previous lock holder committed). Under that lock the store reads the head and the case's version, hashes
the new records onto the head and inserts them, all in one transaction.

The append path runs a handful of fixed SQL statements on the pooled DB-API connection rather than through
SQLAlchemy's statement machinery: it is the hot path of every governance action, and the per-statement
overhead of the Core execution layer is larger than the SQLite insert itself. Reads use SQLAlchemy Core.
"""

import json
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import StaticPool

from domain.events import DomainEvent
from store import desk_sql
from store.canonical import (
    GENESIS_HASH,
    NotCanonicalisable,
    canonical_payload,
    canonical_time,
    record_hash_from_row,
)
from store.engine import create_store_engine, describe_url, parse_store_url, sqlite_file_of
from store.errors import AppendRejected, ConcurrencyConflict, ProjectionsBehind, StoreError, StoreUnavailable
from store.migrate import head_revision, stored_revision, upgrade
from store.models import ChainHead, EventFilter, Page, StoredEvent
from store.projector import Projector
from store.queries import filtered_select, stream_select
from store.rows import (
    EVENT_ID_INDEX,
    ROW_COLUMNS,
    SELECT_LIST,
    STREAM_ID_INDEX,
    row_as_dict,
    stored_event_from_row,
)
from store.schema import audit_chain_head, audit_events

_OPTIONAL_TEXT = ("actor_role", "on_behalf_of", "reason", "outcome")


class _Statements:
    """The append path's SQL for one backend, written once with the backend's placeholder."""

    def __init__(self, dialect_name: str, projections: bool = True) -> None:
        self.is_postgres = dialect_name == "postgresql"
        self.mark = "%s" if self.is_postgres else "?"
        self.begin = None if self.is_postgres else "BEGIN IMMEDIATE"
        self.lock = "SELECT id FROM audit_chain_head WHERE id = 1 FOR UPDATE" if self.is_postgres else None
        # One round trip for "where is the chain", "where is this case" and "are the projections in step" (the
        # head's case row and the cursor, as `desk_sql.LAG` reads them); the outer join yields one row even on an
        # empty log.
        in_step = desk_sql.IN_STEP_COLUMNS if projections else "NULL, NULL"
        self.state = (
            "SELECT head.seq, head.hash, "
            f"(SELECT max(stream_version) FROM audit_events WHERE stream_id = {self.mark}), {in_step} "
            "FROM (SELECT 1 AS one) AS anchor LEFT JOIN "
            "(SELECT seq, hash, stream_id FROM audit_events ORDER BY seq DESC LIMIT 1) AS head ON 1 = 1"
        )
        placeholders = ", ".join([self.mark] * len(ROW_COLUMNS))
        self.insert = f"INSERT INTO audit_events ({SELECT_LIST}) VALUES ({placeholders})"

    def find_ids(self, count: int) -> str:
        return _find_ids_sql(self.mark, count)


@lru_cache(maxsize=128)
def _find_ids_sql(mark: str, count: int) -> str:
    marks = ", ".join([mark] * count)
    return f"SELECT {SELECT_LIST} FROM audit_events WHERE event_id IN ({marks}) ORDER BY seq"


_STATEMENTS = {
    (name, projections): _Statements(name, projections)
    for name in ("sqlite", "postgresql")
    for projections in (True, False)
}


class _WriterHandle:
    """A thread's own SQLite connection; closed when the thread (its thread-local) or the store goes away."""

    __slots__ = ("connection", "__weakref__")

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # already closed, or the interpreter is shutting down
            pass

    __del__ = close


_NO_OFFSET = timedelta(0)


class _PreparedEvent:
    """What can be computed before taking the lock: everything but seq, version, prev_hash and recorded_at."""

    __slots__ = ("event", "occurred_at", "payload_json", "optional")

    def __init__(self, event: DomainEvent, occurred_at: str, payload_json: str, optional: dict[str, str | None]):
        self.event = event
        self.occurred_at = occurred_at
        self.payload_json = payload_json
        self.optional = optional

    def as_stored(self) -> DomainEvent:
        """The event exactly as a reader of the store will see it (payload decoded from its canonical text, UTC
        time, empty texts as null), for the projections to fold what the log holds. Usually the caller's event
        already is that, and is returned as it is."""
        event = self.event
        payload = json.loads(self.payload_json)
        if (
            # UTC by any tzinfo object: an event that came through Temporal carries pydantic's own UTC, which
            # reads, compares and serialises exactly as the stored instant does.
            event.occurred_at.utcoffset() == _NO_OFFSET
            and all(getattr(event, name) == value for name, value in self.optional.items())
            and payload == event.payload
        ):
            return event
        return event.model_copy(
            update={"payload": payload, "occurred_at": event.occurred_at.astimezone(UTC), **self.optional}
        )


class EventStore:
    """Append-only, hash-chained storage of domain events (table `audit_events`)."""

    def __init__(self, engine: Engine, *, owns_engine: bool = False, projections: bool = True) -> None:
        """`projections=False` appends as the release before projections did (benchmarks and tests of the
        catch-up use it); every other writer keeps them, in the append's own transaction."""
        if (engine.dialect.name, projections) not in _STATEMENTS:
            raise StoreUnavailable(f"The audit store supports SQLite and PostgreSQL, not {engine.dialect.name}.")
        self._engine = engine
        self._owns_engine = owns_engine
        self._sql = _STATEMENTS[(engine.dialect.name, projections)]
        self._projector = Projector(engine.dialect.name) if projections else None
        self._integrity_error: type[Exception] = engine.dialect.loaded_dbapi.IntegrityError
        self._keeps_writers = engine.dialect.name == "sqlite" and not isinstance(engine.pool, StaticPool)
        self._writers = threading.local()
        self._all_writers: weakref.WeakSet[_WriterHandle] = weakref.WeakSet()

    @classmethod
    def open(cls, url: str | URL) -> "EventStore":
        """Open (creating the SQLite file's directory if needed) and migrate the store at `url`, and bring its
        projections up to the log if anything appended without keeping them. For writers: workers and
        `govern migrate`."""
        engine = create_store_engine(url)
        try:
            upgrade(engine)
            store = cls(engine, owns_engine=True)
            store.catch_up_projections()
        except BaseException:
            engine.dispose()
            raise
        return store

    @classmethod
    def open_existing(cls, url: str | URL, *, projections_current: bool = True) -> "EventStore":
        """Open a store that must already exist and be migrated, for commands that only read.

        A read never creates a database, a directory or a table, and never migrates: a mistyped path must
        say so rather than verify an empty chain that it has just created. Unless `projections_current` is
        False (the commands that check or rebuild them), read projections behind the log are refused with
        `ProjectionsBehind`, so that no list is read from them out of date.
        """
        parsed = parse_store_url(url)
        file = sqlite_file_of(parsed) if parsed.get_backend_name() == "sqlite" else None
        if parsed.get_backend_name() == "sqlite" and file is not None and not file.is_file():
            raise StoreUnavailable(f"No audit store at {file}.")
        engine = create_store_engine(parsed, create_directories=False)
        try:
            revision = stored_revision(engine)
        except BaseException:
            engine.dispose()
            raise
        if revision is None:
            engine.dispose()
            raise StoreUnavailable(
                f"No audit store at {describe_url(parsed)}: the database has no audit tables; "
                "run `govern migrate` (or start `govern up`) to create them."
            )
        if revision != head_revision():
            engine.dispose()
            raise StoreUnavailable(
                f"The audit store at {describe_url(parsed)} is at schema revision {revision}, not {head_revision()}; "
                "run `govern migrate` to bring it up to date."
            )
        store = cls(engine, owns_engine=True)
        if not projections_current:
            return store
        try:
            lag = store.projection_lag()
        except BaseException:
            store.close()
            raise
        if lag is not None:
            store.close()
            raise ProjectionsBehind(lag[0], lag[1], describe_url(parsed))
        return store

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def backend(self) -> str:
        return self._engine.dialect.name

    def close(self) -> None:
        for handle in list(self._all_writers):
            handle.close()
        self._writers = threading.local()
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> "EventStore":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EventStore({describe_url(self._engine.url)})"

    # -- writing -----------------------------------------------------------------------------------------

    def append(
        self,
        stream_id: str,
        events: Sequence[DomainEvent],
        expected_version: int | None,
        workflow_id: str | None = None,
        run_id: str | None = None,
    ) -> list[StoredEvent]:
        """Append `events` to case `stream_id` in one transaction and return them as stored.

        Idempotent: when every event id is already stored (an activity retry), the stored records are returned
        and nothing is written. Optimistic concurrency: when `expected_version` is given and the case is at
        another version, ConcurrencyConflict is raised and nothing is written.
        """
        prepared = _prepare(stream_id, events, expected_version)
        if not prepared:
            return []
        workflow_id = workflow_id or None
        run_id = run_id or None
        sql = self._sql
        connection = self._writer_connection()
        try:
            cursor = connection.cursor()
            try:
                if sql.begin is not None:
                    cursor.execute(sql.begin)
                if sql.lock is not None:
                    cursor.execute(sql.lock)
                cursor.execute(sql.state, (stream_id,))
                head_seq, head_hash, version, on_case_row, cursor_seq = cursor.fetchone()
                head_seq = head_seq or 0
                prev_hash = head_hash or GENESIS_HASH
                version = version or 0
                projector = self._projector
                if projector is not None and not desk_sql.in_step(head_seq, on_case_row, cursor_seq):
                    # Something appended without keeping the projections: fold its events first.
                    projector.catch_up(connection, cursor, desk_sql.reached(cursor, cursor_seq or 0), head_seq)
                if expected_version is not None and version != expected_version:
                    # A retry of a batch that did land looks like a conflict; it must return, not fail.
                    stored = self._already_stored(cursor, stream_id, prepared)
                    connection.rollback()
                    if stored is not None:
                        return stored
                    raise ConcurrencyConflict(stream_id, expected_version, version)
                recorded_at_dt = datetime.now(UTC)
                recorded_at = canonical_time(recorded_at_dt)
                rows = []
                for offset, item in enumerate(prepared, start=1):
                    event = item.event
                    optional = item.optional
                    # In ROW_COLUMNS order (the canonical header order), so the tuple is hashed as is.
                    header = (
                        event.actor,
                        optional["actor_role"],
                        event.event_id,
                        item.occurred_at,
                        optional["on_behalf_of"],
                        optional["outcome"],
                        prev_hash,
                        optional["reason"],
                        recorded_at,
                        run_id,
                        head_seq + offset,
                        stream_id,
                        version + offset,
                        event.type,
                        workflow_id,
                    )
                    try:
                        prev_hash = record_hash_from_row(header, item.payload_json)
                    except UnicodeEncodeError:
                        raise AppendRejected(
                            f"Event {event.event_id} holds invalid Unicode text; it cannot be hashed."
                        ) from None
                    rows.append((*header, item.payload_json, prev_hash))
                try:
                    if len(rows) == 1:
                        cursor.execute(sql.insert, rows[0])
                    else:
                        cursor.executemany(sql.insert, rows)
                except self._integrity_error as error:
                    # Normally an event id that is already stored: an activity retry without expected_version.
                    connection.rollback()
                    stored = self._lookup_retry(stream_id, prepared)
                    if stored is not None:
                        return stored
                    raise StoreError(f"The append to case {stream_id} was refused by the database: {error}.") from None
                fold = None
                if projector is not None:
                    fold = projector.append(cursor, stream_id, version, rows, [item.as_stored() for item in prepared])
                connection.commit()
                if projector is not None and fold is not None:
                    projector.remember(fold)
            finally:
                cursor.close()
        except BaseException:
            self._abandon(connection)
            raise
        finally:
            if not self._keeps_writers:
                connection.close()
        return [_stored_from_row(row, item.event, recorded_at_dt) for row, item in zip(rows, prepared, strict=True)]

    def _abandon(self, connection: Any) -> None:
        """Roll back a failed append; a connection that cannot even do that (server gone) is thrown away."""
        try:
            connection.rollback()
        except Exception:
            if self._keeps_writers:
                handle = getattr(self._writers, "handle", None)
                self._writers.handle = None
                if handle is not None:
                    handle.close()
            else:
                connection.invalidate()

    def _writer_connection(self) -> Any:
        """The DB-API connection for one append.

        SQLite: each thread keeps one connection of its own, taken out of the pool once (with the pool's
        settings applied), because the pool's check-out and reset cost about a sixth of an append; SQLite
        connections are cheap and the writer lock, not the connection count, bounds concurrency.
        PostgreSQL: a pooled connection, returned after the append.
        """
        if not self._keeps_writers:
            return self._engine.raw_connection()
        handle = getattr(self._writers, "handle", None)
        if handle is None:
            pooled = self._engine.raw_connection()
            handle = _WriterHandle(pooled.dbapi_connection)
            pooled.detach()
            self._writers.handle = handle
            self._all_writers.add(handle)
        return handle.connection

    def _already_stored(self, cursor: Any, stream_id: str, prepared: list[_PreparedEvent]) -> list[StoredEvent] | None:
        """The stored records when every event of the batch is stored already; None when none is.

        A batch that is only partly stored, or whose ids are stored under another case, is refused: a retried
        activity always resends the same batch, so this is a reused id, and guessing would corrupt the trail.
        """
        ids = [item.event.event_id for item in prepared]
        cursor.execute(self._sql.find_ids(len(ids)), ids)
        found = cursor.fetchall()
        if not found:
            return None
        by_id = {row[EVENT_ID_INDEX]: row for row in found}
        missing = [event_id for event_id in ids if event_id not in by_id]
        if missing:
            raise AppendRejected(
                f"Events {', '.join(sorted(by_id))} are already stored but {', '.join(missing)} are not; "
                "a retried append must resend exactly the same batch."
            )
        for row in found:
            if row[STREAM_ID_INDEX] != stream_id:
                raise AppendRejected(
                    f"Event {row[EVENT_ID_INDEX]} is already stored in case {row[STREAM_ID_INDEX]}, "
                    f"not {stream_id}; event ids must be unique."
                )
        return [stored_event_from_row(by_id[event_id]) for event_id in ids]

    def _lookup_retry(self, stream_id: str, prepared: list[_PreparedEvent]) -> list[StoredEvent] | None:
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                return self._already_stored(cursor, stream_id, prepared)
            finally:
                cursor.close()
                connection.rollback()
        finally:
            connection.close()

    # -- projections -------------------------------------------------------------------------------------

    @contextmanager
    def _holding_append_lock(self) -> Iterator[tuple[Any, Any]]:
        """A transaction that holds the lock every append takes, on a connection of its own; committed when the
        block ends, rolled back when it raises."""
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                if self._sql.begin is not None:
                    cursor.execute(self._sql.begin)
                if self._sql.lock is not None:
                    cursor.execute(self._sql.lock)
                yield connection, cursor
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
            finally:
                cursor.close()
        finally:
            connection.close()

    def _require_projector(self) -> Projector:
        if self._projector is None:
            raise StoreError("This store was opened without projections.")
        return self._projector

    def catch_up_projections(self) -> int:
        """Fold whatever the log holds beyond the projections' cursor; returns the number of events folded."""
        projector = self._require_projector()
        if self.projection_lag() is None:
            return 0
        with self._holding_append_lock() as (connection, cursor):
            behind = desk_sql.lag(cursor)
            if behind is None:
                return 0
            reached, head = behind
            projector.catch_up(connection, cursor, reached, head)
        return head - reached

    def rebuild_projections(self) -> tuple[int, int]:
        """Every projection row recomputed from the log, in one transaction that holds the append lock (appends
        wait meanwhile); returns (events, cases)."""
        projector = self._require_projector()
        with self._holding_append_lock() as (connection, cursor):
            head = self._head_seq(cursor)
            cases = projector.rebuild(connection, cursor, head)
        return head, cases

    @staticmethod
    def _head_seq(cursor: Any) -> int:
        cursor.execute("SELECT max(seq) FROM audit_events")
        row = cursor.fetchone()
        return int(row[0] or 0)

    def projection_lag(self) -> tuple[int, int] | None:
        """(projected up to, log head) when the projections are behind the log; None when they are in step."""
        with self.raw_cursor() as cursor:
            return desk_sql.lag(cursor)

    @contextmanager
    def raw_cursor(self) -> Iterator[Any]:
        """A DB-API cursor for the read projections' indexed queries (they bypass SQLAlchemy's statement layer
        for the same reason the append does). On SQLite it is the thread's own connection, outside any
        transaction: each statement reads the latest commit."""
        connection = self._writer_connection()
        try:
            cursor = connection.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
                if not self._keeps_writers:
                    connection.rollback()
        finally:
            if not self._keeps_writers:
                connection.close()

    @property
    def placeholder(self) -> str:
        """The DB-API parameter mark of this backend (`?` or `%s`)."""
        return self._sql.mark

    # -- reading -----------------------------------------------------------------------------------------

    def read_stream(self, stream_id: str, from_version: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """The case's events with stream_version > `from_version`, in version order (at most `limit`)."""
        with self._engine.connect() as connection:
            rows = connection.execute(stream_select(stream_id, from_version, limit)).all()
        return [stored_event_from_row(row) for row in rows]

    def read(self, event_filter: EventFilter | None = None) -> Page:
        """One page of events matching `event_filter`, in sequence order, with the next page's cursor."""
        event_filter = event_filter or EventFilter()
        with self._engine.connect() as connection:
            rows = connection.execute(filtered_select(event_filter, limit=event_filter.limit + 1)).all()
        more = len(rows) > event_filter.limit
        events = [stored_event_from_row(row) for row in rows[: event_filter.limit]]
        return Page(events=events, next_after_seq=events[-1].seq if more else None)

    def current_version(self, stream_id: str) -> int:
        """The case's latest stream_version, 0 when it has no events."""
        statement = sa.select(sa.func.max(audit_events.c.stream_version)).where(audit_events.c.stream_id == stream_id)
        with self._engine.connect() as connection:
            return connection.execute(statement).scalar() or 0

    def head(self) -> ChainHead:
        """(seq, hash) of the last record; (0, GENESIS_HASH) when the log is empty."""
        statement = sa.select(audit_events.c.seq, audit_events.c.hash).order_by(audit_events.c.seq.desc()).limit(1)
        with self._engine.connect() as connection:
            row = connection.execute(statement).first()
        return ChainHead(0, GENESIS_HASH) if row is None else ChainHead(int(row[0]), row[1])

    def count(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(audit_events)).scalar_one())

    def log_id(self) -> str:
        """This log's identity, created with the schema and signed into every checkpoint."""
        with self._engine.connect() as connection:
            value = connection.execute(sa.select(audit_chain_head.c.log_id).where(audit_chain_head.c.id == 1)).scalar()
        if value is None:
            raise StoreError("The audit store has no audit_chain_head row; it was not migrated or was tampered with.")
        return str(value)

    def record_at(self, seq: int) -> dict[str, Any] | None:
        """The raw stored row at `seq` (payload as canonical text), or None."""
        statement = sa.select(*(audit_events.c[name] for name in ROW_COLUMNS)).where(audit_events.c.seq == seq)
        with self._engine.connect() as connection:
            row = connection.execute(statement).first()
        return None if row is None else row_as_dict(tuple(row))


def _prepare(stream_id: str, events: Sequence[DomainEvent], expected_version: int | None) -> list[_PreparedEvent]:
    """Validate the batch and do the lock-free work (canonical payloads and times) before taking the lock."""
    if not stream_id:
        raise AppendRejected("An append needs a case (stream id); none was given.")
    if expected_version is not None and expected_version < 0:
        raise AppendRejected(f"Expected version {expected_version} is negative; versions start at 0 (no events).")
    seen: set[str] = set()
    prepared = []
    for event in events:
        if event.stream_id != stream_id:
            raise AppendRejected(
                f"Event {event.event_id} belongs to case {event.stream_id}, not {stream_id}; "
                "a batch is appended to one case."
            )
        for name in ("event_id", "type", "actor"):
            if not getattr(event, name):
                raise AppendRejected(f"An event for case {stream_id} has an empty {name}; it is required.")
        if event.event_id in seen:
            raise AppendRejected(f"Event {event.event_id} appears twice in one batch; event ids must be unique.")
        seen.add(event.event_id)
        try:
            payload_json = canonical_payload(event.payload)
        except NotCanonicalisable as error:
            raise AppendRejected(f"The payload of event {event.event_id} cannot be stored: {error}.") from None
        # An empty optional text is stored as null, so CSV exports (which cannot tell "" from null) verify.
        optional = {name: getattr(event, name) or None for name in _OPTIONAL_TEXT}
        prepared.append(_PreparedEvent(event, canonical_time(event.occurred_at), payload_json, optional))
    return prepared


def _stored_from_row(row: tuple[Any, ...], event: DomainEvent, recorded_at: datetime) -> StoredEvent:
    # The caller's event already holds the decoded payload; reuse it rather than parse our own JSON back.
    values = dict(zip(ROW_COLUMNS, row, strict=True))
    values["occurred_at"] = event.occurred_at.astimezone(UTC)
    values["recorded_at"] = recorded_at
    values["payload"] = event.payload
    # Validation (in pydantic-core) is faster than model_construct's Python loop, and checks the record too.
    return StoredEvent.model_validate(values)
