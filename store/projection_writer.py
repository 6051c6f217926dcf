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
    CASE_FIXED_COLUMNS,
    DELEGATION_COLUMNS,
    PARTICIPANT_COLUMNS,
    TASK_COLUMNS,
    case_values,
    delegation_values,
    open_tasks_of,
    task_values,
)

#: A case's snapshot and what a fold needs besides, in `CaseFold.from_snapshot` order (`?` marks).
SNAPSHOT_SELECT = (
    "SELECT s.state, COALESCE(s.version, 0), c.problem, c.opened_at, c.last_event_at, c.last_seq "
    "FROM projection_cases c LEFT JOIN projection_snapshots s ON s.case_id = c.case_id WHERE c.case_id = ?"
)


def _upsert(table: str, columns: tuple[str, ...], keys: tuple[str, ...], mark: str, keep: tuple[str, ...] = ()) -> str:
    updated = ", ".join(f"{name} = excluded.{name}" for name in columns if name not in keys + keep)
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
        # Only the columns an event can change are set on conflict, so the fixed ones' indexes are left alone.
        self.case = _upsert("projection_cases", CASE_COLUMNS, ("case_id",), mark, CASE_FIXED_COLUMNS)
        self.snapshot = _upsert("projection_snapshots", ("case_id", "version", "state"), ("case_id",), mark)
        self.case_row = SNAPSHOT_SELECT.replace("?", mark)
        self.task = _upsert("projection_tasks", TASK_COLUMNS, ("case_id", "task_id"), mark)
        # A reminder, an escalation or a lapse changes only these: updated alone, the indexes are left alone.
        self.task_progress = (
            f"UPDATE projection_tasks SET reminders_sent = {mark}, escalations_sent = {mark}, lapsed = {mark} "
            f"WHERE case_id = {mark} AND task_id = {mark}"
        )
        self.delete_task = f"DELETE FROM projection_tasks WHERE case_id = {mark} AND task_id = {mark}"
        self.delete_tasks = f"DELETE FROM projection_tasks WHERE case_id = {mark}"
        self.delegation = _insert_new("projection_delegations", DELEGATION_COLUMNS, mark)
        self.participant = _insert_new("projection_participants", PARTICIPANT_COLUMNS, mark)
        self.people = f"SELECT person FROM projection_participants WHERE case_id = {mark}"
        self.set_cursor = f"UPDATE projection_cursor SET seq = {mark} WHERE id = 1"


def write_case(cursor: Any, sql: ProjectionSql, fold: CaseFold, force_snapshot: bool = False) -> None:
    """The case's row, and a new snapshot of its state when one is due (or forced)."""
    cursor.execute(sql.case, case_values(fold))
    if force_snapshot or fold.snapshot_due():
        cursor.execute(sql.snapshot, (fold.case_id, fold.version, fold.snapshot_json()))
        fold.snapshot_version = fold.version


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
        changed = []
        for task_id, task in after.items():
            earlier = before.get(task_id)
            if earlier is task:
                continue
            if earlier is not None and _only_progress(earlier, task):
                cursor.execute(
                    sql.task_progress,
                    (task.reminders_sent, task.escalations_sent, bool(task.lapsed), case_id, task_id),
                )
            else:
                changed.append(task)
    for task in changed:
        cursor.execute(sql.task, task_values(case_id, task))


#: What a reminder, an escalation or a lapse changes in a step; any other change rewrites the step's row.
PROGRESS_FIELDS = frozenset({"reminders_sent", "escalations_sent", "lapsed"})


def _only_progress(earlier: Task, later: Task) -> bool:
    """Whether the step moved on only in what it has sent (reminders, escalations, its lapse). Compared field by
    field: a step is a frozen model with neither extras nor private attributes, so its fields are its value."""
    before, after = earlier.__dict__, later.__dict__
    return type(earlier) is type(later) and all(
        before[name] == after[name] for name in before if name not in PROGRESS_FIELDS
    )


def write_delegations(cursor: Any, sql: ProjectionSql, fold: CaseFold, known: int = 0) -> None:
    """Delegations after the first `known` (a delegation, once recorded, never changes)."""
    rows = delegation_values(fold)[known:]
    if rows:
        cursor.executemany(sql.delegation, rows)


def write_participants(cursor: Any, sql: ProjectionSql, case_id: str, people: Iterable[str]) -> None:
    for person in people:
        cursor.execute(sql.participant, (person, case_id))


def write_whole_case(cursor: Any, sql: ProjectionSql, fold: CaseFold, people: Iterable[str]) -> None:
    """Every row of one case, from scratch (catch-up and rebuild)."""
    write_case(cursor, sql, fold, force_snapshot=True)
    write_tasks(cursor, sql, fold, None)
    write_delegations(cursor, sql, fold)
    write_participants(cursor, sql, fold.case_id, people)
