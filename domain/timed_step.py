"""The timed human step: a task for a person, with a due date, reminders before it and escalations after it.

It is the building block every process shares (grants, policy reviews, the Strategic Plan, appraisals, Board
procedures). Due dates and timer instants are computed once, when the step opens (by the calendar activity,
from `domain.working_days`), and recorded in the step's event; timers later fire at those recorded instants.

A task is `escalate` (the usual case: after the due date the assignee's supervisor, then the Director, are
told) or `lapse` (the due date ends something: a vote closes, a no-objection period expires, an applicant's
clock runs out); a lapsing task reports `DeadlinePassed` and its decider decides what that means.
"""

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain import step_events as events
from domain.commands import EventDraft
from domain.events import SYSTEM_ACTOR

TASK_OPENED = "TaskOpened"
TASK_COMPLETED = "TaskCompleted"
TASK_CANCELLED = "TaskCancelled"
REMINDER_SENT = "ReminderSent"
ESCALATION_RAISED = "EscalationRaised"
DEADLINE_PASSED = "DeadlinePassed"
DEADLINE_EXTENDED = "DeadlineExtended"
TASK_REASSIGNED = "TaskReassigned"

#: Events whose payload carries a `schedule_request` the runtime resolves into a `schedule` before appending.
SCHEDULED_EVENTS = frozenset({TASK_OPENED, DEADLINE_EXTENDED, TASK_REASSIGNED})

OnDue = Literal["escalate", "lapse"]


class ScheduleRequest(BaseModel):
    """What the calendar needs to fix a step's due date and timer instants."""

    model_config = ConfigDict(frozen=True)

    assignee: str
    kind: str
    opened_at: datetime
    due_at: datetime | None = Field(default=None, description="A fixed due instant; else counted in working days.")
    due_on: date | None = Field(
        default=None,
        description="A fixed due day, due at the step plan's local time (or `due_time`) in the assignee's zone; "
        "on the previous working day when it is not one.",
    )
    due_time: time | None = Field(default=None, description="The local time on `due_on`, instead of the plan's.")
    working_days: int | None = Field(default=None, description="Overrides the step plan's working days.")
    count_from: datetime | None = Field(
        default=None, description="Count working days from here (an extension) instead of from opened_at."
    )
    officer: str | None = Field(default=None, description="The case officer, for escalations 'to: officer'.")
    escalate: bool = True
    reminder_offsets: tuple[int, ...] | None = Field(
        default=None, description="Working-day offsets from the due day that replace the plan's reminders."
    )
    escalation_subject: str | None = Field(
        default=None,
        description="Resolve escalations (supervisor, second reporting officer) relative to this person, e.g. the "
        "appraised staff member, instead of the late assignee.",
    )


