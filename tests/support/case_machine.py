"""A Hypothesis state machine that drives one case through random commands, as its workflow would.

Each process's test subclasses `CaseMachine`: it opens the case (`open_case`), says how the holder of each
kind of step would complete it (`completions`), and may add arbitrary commands of its own (`any_command`)
and decisions from outside the case (`outside`, e.g. a Board outcome). The machine mixes those with the
step management every case accepts (extend, reassign, delegate, by random people with random fields) and
with time passing, when reminders, escalations and lapses fire.

After every accepted command (and every batch of timers) it checks two things:

- no step is stuck: each open step's assignee can complete it (one of `completions` is accepted), or it
  closes by itself at its due date, or someone may reassign it to a person the process's rules accept;
- the state the workflow holds (evolved from the events as it built them) equals the state the audit trail
  gives (the same events stored as JSON and read back, folded from the initial state), as the projections do.

Each command, batch of timers and outside decision is one turn of `domain.case_runner`, steps scheduled by the
calendar as the calendar activity does. `ORGANISATIONS` are the
example organisation and `tests/domain/organisations/small-secretariat.yaml`, unlike it on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from domain import case_runner, timed_step
from domain.case import CaseDecider, CaseState, Context, decide_command
from domain.commands import Command, EventDraft
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation

#: Deterministic in CI, and small enough that every machine together adds seconds to `make test`.
MACHINE_SETTINGS = settings(
    max_examples=40,
    stateful_step_count=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = parse_organisation((ROOT / "examples" / "organisation.yaml").read_text(encoding="utf-8"))
SMALL = parse_organisation(
    (ROOT / "tests" / "domain" / "organisations" / "small-secretariat.yaml").read_text(encoding="utf-8")
)
ORGANISATIONS = (EXAMPLE, SMALL)

#: A Monday in March 2027.
START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
REASON = "recorded for the test"


def as_stored(event: DomainEvent) -> DomainEvent:
    """The event as the audit store gives it back: JSON, read again."""
    return DomainEvent.model_validate(json.loads(event.model_dump_json()))


Answer = tuple[dict[str, Any], str | None]


class CaseMachine(RuleBasedStateMachine):
    decider: ClassVar[CaseDecider[Any]]
    #: The organisations a run may be in; each run draws one (the example, and one unlike it).
    organisations: ClassVar[tuple[Organisation, ...]]
    start: ClassVar[datetime] = START
    #: What the holder of a step answers, by action: (fields, comment); any one accepted completes it.
    answers: ClassVar[dict[str, list[Answer]]] = {}
    #: Actions tried now and then by anyone, besides those of `answers`.
    other_actions: ClassVar[tuple[str, ...]] = ()
    #: The longest stretch of time that passes at once; a process that spans a year takes longer ones.
    longest_wait_days: ClassVar[int] = 45

    def __init__(self) -> None:
        super().__init__()
        self.now = self.start
        self.organisation = self.organisations[0]
        self.state: CaseState | None = None
        self.events: list[DomainEvent] = []
        #: The state folded from the events as stored (JSON read back), from the initial state.
        self.stored: CaseState | None = None
        self.stored_count = 0

    # -- what a process's machine says ----------------------------------------------------------------------
    def open_case(self, data: st.DataObject) -> None:
        raise NotImplementedError

    def completions(self, task: timed_step.Task) -> list[Command]:
        """Commands by which the holder of `task` would complete it (any one accepted is enough)."""
        return [
            Command(action=task.action, actor=task.assignee, fields=fields, comment=comment)
            for fields, comment in self.answers.get(task.action, [({}, None)])
        ]

    def any_command(self, data: st.DataObject) -> Command | None:
        """Any action of the process, by anyone (often the holder of a step, the Director or the Chair)."""
        assert self.state is not None
        action = data.draw(st.sampled_from(sorted({*self.answers, *self.other_actions})), label="action")
        actor = self.person(data, *self.preferred_people())
        fields, comment = data.draw(st.sampled_from(self.answers.get(action, [({}, REASON)])), label="answer")
        return Command(action=action, actor=actor, fields=fields, comment=comment)

    def begin(self, case_id: str, opening: Callable[[Context], list[EventDraft]]) -> None:
        """Open a case the way the runtime does: the opening's events, with what they cause, from the start."""
        self.state = self.decider.initial_state(case_id)
        self.take(self.turn(case_runner.run_decision, lambda state, context: opening(context)))

    def outside(self, data: st.DataObject) -> list[EventDraft] | None:
        """A decision from outside the case (a child's outcome), None when there is none now; the machine adds
        what it causes, as the runtime's `apply` does."""
        return None

    def preferred_people(self) -> list[str]:
        """Whom the rules are about: the holders of open steps, the Director and the Chair, and more a process
        names (the owner, the requester)."""
        assert self.state is not None
        holders = [task.assignee for task in self.state.tasks.values()]
        return [*holders, self.organisation.director().id, self.organisation.board.chair]

    def probe_at(self, task: timed_step.Task) -> datetime:
        """When to try completing `task`: now, unless the process makes a step wait for a date."""
        return self.now

    # -- helpers for subclasses -----------------------------------------------------------------------------
    def context(self, at: datetime | None = None) -> Context:
        # As the runtime does: the organisation was validated when it was read, not again per command.
        return Context.model_construct(organisation=self.organisation, now=at or self.now)

    @property
    def people(self) -> list[str]:
        return [person.id for person in self.organisation.people]

    def person(self, data: st.DataObject, *preferred: str) -> str:
        """Someone from the organisation, often one of `preferred` (the people the rules are about)."""
        pool = [p for p in preferred if p]
        if pool and data.draw(st.booleans(), label="preferred person"):
            return data.draw(st.sampled_from(pool), label="person")
        return data.draw(st.sampled_from(self.people), label="person")

    def day(self, data: st.DataObject, *, before: int = 5, after: int = 60) -> date:
        today = self.now.date()
        return today + timedelta(days=data.draw(st.integers(-before, after), label="days from today"))

    def turn(self, run: Callable[..., case_runner.Turn[Any]], *arguments: Any) -> case_runner.Turn[Any]:
        """One turn of `domain.case_runner` at the machine's instant, steps scheduled by the calendar."""
        assert self.state is not None
        return run(self.decider, self.state, *arguments, self.context(), case_runner.calendar(self.organisation))

    def take(self, turn: case_runner.Turn[Any]) -> list[DomainEvent]:
        """The turn's events appended and its state held, then checked."""
        self.state = turn.state
        self.events += turn.events
        self.check()
        return turn.events

    def try_command(self, command: Command) -> bool:
        try:
            turn = self.turn(case_runner.run_command, command)
        except NotAllowed as refusal:
            assert refusal.sentence.strip(), "a refusal is a sentence"
            return False
        self.take(turn)
        return True

    # -- rules ----------------------------------------------------------------------------------------------
    @initialize(data=st.data())
    def opened(self, data: st.DataObject) -> None:
        self.organisation = data.draw(st.sampled_from(self.organisations), label="organisation")
        self.open_case(data)
        assert self.state is not None
        self.check()

    @precondition(lambda self: self.state is not None and not self.state.closed and bool(self.state.tasks))
    @rule(data=st.data())
    def complete_a_step(self, data: st.DataObject) -> None:
        assert self.state is not None
        task = self.state.tasks[data.draw(st.sampled_from(sorted(self.state.tasks)), label="task")]
        commands = self.completions(task)
        if commands:
            self.try_command(data.draw(st.sampled_from(commands), label="completion"))

    # Completing steps is what moves a case on; two more rules doing it make whole cases likely in few steps.
    @precondition(lambda self: self.state is not None and not self.state.closed and bool(self.state.tasks))
    @rule(data=st.data())
    def complete_another_step(self, data: st.DataObject) -> None:
        self.complete_a_step(data)

    @precondition(lambda self: self.state is not None and not self.state.closed and bool(self.state.tasks))
    @rule(data=st.data())
    def complete_yet_another_step(self, data: st.DataObject) -> None:
        self.complete_a_step(data)

    @precondition(lambda self: self.state is not None and not self.state.closed)
    @rule(data=st.data())
    def anything(self, data: st.DataObject) -> None:
        command = self.any_command(data)
        if command is not None:
            self.try_command(command)

    @precondition(lambda self: self.state is not None and not self.state.closed)
    @rule(data=st.data())
    def manage_a_step(self, data: st.DataObject) -> None:
        assert self.state is not None
        director = self.organisation.director().id
        tasks = sorted(self.state.tasks)
        task_id = data.draw(st.sampled_from(tasks), label="task") if tasks else "no-such-task"
        task = self.state.tasks.get(task_id)
        assignee = task.assignee if task else None
        supervisor = self.organisation.supervisor_of(assignee) if assignee else None
        actor = self.person(data, director, supervisor or director, assignee or director)
        action = data.draw(st.sampled_from(["extend", "reassign", "delegate"]), label="action")
        comment = data.draw(st.sampled_from([REASON, None]), label="comment")
        fields: dict[str, Any]
        if action == "extend":
            fields = {"task": task_id}
            if data.draw(st.booleans(), label="until"):
                fields["until"] = self.day(data).isoformat()
            else:
                fields["working_days"] = data.draw(st.integers(-1, 15), label="working days")
        elif action == "reassign":
            fields = {"task": task_id, "to": self.person(data, director, supervisor or director)}
        else:
            starts = self.day(data, before=3, after=10)
            fields = {
                "substitute": self.person(data, director, supervisor or director),
                "starts_on": starts.isoformat(),
                "ends_on": (starts + timedelta(days=data.draw(st.integers(-1, 40), label="length"))).isoformat(),
            }
            if data.draw(st.booleans(), label="for someone else"):
                fields["absent"] = self.person(data, assignee or director)
        self.try_command(Command(action=action, actor=actor, fields=fields, comment=comment))

    @precondition(lambda self: self.state is not None and not self.state.closed)
    @rule(data=st.data())
    def time_passes(self, data: st.DataObject) -> None:
        assert self.state is not None
        self.now += timedelta(hours=data.draw(st.integers(1, 24 * self.longest_wait_days), label="hours"))
        turn = self.turn(case_runner.run_timers)
        if turn.events:
            self.take(turn)

    @precondition(lambda self: self.state is not None and not self.state.closed)
    @rule(data=st.data())
    def decided_elsewhere(self, data: st.DataObject) -> None:
        drafts = self.outside(data)
        if drafts is None:
            return
        turn = self.turn(case_runner.run_decision, lambda state, context: drafts)
        if turn.events:
            self.take(turn)

    @precondition(lambda self: self.state is not None and self.state.closed)
    @rule(data=st.data())
    def act_on_a_closed_case(self, data: st.DataObject) -> None:
        """A closed case accepts nothing more, from anyone."""
        assert self.state is not None
        command = self.any_command(data) or Command(action="extend", actor=self.organisation.director().id)
        try:
            decide_command(self.decider, self.state, command, self.context())
        except NotAllowed:
            return
        raise AssertionError(f"a closed case accepted {command}")

    # -- what must hold -------------------------------------------------------------------------------------
    def check(self) -> None:
        assert self.state is not None
        # Folding is a pure left fold, so the stored events are folded once each, as a projection does.
        if self.stored is None:
            self.stored = self.decider.initial_state(self.state.case_id)
        stored = [as_stored(event) for event in self.events[self.stored_count :]]
        self.stored = case_runner.fold(self.decider, self.stored, stored)
        self.stored_count = len(self.events)
        assert self.stored == self.state, "the state folded from the stored events differs from the workflow's"
        if self.state.closed:
            assert not self.state.tasks, f"closed with open steps: {sorted(self.state.tasks)}"
            return
        for task in self.state.tasks.values():
            assert self.can_complete(task) or self.can_reassign(task), (
                f"step '{task.task_id}' ({task.kind}, assigned to {task.assignee}) can be neither completed "
                f"nor reassigned at stage {self.state.stage}; trail: {[e.type for e in self.events]}"
            )

    def can_complete(self, task: timed_step.Task) -> bool:
        assert self.state is not None
        if task.action in ("extend", "reassign", "delegate"):
            return task.on_due == "lapse" and task.due_at is not None  # a window that closes by itself
        context = self.context(self.probe_at(task))
        for command in self.completions(task):
            try:
                decide_command(self.decider, self.state, command, context)
            except NotAllowed:
                continue
            return True
        return False

    def can_reassign(self, task: timed_step.Task) -> bool:
        assert self.state is not None
        context = self.context()
        for manager in self.organisation.people_with_role("director"):
            for person in self.people:
                command = Command(
                    action="reassign", actor=manager.id, fields={"task": task.task_id, "to": person}, comment=REASON
                )
                try:
                    decide_command(self.decider, self.state, command, context)
                except NotAllowed:
                    continue
                return True
        return False
