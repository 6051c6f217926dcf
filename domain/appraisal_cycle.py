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

from collections.abc import Callable
from typing import Any

from pydantic import Field

from domain import timed_step
from domain.acting import local_date, require_known_person
from domain.appraisal import appraisal_case_id, reporting_officers
from domain.appraisal_cycle_events import (
    APPRAISAL_CYCLE_COMMANDS,
    APPRAISAL_CYCLE_EVENTS,
    AppraisalCycleOpened,
    AppraisalsLaunched,
    Launch,
    Scope,
    Skipped,
)
from domain.appraisal_cycle_events import LaunchFields as LaunchFields  # the action table's name for them
from domain.appraisal_phases import PhaseDates, phase_dates
from domain.case import CaseState, Context, handler_for
from domain.commands import Command, EventDraft
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.organisation import Organisation, Person

KIND = "appraisal_cycle"
CYCLE_OPENED = AppraisalCycleOpened.model_fields["type"].default
LAUNCHED = AppraisalsLaunched.model_fields["type"].default
LAUNCHERS = ("director", "hr_officer")


class AppraisalCycleState(CaseState):
    kind: str = KIND
    cycle: int | None = None
    phases: PhaseDates | None = None
    launched: tuple[str, ...] = Field(default=(), description="People whose appraisal this cycle opened.")
    launches: int = 0


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
        handler = handler_for(_HANDLERS, command, "an appraisal cycle")
        return handler(self, state, APPRAISAL_CYCLE_COMMANDS.parse(command), context)

    def launch(self, state: AppraisalCycleState, command: Launch, context: Context) -> list[EventDraft]:
        organisation = context.organisation
        if not any(organisation.has_role(command.actor, role) for role in LAUNCHERS):
            raise NotAllowed(
                f"Only the Director or the HR Officer may launch an appraisal cycle; "
                f"{organisation.person(command.actor).name} is neither.",
                rule="appraisal-launch",
            )
        fields = command.fields
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
            opened = AppraisalCycleOpened(cycle=fields.cycle, phases=phases)
            drafts.append(opened.draft(command.actor, outcome="opened"))
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
            AppraisalsLaunched(
                cycle=fields.cycle,
                scope=fields.scope,
                people=tuple(new),
                cases=tuple(appraisal_case_id(fields.cycle, person) for person in new),
                already_in_cycle=tuple(already),
                skipped=tuple(skipped),
            ).draft(command.actor, reason=command.comment, outcome="launched")
        )
        return drafts

    def react(self, state: AppraisalCycleState, context: Context) -> list[EventDraft]:
        return []

    def on_deadline(self, state: AppraisalCycleState, task: timed_step.Task, context: Context) -> list[EventDraft]:
        return []

    def check_assignee(self, state: AppraisalCycleState, task: timed_step.Task, person: str, context: Context) -> None:
        return None

    def evolve(self, state: AppraisalCycleState, event: DomainEvent) -> AppraisalCycleState:
        match APPRAISAL_CYCLE_EVENTS.parse(event):
            case AppraisalCycleOpened() as opened:
                return state.model_copy(update={"stage": "launched", "cycle": opened.cycle, "phases": opened.phases})
            case AppraisalsLaunched() as launched:
                return state.model_copy(
                    update={"launched": (*state.launched, *launched.people), "launches": state.launches + 1}
                )
        return state

    def stage_summary(self, state: AppraisalCycleState) -> dict[str, Any]:
        return {
            "cycle": state.cycle,
            "phases": state.phases.model_dump(mode="json") if state.phases else None,
            "appraisals": [appraisal_case_id(state.cycle, person) for person in state.launched] if state.cycle else [],
            "launches": state.launches,
        }


_HANDLERS: dict[str, Callable[..., list[EventDraft]]] = {"launch": AppraisalCycleDecider.launch}

APPRAISAL_CYCLE = AppraisalCycleDecider()
