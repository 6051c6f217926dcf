"""The shape every governance case shares: its state, its decider, and the three pure steps the workflow runs.

    decide_command(decider, state, command, context) -> drafts   # or NotAllowed with a sentence
    decide_timers(decider, state, context) -> drafts             # reminders, escalations, lapses that are due
    evolve(decider, state, event) -> state

A decider only states the rules of its own process. The common parts live here and in `timed_step`,
`acting` and `task_management`: closed cases refuse commands, unknown people are refused, tasks are
opened, reminded, escalated, extended, reassigned and delegated the same way in every process.

After a command or a timer the decider may `react` to the new state (a vote that can no longer change
closes, two reviews complete an assessment); reactions are folded into the same commit, so one accepted
command is one atomic append to the audit trail.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

# Imported here, not lazily: a module first imported inside the workflow sandbox binds the sandbox's proxies
# (e.g. of zoneinfo), which then fail when the same module is used outside it.
from domain import limits, step_events, task_management, timed_step
from domain.acting import Delegation, acting_for, require_known_person
from domain.commands import Command, EventDraft
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.organisation import Organisation
from domain.suggestions import did_you_mean

CASE_CLOSED = "CaseClosed"
MAX_REACTION_ROUNDS = 20


class Context(BaseModel):
    """What a decision may know about the world: the organisation and the instant, both given to it."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    organisation: Organisation
    now: datetime


