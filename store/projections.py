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
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from domain.acting import Delegation, active_substitutions
from domain.case import CaseState
from domain.case_kinds import decider_for
from domain.organisation import Organisation
from store.canonical import canonical_time, parse_canonical_time
from store.case_fold import CaseFold
from store.engine import describe_url
from store.errors import ProjectionsBehind, StoreError
from store.event_store import EventStore
from store.models import MAX_PAGE_SIZE, EventFilter, StoredEvent
from store.projection_writer import SNAPSHOT_SELECT
from store.rows import SELECT_LIST


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

_TASK_SELECT = "SELECT case_id, task_id, kind, title, assignee, action, due_at FROM projection_tasks"
_CASE_SELECT = (
    "SELECT c.case_id, c.kind, c.stage, c.closed, c.outcome, c.version, c.title, c.last_event_at, c.parent_id, "
    "c.amount_usd, c.next_due_at, c.problem FROM projection_cases c"
)
_LAG = "SELECT (SELECT seq FROM projection_cursor WHERE id = 1), (SELECT max(seq) FROM audit_events)"
_TRAIL_AFTER = (
    f"SELECT {SELECT_LIST} FROM audit_events WHERE stream_id = ? AND stream_version > ? ORDER BY stream_version"
)


def _sql(store: EventStore, statement: str) -> str:
    """A statement written with `?` marks, in the backend's own placeholder."""
    return statement if store.placeholder == "?" else statement.replace("?", store.placeholder)


def _require_current(store: EventStore, cursor: Any) -> None:
    cursor.execute(_LAG)
    reached, head = cursor.fetchone()
    if (reached or 0) != (head or 0):
        raise ProjectionsBehind(int(reached or 0), int(head or 0), describe_url(store.engine.url))


def _time(text: str | None) -> datetime | None:
    return None if text is None else parse_canonical_time(text)


def _task_rows(rows: Sequence[Sequence[Any]], now: datetime) -> list[TaskRow]:
    made = []
    for case_id, task_id, kind, title, assignee, action, due_text in rows:
        due_at = _time(due_text)
        made.append(
            TaskRow.model_construct(
                case_id=case_id,
                task_id=task_id,
                kind=kind,
                title=title,
                assignee=assignee,
                action=action,
                due_at=due_at,
                # What `domain.timed_step.Task.is_overdue` says: past its due date and still open.
                overdue=due_at is not None and due_at < now,
                on_behalf_of=None,
            )
        )
    return made


def _desk_order(rows: list[TaskRow], now: datetime) -> list[TaskRow]:
    """Overdue first, then by due date (undated last), then by case and step."""
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(rows, key=lambda row: (not row.overdue, row.due_at or far, row.case_id, row.task_id))


# -- tasks -------------------------------------------------------------------------------------------------


def open_tasks(
    store: EventStore, now: datetime, person: str | None = None, *, parent: str | None = None
) -> list[TaskRow]:
    """Open steps across all cases (or those assigned to `person`, or of the cases `parent` opened), overdue
    first, then by due date."""
    conditions, parameters = [], []
    if person is not None:
        conditions.append("assignee = ?")
        parameters.append(person)
    if parent is not None:
        conditions.append("case_id IN (SELECT case_id FROM projection_cases WHERE parent_id = ?)")
        parameters.append(parent)
    statement = _TASK_SELECT + (" WHERE " + " AND ".join(conditions) if conditions else "")
    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        cursor.execute(_sql(store, statement), parameters)
        rows = cursor.fetchall()
    return _desk_order(_task_rows(rows, now), now)


def overdue_tasks(store: EventStore, now: datetime) -> list[TaskRow]:
    """Every open step past its due date, most overdue first (the due-date index)."""
    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        cursor.execute(_sql(store, f"{_TASK_SELECT} WHERE due_at < ?"), (canonical_time(now),))
        rows = cursor.fetchall()
    return [row for row in _desk_order(_task_rows(rows, now), now) if row.overdue]


