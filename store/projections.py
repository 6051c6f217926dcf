"""Read models of the audit trail, read from the projection tables with indexed queries.

The tables are kept from the events by the same pure `evolve` the workflows run, in the transaction of each
append (`store.projector`), so what a desk, a case list or the overdue list shows is what folding the whole log
would show (`govern projections check` proves it). A read never folds the log: its cost follows the open work
and the rows it returns, not the length of history.

Every list first checks that the projections have reached the log's head; when something appended without
keeping them, it raises `ProjectionsBehind` with the sentence saying so, rather than show an out-of-date list.
`case_state` needs no such check: it folds the case's own few events after its snapshot from the log itself.
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from domain.case import CaseState
from domain.case_kinds import decider_for
from domain.organisation import Organisation
from store import desk_sql
from store.canonical import canonical_time
from store.case_read import folded_case
from store.engine import describe_url
from store.errors import ProjectionsBehind, StoreError
from store.event_store import EventStore
from store.models import MAX_PAGE_SIZE, EventFilter, StoredEvent


class TaskRow(BaseModel):
    case_id: str
    task_id: str
    kind: str
    title: str
    assignee: str
    action: str
    due_at: datetime | None
    overdue: bool
    on_behalf_of: str | None = Field(
        default=None, description="Set when the row is listed for a substitute: the absent assignee."
    )
    time_zone: str | None = Field(
        default=None, description="The zone the due date was counted in, as the step recorded it (None before)."
    )
    due_local: str | None = Field(default=None, description="The due instant on that zone's wall clock (ISO-8601).")


class CaseRow(BaseModel):
    """One case as a list shows it."""

    case_id: str
    kind: str
    stage: str
    closed: bool
    outcome: str | None
    version: int
    title: str | None = None
    last_event_at: datetime | None = None
    parent_id: str | None = None
    amount_usd: str | None = None
    next_due_at: datetime | None = None


class CaseUnreadable(StoreError):
    """A case's rules cannot fold one of its stored events, so its state cannot be shown."""


def all_events(store: EventStore, event_filter: EventFilter | None = None) -> Iterator[StoredEvent]:
    current = event_filter or EventFilter(limit=MAX_PAGE_SIZE)
    while True:
        page = store.read(current)
        yield from page.events
        if page.next_after_seq is None:
            return
        current = current.model_copy(update={"after_seq": page.next_after_seq})


# -- SQL ---------------------------------------------------------------------------------------------------

_CASE_SELECT = (
    "SELECT c.case_id, c.kind, c.stage, c.closed, c.outcome, c.version, c.title, c.last_event_at, c.parent_id, "
    "c.amount_usd, c.next_due_at, c.problem FROM projection_cases c"
)


def _dialect(store: EventStore) -> desk_sql.Dialect:
    return desk_sql.Dialect(store.placeholder, store.backend == "postgresql")


def _sql(store: EventStore, statement: str) -> str:
    """A statement written with `?` marks, in the backend's own placeholder."""
    return _dialect(store).sql(statement)


def _require_current(store: EventStore, cursor: Any) -> None:
    behind = desk_sql.lag(cursor)
    if behind is not None:
        raise ProjectionsBehind(*behind, describe_url(store.engine.url))


def _time(text: str | None) -> datetime | None:
    # Canonical UTC text ("...Z") parses straight to an aware UTC instant.
    return None if text is None else datetime.fromisoformat(text)


def _text_order(store: EventStore, column: str) -> str:
    return _dialect(store).text_order(column)


