"""One turn of a case in memory: decide, fix the schedules of the steps it opens, record, fold.

A turn is what a case's workflow does with a person's command, with the timers that are due, or with a
decision from outside the case (a child's outcome): the decider's drafts, with what they cause; each step's
schedule request resolved into its recorded schedule; the drafts become events of the case's stream at the
context's instant; the state is evolved by them. `CaseRuntime.commit` runs these same steps with the calendar
activity between them and the audit activity before the fold; tests and the state machines run the whole
turn here.

Pure: the instant is the context's, schedules come from the resolver given (the calendar,
`domain.step_schedule.plan_schedule`, for the organisation of the case), and event ids from the ids given
(the workflow's are Temporal's replay-safe uuid4; in memory they number the stream's versions).
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic

from domain import case, timed_step
from domain.case import CaseDecider, Context, State
from domain.commands import Channel, Command, EventDraft
from domain.events import DomainEvent
from domain.organisation import Organisation
from domain.step_events import STEP_EVENTS, ScheduledStep
from domain.step_schedule import plan_schedule

#: From the schedule requests of the steps a turn opens to their schedules, in the same order (at run time the
#: `plan_schedules` activity).
ScheduleResolver = Callable[[Sequence[timed_step.ScheduleRequest]], list[timed_step.TaskSchedule]]


@dataclass(frozen=True)
class Turn(Generic[State]):
    """The state after a turn, and the events it recorded (none when nothing was due)."""

    state: State
    events: list[DomainEvent]


def calendar(organisation: Organisation) -> ScheduleResolver:
    """Schedules as the calendar activity plans them: on each assignee's hub calendar and in their zone."""
    return lambda requests: [plan_schedule(organisation, request) for request in requests]


# -- the steps of a commit ------------------------------------------------------------------------------------
def with_channel(drafts: list[EventDraft], channel: Channel | None) -> list[EventDraft]:
    """Each draft records how its actor was identified (a person's command, a timer, the engine itself)."""
    if channel is None:
        return drafts
    recorded = channel.recorded()
    return [draft.model_copy(update={"payload": {**draft.payload, "channel": recorded}}) for draft in drafts]


def awaiting_schedule(drafts: Sequence[EventDraft]) -> list[int]:
    """Where the drafts open or move a step whose schedule is not fixed yet."""
    return [index for index, draft in enumerate(drafts) if (step := _scheduled_step(draft)) and step.schedule is None]


def schedule_requests(drafts: Sequence[EventDraft], wanted: Sequence[int]) -> list[timed_step.ScheduleRequest]:
    """What the calendar is asked for each wanted draft, a step `awaiting_schedule` found."""
    requests = []
    for index in wanted:
        step = _scheduled_step(drafts[index])
        assert step is not None, f"{drafts[index].type} carries no schedule request"
        requests.append(timed_step.ScheduleRequest.model_validate(step.schedule_request))
    return requests


def _scheduled_step(draft: EventDraft) -> ScheduledStep | None:
    """The draft as a step that carries a schedule request, or None for any other event."""
    step = STEP_EVENTS.parse(draft)
    return step if isinstance(step, ScheduledStep) else None


def scheduled(
    drafts: list[EventDraft], wanted: Sequence[int], schedules: Sequence[timed_step.TaskSchedule]
) -> list[EventDraft]:
    """The drafts with each wanted step's schedule recorded in its payload."""
    resolved = list(drafts)
    for index, schedule in zip(wanted, schedules, strict=True):
        payload = {**drafts[index].payload, "schedule": schedule.model_dump(mode="json")}
        resolved[index] = drafts[index].model_copy(update={"payload": payload})
    return resolved


def resolve_schedules(drafts: list[EventDraft], schedules: ScheduleResolver) -> list[EventDraft]:
    wanted = awaiting_schedule(drafts)
    if not wanted:
        return drafts
    return scheduled(drafts, wanted, schedules(schedule_requests(drafts, wanted)))


def as_events(
    stream_id: str, drafts: Sequence[EventDraft], now: datetime, event_ids: Sequence[str]
) -> list[DomainEvent]:
    """The drafts as the case's events, all at the instant of the commit."""
    return [
        DomainEvent(event_id=event_id, stream_id=stream_id, occurred_at=now, **draft.model_dump())
        for event_id, draft in zip(event_ids, drafts, strict=True)
    ]


def numbered_ids(stream_id: str, version: int, count: int) -> list[str]:
    """Event ids for a stream at `version` held in memory: the case id and each event's version."""
    return [f"{stream_id}/{version + number}" for number in range(1, count + 1)]


def states_after(decider: CaseDecider[State], state: State, events: Sequence[DomainEvent]) -> Iterator[State]:
    """The state after each event in turn (notices are worked out from each of them)."""
    for event in events:
        state = case.evolve(decider, state, event)
        yield state


def fold(decider: CaseDecider[State], state: State, events: Sequence[DomainEvent]) -> State:
    for event in events:
        state = case.evolve(decider, state, event)
    return state


# -- whole turns ----------------------------------------------------------------------------------------------
def commit(
    decider: CaseDecider[State],
    state: State,
    drafts: list[EventDraft],
    context: Context,
    schedules: ScheduleResolver,
    channel: Channel | None = None,
) -> Turn[State]:
    """Record the drafts as they are, as one batch: what `CaseRuntime.commit` appends and folds."""
    if not drafts:
        return Turn(state, [])
    drafts = resolve_schedules(with_channel(drafts, channel), schedules)
    events = as_events(state.case_id, drafts, context.now, numbered_ids(state.case_id, state.version, len(drafts)))
    return Turn(fold(decider, state, events), events)


def run_command(
    decider: CaseDecider[State],
    state: State,
    command: Command,
    context: Context,
    schedules: ScheduleResolver,
    channel: Channel | None = None,
) -> Turn[State]:
    """A person's command: its events and what they cause, or NotAllowed with the sentence they read."""
    drafts = case.decide_command(decider, state, command, context)
    return commit(decider, state, drafts, context, schedules, channel)


def run_timers(decider: CaseDecider[State], state: State, context: Context, schedules: ScheduleResolver) -> Turn[State]:
    """The reminders, escalations and lapses due at the context's instant, with what they cause."""
    drafts = case.decide_timers(decider, state, context)
    return commit(decider, state, drafts, context, schedules)


def run_decision(
    decider: CaseDecider[State],
    state: State,
    decision: Callable[[State, Context], list[EventDraft]],
    context: Context,
    schedules: ScheduleResolver,
) -> Turn[State]:
    """Something decided about the case other than a person's command (a child's outcome, an opening)."""
    drafts = case.with_reactions(decider, state, decision(state, context), context)
    return commit(decider, state, drafts, context, schedules)
