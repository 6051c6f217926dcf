"""Read models rebuilt from the audit trail with the same pure functions the workflows use.

`case_state` folds one case's events through its decider; `open_tasks` folds the step events of every case.
Neither asks Temporal, so they work the same under simulation, and a case can be compared with what its
workflow reports.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from domain import case, timed_step
from domain.acting import active_substitutions
from domain.case import CaseState
from domain.case_kinds import decider_for
from domain.organisation import Organisation
from domain.participation import people_named
from domain.refusal_record import is_refusal_stream
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


def all_events(store: EventStore, event_filter: EventFilter | None = None) -> Iterator[StoredEvent]:
    current = event_filter or EventFilter(limit=MAX_PAGE_SIZE)
    while True:
        page = store.read(current)
        yield from page.events
        if page.next_after_seq is None:
            return
        current = current.model_copy(update={"after_seq": page.next_after_seq})


def case_state(store: EventStore, case_id: str) -> CaseState | None:
    """The case as its audit trail says it is, or None when it has no events."""
    decider = decider_for(case_id)
    events = store.read_stream(case_id)
    if not events:
        return None
    state = decider.initial_state(case_id)
    for event in events:
        state = case.evolve(decider, state, event)
    return state


def open_tasks(store: EventStore, now: datetime, person: str | None = None) -> list[TaskRow]:
    """Open steps across all cases, overdue first, then by due date."""
    tasks: dict[str, dict[str, timed_step.Task]] = {}
    for event in all_events(store):
        if event.type == case.CASE_CLOSED:
            tasks.pop(event.stream_id, None)
            continue
        if event.type in _STEP_EVENTS:
            tasks[event.stream_id] = timed_step.evolve_tasks(tasks.get(event.stream_id, {}), event.type, event.payload)
    rows = [
        TaskRow(
            case_id=case_id,
            task_id=task.task_id,
            kind=task.kind,
            title=task.title,
            assignee=task.assignee,
            action=task.action,
            due_at=task.due_at,
            overdue=task.is_overdue(now),
        )
        for case_id, by_id in tasks.items()
        for task in by_id.values()
        if person is None or task.assignee == person
    ]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(rows, key=lambda row: (not row.overdue, row.due_at or far, row.case_id, row.task_id))


def tasks_for(store: EventStore, now: datetime, person: str, organisation: Organisation) -> list[TaskRow]:
    """A person's desk: the steps assigned to them, and those they hold today as an absent colleague's
    substitute (`on_behalf_of` names the colleague), overdue first, then by due date."""
    every = open_tasks(store, now)
    rows = [row for row in every if row.assignee == person]
    others: dict[str, list[TaskRow]] = {}
    for row in every:
        if row.assignee != person:
            others.setdefault(row.case_id, []).append(row)
    for case_id, candidates in others.items():
        state = case_state(store, case_id)
        if state is None:
            continue
        absent = active_substitutions(organisation, state.delegations, person, now)
        rows.extend(
            row.model_copy(update={"on_behalf_of": row.assignee}) for row in candidates if row.assignee in absent
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(rows, key=lambda row: (not row.overdue, row.due_at or far, row.case_id, row.task_id))


def case_row(store: EventStore, case_id: str) -> CaseRow | None:
    state = case_state(store, case_id)
    if state is None:
        return None
    events = store.read_stream(case_id)
    summary = decider_for(case_id).stage_summary(state)
    title = summary.get("title") if isinstance(summary.get("title"), str) else None
    return CaseRow(
        case_id=case_id,
        kind=state.kind,
        stage=state.stage,
        closed=state.closed,
        outcome=state.outcome,
        version=state.version,
        title=title,
        last_event_at=events[-1].occurred_at if events else None,
    )


def case_rows(store: EventStore, participant: str | None = None) -> list[CaseRow]:
    """Every case (or those `participant` takes part in), most recently changed first."""
    named: dict[str, set[str]] = {}
    for event in all_events(store):
        if is_refusal_stream(event.stream_id):
            continue  # the record of refused attempts is not a case
        people = named.setdefault(event.stream_id, set())
        if participant is not None:
            people.update(people_named(event.actor, event.on_behalf_of, event.payload))
    rows = [
        row
        for case_id, people in named.items()
        if participant is None or participant in people
        if (row := case_row(store, case_id)) is not None
    ]
    far = datetime.min.replace(tzinfo=UTC)
    return sorted(rows, key=lambda row: (row.last_event_at or far, row.case_id), reverse=True)


def participants(store: EventStore, case_id: str) -> frozenset[str]:
    """Everyone the case's events name (see `domain.participation`)."""
    people: set[str] = set()
    for event in store.read_stream(case_id):
        people.update(people_named(event.actor, event.on_behalf_of, event.payload))
    return frozenset(people)


_STEP_EVENTS = frozenset(
    {
        timed_step.TASK_OPENED,
        timed_step.TASK_COMPLETED,
        timed_step.TASK_CANCELLED,
        timed_step.DEADLINE_EXTENDED,
        timed_step.TASK_REASSIGNED,
        timed_step.REMINDER_SENT,
        timed_step.ESCALATION_RAISED,
        timed_step.DEADLINE_PASSED,
    }
)
