"""The queries behind a person's desk, the overdue list and the plan status: plain SQL on a DB-API cursor.

Standard library only, so that `store.projections` (on either backend, under SQLAlchemy's connection pool) and
the command line's lean path (`cli.quick`, sqlite3 alone, without a second of imports) run the very same
statements, orderings and rules. Times are canonical UTC text (`YYYY-MM-DDTHH:MM:SS.ffffffZ`), which sorts as
time does, so comparisons happen in SQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from operator import itemgetter

# Standard library only, and not even `typing` at run time: this module is on the lean path of `cli.quick`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

TASK_SELECT = (
    "SELECT case_id, task_id, kind, title, assignee, action, due_at, time_zone, due_local FROM projection_tasks"
)
#: Whether the projections are in step with the log, in two indexed look-ups. Every append that keeps them writes
#: its case's row with the sequence number it reached, and first catches up anything appended without them, so
#: they are in step exactly when the log's last event is on its case's row (or the cursor, which a catch-up and
#: a rebuild move, is there). The head's case, its row's sequence and the cursor: one row, none for an empty log.
#: The last two, for a statement that names the log's last event `head` (the append's reads them with its own).
IN_STEP_COLUMNS = (
    "(SELECT last_seq FROM projection_cases WHERE case_id = head.stream_id), "
    "(SELECT seq FROM projection_cursor WHERE id = 1)"
)
LAG = (
    f"SELECT head.seq, {IN_STEP_COLUMNS} "
    "FROM (SELECT seq, stream_id FROM audit_events ORDER BY seq DESC LIMIT 1) AS head"
)
#: How far the projections reach when they are behind: the last append that kept them wrote the furthest case
#: row, and a catch-up or a rebuild moved the cursor. A scan of the cases, run only when the log is ahead.
REACHED = "SELECT max(last_seq) FROM projection_cases"
DELEGATIONS = (
    "SELECT case_id, absent, starts_on, ends_on FROM projection_delegations "
    "WHERE substitute = ? AND ends_on >= ? AND starts_on <= ? ORDER BY case_id, number"
)
STRATEGIC_PLAN_KIND = "strategic_plan"
PLANS = "SELECT case_id, stage, outcome, summary FROM projection_cases WHERE kind = ? AND problem IS NULL"
PLAN_OVERDUE = (
    "SELECT t.case_id, t.task_id FROM projection_tasks t JOIN projection_cases c "
    "ON c.case_id = t.case_id WHERE c.parent_id = ? AND t.due_at < ? ORDER BY t.opened_at, t.task_id"
)
PLAN_CASES = "SELECT case_id, stage, outcome, next_due_at FROM projection_cases WHERE parent_id = ? AND problem IS NULL"


_FIELDS = (
    "case_id",
    "task_id",
    "kind",
    "title",
    "assignee",
    "action",
    "due_at",
    "time_zone",
    "due_local",
    "overdue",
    "on_behalf_of",
)


class TaskTuple(tuple):
    """A row of `TASK_SELECT` (times as canonical text), with whether it is overdue and, on a substitute's desk,
    the absent assignee. A tuple with named fields, written out: `namedtuple` would cost the lean path a
    millisecond to build, and a row a dozen attribute writes."""

    __slots__ = ()
    FIELDS = _FIELDS

    if TYPE_CHECKING:  # the getters the loop below sets, as the type checker should see them
        case_id: str
        task_id: str
        kind: str
        title: str
        assignee: str
        action: str
        due_at: str | None
        time_zone: str | None
        due_local: str | None
        overdue: bool
        on_behalf_of: str | None


for _index, _name in enumerate(_FIELDS):
    setattr(TaskTuple, _name, property(itemgetter(_index), doc=f"The row's {_name}."))


class Dialect:
    """The placeholder (`?` for sqlite3, `%s` for psycopg) and ordering of one backend."""

    __slots__ = ("mark", "postgres")

    def __init__(self, mark: str, postgres: bool) -> None:
        self.mark = mark
        self.postgres = postgres

    def sql(self, statement: str) -> str:
        return statement if self.mark == "?" else statement.replace("?", self.mark)

    def text_order(self, column: str) -> str:
        """`column` ordered as Python orders text (code points), which PostgreSQL's default collation does not."""
        return f'{column} COLLATE "C"' if self.postgres else column


SQLITE = Dialect("?", False)


def lag(cursor: Any) -> tuple[int, int] | None:
    """(reached, head) when the projections are behind the log, else None."""
    cursor.execute(LAG)
    row = cursor.fetchone()
    if row is None:
        return None
    head, on_case_row, cursor_seq = (int(value or 0) for value in row)
    return None if in_step(head, on_case_row, cursor_seq) else (reached(cursor, cursor_seq), head)


def in_step(head: int, on_case_row: int | None, cursor_seq: int | None) -> bool:
    """Whether the projections hold the whole log, from `IN_STEP_COLUMNS` read beside its head (0: empty)."""
    return not head or head in (on_case_row, cursor_seq)


def reached(cursor: Any, cursor_seq: int) -> int:
    """The sequence number up to which the projections hold the log, when it is ahead of them (`REACHED`)."""
    cursor.execute(REACHED)
    (furthest,) = cursor.fetchone()
    return max(int(furthest or 0), cursor_seq)


def desk_order(dialect: Dialect) -> str:
    """Overdue first, then by due date (undated last), then by case and step; one parameter: now."""
    return (
        f" ORDER BY (due_at IS NULL OR due_at >= ?), due_at IS NULL, {dialect.text_order('due_at')}, "
        f"{dialect.text_order('case_id')}, {dialect.text_order('task_id')}"
    )


