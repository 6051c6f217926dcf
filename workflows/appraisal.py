"""AppraisalCycle and Appraisal: one year's launch, and one person's appraisal. Rules: `domain.appraisal_cycle`
and `domain.appraisal`.

Every payload of these workflows (the commands with their objectives, comments and ratings, the activity
inputs, the query results) passes the payload codec of `runtime.codec`, so Temporal stores ciphertext only;
the CLI and the simulator refuse to run an appraisal without a key.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.case_starter import CaseStarter, StartCase
    from domain import appraisal, appraisal_cycle
    from domain.appraisal_phases import PhaseDates
    from domain.events import DomainEvent
    from workflows.case_kind_workflows import workflow_for, workflow_type
    from workflows.case_runtime import CaseRuntime, records_cancellation
    from workflows.case_workflow import CaseWorkflow
    from workflows.messages import CaseView, OpenAppraisal, OpenAppraisalCycle
    from workflows.store_calls import STORE_RETRY


#: Histories recorded from the validated launch (issue 13) until the memo below: a patch marker after the
#: organisation loaded ended that workflow task. They replay the same way.
READY_MARKER = "appraisal-cycle-validates-every-launch"
#: Histories recorded since: a memo ends it instead (see `AppraisalCycleWorkflow.run`).
OPENING_ENDS_WITH_MEMO = "appraisal-cycle-opening-ends-with-a-memo"
#: The memo's key: when the cycle had what its rules need to judge a launch.
OPENED_MEMO = "organisation_loaded"


@workflow.defn(name="AppraisalCycle")
class AppraisalCycleWorkflow(CaseWorkflow):
    """Records each launch, then opens the appraisals it adds (idempotently, as independent cases: a cycle's
    appraisals outlive nothing of it, and each has its own history)."""

    # A launch may arrive with the workflow's start, before the organisation is loaded.
    commands_wait_for_opening = True

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
        # A command after the organisation loads ends the workflow task that loaded it, so that a replay (after
        # a restart, an eviction, or on a worker without a cache) never hands a launch to the validator before the
        # organisation is in. That command is a memo, not a patch marker: a `ready` query arriving while the
        # organisation's local activity runs can end the first task with the activity's result and leave what
        # follows it to the next task, and a patch first asked for there is not yet known to a replay, which then
        # fails (a replay knows a task's patch markers when it starts that task). So the patch that chooses
        # between the two is asked here, in the first activation, which every replay starts with.
        ends_with_memo = workflow.patched(OPENING_ENDS_WITH_MEMO)
        await self.runtime.load_organisation()
        if ends_with_memo:
            workflow.upsert_memo({OPENED_MEMO: workflow.now().isoformat()})
        else:
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
                await workflow.execute_activity_method(
                    CaseStarter.start_case,
                    StartCase(
                        workflow=workflow_type(workflow_for(case_id)),
                        case_id=case_id,
                        opening=opening.model_dump(mode="json"),
                    ),
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=STORE_RETRY,
                )
                self.runtime.children.append(case_id)

    @workflow.query(name="ready")
    def ready(self) -> bool:
        """Whether the cycle has what its rules need (the organisation), so that a launch can be judged."""
        return self.runtime.organisation is not None


@workflow.defn(name="Appraisal")
class AppraisalWorkflow(CaseWorkflow):
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
