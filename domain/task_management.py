"""Actions every case accepts on its steps: extend a deadline, reassign a step, delegate while away.

Who may manage a step: the Director, or the assignee's supervisor; for Board procedures, the Chair too.
A new assignee must pass the process's own rules (`check_assignee`), so a reassignment can never route a
step around separation of duties or a declared conflict of interest.
"""

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain import step_events, timed_step
from domain.acting import require_known_person, substitute_refusal
from domain.commands import Command, EventDraft, parse_fields, required_comment
from domain.errors import NotAllowed

if TYPE_CHECKING:
    from domain.case import CaseDecider, CaseState, Context

EXTEND = "extend"
REASSIGN = "reassign"
DELEGATE = "delegate"
ACTIONS = frozenset({EXTEND, REASSIGN, DELEGATE})
BOARD_KINDS = frozenset({"board_vote", "no_objection"})


class ExtendFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: str
    until: date | None = Field(default=None, description="New due day (end of day, assignee's local time).")
    working_days: int | None = Field(default=None, gt=0, description="Working days added to the due date.")

    @model_validator(mode="after")
    def _one_of(self) -> "ExtendFields":
        if (self.until is None) == (self.working_days is None):
            raise ValueError("give exactly one of 'until' or 'working_days'")
        return self


class ReassignFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: str
    to: str


class DelegateFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    substitute: str
    starts_on: date
    ends_on: date
    absent: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "DelegateFields":
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


def _may_manage(state: "CaseState", task: timed_step.Task, actor: str, context: "Context") -> str:
    organisation = context.organisation
    if organisation.has_role(actor, "director"):
        return "director"
    if task.kind in BOARD_KINDS and organisation.has_role(actor, "board_chair"):
        return "board_chair"
    if organisation.supervisor_of(task.assignee) == actor:
        return "supervisor"
    raise NotAllowed(
        f"Only the Director or {organisation.person(task.assignee).name}'s supervisor may extend or reassign "
        f"'{task.title}' (step management).",
        rule="step-management",
    )


def decide(decider: "CaseDecider", state: "CaseState", command: Command, context: "Context") -> list[EventDraft]:
    if command.action == EXTEND:
        return _extend(state, command, context)
    if command.action == REASSIGN:
        return _reassign(decider, state, command, context)
    return _delegate(state, command, context)


def _extend(state: "CaseState", command: Command, context: "Context") -> list[EventDraft]:
    fields = parse_fields(command, ExtendFields)
    task = state.task(fields.task)
    role = _may_manage(state, task, command.actor, context)
    reason = required_comment(command)
    if task.schedule is None:
        raise NotAllowed(f"'{task.title}' has no due date to extend.", rule="step-management")
    request: dict[str, Any] = {
        "assignee": task.assignee,
        "kind": task.kind,
        "opened_at": context.now.isoformat(),
        "officer": task.officer,
        "escalate": task.on_due == "escalate",
    }
    if fields.until is not None:
        zone = ZoneInfo(context.organisation.person(task.assignee).time_zone)
        new_due = datetime.combine(fields.until, time(23, 59, 59), zone).astimezone(task.schedule.due_at.tzinfo)
        request["due_at"] = new_due.isoformat()
    else:
        request["count_from"] = task.schedule.due_at.isoformat()
        request["working_days"] = fields.working_days
    if fields.until is not None and datetime.fromisoformat(request["due_at"]) <= task.schedule.due_at:
        raise NotAllowed(
            f"An extension must move the due date later than {task.schedule.due_at.isoformat()}.",
            rule="step-management",
        )
    return [
        step_events.DeadlineExtended(
            task_id=task.task_id, previous_due_at=task.schedule.due_at.isoformat(), schedule_request=request
        ).draft(command.actor, actor_role=role, reason=reason, outcome="extended")
    ]


def _reassign(decider: "CaseDecider", state: "CaseState", command: Command, context: "Context") -> list[EventDraft]:
    fields = parse_fields(command, ReassignFields)
    task = state.task(fields.task)
    role = _may_manage(state, task, command.actor, context)
    reason = required_comment(command)
    organisation = context.organisation
    require_known_person(organisation, fields.to)
    if fields.to == task.assignee:
        raise NotAllowed(f"'{task.title}' is already assigned to {fields.to}.", rule="step-management")
    decider.check_assignee(state, task, fields.to, context)
    request = {
        "assignee": fields.to,
        "kind": task.kind,
        "opened_at": context.now.isoformat(),
        "due_at": task.schedule.due_at.isoformat() if task.schedule else None,
        "officer": task.officer,
        "escalate": task.on_due == "escalate",
    }
    return [
        step_events.TaskReassigned(
            task_id=task.task_id, previous=task.assignee, to=fields.to, schedule_request=request
        ).draft(command.actor, actor_role=role, reason=reason, outcome="reassigned")
    ]


def _delegate(state: "CaseState", command: Command, context: "Context") -> list[EventDraft]:
    fields = parse_fields(command, DelegateFields)
    organisation = context.organisation
    absent = fields.absent or command.actor
    for person in (absent, fields.substitute):
        require_known_person(organisation, person)
    if fields.substitute == absent:
        raise NotAllowed("A person cannot be their own substitute (delegation rule).", rule="delegation")
    granted_as = "self"
    if command.actor != absent:
        if organisation.has_role(command.actor, "director"):
            granted_as = "director"
        elif organisation.supervisor_of(absent) == command.actor:
            granted_as = "supervisor"
        else:
            raise NotAllowed(
                f"Only {organisation.person(absent).name}, their supervisor or the Director may name their "
                "substitute (delegation rule).",
                rule="delegation",
            )
    refusal = substitute_refusal(organisation, state.subjects, state.requester, fields.substitute)
    if refusal is not None:
        raise NotAllowed(f"{refusal} and cannot be a substitute on it (delegation rule).", rule="delegation")
    return [
        step_events.DelegationGranted(
            absent=absent,
            substitute=fields.substitute,
            starts_on=fields.starts_on,
            ends_on=fields.ends_on,
            granted_by=command.actor,
        ).draft(
            command.actor,
            actor_role=granted_as,
            on_behalf_of=absent if command.actor != absent else None,
            reason=command.comment,
            outcome="delegated",
        )
    ]
