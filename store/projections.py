"""Read models rebuilt from the audit trail with the same pure functions the workflows use.

`case_state` folds one case's events through its decider; `open_tasks` folds the step events of every case.
Neither asks Temporal, so they work the same under simulation, and a case can be compared with what its
workflow reports.
"""

from collections.abc import Iterator
from datetime import datetime

from pydantic import BaseModel

from domain import case, timed_step
from domain.case import CaseState
from domain.case_kinds import decider_for
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
