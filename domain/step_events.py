"""The events every case shares, each payload a frozen model: its timed steps (`domain.timed_step`), their
management (`domain.task_management`), and its close (`domain.case`, `domain.cancellation`).

Every process's trail holds them besides its own events, so every process's evolve reads them through this
one family, `STEP_EVENTS`. A step's schedule request and its resolved schedule are kept as recorded (JSON
objects, instants as ISO text): the request an extension records names only the keys it sets, and the
calendar's schedule is read as a `TaskSchedule` where the steps are folded.
"""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from domain.event_model import EventFamily, EventPayload, omitted_when_none
from domain.instants import as_instant


class TaskOpened(EventPayload):
    type: Literal["TaskOpened"] = "TaskOpened"
    task_id: str
    kind: str
    title: str
    assignee: str
    action: str
    on_due: Literal["escalate", "lapse"] | None = omitted_when_none()  # always recorded; read as optional
    officer: str | None = None
    schedule_request: dict[str, Any]
    schedule: dict[str, Any] | None = omitted_when_none()


class TaskCompleted(EventPayload):
    type: Literal["TaskCompleted"] = "TaskCompleted"
    task_id: str
    assignee: str


class TaskCancelled(EventPayload):
    type: Literal["TaskCancelled"] = "TaskCancelled"
    task_id: str


class ReminderSent(EventPayload):
    type: Literal["ReminderSent"] = "ReminderSent"
    task_id: str
    to: str
    number: int
    planned_at: str
    due_at: str


class EscalationRaised(EventPayload):
    type: Literal["EscalationRaised"] = "EscalationRaised"
    task_id: str
    to: str
    assignee: str
    level: int
    planned_at: str
    due_at: str


class DeadlinePassed(EventPayload):
    type: Literal["DeadlinePassed"] = "DeadlinePassed"
    task_id: str
    assignee: str
    due_at: str


class DeadlineExtended(EventPayload):
    type: Literal["DeadlineExtended"] = "DeadlineExtended"
    task_id: str
    previous_due_at: str
    schedule_request: dict[str, Any]
    schedule: dict[str, Any] | None = omitted_when_none()


class TaskReassigned(EventPayload):
    """`from` is a Python keyword: the model names it `previous`, the payload `from`."""

    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True, validate_by_alias=True)

    type: Literal["TaskReassigned"] = "TaskReassigned"
    task_id: str
    previous: str = Field(alias="from")
    to: str
    schedule_request: dict[str, Any]
    schedule: dict[str, Any] | None = omitted_when_none()


class DelegationGranted(EventPayload):
    type: Literal["DelegationGranted"] = "DelegationGranted"
    absent: str
    substitute: str
    starts_on: date
    ends_on: date
    granted_by: str


class CaseClosed(EventPayload):
    type: Literal["CaseClosed"] = "CaseClosed"
    stage: str | None = omitted_when_none()  # always recorded; a close without one is at stage `closed`


class CaseCancelled(EventPayload):
    type: Literal["CaseCancelled"] = "CaseCancelled"
    stage: str
    requested_reason: str | None = None


#: Steps whose payload carries a `schedule_request`, which the runtime resolves into a `schedule` before the append.
ScheduledStep = TaskOpened | DeadlineExtended | TaskReassigned


def requested_at(step: ScheduledStep) -> datetime:
    """When the step was opened or changed: the instant its schedule request counts from."""
    return as_instant(step.schedule_request["opened_at"])


def scheduled_due_at(step: ScheduledStep) -> datetime | None:
    """The due instant the calendar fixed for the step, or None while its schedule is not resolved."""
    return as_instant(step.schedule["due_at"]) if step.schedule else None


StepEvent = (
    TaskOpened
    | TaskCompleted
    | TaskCancelled
    | ReminderSent
    | EscalationRaised
    | DeadlinePassed
    | DeadlineExtended
    | TaskReassigned
    | DelegationGranted
    | CaseClosed
    | CaseCancelled
)

STEP_EVENTS: EventFamily[StepEvent] = EventFamily(
    TaskOpened,
    TaskCompleted,
    TaskCancelled,
    ReminderSent,
    EscalationRaised,
    DeadlinePassed,
    DeadlineExtended,
    TaskReassigned,
    DelegationGranted,
    CaseClosed,
    CaseCancelled,
)
