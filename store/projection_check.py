"""`govern projections check`: fold the whole log again, in memory, and compare every projection row with what
the fold says, naming each row that differs. It reads one consistent snapshot and writes nothing.

A case's stored snapshot is checked the way readers use it: folded on with the events after it, it must give
the state the whole trail gives.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

from domain.case import CaseState
from store import desk_sql
from store.case_fold import CaseFold
from store.event_store import EventStore
from store.projection_rows import (
    CASE_COLUMNS,
    DELEGATION_COLUMNS,
    TASK_COLUMNS,
    case_values,
    delegation_values,
    open_tasks_of,
    task_values,
)
from store.projection_writer import SNAPSHOT_SELECT
from store.projector import fold_stream, mark_of, scan
from store.rows import SELECT_LIST

_COMPARED_CASE_COLUMNS = CASE_COLUMNS


class ProjectionCheck(BaseModel):
    events: int
    cases: int
    differences: list[str]
    unreadable: list[str]

    @property
    def ok(self) -> bool:
        return not self.differences

    def sentence(self) -> str:
        if self.ok:
            text = f"Projections match the log: {self.events} events, {self.cases} cases."
            if self.unreadable:
                text += f" {len(self.unreadable)} case(s) cannot be folded by their rules and show no open steps."
            return text
        return (
            f"Projections differ from the log in {len(self.differences)} row(s); "
            "`govern projections rebuild` recomputes them."
        )


@contextmanager
def _snapshot_connection(store: EventStore) -> Iterator[Any]:
    """One read transaction for the whole check, so the log and the rows are compared as of one instant."""
    connection = store.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if store.backend == "postgresql":
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        else:
            cursor.execute("BEGIN")
        cursor.close()
        try:
            yield connection
        finally:
            connection.rollback()
    finally:
        connection.close()


def _shown(value: Any) -> str:
    return "nothing" if value is None else repr(value)


def _normalised(row: tuple[Any, ...], booleans: tuple[int, ...]) -> tuple[Any, ...]:
    """Backends return booleans as bool or 0/1 and big integers as int; compare them as Python values."""
    return tuple(bool(value) if index in booleans else value for index, value in enumerate(row))


_CASE_BOOLEANS = (_COMPARED_CASE_COLUMNS.index("closed"),)
_TASK_BOOLEANS = (TASK_COLUMNS.index("lapsed"),)


class _Stored:
    """Every projection row, keyed as the fold will ask for it."""

    def __init__(self, cursor: Any) -> None:
        cursor.execute(f"SELECT {', '.join(_COMPARED_CASE_COLUMNS)} FROM projection_cases")
        self.cases = {row[0]: _normalised(tuple(row), _CASE_BOOLEANS) for row in cursor.fetchall()}
        cursor.execute(f"SELECT {', '.join(TASK_COLUMNS)} FROM projection_tasks")
        self.tasks: dict[str, dict[str, tuple[Any, ...]]] = {}
        for row in cursor.fetchall():
            self.tasks.setdefault(row[0], {})[row[1]] = _normalised(tuple(row), _TASK_BOOLEANS)
        cursor.execute(f"SELECT {', '.join(DELEGATION_COLUMNS)} FROM projection_delegations")
        self.delegations: dict[str, dict[int, tuple[Any, ...]]] = {}
        for row in cursor.fetchall():
            self.delegations.setdefault(row[0], {})[int(row[1])] = tuple(row)
        cursor.execute("SELECT case_id FROM projection_snapshots")
        self.snapshots = {case_id: True for (case_id,) in cursor.fetchall()}
        cursor.execute("SELECT person, case_id FROM projection_participants")
        self.participants: dict[str, set[str]] = {}
        for person, case_id in cursor.fetchall():
            self.participants.setdefault(case_id, set()).add(person)


class _Checker:
    def __init__(self, store: EventStore, connection: Any) -> None:
        self.store = store
        self.connection = connection
        self.cursor = connection.cursor()
        self.mark = mark_of(store.backend)
        self.stored = _Stored(self.cursor)
        self.by_case: dict[str, list[str]] = {}
        self.unreadable: dict[str, str] = {}

    def finish(self, fold: CaseFold, people: set[str]) -> None:
        case_id = fold.case_id
        found: list[str] = []
        self.by_case[case_id] = found
        if fold.problem is not None:
            self.unreadable[case_id] = fold.problem
        stored = self.stored.cases.get(case_id)
        expected = case_values(fold)
        if stored is None:
            found.append(f"projection_cases {case_id}: missing (the log has {fold.version} events for it)")
        else:
            for name, have, want in zip(_COMPARED_CASE_COLUMNS, stored, expected, strict=True):
                if have != want:
                    found.append(f"projection_cases {case_id}: {name} is {_shown(have)}, the log says {_shown(want)}")
            found.extend(self._snapshot(fold))
        want_tasks = {task_id: task_values(case_id, task) for task_id, task in open_tasks_of(fold).items()}
        have_tasks = self.stored.tasks.get(case_id, {})
        for task_id in sorted(want_tasks.keys() | have_tasks.keys()):
            have, want = have_tasks.get(task_id), want_tasks.get(task_id)
            if have is None:
                found.append(f"projection_tasks {case_id} {task_id}: missing (the log has it open)")
            elif want is None:
                found.append(f"projection_tasks {case_id} {task_id}: listed, but the log has no such open step")
            elif have != want:
                columns = [name for name, a, b in zip(TASK_COLUMNS, have, want, strict=True) if a != b]
                found.append(f"projection_tasks {case_id} {task_id}: {', '.join(columns)} differ from the log")
        want_delegations = {row[1]: row for row in delegation_values(fold)}
        have_delegations = self.stored.delegations.get(case_id, {})
        for number in sorted(want_delegations.keys() | have_delegations.keys()):
            if have_delegations.get(number) != want_delegations.get(number):
                found.append(f"projection_delegations {case_id} #{number}: differs from the log")
        have_people = self.stored.participants.get(case_id, set())
        for person in sorted(people - have_people):
            found.append(f"projection_participants {case_id}: {person} is missing")
        for person in sorted(have_people - people):
            found.append(f"projection_participants {case_id}: {person} is listed, but no event names them")

    def _snapshot(self, fold: CaseFold) -> list[str]:
        """The stored snapshot, folded on as a reader folds it, must give the whole trail's state."""
        if fold.decider is None:
            return []
        self.cursor.execute(SNAPSHOT_SELECT.replace("?", self.mark), (fold.case_id,))
        row = self.cursor.fetchone()
        read = CaseFold.from_snapshot(fold.case_id, *row)
        self.cursor.execute(
            f"SELECT {SELECT_LIST} FROM audit_events WHERE stream_id = {self.mark} AND stream_version > {self.mark} "
            "ORDER BY stream_version",
            (fold.case_id, read.version),
        )
        for event_row in self.cursor.fetchall():
            read.apply_row(event_row)
        state: CaseState | None = read.state
        if read.version != fold.version or state != fold.state or read.problem != fold.problem:
            return [
                f"projection_cases {fold.case_id}: the snapshot (version {row[1]}) does not fold to the log's state"
            ]
        return []

    def refold(self, case_id: str) -> tuple[CaseFold, set[str]]:
        from store.projector import Projector

        return Projector(self.store.backend).fold_trail(self.cursor, case_id)


