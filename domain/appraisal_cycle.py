"""The rules of launching one year's appraisal cycle; case id `appraisal/<cycle>`.

The Director or the HR Officer launches the cycle for everyone in a scope (units, roles, or the people who
report to someone; all staff when no scope is given). The first launch fixes the cycle's phase dates; a
later launch may add people (a unit launched later, a new joiner) under the same dates, but never adds
anyone twice, so launching again is safe. Each added person's appraisal is its own case,
`appraisal/<cycle>/<person>`, opened by the cycle's workflow.

Someone in scope who cannot be appraised in this cycle is listed with the reason and not launched: no first
reporting officer (the Director, whose appraisal runs through the reporting line outside the Secretariat),
no resolvable second reporting officer, or a joining date still ahead.
"""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain import timed_step
from domain.acting import local_date, require_known_person
from domain.appraisal import appraisal_case_id, reporting_officers
from domain.appraisal_phases import PhaseDates, phase_dates
from domain.case import CaseState, Context, handler_for
from domain.commands import Command, EventDraft, parse_fields
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.organisation import Organisation, Person

KIND = "appraisal_cycle"
CYCLE_OPENED = "AppraisalCycleOpened"
LAUNCHED = "AppraisalsLaunched"
LAUNCHERS = ("director", "hr_officer")


class AppraisalCycleState(CaseState):
    kind: str = KIND
    cycle: int | None = None
    phases: PhaseDates | None = None
    launched: tuple[str, ...] = Field(default=(), description="People whose appraisal this cycle opened.")
    launches: int = 0