class Escalation(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: int
    at: datetime
    to: str


class TaskSchedule(BaseModel):
    model_config = ConfigDict(frozen=True)

    due_at: datetime
    reminders: list[datetime] = Field(default_factory=list)
    escalations: list[Escalation] = Field(default_factory=list)
    time_zone: str | None = Field(
        default=None,
        description="The IANA zone the due date was counted in (the assignee's); schedules recorded before it say "
        "nothing.",
    )


class Task(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: str
    kind: str
    title: str
    assignee: str
    action: str = Field(description="The `govern act` action that completes it.")
    opened_at: datetime
    on_due: OnDue = "escalate"
    officer: str | None = None
    schedule: TaskSchedule | None = None
    reminders_sent: int = 0
    escalations_sent: int = 0
    lapsed: bool = False

    @property
    def due_at(self) -> datetime | None:
        return self.schedule.due_at if self.schedule else None

    def is_overdue(self, now: datetime) -> bool:
        """Past its due date and still open: what `govern tasks`, `overdue` and the status views flag."""
        return self.due_at is not None and self.due_at < now

    def pending_instants(self) -> list[datetime]:
        if self.schedule is None:
            return []
        instants = list(self.schedule.reminders[self.reminders_sent :])
        if self.on_due == "escalate":
            instants += [step.at for step in self.schedule.escalations[self.escalations_sent :]]
        elif not self.lapsed:
            instants.append(self.schedule.due_at)
        return instants


def open_task(
    *,
    task_id: str,
    kind: str,
    title: str,
    assignee: str,
    action: str,
    opened_at: datetime,
    actor: str = SYSTEM_ACTOR,
    on_due: OnDue = "escalate",
    due_at: datetime | None = None,
    due_on: date | None = None,
    due_time: time | None = None,
    working_days: int | None = None,
    officer: str | None = None,
    reason: str | None = None,
    reminder_offsets: tuple[int, ...] | None = None,
    escalation_subject: str | None = None,
) -> EventDraft:
    request = ScheduleRequest(
        assignee=assignee,
        kind=kind,
        opened_at=opened_at,
        due_at=due_at,
        due_on=due_on,
        due_time=due_time,
        working_days=working_days,
        officer=officer,
        escalate=on_due == "escalate",
        reminder_offsets=reminder_offsets,
        escalation_subject=escalation_subject,
    )
    return events.TaskOpened(
        task_id=task_id,
        kind=kind,
        title=title,
        assignee=assignee,
        action=action,
        on_due=on_due,
        officer=officer,
        schedule_request=request.model_dump(mode="json"),
    ).draft(actor, reason=reason)


def complete_task(task: Task, actor: str, on_behalf_of: str | None = None, outcome: str | None = None) -> EventDraft:
    return events.TaskCompleted(task_id=task.task_id, assignee=task.assignee).draft(
        actor, on_behalf_of=on_behalf_of, outcome=outcome or "done"
    )


def cancel_task(task: Task, reason: str, actor: str = SYSTEM_ACTOR) -> EventDraft:
    return events.TaskCancelled(task_id=task.task_id).draft(actor, reason=reason, outcome="cancelled")


def fired_timers(tasks: dict[str, Task], now: datetime) -> list[EventDraft]:
    """Every reminder, escalation and lapse whose recorded instant has come, oldest first."""
    fired: list[tuple[datetime, int, EventDraft]] = []
    for order, task in enumerate(tasks.values()):
        if task.schedule is None:
            continue
        for number, instant in enumerate(task.schedule.reminders[task.reminders_sent :], task.reminders_sent + 1):
            if instant <= now:
                fired.append((instant, order, _reminder(task, number, instant)))
        if task.on_due == "escalate":
            for step in task.schedule.escalations[task.escalations_sent :]:
                if step.at <= now:
                    fired.append((step.at, order, _escalation(task, step)))
        elif not task.lapsed and task.schedule.due_at <= now:
            fired.append((task.schedule.due_at, order, _lapse(task)))
    fired.sort(key=lambda item: (item[0], item[1]))
    return [draft for _, _, draft in fired]


def next_wake(tasks: dict[str, Task]) -> datetime | None:
    instants = [instant for task in tasks.values() for instant in task.pending_instants()]
    return min(instants) if instants else None


def _reminder(task: Task, number: int, instant: datetime) -> EventDraft:
    assert task.schedule is not None
    return events.ReminderSent(
        task_id=task.task_id,
        to=task.assignee,
        number=number,
        planned_at=instant.isoformat(),
        due_at=task.schedule.due_at.isoformat(),
    ).draft(
        SYSTEM_ACTOR,
        reason=f"reminder {number} of {len(task.schedule.reminders)} before the due date",
        outcome="reminded",
    )


def _escalation(task: Task, step: Escalation) -> EventDraft:
    assert task.schedule is not None
    return events.EscalationRaised(
        task_id=task.task_id,
        to=step.to,
        assignee=task.assignee,
        level=step.level,
        planned_at=step.at.isoformat(),
        due_at=task.schedule.due_at.isoformat(),
    ).draft(
        SYSTEM_ACTOR,
        reason=f"'{task.title}' is overdue (was due {task.schedule.due_at.isoformat()})",
        outcome="escalated",
    )


def _lapse(task: Task) -> EventDraft:
    assert task.schedule is not None
    return events.DeadlinePassed(
        task_id=task.task_id, assignee=task.assignee, due_at=task.schedule.due_at.isoformat()
    ).draft(SYSTEM_ACTOR, reason=f"the deadline of '{task.title}' has passed", outcome="lapsed")


def evolve_tasks(tasks: dict[str, Task], step: events.StepEvent | None) -> dict[str, Task]:
    """The open tasks after one event, read as the shared step family (`STEP_EVENTS.parse`). Events that are
    not about tasks (None: a process's own event) leave them as they are."""
    match step:
        case events.TaskOpened():
            task = Task(
                task_id=step.task_id,
                kind=step.kind,
                title=step.title,
                assignee=step.assignee,
                action=step.action,
                opened_at=events.requested_at(step),
                on_due=step.on_due or "escalate",
                officer=step.officer,
                schedule=_schedule(step),
            )
            return {**tasks, task.task_id: task}
        case (
            events.TaskCompleted()
            | events.TaskCancelled()
            | events.ReminderSent()
            | events.EscalationRaised()
            | events.DeadlinePassed()
            | events.DeadlineExtended()
            | events.TaskReassigned()
        ) if step.task_id in tasks:
            return _evolve_task(tasks, tasks[step.task_id], step)
    return tasks


def _evolve_task(tasks: dict[str, Task], task: Task, step: events.StepEvent) -> dict[str, Task]:
    match step:
        case events.TaskCompleted() | events.TaskCancelled():
            return {key: value for key, value in tasks.items() if key != task.task_id}
        case events.ReminderSent():
            task = task.model_copy(update={"reminders_sent": step.number})
        case events.EscalationRaised():
            task = task.model_copy(update={"escalations_sent": step.level})
        case events.DeadlinePassed():
            task = task.model_copy(update={"lapsed": True})
        case events.DeadlineExtended() | events.TaskReassigned():
            schedule = _schedule(step)
            task = task.model_copy(
                update={
                    "assignee": step.to if isinstance(step, events.TaskReassigned) else task.assignee,
                    "schedule": schedule or task.schedule,
                    # A new schedule starts its reminders and escalations afresh, from the recorded instants.
                    "reminders_sent": _already_past(schedule.reminders if schedule else [], step),
                    "escalations_sent": _already_past([e.at for e in schedule.escalations] if schedule else [], step),
                    "lapsed": False,
                }
            )
    return {**tasks, task.task_id: task}


def _schedule(step: events.ScheduledStep) -> TaskSchedule | None:
    """The schedule the calendar fixed for the step; none yet in a decision's provisional state."""
    return TaskSchedule.model_validate(step.schedule) if step.schedule else None


def _already_past(instants: list[datetime], step: events.ScheduledStep) -> int:
    """Instants of a new schedule that are already behind the change are not replayed as late reminders."""
    changed = events.requested_at(step)
    return sum(1 for at in instants if at <= changed)
