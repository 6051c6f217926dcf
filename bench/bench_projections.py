"""The projections' cost and reach (issue 10).

- `store.append.with_projections_vs_without`: the governance year's own batches (what its workflows committed,
  one append each, in order) appended to a fresh SQLite store keeping the projections in the same transaction,
  against the same batches appended without them (the append as it was before: same code, same statements, no
  projection), on the same disk with the same durability (WAL, synchronous=FULL). Rounds alternate and rotate;
  each side's best round counts.
- `store.append.least_projection_vs_without`: the same batches with the least a projection in the append's
  transaction can do and still keep its promise: fold the events with the case's own rules (as the projections
  do) and write the case's row with the sequence it reached (which is what tells a reader the projections are
  in step), and nothing else: no steps, snapshots, delegations or participants. No row a reader needs is cheaper
  than this, so it is the ceiling of `with_projections_vs_without` on this machine.
- `store.append.wal_frames_per_commit`: what each of those appends writes to the WAL (pages per commit), with
  projections and without, counted in an untimed run with the automatic checkpoint off. Every page a commit
  dirties is written, and copied back at the next checkpoint, so this is the part of the projections' cost
  that no Python speed-up removes.
- `projections.rebuild.1m`, `projections.check.1m`: `govern projections rebuild` and `check`'s work on the
  million-event store, in events per second.
- `store.verify.from_checkpoint.1m`: `govern audit verify --from-checkpoint` for the last 10,000 events of the
  million, against verifying the whole chain.
"""

import json
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event as engine_event

from bench import fixtures
from bench.fixtures import describe, governance_year, million_store, workdir
from domain.events import DomainEvent
from store.canonical import canonical_time
from store.checkpoint import CheckpointStatement, key_id_of, load_or_create_private_key, log_name, sign_statement
from store.engine import create_store_engine
from store.event_store import EventStore
from store.migrate import upgrade
from store.projection_check import check_projections
from store.projection_rows import case_values
from store.projector import Projector
from store.rows import COLUMN_INDEX, SELECT_LIST
from store.verify import verify


def _batches(store: Path, copies: int) -> list[tuple[str, list[DomainEvent]]]:
    """The store's append batches (events of one case recorded together), `copies` times under new ids."""
    connection = sqlite3.connect(store)
    rows = connection.execute(f"SELECT {SELECT_LIST} FROM audit_events ORDER BY seq").fetchall()
    connection.close()
    index = COLUMN_INDEX
    batches: list[tuple[str, list[DomainEvent]]] = []
    for copy in range(copies):
        previous = None
        for row in rows:
            case_id = row[index["stream_id"]] + (f"-b{copy}" if copy else "")
            key = (case_id, row[index["recorded_at"]])
            event = DomainEvent(
                event_id=f"{row[index['event_id']]}-b{copy}",
                stream_id=case_id,
                type=row[index["type"]],
                occurred_at=row[index["occurred_at"]],
                actor=row[index["actor"]],
                actor_role=row[index["actor_role"]],
                on_behalf_of=row[index["on_behalf_of"]],
                reason=row[index["reason"]],
                outcome=row[index["outcome"]],
                payload=json.loads(row[index["payload"]]),
            )
            if key == previous:
                batches[-1][1].append(event)
            else:
                batches.append((case_id, [event]))
            previous = key
    return batches


#: A WAL file's own header, before its first frame; each frame is a page and a 24-byte frame header.
WAL_HEADER_BYTES = 32
WAL_FRAME_HEADER_BYTES = 24


class LeastProjector(Projector):
    """Folds each batch as the projector does, and writes only its case's row (see the module's docstring)."""

    def write_changes(self, cursor: Any, fold: Any, before: Any, known_delegations: int, people: set[str]) -> None:
        cursor.execute(self.sql.case, case_values(fold))


#: The three sides of the append figures: the projections, the least of them, none.
SIDES = ("projections", "least", "none")


