"""Random launches of an appraisal cycle, by anyone, for any scope and phase dates: nobody is launched twice,
the cycle's dates never change after the first launch, and the state folds from the stored events."""

from __future__ import annotations

from hypothesis import strategies as st

from domain import timed_step
from domain.appraisal_cycle import APPRAISAL_CYCLE, AppraisalCycleState, cycle_case_id
from domain.commands import Command
from tests.support.case_machine import MACHINE_SETTINGS, ORGANISATIONS, CaseMachine

CYCLE = 2027


class AppraisalCycleMachine(CaseMachine):
    decider = APPRAISAL_CYCLE
    organisations = ORGANISATIONS

    @property
    def cycle(self) -> AppraisalCycleState:
        assert isinstance(self.state, AppraisalCycleState)
        return self.state

    def open_case(self, data: st.DataObject) -> None:
        self.state = APPRAISAL_CYCLE.initial_state(cycle_case_id(CYCLE))

    def completions(self, task: timed_step.Task) -> list[Command]:
        raise AssertionError(f"an appraisal cycle opens no steps, yet '{task.task_id}' is open")

    def any_command(self, data: st.DataObject) -> Command | None:
        organisation = self.organisation
        units = sorted({person.unit for person in organisation.people if person.unit})
        roles = sorted({str(role) for person in organisation.people for role in person.roles})
        scope = {
            "units": data.draw(st.lists(st.sampled_from(units), max_size=2, unique=True), label="units"),
            "roles": data.draw(st.lists(st.sampled_from(roles), max_size=2, unique=True), label="roles"),
            "people": data.draw(st.lists(st.sampled_from(self.people), max_size=2, unique=True), label="people"),
            "reporting_to": data.draw(st.sampled_from([None, *self.people]), label="reporting to"),
        }
        phases = data.draw(st.sampled_from([{}, {"objectives_due": "2027-04-15"}]), label="phases")
        launcher = self.person(
            data, organisation.director().id, *(p.id for p in organisation.people_with_role("hr_officer"))
        )
        fields = {"cycle": CYCLE, "scope": scope, "phases": phases}
        return Command(action="launch", actor=launcher, fields=fields)

    def check(self) -> None:
        super().check()
        launched = self.cycle.launched
        assert len(launched) == len(set(launched)), f"someone was launched twice: {launched}"
        first = [event for event in self.events if event.type == "AppraisalCycleOpened"]
        assert len(first) <= 1, "the cycle's phase dates were fixed twice"


TestAppraisalCycleMachine = AppraisalCycleMachine.TestCase
TestAppraisalCycleMachine.settings = MACHINE_SETTINGS