def _tuples(rows: Sequence[Sequence[Any]], now_text: str, for_substitute: bool = False) -> list[TaskTuple]:
    # Overdue as `domain.timed_step.Task.is_overdue` says: past its due date and still open.
    return [
        TaskTuple((*row, row[6] is not None and row[6] < now_text, row[4] if for_substitute else None)) for row in rows
    ]


def open_tasks(
    cursor: Any, dialect: Dialect, now_text: str, person: str | None = None, parent: str | None = None
) -> list[TaskTuple]:
    conditions, parameters = [], []
    if person is not None:
        conditions.append("assignee = ?")
        parameters.append(person)
    if parent is not None:
        conditions.append("case_id IN (SELECT case_id FROM projection_cases WHERE parent_id = ?)")
        parameters.append(parent)
    statement = TASK_SELECT + (" WHERE " + " AND ".join(conditions) if conditions else "") + desk_order(dialect)
    cursor.execute(dialect.sql(statement), (*parameters, now_text))
    return _tuples(cursor.fetchall(), now_text)


def overdue_tasks(cursor: Any, dialect: Dialect, now_text: str) -> list[TaskTuple]:
    cursor.execute(dialect.sql(f"{TASK_SELECT} WHERE due_at < ?{desk_order(dialect)}"), (now_text, now_text))
    return _tuples(cursor.fetchall(), now_text)


class ZoneUnknown(Exception):
    """A step scheduled before schedules recorded their zone: its assignee's zone must come from elsewhere."""


def desk(
    cursor: Any,
    dialect: Dialect,
    now: datetime,
    now_text: str,
    person: str,
    zone_of: Callable[[str], str] | None = None,
) -> list[TaskTuple]:
    """A person's desk: their own steps, and those they hold today as an absent colleague's substitute, overdue
    first. A delegation runs in the absent person's calendar days, counted in the zone their step records (else
    `zone_of(person)`; without it, ZoneUnknown)."""
    own = open_tasks(cursor, dialect, now_text, person)
    # The absent person's day is at most a day either side of UTC's.
    today = now.date()
    window = ((today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat())
    cursor.execute(dialect.sql(DELEGATIONS), (person, *window))
    by_case: dict[str, list[tuple[str, str, str]]] = {}
    for case_id, absent, starts_on, ends_on in cursor.fetchall():
        if absent != person:
            by_case.setdefault(case_id, []).append((absent, starts_on, ends_on))
    held: list[TaskTuple] = []
    for case_id, delegations in by_case.items():
        absent_people = sorted({absent for absent, _, _ in delegations})
        marks = ", ".join("?" * len(absent_people))
        cursor.execute(
            dialect.sql(f"{TASK_SELECT} WHERE case_id = ? AND assignee IN ({marks})"), (case_id, *absent_people)
        )
        for task in _tuples(cursor.fetchall(), now_text, for_substitute=True):
            zone = task.time_zone or (zone_of(task.assignee) if zone_of is not None else None)
            if zone is None:
                raise ZoneUnknown(task.assignee)
            from zoneinfo import ZoneInfo  # only a substitute's desk needs the zone database

            day = now.astimezone(ZoneInfo(zone)).date().isoformat()
            if any(absent == task.assignee and starts <= day <= ends for absent, starts, ends in delegations):
                held.append(task)
    if not held:
        return own
    return sorted(own + held, key=desk_key)


def desk_key(task: TaskTuple) -> tuple[bool, bool, str, str, str]:
    """The desk order of `desk_order`, in Python: overdue first, by due date (undated last), case, step."""
    return (not task.overdue, task.due_at is None, task.due_at or "", task.case_id, task.task_id)


def plan_status(cursor: Any, dialect: Dialect, now_text: str) -> list[dict[str, Any]]:
    """Each Strategic Plan with its kept summary (milestones and targets), and each case it opened (Annual Work
    Plans, reports, Board decisions) with its stage, next due instant (ISO-8601) and overdue steps."""
    cursor.execute(dialect.sql(f"{PLANS} ORDER BY {dialect.text_order('case_id')}"), (STRATEGIC_PLAN_KIND,))
    plans = []
    for plan_id, stage, outcome, summary in cursor.fetchall():
        cursor.execute(dialect.sql(PLAN_OVERDUE), (plan_id, now_text))
        overdue: dict[str, list[str]] = {}
        for case_id, task_id in cursor.fetchall():
            overdue.setdefault(case_id, []).append(task_id)
        cursor.execute(dialect.sql(f"{PLAN_CASES} ORDER BY {dialect.text_order('case_id')}"), (plan_id,))
        cases = [
            {
                "case": case_id,
                "stage": case_stage,
                "outcome": case_outcome,
                "next_due_at": datetime.fromisoformat(next_due).isoformat() if next_due else None,
                "overdue": overdue.get(case_id, []),
            }
            for case_id, case_stage, case_outcome, next_due in cursor.fetchall()
        ]
        plans.append(
            {
                "plan": plan_id,
                "stage": stage,
                "outcome": outcome,
                "summary": _loads(summary) if summary else {},
                "cases": cases,
            }
        )
    return plans


def _loads(text: str) -> Any:
    import json

    return json.loads(text)


def iso_instant(text: str | None) -> str | None:
    """A canonical time as `--json` prints instants (pydantic's form: ISO-8601, 'Z', microseconds only when
    there are some)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment.isoformat().replace("+00:00", "Z")
