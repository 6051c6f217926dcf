"""AppraisalCycle and Appraisal: one year's launch, and one person's appraisal. Rules: `domain.appraisal_cycle`
and `domain.appraisal`.

Every payload of these workflows (the commands with their objectives, comments and ratings, the activity
inputs, the query results) passes the payload codec of `runtime.codec`, so Temporal stores ciphertext only;
the CLI and the simulator refuse to run an appraisal without a key.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.case_starter import StartCase
    from domain import appraisal, appraisal_cycle
    from domain.appraisal_phases import PhaseDates
    from domain.commands import Command
    from domain.events import DomainEvent
    from workflows.case_runtime import STORE_RETRY, CaseRuntime, records_cancellation
    from workflows.messages import ActResult, CaseView, OpenAppraisal, OpenAppraisalCycle


READY_MARKER = "appraisal-cycle-validates-every-launch"


@workflow.defn(name="AppraisalCycle")
class AppraisalCycleWorkflow:
    """Records each launch, then opens the appraisals it adds (idempotently, as independent cases: a cycle's
    appraisals outlive nothing of it, and each has its own history)."""

    @workflow.init
    def __init__(self, opening: OpenAppraisalCycle) -> None:
        decider = appraisal_cycle.APPRAISAL_CYCLE
        state = (
            appraisal_cycle.AppraisalCycleState.model_validate(opening.state)
            if opening.state is not None
            else decider.initial_state(opening.case_id)
        )
        self.runtime = CaseRuntime(decider, state, opening.clock_offset_seconds)
        self.runtime.children = [appraisal.appraisal_case_id(opening.cycle, person) for person in state.launched]
        self.runtime.on_committed.append(self._open_appraisals)
        self.clock_offset_seconds = opening.clock_offset_seconds

    @workflow.run
    @records_cancellation
    async def run(self, opening: OpenAppraisalCycle) -> CaseView:
        await self.runtime.load_organisation()
        # A marker closes the workflow task that loaded the organisation, so that a replay (a worker without
        # a cache, or after an eviction) never hands a launch to the validator before the organisation is in.
        workflow.patched(READY_MARKER)
        await self.runtime.run_until_closed()
        return self.runtime.view()

    async def _open_appraisals(self, events: list[DomainEvent]) -> None:
        state = self.runtime.state
        assert state.phases is not None and state.cycle is not None
        for event in events:
            launch = appraisal_cycle.APPRAISAL_CYCLE_EVENTS.parse(event)
            if not isinstance(launch, appraisal_cycle.AppraisalsLaunched):
                continue
            for person, case_id in zip(launch.people, launch.cases, strict=True):
                opening = OpenAppraisal(
                    case_id=case_id,
                    cycle=state.cycle,
                    person=person,
                    phases=state.phases.model_dump(mode="json"),
                    launched_by=event.actor,
                    clock_offset_seconds=self.clock_offset_seconds,
                )
                await workflow.execute_activity(
                    "start_case",
                    StartCase(workflow="Appraisal", case_id=case_id, opening=opening.model_dump(mode="json")),
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=STORE_RETRY,
                    result_type=bool,
                )
                self.runtime.children.append(case_id)

    @workflow.update(name="act")
    async def act(self, command: Command) -> ActResult:
        # Histories recorded before the validator checked every launch hold launches accepted before the
        # organisation was loaded; they replay through this wait, which a validated command passes at once.
        await workflow.wait_condition(lambda: self.runtime.organisation is not None)
        return await self.runtime.handle(command)

    @act.validator
    def validate_act(self, command: Command) -> None:
        # Always judged, so a refused launch never enters history: one that arrives before the organisation
        # is loaded is refused as 'still opening' and sent again (runtime.opening_wait).
        self.runtime.validate(command)

    @workflow.query(name="view")
    def view(self) -> CaseView:
        return self.runtime.view()

    @workflow.query(name="ready")
    def ready(self) -> bool:
        """Whether the cycle has what its rules need (the organisation), so that a launch can be judged."""
        return self.runtime.organisation is not None


@workflow.defn(name="Appraisal")
class AppraisalWorkflow:
    @workflow.init
    def __init__(self, opening: OpenAppraisal) -> None:
        decider = appraisal.APPRAISAL
        self.runtime = CaseRuntime(decider, decider.initial_state(opening.case_id), opening.clock_offset_seconds)

    @workflow.run
    @records_cancellation
    async def run(self, opening: OpenAppraisal) -> CaseView:
        await self.runtime.load_organisation()
        phases = PhaseDates.model_validate(opening.phases)
        await self.runtime.apply(
            lambda state, context: appraisal.open_appraisal(
                state.case_id, opening.cycle, opening.person, phases, opening.launched_by, context
            )
        )
        await self.runtime.run_until_closed()
        return self.runtime.view()

    @workflow.update(name="act")
    async def act(self, command: Command) -> ActResult:
        return await self.runtime.handle(command)

    @act.validator
    def validate_act(self, command: Command) -> None:
        self.runtime.validate(command)

    @workflow.query(name="view")
    def view(self) -> CaseView:
        return self.runtime.view()