_FIELD_AT = {name: index for index, name in enumerate(desk_sql.TaskTuple.FIELDS)}
assert set(_FIELD_AT) == set(TaskRow.model_fields), "a TaskRow is built from every field of a desk row"
_CASE_ID, _TASK_ID, _KIND, _TITLE, _ASSIGNEE, _ACTION, _DUE_AT, _ZONE, _DUE_LOCAL, _OVERDUE, _ON_BEHALF_OF = (
    _FIELD_AT[name]
    for name in (
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
)
_EVERY_TASK_FIELD = frozenset(TaskRow.model_fields)
_new = object.__new__
_set = object.__setattr__


def _task_rows(tasks: Sequence[desk_sql.TaskTuple]) -> list[TaskRow]:
    """The rows as models, built as `model_construct` builds them but without its per-field loop: every value
    is already of its field's type (text the store wrote, a flag computed in `desk_sql`), but the due date, which
    is canonical UTC text. Half the cost of validating each row, which was most of a desk's cost in process."""
    rows = []
    for task in tasks:
        row = _new(TaskRow)
        _set(
            row,
            "__dict__",
            {
                "case_id": task[_CASE_ID],
                "task_id": task[_TASK_ID],
                "kind": task[_KIND],
                "title": task[_TITLE],
                "assignee": task[_ASSIGNEE],
                "action": task[_ACTION],
                "due_at": _time(task[_DUE_AT]),
                "overdue": task[_OVERDUE],
                "on_behalf_of": task[_ON_BEHALF_OF],
                "time_zone": task[_ZONE],
                "due_local": task[_DUE_LOCAL],
            },
        )
        _set(row, "__pydantic_fields_set__", _EVERY_TASK_FIELD)
        _set(row, "__pydantic_extra__", None)
        _set(row, "__pydantic_private__", None)
        rows.append(row)
    return rows


# -- tasks -------------------------------------------------------------------------------------------------


def open_tasks(
    store: EventStore, now: datetime, person: str | None = None, *, parent: str | None = None
) -> list[TaskRow]:
    """Open steps across all cases (or those assigned to `person`, or of the cases `parent` opened), overdue
    first, then by due date."""
    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        return _task_rows(desk_sql.open_tasks(cursor, _dialect(store), canonical_time(now), person, parent))


def overdue_tasks(store: EventStore, now: datetime) -> list[TaskRow]:
    """Every open step past its due date, most overdue first (the due-date index)."""
    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        return _task_rows(desk_sql.overdue_tasks(cursor, _dialect(store), canonical_time(now)))


def tasks_for(store: EventStore, now: datetime, person: str, organisation: Organisation) -> list[TaskRow]:
    """A person's desk: the steps assigned to them, and those they hold today as an absent colleague's
    substitute (`on_behalf_of` names the colleague), overdue first, then by due date."""

    def zone_of(person_id: str) -> str:
        # Steps scheduled before schedules recorded their zone: the organisation file's (UTC for someone the
        # file no longer lists).
        return organisation.person(person_id).time_zone if organisation.has_person(person_id) else "UTC"

    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        tasks = desk_sql.desk(cursor, _dialect(store), now.astimezone(UTC), canonical_time(now), person, zone_of)
        return _task_rows(tasks)


# -- cases -------------------------------------------------------------------------------------------------


def case_state(store: EventStore, case_id: str) -> CaseState | None:
    """The case as its audit trail says it is, or None when it has no events: its snapshot, with the events
    recorded after it folded on (so it is never behind the log, projections or not)."""
    decider_for(case_id)  # an id no rules know is refused (UnknownCase), as before any read
    with store.raw_cursor() as cursor:
        return _state(store, cursor, case_id)


def _state(store: EventStore, cursor: Any, case_id: str) -> CaseState | None:
    fold = folded_case(cursor, case_id, store.placeholder)
    if fold.version == 0:
        return None
    if fold.problem is not None or fold.state is None:
        raise CaseUnreadable(f"Case {case_id} cannot be rebuilt from its audit trail: {fold.problem}.")
    return fold.state


def _case_row(row: Sequence[Any]) -> CaseRow:
    case_id, kind, stage, closed, outcome, version, title, last_event_at, parent_id, amount_usd, next_due, _ = row
    return CaseRow.model_validate(
        {
            "case_id": case_id,
            "kind": kind,
            "stage": stage,
            "closed": bool(closed),
            "outcome": outcome,
            "version": version,
            "title": title,
            "last_event_at": _time(last_event_at),
            "parent_id": parent_id,
            "amount_usd": amount_usd,
            "next_due_at": _time(next_due),
        }
    )


def case_row(store: EventStore, case_id: str) -> CaseRow | None:
    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        cursor.execute(_sql(store, f"{_CASE_SELECT} WHERE c.case_id = ?"), (case_id,))
        row = cursor.fetchone()
    if row is None:
        return None
    if row[-1] is not None:
        raise CaseUnreadable(f"Case {case_id} cannot be rebuilt from its audit trail: {row[-1]}.")
    return _case_row(row)


def case_rows(
    store: EventStore,
    participant: str | None = None,
    *,
    kind: str | None = None,
    parent: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[CaseRow]:
    """Every case (or those `participant` takes part in, of `kind`, opened by `parent`), most recently changed
    first; `limit` and `offset` page through them. Cases whose events cannot be folded are left out."""
    conditions = ["c.problem IS NULL"]
    parameters: list[Any] = []
    statement = _CASE_SELECT
    if participant is not None:
        statement += " JOIN projection_participants p ON p.case_id = c.case_id AND p.person = ?"
        parameters.append(participant)
    if kind is not None:
        conditions.append("c.kind = ?")
        parameters.append(kind)
    if parent is not None:
        conditions.append("c.parent_id = ?")
        parameters.append(parent)
    statement += (
        " WHERE "
        + " AND ".join(conditions)
        + f" ORDER BY {_text_order(store, 'c.last_event_at')} DESC, {_text_order(store, 'c.case_id')} DESC"
    )
    if limit is not None:
        statement += " LIMIT ? OFFSET ?"
        parameters += [limit, offset]
    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        cursor.execute(_sql(store, statement), parameters)
        rows = cursor.fetchall()
    return [_case_row(row) for row in rows]


def case_versions(store: EventStore) -> dict[str, int]:
    """Every case's version (the number of its events), from the projections."""
    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        cursor.execute("SELECT case_id, version FROM projection_cases")
        return {case_id: int(version) for case_id, version in cursor.fetchall()}


def participants(store: EventStore, case_id: str) -> frozenset[str]:
    """Everyone the case's events name (see `domain.participation`)."""
    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        cursor.execute(_sql(store, "SELECT person FROM projection_participants WHERE case_id = ?"), (case_id,))
        return frozenset(person for (person,) in cursor.fetchall())


# -- the Strategic Plan's schedule -------------------------------------------------------------------------


def plan_status(store: EventStore, now: datetime) -> list[dict[str, Any]]:
    """`govern plan status`: each Strategic Plan with its summary (milestones and targets), and each case it
    opened (Annual Work Plans, reports, Board decisions) with its stage, next due date and overdue steps."""
    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        return desk_sql.plan_status(cursor, _dialect(store), canonical_time(now))