def _fresh_store(path: Path, projections: bool, keep_every_frame: bool = False) -> EventStore:
    """A new, migrated SQLite store at `path`. With `keep_every_frame` its connections never checkpoint, so its WAL
    keeps every frame the appends write (the migration's are checkpointed away, and the WAL removed, first)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = create_store_engine(f"sqlite:///{path}")
    upgrade(engine)
    if keep_every_frame:
        engine.dispose()
        if Path(f"{path}-wal").exists():
            raise RuntimeError(f"{path}-wal outlived the migration's connections; its frames would be counted.")

        @engine_event.listens_for(engine, "connect")
        def _keep_every_frame(connection: Any, _record: Any) -> None:
            connection.execute("PRAGMA wal_autocheckpoint=0")

    return EventStore(engine, owns_engine=True, projections=projections)


def _append_all(store: EventStore, batches: list[tuple[str, list[DomainEvent]]]) -> None:
    """Each batch in one append, with optimistic concurrency, as the workflows append."""
    versions: dict[str, int] = {}
    for case_id, events in batches:
        version = versions.get(case_id, 0)
        store.append(case_id, events, expected_version=version)
        versions[case_id] = version + len(events)


def _append(path: Path, batches: list[tuple[str, list[DomainEvent]]], side: str) -> float:
    store = _fresh_store(path, side != "none")
    if side == "least":
        store._projector = LeastProjector(store.backend)
    try:
        started = time.perf_counter()
        _append_all(store, batches)
        elapsed = time.perf_counter() - started
    finally:
        store.close()
    return sum(len(events) for _, events in batches) / elapsed


def _wal_frames_per_commit(path: Path, batches: list[tuple[str, list[DomainEvent]]], projections: bool) -> float:
    """What each append's commit writes: WAL frames (pages) per batch, counted with the automatic checkpoint off
    so that the log keeps every frame (an untimed run of its own)."""
    store = _fresh_store(path, projections, keep_every_frame=True)
    try:
        _append_all(store, batches)
        with closing(sqlite3.connect(path)) as reader:
            page_size = reader.execute("PRAGMA page_size").fetchone()[0]
        written = Path(f"{path}-wal").stat().st_size - WAL_HEADER_BYTES
    finally:
        store.close()
    return written / (page_size + WAL_FRAME_HEADER_BYTES) / len(batches)


def _signed_checkpoint_at(store: EventStore, seq: int, key: Path, out: Path) -> Path:
    """A checkpoint of the log as it stood at `seq`, signed as `govern audit checkpoint` signs (for the bench)."""
    private_key = load_or_create_private_key(key)
    record = store.record_at(seq)
    assert record is not None
    statement = CheckpointStatement(
        log=log_name(store.log_id()),
        seq=seq,
        head_hash=record["hash"],
        time=canonical_time(datetime.now(UTC)),
        key_id=key_id_of(private_key.public_key()),
    )
    out.write_text(sign_statement(statement, private_key).model_dump_json())
    return out


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    quick = quick or fixtures.quick()
    rounds = 3 if quick else 6
    year = governance_year()
    batches = _batches(year.store, 1 if quick else 2)
    events = sum(len(chunk) for _, chunk in batches)
    best = dict.fromkeys(SIDES, 0.0)
    for round_number in range(rounds):
        # Each side goes first, second and last in turn, so none always follows the same one.
        for side in SIDES[round_number % 3 :] + SIDES[: round_number % 3]:
            rate = _append(workdir() / f"append-{side}.db", batches, side)
            best[side] = max(best[side], rate)

    frames = {side: _wal_frames_per_commit(workdir() / f"frames-{side}.db", batches, side) for side in (True, False)}

    million = million_store()
    size = describe(million)
    with EventStore.open_existing(million.url) as store:
        started = time.perf_counter()
        checked = check_projections(store)
        check_seconds = time.perf_counter() - started
        assert checked.ok, checked.differences[:5]
        key = workdir() / "checkpoint-ed25519.pem"
        since = min(10_000, million.events // 10)
        checkpoint = _signed_checkpoint_at(store, million.events - since, key, workdir() / "checkpoint.json")
        started = time.perf_counter()
        partial = verify(store, from_checkpoint=checkpoint, key_path=key)
        partial_seconds = time.perf_counter() - started
        started = time.perf_counter()
        full = verify(store)
        full_seconds = time.perf_counter() - started
        assert partial.ok and full.ok and partial.head_seq == full.head_seq == million.events
    return {
        "store.append.with_projections_vs_without": {
            "value": round(best["projections"], 1),
            "unit": "events/s",
            "baseline": (
                f"the same {len(batches):,} batches ({events:,} events of the governance year's workflows) appended "
                "without projections, same store code, disk and durability (WAL, synchronous=FULL), best of "
                f"{rounds} rounds"
            ),
            "baseline_value": round(best["none"], 1),
            "ratio": round(best["projections"] / best["none"], 3),
            "target": 0.8,
            "bound": "at_least",
        },
        "store.append.least_projection_vs_without": {
            "value": round(best["least"], 1),
            "unit": "events/s",
            "baseline": "the same batches without projections, same rounds",
            "baseline_value": round(best["none"], 1),
            "ratio": round(best["least"] / best["none"], 3),
            "target": None,
            "bound": None,
        },
        "store.append.wal_frames_per_commit": {
            "value": round(frames[True], 2),
            "unit": "pages written per append",
            "baseline": "the same batches without projections",
            "baseline_value": round(frames[False], 2),
            "ratio": round(frames[True] / frames[False], 3),
            "target": None,
            "bound": None,
        },
        "projections.rebuild.1m": {
            "value": round(million.events / million.rebuild_seconds, 1),
            "unit": "events/s",
            "baseline": None,
            "baseline_value": None,
            "ratio": None,
            "target": None,
            "bound": None,
        },
        "projections.check.1m": {
            "value": round(million.events / check_seconds, 1),
            "unit": "events/s",
            "baseline": None,
            "baseline_value": None,
            "ratio": None,
            "target": None,
            "bound": None,
        },
        "store.verify.from_checkpoint.1m": {
            "value": round(partial_seconds * 1000, 1),
            "unit": "ms",
            "baseline": f"verifying the whole chain ({size}); the checkpoint is {since:,} events before the head",
            "baseline_value": round(full_seconds * 1000, 1),
            "ratio": round(full_seconds / partial_seconds, 1),
            "target": None,
            "bound": None,
        },
    }
