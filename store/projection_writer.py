"""Writing a folded case into the projection tables, on the DB-API cursor of the transaction that holds the
append lock (the append, the catch-up, the rebuild and the migration all write this way).

Every statement is an upsert or an insert that ignores a row already there, so writing a case twice leaves the
same rows: a catch-up that is interrupted and run again, or a case written before and after a late event, ends
where a single pass would.
"""

from collections.abc import Iterable
from typing import Any

from domain.timed_step import Task
from store.case_fold import CaseFold
from store.projection_rows import (
    CASE_COLUMNS,
    DELEGATION_COLUMNS,
    PARTICIPANT_COLUMNS,
    TASK_COLUMNS,
    case_values,
    delegation_values,
    open_tasks_of,
    task_values,
)

_SNAPSHOT_COLUMNS = ("snapshot", "snapshot_version")


def _upsert(table: str, columns: tuple[str, ...], keys: tuple[str, ...], mark: str, keep: tuple[str, ...] = ()) -> str:
    updated = ", ".join(f"{name} = excluded.{name}" for name in columns if name not in keys and name not in keep)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updated}"
    )


def _insert_new(table: str, columns: tuple[str, ...], mark: str) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) ON CONFLICT DO NOTHING"
    )


class ProjectionSql:
    """The projection statements for one backend's placeholder (`?` for sqlite3, `%s` for psycopg)."""

    def __init__(self, mark: str) -> None:
        self.mark = mark
        self.case_with_snapshot = _upsert("projection_cases", CASE_COLUMNS, ("case_id",), mark)
        self.case_keep_snapshot = _upsert("projection_cases", CASE_COLUMNS, ("case_id",), mark, _SNAPSHOT_COLUMNS)
        self.case_row = (
            "SELECT snapshot, snapshot_version, problem, opened_at, last_event_at, last_seq, version "
            f"FROM projection_cases WHERE case_id = {mark}"
        )
        self.task = _upsert("projection_tasks", TASK_COLUMNS, ("case_id", "task_id"), mark)
        self.delete_task = f"DELETE FROM projection_tasks WHERE case_id = {mark} AND task_id = {mark}"
        self.delete_tasks = f"DELETE FROM projection_tasks WHERE case_id = {mark}"
        self.delegation = _insert_new("projection_delegations", DELEGATION_COLUMNS, mark)
        self.participant = _insert_new("projection_participants", PARTICIPANT_COLUMNS, mark)
        self.cursor_seq = "SELECT seq FROM projection_cursor WHERE id = 1"
        self.set_cursor = f"UPDATE projection_cursor SET seq = {mark} WHERE id = 1"


def write_case(cursor: Any, sql: ProjectionSql, fold: CaseFold, force_snapshot: bool = False) -> None:
    """The case's row, with a new snapshot when one is due (or forced)."""
    if force_snapshot or fold.snapshot_due():
        cursor.execute(sql.case_with_snapshot, case_values(fold, fold.snapshot_json()))
        fold.snapshot_version = fold.version
    else:
        cursor.execute(sql.case_keep_snapshot, case_values(fold, None))


def write_tasks(cursor: Any, sql: ProjectionSql, fold: CaseFold, before: dict[str, Task] | None) -> None:
    """The case's open steps. With `before` (the steps as the rows hold them) only what changed is written;
    without it the case's rows are replaced."""
    after = open_tasks_of(fold)
    case_id = fold.case_id
    if before is None:
        cursor.execute(sql.delete_tasks, (case_id,))
        changed = list(after.values())
    else:
        for task_id in before.keys() - after.keys():
            cursor.execute(sql.delete_task, (case_id, task_id))
        changed = [task for task_id, task in after.items() if before.get(task_id) is not task]
    if len(changed) == 1:
        cursor.execute(sql.task, task_values(case_id, changed[0]))
    elif changed:
        cursor.executemany(sql.task, [task_values(case_id, task) for task in changed])


def write_delegations(cursor: Any, sql: ProjectionSql, fold: CaseFold, known: int = 0) -> None:
    """Delegations after the first `known` (a delegation, once recorded, never changes)."""
    rows = delegation_values(fold)[known:]
    if rows:
        cursor.executemany(sql.delegation, rows)


def write_participants(cursor: Any, sql: ProjectionSql, case_id: str, people: Iterable[str]) -> None:
    rows = [(person, case_id) for person in people]
    if len(rows) == 1:
        cursor.execute(sql.participant, rows[0])
    elif rows:
        cursor.executemany(sql.participant, rows)


def write_whole_case(cursor: Any, sql: ProjectionSql, fold: CaseFold, people: Iterable[str]) -> None:
    """Every row of one case, from scratch (catch-up and rebuild)."""
    write_case(cursor, sql, fold, force_snapshot=True)
    write_tasks(cursor, sql, fold, None)
    write_delegations(cursor, sql, fold)
    write_participants(cursor, sql, fold.case_id, people)
