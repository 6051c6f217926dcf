"""One case driven in memory as its workflow drives it, for the tests of each process.

Each turn is `domain.case_runner`'s: a person's command, the timers due at an instant, or a decision from
outside the case (a child's outcome) is decided, its steps scheduled by the organisation's calendar (or by the
`schedules` a test gives), recorded at the clock's instant and folded. A process's test subclasses `CaseRun`
with its decider and the steps a person takes there, so a test reads like what a person does and what the
auditor sees.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import pytest

from domain import case_runner, timed_step
from domain.case import CaseDecider, Context
from domain.commands import Command, EventDraft
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.organisation import Organisation


@dataclass(kw_only=True)
class CaseRun:
    """The state its workflow holds, the instant of the last turn, and the audit trail appended so far."""

    decider: ClassVar[CaseDecider[Any]]

    organisation: Organisation
    state: Any
    clock: datetime
    events: list[DomainEvent] = field(default_factory=list)

    def context(self, at: datetime | None = None) -> Context:
        return Context(organisation=self.organisation, now=at or self.clock)

    def schedules(self, requests: Sequence[timed_step.ScheduleRequest]) -> list[timed_step.TaskSchedule]:
        """What the calendar activity answers: the organisation's calendar, unless a test stands in for it."""
        return case_runner.calendar(self.organisation)(requests)

    def _take(self, turn: case_runner.Turn[Any]) -> list[DomainEvent]:
        self.state = turn.state
        self.events += turn.events
        return turn.events

    # -- turns ----------------------------------------------------------------------------------------------
    def append(self, drafts: list[EventDraft], at: datetime | None = None) -> list[DomainEvent]:
        """Append drafts as they are, as the runtime's commit does."""
        self.clock = at or self.clock
        return self._take(case_runner.commit(self.decider, self.state, drafts, self.context(), self.schedules))

    def send(self, command: Command, *, at: datetime | None = None) -> list[DomainEvent]:
        self.clock = at or self.clock
        return self._take(case_runner.run_command(self.decider, self.state, command, self.context(), self.schedules))

    def act(
        self, actor: str, action: str, *, at: datetime | None = None, comment: str | None = None, **fields: Any
    ) -> list[DomainEvent]:
        return self.send(Command(action=action, actor=actor, fields=fields, comment=comment), at=at)

    def fire(self, at: datetime) -> list[DomainEvent]:
        """Time passes to `at`: the reminders, escalations and lapses due then."""
        self.clock = at
        return self._take(case_runner.run_timers(self.decider, self.state, self.context(), self.schedules))

    def apply(
        self, decision: Callable[[Any, Context], list[EventDraft]], *, at: datetime | None = None
    ) -> list[DomainEvent]:
        """What the runtime does with something other than a person's command (a child's outcome, a joiner)."""
        self.clock = at or self.clock
        return self._take(case_runner.run_decision(self.decider, self.state, decision, self.context(), self.schedules))

    # -- refusals -------------------------------------------------------------------------------------------
    def refused(
        self, actor: str, action: str, *, at: datetime | None = None, comment: str | None = None, **fields: Any
    ) -> NotAllowed:
        """The refusal a person gets; the state and the trail stay as they were."""
        command = Command(action=action, actor=actor, fields=fields, comment=comment)
        before = (self.state, len(self.events))
        with pytest.raises(NotAllowed) as refused:
            case_runner.run_command(self.decider, self.state, command, self.context(at), self.schedules)
        assert (self.state, len(self.events)) == before
        return refused.value

    def refusal(
        self, actor: str, action: str, *, at: datetime | None = None, comment: str | None = None, **fields: Any
    ) -> str:
        """The sentence a person reads."""
        return str(self.refused(actor, action, at=at, comment=comment, **fields))

    # -- reading the trail ----------------------------------------------------------------------------------
    def of_type(self, event_type: str) -> list[DomainEvent]:
        return [event for event in self.events if event.type == event_type]

    def task(self, task_id: str) -> timed_step.Task:
        return self.state.tasks[task_id]