class Scope(BaseModel):
    """Who a launch is for; empty means all staff. Within a list any entry matches; across lists all must."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    units: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    reporting_to: str | None = None
    people: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = []
        if self.units:
            parts.append("unit " + " or ".join(self.units))
        if self.roles:
            parts.append("role " + " or ".join(self.roles))
        if self.reporting_to:
            parts.append(f"reporting to {self.reporting_to}")
        if self.people:
            parts.append("people " + ", ".join(self.people))
        return "; ".join(parts) or "all staff"


class LaunchFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cycle: int = Field(ge=2000, le=2100)
    scope: Scope = Field(default_factory=Scope)
    phases: dict[str, date] = Field(default_factory=dict, description="Phase days that replace the defaults.")


class Skipped(BaseModel):
    model_config = ConfigDict(frozen=True)

    person: str
    reason: str


def cycle_case_id(cycle: int) -> str:
    return f"appraisal/{cycle}"


def _check_scope(organisation: Organisation, scope: Scope) -> None:
    units = {person.unit for person in organisation.people if person.unit}
    for unit in scope.units:
        if unit not in units:
            raise NotAllowed(
                f"No unit '{unit}' is in the organisation file; its units are: {', '.join(sorted(units))}.",
                rule="input",
            )
    for role in scope.roles:
        if not any(role == held for person in organisation.people for held in person.roles):
            raise NotAllowed(f"Nobody in the organisation file holds the role '{role}'.", rule="input")
    for person in (*((scope.reporting_to,) if scope.reporting_to else ()), *scope.people):
        require_known_person(organisation, person)


def in_scope(organisation: Organisation, scope: Scope) -> list[Person]:
    """Staff matching the scope, in file order."""
    _check_scope(organisation, scope)
    return [
        person
        for person in organisation.staff()
        if (not scope.units or person.unit in scope.units)
        and (not scope.roles or any(role in scope.roles for role in person.roles))
        and (scope.reporting_to is None or person.supervisor == scope.reporting_to)
        and (not scope.people or person.id in scope.people)
    ]


def plan_launch(
    state: AppraisalCycleState, scope: Scope, context: Context
) -> tuple[list[str], list[str], list[Skipped]]:
    """(to launch, already in the cycle, skipped with reasons) for a launch of this scope now."""
    organisation = context.organisation
    new: list[str] = []
    already: list[str] = []
    skipped: list[Skipped] = []
    for person in in_scope(organisation, scope):
        if person.id in state.launched:
            already.append(person.id)
            continue
        if person.joined_on is not None and person.joined_on > local_date(organisation, person.id, context.now):
            skipped.append(Skipped(person=person.id, reason=f"joins on {person.joined_on.isoformat()}"))
            continue
        try:
            reporting_officers(organisation, person.id)
        except NotAllowed as refusal:
            skipped.append(Skipped(person=person.id, reason=refusal.sentence))
            continue
        new.append(person.id)
    return new, already, skipped


class AppraisalCycleDecider:
    kind = KIND

    def initial_state(self, case_id: str) -> AppraisalCycleState:
        return AppraisalCycleState(case_id=case_id)

    def decide(self, state: AppraisalCycleState, command: Command, context: Context) -> list[EventDraft]:
        return handler_for(_HANDLERS, command, "an appraisal cycle")(self, state, command, context)

    def launch(self, state: AppraisalCycleState, command: Command, context: Context) -> list[EventDraft]:
        organisation = context.organisation
        if not any(organisation.has_role(command.actor, role) for role in LAUNCHERS):
            raise NotAllowed(
                f"Only the Director or the HR Officer may launch an appraisal cycle; "
                f"{organisation.person(command.actor).name} is neither.",
                rule="appraisal-launch",
            )
        fields = parse_fields(command, LaunchFields)
        if state.case_id != cycle_case_id(fields.cycle):
            raise NotAllowed(
                f"The {fields.cycle} cycle is the case {cycle_case_id(fields.cycle)}, not {state.case_id}.",
                rule="input",
            )
        if organisation.appraisal is None:
            raise NotAllowed(
                "The organisation file has no 'appraisal' section (rating scale, 'fully meets' level, rebuttal "
                "window), so no appraisal cycle can be launched.",
                rule="organisation",
            )
        drafts: list[EventDraft] = []
        if state.phases is None:
            phases = phase_dates(fields.cycle, fields.phases)
            drafts.append(
                EventDraft(
                    type=CYCLE_OPENED,
                    actor=command.actor,
                    outcome="opened",
                    payload={"cycle": fields.cycle, "phases": phases.model_dump(mode="json")},
                )
            )
        else:
            phases = state.phases
            recorded = phases.model_dump()
            for name, day in fields.phases.items():
                if recorded.get(name) != day:
                    raise NotAllowed(
                        f"The {fields.cycle} cycle was launched with {name} {recorded.get(name)}; a later launch "
                        "keeps the cycle's phase dates.",
                        rule="phase-dates",
                    )
        new, already, skipped = plan_launch(state, fields.scope, context)
        if not new:
            reasons = []
            if already:
                verb = "is" if len(already) == 1 else "are"
                reasons.append(f"{len(already)} in scope {verb} already in the {fields.cycle} cycle")
            if skipped:
                people = ", ".join(item.person for item in skipped)
                reasons.append(f"{len(skipped)} cannot be appraised in it now ({people})")
            why = " and ".join(reasons) or "nobody is in scope"
            raise NotAllowed(f"Nothing to launch: {why}.", rule="nothing-to-launch")
        drafts.append(
            EventDraft(
                type=LAUNCHED,
                actor=command.actor,
                reason=command.comment,
                outcome="launched",
                payload={
                    "cycle": fields.cycle,
                    "scope": fields.scope.model_dump(mode="json"),
                    "people": new,
                    "cases": [appraisal_case_id(fields.cycle, person) for person in new],
                    "already_in_cycle": already,
                    "skipped": [item.model_dump() for item in skipped],
                },
            )
        )
        return drafts

    def react(self, state: AppraisalCycleState, context: Context) -> list[EventDraft]:
        return []

    def on_deadline(self, state: AppraisalCycleState, task: timed_step.Task, context: Context) -> list[EventDraft]:
        return []

    def check_assignee(self, state: AppraisalCycleState, task: timed_step.Task, person: str, context: Context) -> None:
        return None

    def evolve(self, state: AppraisalCycleState, event: DomainEvent) -> AppraisalCycleState:
        if event.type == CYCLE_OPENED:
            return state.model_copy(
                update={
                    "stage": "launched",
                    "cycle": event.payload["cycle"],
                    "phases": PhaseDates.model_validate(event.payload["phases"]),
                }
            )
        if event.type == LAUNCHED:
            return state.model_copy(
                update={"launched": (*state.launched, *event.payload["people"]), "launches": state.launches + 1}
            )
        return state

    def stage_summary(self, state: AppraisalCycleState) -> dict[str, Any]:
        return {
            "cycle": state.cycle,
            "phases": state.phases.model_dump(mode="json") if state.phases else None,
            "appraisals": [appraisal_case_id(state.cycle, person) for person in state.launched] if state.cycle else [],
            "launches": state.launches,
        }


_HANDLERS = {"launch": AppraisalCycleDecider.launch}

APPRAISAL_CYCLE = AppraisalCycleDecider()
