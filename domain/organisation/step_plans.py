"""Step plans: how long a step has, when its assignee is reminded, and when and to whom it escalates."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from domain.organisation.fields import _KIND, LocalTime, Text, _Frozen
from domain.organisation.roles import Relation


def _step_kind(value: Any) -> Any:
    if isinstance(value, str) and not _KIND.match(value):
        raise ValueError(f"{value!r} is not a step kind: use lower-case words joined by underscores, e.g. 'screening'")
    return value


StepKind = Annotated[str, BeforeValidator(_step_kind)]


class ReminderPlan(_Frozen):
    """Reminders to the assignee, in working days relative to the due day (negative = before, 0 = on it)."""

    offsets: tuple[int, ...] = (-5, -1, 0)
    local_time: LocalTime = time(9, 0)

    @field_validator("offsets")
    @classmethod
    def _sorted_unique(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"reminder offsets {list(value)} repeat a day")
        return tuple(sorted(value))


class Escalation(_Frozen):
    """After `after_working_days` overdue working days, tell `to`: a relation, a role or a person id."""

    after_working_days: int = Field(ge=1)
    to: Text
    local_time: LocalTime = time(9, 0)


class StepPlanSpec(_Frozen):
    """A step plan as written in the file: a field left out is taken from the `default` plan."""

    working_days: int | None = Field(default=None, ge=0)
    due_local_time: LocalTime | None = None
    reminders: ReminderPlan | None = None
    escalations: tuple[Escalation, ...] | None = None

    @field_validator("escalations")
    @classmethod
    def _increasing(cls, value: tuple[Escalation, ...] | None) -> tuple[Escalation, ...] | None:
        if value is not None:
            days = [escalation.after_working_days for escalation in value]
            if days != sorted(days):
                raise ValueError(f"escalations must come in increasing after_working_days order, got {days}")
            steps = [(escalation.after_working_days, escalation.to) for escalation in value]
            if len(set(steps)) != len(steps):
                raise ValueError("the same escalation is listed twice")
        return value


class StepPlan(_Frozen):
    """The resolved plan of one step kind: how long it has, when to remind, when and to whom to escalate.

    The step is due at `due_local_time` on the `working_days`-th working day after it opens, in the assignee's
    time zone and hub calendar (see `domain.working_days.due_at`).
    """

    kind: str
    working_days: int = Field(ge=0)
    due_local_time: LocalTime = time(17, 0)
    reminders: ReminderPlan = ReminderPlan()
    escalations: tuple[Escalation, ...] = ()


#: Applies to every step kind the file does not list, and fills what a listed kind leaves out.
BUILT_IN_DEFAULT_PLAN = StepPlan(
    kind="default",
    working_days=10,
    reminders=ReminderPlan(offsets=(-5, -1, 0), local_time=time(9, 0)),
    escalations=(
        Escalation(after_working_days=2, to=Relation.SUPERVISOR.value),
        Escalation(after_working_days=5, to=Relation.DIRECTOR.value),
    ),
)


def _resolve(kind: str, *specs: StepPlanSpec | None) -> StepPlan:
    values: dict[str, Any] = BUILT_IN_DEFAULT_PLAN.model_dump(exclude={"kind"})
    for spec in specs:
        if spec is not None:
            values.update({name: value for name, value in spec if value is not None})
    return StepPlan(kind=kind, **values)