def check_projections(store: EventStore) -> ProjectionCheck:
    with _snapshot_connection(store) as connection:
        checker = _Checker(store, connection)
        cursor = checker.cursor
        behind = desk_sql.lag(cursor)
        cursor.execute("SELECT max(seq) FROM audit_events")
        head = int(cursor.fetchone()[0] or 0)
        touched = fold_stream(
            scan(connection, store.backend, 0),
            lambda case_id, _: CaseFold.empty(case_id),
            checker.finish,
            checker.refold,
        )
        differences: list[str] = []
        if behind is not None:
            differences.append(f"projection_cursor: at sequence {behind[0]}, the log at {head}")
        for case_id in sorted(checker.by_case):
            differences.extend(checker.by_case[case_id])
        stored = checker.stored
        for case_id in sorted(stored.cases.keys() - touched):
            differences.append(f"projection_cases {case_id}: listed, but the log has no such case")
        for table, rows in (
            ("projection_snapshots", stored.snapshots),
            ("projection_tasks", stored.tasks),
            ("projection_delegations", stored.delegations),
            ("projection_participants", stored.participants),
        ):
            for case_id in sorted(rows.keys() - touched):
                differences.append(f"{table} {case_id}: rows for a case the log does not have")
        cursor.close()
    return ProjectionCheck(
        events=head,
        cases=len(touched),
        differences=differences,
        unreadable=[f"{case_id}: {problem}" for case_id, problem in sorted(checker.unreadable.items())],
    )
