"""Keeping the read projections in step with the log, in the same transaction as each append.

Why in the append's transaction, rather than by a catch-up process that follows the log:
- a reader can never see a projection behind the log: the events and what they change in the projections
  commit together, or neither does (a writer killed between the two leaves neither);
- nothing else has to run, be monitored or be restarted for "my tasks" to be right;
- appends are already serialised on the chain head, so projection writes never conflict;
- the cost is the case's fold with its own rules and a few small statements per append, inside the lock: the
  governance year's appends run at about 0.6 of their speed without projections on this machine, and the fold
  with the case's row alone at about 0.67 (`bench/bench_projections.py`), which is why issue 10's bound of 0.8
  is not met.

A log appended to by anything else (a bulk load, a store written with projections switched off) is noticed:
each append writes its case's row with the sequence number it reached, so the projections are in step exactly
when the log's last event is on its case's row (`store.desk_sql.LAG`, two indexed look-ups). When it is not,
the next append, `govern up`/`govern worker`/`govern migrate`, or `govern projections rebuild` catches up, and a
reader is told in the meantime (`store.projections`). The sequence a catch-up or a rebuild reached is recorded
as well (`projection_cursor`); an append does not move it, which saves each commit a page of its own.

The writer keeps the folded cases it has just written in memory (keyed by case and version, so another
process's append is never mistaken for ours): the next event of a busy case folds onto it without reading or
parsing its snapshot.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from domain.events import DomainEvent
from domain.participation import people_named
from domain.timed_step import Task
from store.case_fold import CaseFold
from store.projection_rows import open_tasks_of
from store.projection_writer import (
    ProjectionSql,
    write_case,
    write_delegations,
    write_participants,
    write_tasks,
    write_whole_case,
)
from store.rows import OCCURRED_AT_INDEX, SELECT_LIST, SEQ_INDEX, STREAM_ID_INDEX, STREAM_VERSION_INDEX

CACHE_SIZE = 4096
SCAN_BATCH = 5_000


def mark_of(dialect_name: str) -> str:
    return "%s" if dialect_name == "postgresql" else "?"


def scan(connection: Any, dialect_name: str, after_seq: int, up_to_seq: int | None = None) -> Iterator[list[Any]]:
    """Batches of stored rows after `after_seq` (up to `up_to_seq`), seq ascending, on the caller's
    connection and transaction; PostgreSQL reads through a server-side cursor, so memory stays flat."""
    mark = mark_of(dialect_name)
    statement = f"SELECT {SELECT_LIST} FROM audit_events WHERE seq > {mark}"
    parameters: tuple[int, ...] = (after_seq,)
    if up_to_seq is not None:
        statement += f" AND seq <= {mark}"
        parameters = (after_seq, up_to_seq)
    statement += " ORDER BY seq"
    if dialect_name == "postgresql":
        cursor = connection.cursor(name=f"projection_scan_{threading.get_ident()}")
    else:
        cursor = connection.cursor()
    try:
        cursor.execute(statement, parameters)
        while True:
            batch = cursor.fetchmany(SCAN_BATCH)
            if not batch:
                return
            yield batch
    finally:
        cursor.close()


def fold_stream(
    batches: Iterator[list[Any]],
    start: Callable[[str, int], CaseFold],
    finish: Callable[[CaseFold, set[str]], None],
    refold: Callable[[str], tuple[CaseFold, set[str]]],
) -> set[str]:
    """Fold every row in seq order. A case is finished (written or compared) as soon as it closes, so memory
    holds only open cases; one that receives an event after it was finished is folded again from its own
    trail at the end (`refold`) and finished once more. Returns every case touched."""
    folds: dict[str, CaseFold] = {}
    people: dict[str, set[str]] = {}
    finished: set[str] = set()
    late: set[str] = set()
    for batch in batches:
        for row in batch:
            case_id = row[STREAM_ID_INDEX]
            if case_id in late:
                continue
            fold = folds.get(case_id)
            if fold is None:
                if case_id in finished:
                    late.add(case_id)
                    continue
                fold = folds[case_id] = start(case_id, row[STREAM_VERSION_INDEX] - 1)
                people[case_id] = set()
            event = fold.apply_row(row)
            people[case_id].update(people_named(event.actor, event.on_behalf_of, event.payload))
            if fold.state is not None and fold.state.closed:
                finish(fold, people.pop(case_id))
                del folds[case_id]
                finished.add(case_id)
    for case_id, fold in folds.items():
        finish(fold, people[case_id])
        finished.add(case_id)
    for case_id in sorted(late):
        finish(*refold(case_id))
    return finished


class Projector:
    """The projection side of one store's appends. Thread-safe: activities append from a thread pool."""

    def __init__(self, dialect_name: str, cache_size: int = CACHE_SIZE) -> None:
        self.dialect_name = dialect_name
        mark = mark_of(dialect_name)
        self.sql = ProjectionSql(mark)
        self._trail = (
            f"SELECT {SELECT_LIST} FROM audit_events WHERE stream_id = {mark} AND stream_version > {mark} "
            f"AND stream_version <= {mark} ORDER BY stream_version"
        )
        self._whole_trail = f"SELECT {SELECT_LIST} FROM audit_events WHERE stream_id = {mark} ORDER BY stream_version"
        self._cache: OrderedDict[str, CaseFold] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    # -- the append ----------------------------------------------------------------------------------------

    def load(self, cursor: Any, case_id: str, up_to_version: int) -> CaseFold:
        """The case folded up to `up_to_version`: its snapshot, then the events of the log after it."""
        cursor.execute(self.sql.case_row, (case_id,))
        row = cursor.fetchone()
        fold = CaseFold.empty(case_id) if row is None else CaseFold.from_snapshot(case_id, *row)
        cursor.execute(self.sql.people, (case_id,))
        fold.people = {person for (person,) in cursor.fetchall()}
        if fold.version > up_to_version:  # a projection ahead of the log: trust the log
            fold = CaseFold.empty(case_id)
        if fold.version < up_to_version:
            cursor.execute(self._trail, (case_id, fold.version, up_to_version))
            for event_row in cursor.fetchall():
                fold.apply_row(event_row)
        return fold

    def append(
        self,
        cursor: Any,
        stream_id: str,
        prior_version: int,
        rows: Sequence[Sequence[Any]],
        events: Sequence[DomainEvent],
    ) -> CaseFold:
        """Fold a batch the append is about to commit (`events` as stored, see `EventStore.append`) and write what
        it changes. The returned fold is kept in memory once the transaction has committed (`remember`)."""
        with self._lock:
            cached = self._cache.get(stream_id)
        if cached is not None and cached.version == prior_version:
            fold = cached.copy()
        else:
            fold = self.load(cursor, stream_id, prior_version)
        before = open_tasks_of(fold)
        known_delegations = len(fold.state.delegations) if fold.state is not None else 0
        people: set[str] = set()
        for row, event in zip(rows, events, strict=True):
            fold.apply(event, row[STREAM_VERSION_INDEX], row[SEQ_INDEX], row[OCCURRED_AT_INDEX])
            people.update(people_named(event.actor, event.on_behalf_of, event.payload))
        self.write_changes(cursor, fold, before, known_delegations, people)
        return fold

    def write_changes(
        self, cursor: Any, fold: CaseFold, before: dict[str, Task], known_delegations: int, people: set[str]
    ) -> None:
        """What one append changed in the projections: the case row (with the sequence it reached, which is what
        keeps the projections in step), the steps that changed, new delegations, people named for the first
        time."""
        sql = self.sql
        write_case(cursor, sql, fold)
        write_tasks(cursor, sql, fold, before)
        if fold.state is not None and len(fold.state.delegations) > known_delegations:
            write_delegations(cursor, sql, fold, known_delegations)
        known = fold.people
        write_participants(cursor, sql, fold.case_id, people if known is None else people - known)
        fold.people = people if known is None else known | people

    def remember(self, fold: CaseFold) -> None:
        with self._lock:
            self._cache[fold.case_id] = fold
            self._cache.move_to_end(fold.case_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def forget_all(self) -> None:
        with self._lock:
            self._cache.clear()

    # -- catching up and rebuilding --------------------------------------------------------------------------

    def catch_up(self, connection: Any, cursor: Any, after_seq: int, up_to_seq: int) -> int:
        """Fold the events (after_seq, up_to_seq] onto the projections and move the cursor; returns the number
        of cases written. The caller holds the append lock."""
        self.forget_all()

        def start(case_id: str, version: int) -> CaseFold:
            return self.load(cursor, case_id, version)

        def finish(fold: CaseFold, people: set[str]) -> None:
            write_whole_case(cursor, self.sql, fold, people)

        touched = fold_stream(
            scan(connection, self.dialect_name, after_seq, up_to_seq), start, finish, self._refold_with(cursor)
        )
        cursor.execute(self.sql.set_cursor, (up_to_seq,))
        return len(touched)

    def rebuild(self, connection: Any, cursor: Any, up_to_seq: int) -> int:
        """Every projection row again, from the whole log; returns the number of cases. The caller holds the
        append lock."""
        self.forget_all()
        for table in (
            "projection_participants",
            "projection_delegations",
            "projection_tasks",
            "projection_snapshots",
            "projection_cases",
        ):
            cursor.execute(f"DELETE FROM {table}")

        def finish(fold: CaseFold, people: set[str]) -> None:
            write_whole_case(cursor, self.sql, fold, people)

        touched = fold_stream(
            scan(connection, self.dialect_name, 0, up_to_seq),
            lambda case_id, _: CaseFold.empty(case_id),
            finish,
            self._refold_with(cursor),
        )
        cursor.execute(self.sql.set_cursor, (up_to_seq,))
        return len(touched)

    def _refold_with(self, cursor: Any) -> Callable[[str], tuple[CaseFold, set[str]]]:
        def refold(case_id: str) -> tuple[CaseFold, set[str]]:
            return self.fold_trail(cursor, case_id)

        return refold

    def fold_trail(self, cursor: Any, case_id: str) -> tuple[CaseFold, set[str]]:
        """One case folded from its whole trail, with everyone its events name."""
        cursor.execute(self._whole_trail, (case_id,))
        fold = CaseFold.empty(case_id)
        people: set[str] = set()
        for row in cursor.fetchall():
            event = fold.apply_row(row)
            people.update(people_named(event.actor, event.on_behalf_of, event.payload))
        return fold, people
