"""Appending: the chain, idempotent retries, optimistic concurrency, concurrent writers. Both backends."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from domain.events import DomainEvent
from store.canonical import GENESIS_HASH, reference_record_hash
from store.errors import AppendRejected, ConcurrencyConflict
from store.event_store import EventStore
from store.migrate import upgrade
from store.models import EventFilter
from store.verify import verify


def test_appended_events_read_back_as_a_hash_chain(store: EventStore, make_event: Callable[..., DomainEvent]) -> None:
    first = make_event(1, actor="director", actor_role="Director", reason="Within budget", outcome="approved")
    second = make_event(2, on_behalf_of="chair-of-board")
    stored = store.append("grant/2027-014", [first, second], expected_version=0, workflow_id="wf-1", run_id="run-1")

    assert [(e.seq, e.stream_version) for e in stored] == [(1, 1), (2, 2)]
    assert stored[0].prev_hash == GENESIS_HASH
    assert stored[1].prev_hash == stored[0].hash
    assert store.read_stream("grant/2027-014") == stored
    record = store.record_at(1)
    assert record is not None
    assert record["hash"] == reference_record_hash(record, record["payload"])
    assert record["occurred_at"] == "2027-03-01T09:01:00.000000Z"
    assert (stored[0].actor_role, stored[0].reason, stored[0].outcome) == (
        "Director",
        "Within budget",
        "approved",
    )
    assert (stored[0].workflow_id, stored[0].run_id) == ("wf-1", "run-1")
    assert stored[1].on_behalf_of == "chair-of-board"
    assert stored[0].payload == first.payload
    assert store.head() == (2, stored[1].hash)
    assert store.count() == 2
    assert store.current_version("grant/2027-014") == 2


def test_an_empty_store_has_the_genesis_head(store: EventStore) -> None:
    assert store.head() == (0, GENESIS_HASH)
    assert store.count() == 0
    assert store.read_stream("grant/2027-014") == []
    assert verify(store).ok


def test_occurred_at_is_kept_in_utc(store: EventStore, make_event: Callable[..., DomainEvent], t0: datetime) -> None:
    event = make_event(1).model_copy(update={"occurred_at": t0.astimezone(timezone(timedelta(hours=3)))})
    stored = store.append("grant/2027-014", [event], expected_version=0)
    assert stored[0].occurred_at == t0
    assert stored[0].occurred_at.utcoffset() == timedelta(0)
    assert store.read_stream("grant/2027-014")[0].occurred_at.tzinfo is not None
    assert store.read_stream("grant/2027-014")[0].recorded_at.tzinfo == UTC


def test_retrying_an_append_returns_the_stored_records_and_writes_nothing(
    store: EventStore, make_event: Callable[..., DomainEvent]
) -> None:
    batch = [make_event(1), make_event(2)]
    stored = store.append("grant/2027-014", batch, expected_version=0)
    store.append("grant/2027-014", [make_event(3)], expected_version=2)

    assert store.append("grant/2027-014", batch, expected_version=0) == stored  # retry with its version
    assert store.append("grant/2027-014", batch, expected_version=None) == stored  # retry without
    assert store.count() == 3
    assert verify(store).ok


def test_a_partly_stored_batch_is_refused(store: EventStore, make_event: Callable[..., DomainEvent]) -> None:
    store.append("grant/2027-014", [make_event(1)], expected_version=0)
    with pytest.raises(AppendRejected, match="already stored"):
        store.append("grant/2027-014", [make_event(1), make_event(2)], expected_version=None)
    assert store.count() == 1


def test_an_event_id_reused_in_another_case_is_refused(
    store: EventStore, make_event: Callable[..., DomainEvent]
) -> None:
    store.append("grant/2027-014", [make_event(1)], expected_version=0)
    reused = make_event(1, "grant/2027-099").model_copy(update={"event_id": "grant/2027-014#1"})
    with pytest.raises(AppendRejected, match="already stored in case grant/2027-014"):
        store.append("grant/2027-099", [reused], expected_version=0)
    assert store.count() == 1


def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(
    store: EventStore, make_event: Callable[..., DomainEvent]
) -> None:
    store.append("grant/2027-014", [make_event(1), make_event(2)], expected_version=0)
    head = store.head()
    with pytest.raises(ConcurrencyConflict) as conflict:
        store.append("grant/2027-014", [make_event(3)], expected_version=1)
    assert str(conflict.value) == (
        "Case grant/2027-014 is at version 2, not 1 as expected: someone else changed it first, "
        "so nothing was written; reload the case and try again."
    )
    assert (conflict.value.expected_version, conflict.value.actual_version) == (1, 2)
    assert store.head() == head
    assert store.read_stream("grant/2027-014", from_version=2) == []


def test_a_new_case_expects_version_zero(store: EventStore, make_event: Callable[..., DomainEvent]) -> None:
    with pytest.raises(ConcurrencyConflict):
        store.append("grant/2027-014", [make_event(1)], expected_version=3)
    assert store.count() == 0


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"stream_id": "grant/2027-099"}, "belongs to case grant/2027-099"),
        ({"number": 0}, "appears twice"),
        ({"payload": {"x": float("inf")}}, "cannot be stored"),
        ({"actor": ""}, "empty actor"),
    ],
)
def test_a_malformed_batch_is_refused_whole(
    store: EventStore, make_event: Callable[..., DomainEvent], spec: dict[str, Any], message: str
) -> None:
    spec = {"number": 1, **spec}
    bad = make_event(spec.pop("number"), spec.pop("stream_id", "grant/2027-014"), **spec)
    with pytest.raises(AppendRejected, match=message):
        store.append("grant/2027-014", [make_event(0), bad], expected_version=None)
    assert store.count() == 0


def test_empty_optional_text_is_stored_as_null(store: EventStore, make_event: Callable[..., DomainEvent]) -> None:
    stored = store.append("grant/2027-014", [make_event(1, reason="", outcome="")], expected_version=0)
    assert (stored[0].reason, stored[0].outcome) == (None, None)
    assert store.record_at(1)["reason"] is None  # type: ignore[index]


def test_an_empty_batch_writes_nothing(store: EventStore) -> None:
    assert store.append("grant/2027-014", [], expected_version=0) == []
    assert store.count() == 0


def test_concurrent_writers_keep_one_gapless_verifying_chain(
    store_url: str, make_event: Callable[..., DomainEvent]
) -> None:
    """Eight workers, each with its own store (and pool), appending to their own case and to a shared one."""
    upgrade(store_url)
    workers, per_worker = 8, 15
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def worker(index: int) -> None:
        own = EventStore.open(store_url)
        try:
            start.wait()
            for number in range(per_worker):
                stream = f"grant/2027-{index:03d}"
                own.append(stream, [make_event(number, stream)], expected_version=number)
                shared = "policy/travel"
                while True:  # the optimistic-concurrency loop a workflow would run
                    version = own.current_version(shared)
                    event = make_event(index * 1000 + number, shared)
                    try:
                        own.append(shared, [event], expected_version=version)
                        break
                    except ConcurrencyConflict:
                        continue
        except BaseException as error:  # surfaced below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    with EventStore.open(store_url) as store:
        total = workers * per_worker * 2
        result = verify(store)
        assert result.ok, result.problem
        assert result.count == total
        with store.engine.connect() as connection:
            seqs = connection.execute(sa.text("SELECT seq FROM audit_events ORDER BY seq")).scalars().all()
        assert seqs == list(range(1, total + 1))
        shared = store.read_stream("policy/travel")
        assert [e.stream_version for e in shared] == list(range(1, workers * per_worker + 1))
        # The chain is written under one lock: store time never runs backwards along the sequence.
        recorded = [e.recorded_at for e in store.read(EventFilter(limit=total)).events]
        assert recorded == sorted(recorded)


def test_migrating_twice_is_harmless_and_open_creates_directories(tmp_path: Path, fill: Callable[..., None]) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'audit.db'}"
    upgrade(url)
    upgrade(url)
    with EventStore.open(url) as store:
        fill(store, 3)
        assert verify(store).ok
    assert (tmp_path / "deep" / "er" / "audit.db").exists()


def test_sqlite_runs_in_wal_with_full_sync(tmp_path: Path) -> None:
    with EventStore.open(f"sqlite:///{tmp_path / 'audit.db'}") as store:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