def tasks_for(store: EventStore, now: datetime, person: str, organisation: Organisation) -> list[TaskRow]:
    """A person's desk: the steps assigned to them, and those they hold today as an absent colleague's
    substitute (`on_behalf_of` names the colleague), overdue first, then by due date."""
    # A delegation runs in the absent person's calendar days, which are at most a day either side of UTC's.
    today = now.astimezone(UTC).date()
    window = ((today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat())
    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        cursor.execute(_sql(store, f"{_TASK_SELECT} WHERE assignee = ?"), (person,))
        rows = _task_rows(cursor.fetchall(), now)
        cursor.execute(
            _sql(
                store,
                "SELECT case_id, absent, substitute, starts_on, ends_on, granted_by FROM projection_delegations "
                "WHERE substitute = ? AND ends_on >= ? AND starts_on <= ? ORDER BY case_id, number",
            ),
            (person, *window),
        )
        by_case: dict[str, list[Delegation]] = {}
        for case_id, absent, substitute, starts_on, ends_on, granted_by in cursor.fetchall():
            by_case.setdefault(case_id, []).append(
                Delegation(
                    absent=absent,
                    substitute=substitute,
                    starts_on=date.fromisoformat(starts_on),
                    ends_on=date.fromisoformat(ends_on),
                    granted_by=granted_by,
                )
            )
        for case_id, delegations in by_case.items():
            absent_people = sorted(active_substitutions(organisation, tuple(delegations), person, now) - {person})
            if not absent_people:
                continue
            marks = ", ".join("?" * len(absent_people))
            cursor.execute(
                _sql(store, f"{_TASK_SELECT} WHERE case_id = ? AND assignee IN ({marks})"),
                (case_id, *absent_people),
            )
            rows.extend(
                row.model_copy(update={"on_behalf_of": row.assignee}) for row in _task_rows(cursor.fetchall(), now)
            )
    return _desk_order(rows, now)


# -- cases -------------------------------------------------------------------------------------------------


def case_state(store: EventStore, case_id: str) -> CaseState | None:
    """The case as its audit trail says it is, or None when it has no events: its snapshot, with the events
    recorded after it folded on (so it is never behind the log, projections or not)."""
    decider_for(case_id)  # an id no rules know is refused (UnknownCase), as before any read
    with store.raw_cursor() as cursor:
        return _state(store, cursor, case_id)


def _state(store: EventStore, cursor: Any, case_id: str) -> CaseState | None:
    cursor.execute(_sql(store, SNAPSHOT_SELECT), (case_id,))
    found = cursor.fetchone()
    fold = CaseFold.empty(case_id) if found is None else CaseFold.from_snapshot(case_id, *found)
    cursor.execute(_sql(store, _TRAIL_AFTER), (case_id, fold.version))
    for row in cursor.fetchall():
        fold.apply_row(row)
    if fold.version == 0:
        return None
    if fold.problem is not None or fold.state is None:
        raise CaseUnreadable(f"Case {case_id} cannot be rebuilt from its audit trail: {fold.problem}.")
    return fold.state


def _case_row(row: Sequence[Any]) -> CaseRow:
    case_id, kind, stage, closed, outcome, version, title, last_event_at, parent_id, amount_usd, next_due, _ = row
    return CaseRow.model_construct(
        case_id=case_id,
        kind=kind,
        stage=stage,
        closed=bool(closed),
        outcome=outcome,
        version=version,
        title=title,
        last_event_at=_time(last_event_at),
        parent_id=parent_id,
        amount_usd=amount_usd,
        next_due_at=_time(next_due),
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
    statement += " WHERE " + " AND ".join(conditions) + " ORDER BY c.last_event_at DESC, c.case_id DESC"
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
    from domain.strategic_plan import STRATEGIC_PLAN

    plans = []
    with store.raw_cursor() as cursor:
        _require_current(store, cursor)
        cursor.execute(
            _sql(store, "SELECT case_id FROM projection_cases WHERE kind = ? AND problem IS NULL ORDER BY case_id"),
            (STRATEGIC_PLAN.kind,),
        )
        for (plan_id,) in cursor.fetchall():
            plan = _state(store, cursor, plan_id)
            assert plan is not None
            cursor.execute(
                _sql(
                    store,
                    "SELECT t.case_id, t.task_id, t.due_at FROM projection_tasks t JOIN projection_cases c "
                    "ON c.case_id = t.case_id WHERE c.parent_id = ? AND t.due_at < ? ORDER BY t.opened_at, t.task_id",
                ),
                (plan_id, canonical_time(now)),
            )
            overdue: dict[str, list[str]] = {}
            for case_id, task_id, due_text in cursor.fetchall():
                if parse_canonical_time(due_text) < now:  # as `Task.is_overdue`
                    overdue.setdefault(case_id, []).append(task_id)
            cursor.execute(
                _sql(
                    store,
                    "SELECT case_id, stage, outcome, next_due_at FROM projection_cases WHERE parent_id = ? "
                    "AND problem IS NULL ORDER BY case_id",
                ),
                (plan_id,),
            )
            cases = [
                {
                    "case": case_id,
                    "stage": stage,
                    "outcome": outcome,
                    "next_due_at": parse_canonical_time(next_due).isoformat() if next_due else None,
                    "overdue": overdue.get(case_id, []),
                }
                for case_id, stage, outcome, next_due in cursor.fetchall()
            ]
            plans.append(
                {
                    "plan": plan_id,
                    "stage": plan.stage,
                    "outcome": plan.outcome,
                    "summary": STRATEGIC_PLAN.stage_summary(plan),
                    "cases": cases,
                }
            )
    return plans
