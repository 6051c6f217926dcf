"""What every case workflow answers the same way: the `act` update (its validator runs the decider, so a
refused command never enters history), the `view` query, and the wait for running handlers before a
long-lived case continues as new (as in samples-python's message_passing/safe_message_handlers)."""

from typing import Any, ClassVar, NoReturn

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.commands import Command
    from workflows.case_runtime import CaseRuntime
    from workflows.messages import ActResult, CaseView


class CaseWorkflow:
    runtime: CaseRuntime
    #: A case whose commands may arrive with its start, before its organisation snapshot is loaded (an
    #: appraisal cycle's launch). Histories recorded before the validator judged every launch hold launches
    #: accepted before the organisation was loaded; they replay through this wait, which a validated command
    #: passes at once.
    commands_wait_for_opening: ClassVar[bool] = False

    @workflow.update(name="act")
    async def act(self, command: Command) -> ActResult:
        if self.commands_wait_for_opening:
            await workflow.wait_condition(lambda: self.runtime.organisation is not None)
        return await self.runtime.handle(command)

    @act.validator
    def validate_act(self, command: Command) -> None:
        # Always judged, so a refused command never enters history: one that arrives before the organisation
        # is loaded is refused as 'still opening' and sent again (runtime.opening_wait).
        self.runtime.validate(command)

    @workflow.query(name="view")
    def view(self) -> CaseView:
        return self.runtime.view()

    async def continue_as_new_when_idle(self, opening: Any) -> NoReturn:
        """Continue as new once no update is still running, so none is lost with this run."""
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(opening)