class CaseState(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    kind: str
    stage: str = "new"
    version: int = 0
    closed: bool = False
    outcome: str | None = None
    requester: str | None = None
    subjects: tuple[str, ...] = ()
    tasks: dict[str, timed_step.Task] = Field(default_factory=dict)
    delegations: tuple[Delegation, ...] = ()

    def task(self, task_id: str) -> timed_step.Task:
        try:
            return self.tasks[task_id]
        except KeyError:
            open_ids = ", ".join(self.tasks) or "none"
            raise NotAllowed(
                f"Case {self.case_id} has no open task '{task_id}' (open tasks: {open_ids}).", rule="task"
            ) from None

    def open_step(
        self,
        task_id: str,
        what: str,
        label: str,
        context: "Context",
        *,
        when: str,
        instead: str | None = None,
    ) -> timed_step.Task:
        """The open step an action completes, or the refusal of `no_step`."""
        task = self.tasks.get(task_id)
        if task is None:
            raise self.no_step(what, label, context, when=when, instead=instead)
        return task

    def no_step(
        self, what: str, label: str, context: "Context", *, when: str, instead: str | None = None
    ) -> NotAllowed:
        """The refusal of an action whose step is not open, saying why and what the case is waiting for:
        '<label> has no open step to <what> (stage: <stage>): <when>; it is waiting for <who> to <action>.'

        `when` is the rule, when that step opens (e.g. 'approval follows two independent technical reviews');
        `instead` replaces it when something else applies to this case now (a grant the Board approves)."""
        return NotAllowed(
            f"{label} has no open step to {what} (stage: {self.stage}): {instead or when}; "
            f"{waiting_for(self, context.organisation)}.",
            rule="stage",
        )

    def awaiting_elsewhere(self) -> str | None:
        """What the case waits for when none of its own steps is open (a child case, such as a Board decision);
        a case kind that waits on one says so."""
        return None

    def tasks_of_kind(self, kind: str) -> list[timed_step.Task]:
        return [task for task in self.tasks.values() if task.kind == kind]


State = TypeVar("State", bound=CaseState)

#: Open steps a refusal names one by one; the rest are counted.
_WAITING_NAMED = 3


def waiting_for(state: CaseState, organisation: Organisation) -> str:
    """What the case is waiting for, and from whom: 'it is waiting for Ana Silva (programme-officer-hanoi) to
    review', for the sentence that tells a person why their action has no step now."""
    if state.closed:
        return f"it is closed ({state.outcome or state.stage})"
    waits = []
    for task in state.tasks.values():
        if task.action in ("extend", "reassign", "delegate"):
            waits.append(f"'{task.title}'")  # a window that closes by itself; nobody completes it
            continue
        holder = organisation.person(task.assignee).name if organisation.has_person(task.assignee) else task.assignee
        waits.append(f"{holder} ({task.assignee}) to '{task.action}'")
    if not waits:
        elsewhere = state.awaiting_elsewhere()
        return f"it is waiting for {elsewhere}" if elsewhere else "none of its steps is open now"
    named = waits[:_WAITING_NAMED]
    more = len(waits) - len(named)
    if more:
        listed = f"{', '.join(named)} and {more} more"
    elif len(named) > 1:
        listed = f"{', '.join(named[:-1])} and {named[-1]}"
    else:
        listed = named[0]
    return f"it is waiting for {listed}"


class CaseDecider(Protocol[State]):
    """One per case kind: the rules of that process and nothing else."""

    kind: str

    def initial_state(self, case_id: str) -> State: ...

    def decide(self, state: State, command: Command, context: Context) -> list[EventDraft]: ...

    def evolve(self, state: State, event: DomainEvent) -> State: ...

    def react(self, state: State, context: Context) -> list[EventDraft]: ...

    def on_deadline(self, state: State, task: timed_step.Task, context: Context) -> list[EventDraft]: ...

    def check_assignee(self, state: State, task: timed_step.Task, person: str, context: Context) -> None: ...

    def stage_summary(self, state: State) -> dict[str, Any]: ...


def provisional_event(state: CaseState, draft: EventDraft, now: datetime, number: int) -> DomainEvent:
    """A draft as an event, so that a decision can see the state its earlier drafts lead to."""
    return DomainEvent(
        event_id=f"provisional-{state.case_id}-{state.version}-{number}",
        stream_id=state.case_id,
        occurred_at=now,
        **draft.model_dump(),
    )


def evolve(decider: CaseDecider[State], state: State, event: DomainEvent) -> State:
    step = step_events.STEP_EVENTS.parse(event)
    update: dict[str, Any] = {"version": state.version + 1, "tasks": timed_step.evolve_tasks(state.tasks, step)}
    match step:
        case step_events.DelegationGranted():
            update["delegations"] = (*state.delegations, Delegation.model_validate(step, from_attributes=True))
        case step_events.CaseClosed():
            update.update(closed=True, outcome=event.outcome, stage=step.stage or "closed")
            # A closed case has nothing left to do; its leftover tasks were cancelled in the same commit.
    return decider.evolve(state.model_copy(update=update), event)


def state_after(decider: CaseDecider[State], state: State, drafts: list[EventDraft], now: datetime) -> State:
    """The state that `drafts` lead to, provisionally. A decision that opens a step after other events of the
    same command picks the step's assignee from this state, so that what those events change (a conflict just
    declared, a reviewer just named, a step just completed) counts."""
    current = state
    for number, draft in enumerate(drafts):
        current = evolve(decider, current, provisional_event(current, draft, now, number))
    return current


def with_reactions(
    decider: CaseDecider[State], state: State, drafts: list[EventDraft], context: Context
) -> list[EventDraft]:
    produced = list(drafts)
    current = state_after(decider, state, drafts, context.now)
    for _ in range(MAX_REACTION_ROUNDS):
        more = decider.react(current, context) if not current.closed else []
        if not more:
            return produced
        current = state_after(decider, current, more, context.now)
        produced.extend(more)
    raise RuntimeError(f"{decider.kind} reactions did not settle after {MAX_REACTION_ROUNDS} rounds")


Handler = TypeVar("Handler")


def handler_for(handlers: Mapping[str, Handler], command: Command, case_name: str) -> Handler:
    """The decider's handler for the command's action, or a refusal listing the actions the case knows."""
    handler = handlers.get(command.action)
    if handler is None:
        known = ", ".join(sorted(handlers))
        suggestion = did_you_mean(command.action, [*handlers, *task_management_actions()])
        raise NotAllowed(
            f"Unknown action '{command.action}' for {case_name}; known actions: {known}"
            f"{'; ' + suggestion if suggestion else '.'}",
            rule="action",
        )
    return handler


def task_management_actions() -> tuple[str, ...]:
    """extend, reassign, delegate: accepted by every case, on any of its steps."""
    from domain import task_management

    return tuple(sorted(task_management.ACTIONS))


def acting_on(state: CaseState, context: Context, actor: str, responsible: str, what: str) -> str | None:
    """The responsible person acting (None), or their substitute on this case (the absent person's id); the
    case's requester and subjects, and people reporting to a subject, can never be the substitute. Else a
    refusal naming who may act."""
    return acting_for(
        organisation=context.organisation,
        delegations=state.delegations,
        subjects=state.subjects,
        requester=state.requester,
        actor=actor,
        responsible=responsible,
        now=context.now,
        what=what,
    )


def refuse_if_late(command: Command, now: datetime) -> None:
    """A command that reaches its case after the instant its sender waited for is refused, whatever it asks:
    the sender has been told it was not carried out, and it must not be carried out behind their back."""
    if command.accept_by is not None and now > command.accept_by:
        raise NotAllowed(
            f"This '{command.action}' reached the case at {now.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC, after "
            f"{command.accept_by.astimezone(UTC):%H:%M:%S} UTC, the time by which it had to be accepted; it was not "
            "carried out. "
            "Check the case and send it again if it is still wanted (acceptance deadline).",
            rule="acceptance-deadline",
        )


def refuse_if_closed(state: CaseState) -> None:
    """A closed case accepts nothing more; its workflow has ended, so the edges ask this of its audit trail."""
    if state.closed:
        raise NotAllowed(
            f"Case {state.case_id} is closed ({state.outcome or state.stage}); it accepts no further actions.",
            rule="closed",
        )


def decide_command(decider: CaseDecider[State], state: State, command: Command, context: Context) -> list[EventDraft]:
    """The events an accepted command produces, or NotAllowed with the sentence a person reads."""
    limits.refuse_oversized_command(command)
    refuse_if_late(command, context.now)
    organisation = context.organisation
    require_known_person(organisation, command.actor)
    refuse_if_closed(state)
    if command.action in task_management.ACTIONS:
        drafts = task_management.decide(decider, state, command, context)
    else:
        drafts = decider.decide(state, command, context)
    return with_reactions(decider, state, drafts, context)


def decide_timers(decider: CaseDecider[State], state: State, context: Context) -> list[EventDraft]:
    """Reminders, escalations and lapses whose recorded instants have come, with what the lapses cause."""
    if state.closed:
        return []
    produced: list[EventDraft] = []
    current = state
    for draft in timed_step.fired_timers(state.tasks, context.now):
        if current.closed:
            break
        produced.append(draft)
        current = evolve(decider, current, provisional_event(current, draft, context.now, len(produced)))
        lapse = step_events.STEP_EVENTS.parse(draft)
        if isinstance(lapse, step_events.DeadlinePassed):
            task = current.tasks.get(lapse.task_id)
            if task is not None:
                consequences = decider.on_deadline(current, task, context)
                for follow_up in consequences:
                    current = evolve(
                        decider, current, provisional_event(current, follow_up, context.now, len(produced))
                    )
                produced.extend(consequences)
    return with_reactions(decider, state, produced, context) if produced else []


def close_case(
    state: CaseState,
    *,
    actor: str,
    outcome: str,
    reason: str | None,
    stage: str,
    on_behalf_of: str | None = None,
) -> list[EventDraft]:
    """Closing cancels what is still open, so nobody is reminded about a finished case. A substitute closes it
    on the absent person's behalf."""
    drafts = [timed_step.cancel_task(task, f"case closed: {outcome}") for task in state.tasks.values()]
    drafts.append(
        step_events.CaseClosed(stage=stage).draft(actor, on_behalf_of=on_behalf_of, outcome=outcome, reason=reason)
    )
    return drafts


def next_wake(state: CaseState) -> datetime | None:
    return None if state.closed else timed_step.next_wake(state.tasks)
