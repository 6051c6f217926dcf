"""InstrumentRegister: the long-lived register of one governance instrument (Charter, SOPs, COI Policy, ...).

It sleeps until the next review falls due (the owner is warned ahead), starts the `PolicyReview` as a child,
records its publication, and continues as new so that its history stays small however many years it runs.
The due date moves with every publication, which is why this is a workflow and not a Temporal Schedule.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy

with workflow.unsafe.imports_passed_through():
    from domain import policy_register
    from domain.policy_review import ReviewResult
    from workflows.case_runtime import CaseRuntime, records_cancellation
    from workflows.case_workflow import CaseWorkflow
    from workflows.messages import OpenPolicyReview, OpenRegister
    from workflows.policy_review import PolicyReviewWorkflow

REVIEW_TIMEOUT = timedelta(days=730)


@workflow.defn(name="InstrumentRegister")
class InstrumentRegisterWorkflow(CaseWorkflow):
    @workflow.init
    def __init__(self, opening: OpenRegister) -> None:
        decider = policy_register.POLICY_REGISTER
        state = (
            policy_register.PolicyRegisterState.model_validate(opening.state)
            if opening.state is not None
            else decider.initial_state(opening.case_id)
        )
        self.runtime = CaseRuntime(decider, state, opening.clock_offset_seconds)

    @workflow.run
    @records_cancellation
    async def run(self, opening: OpenRegister) -> None:
        runtime = self.runtime
        await runtime.load_organisation()
        if runtime.state.version == 0:
            await runtime.apply(
                lambda state, context: policy_register.open_register(state.case_id, opening.instrument, context)
            )
        await runtime.run_until(lambda: runtime.state.open_review is not None)
        if runtime.state.closed:
            return
        await self._review(opening)
        await runtime.drain_notices()
        await self.continue_as_new_when_idle(
            OpenRegister(
                case_id=opening.case_id,
                instrument=opening.instrument,
                clock_offset_seconds=opening.clock_offset_seconds,
                state=runtime.state.model_dump(mode="json"),
            )
        )

    async def _review(self, opening: OpenRegister) -> None:
        runtime = self.runtime
        state = runtime.state
        review_case = state.open_review
        assert review_case is not None
        runtime.children.append(review_case)
        view = await workflow.execute_child_workflow(
            PolicyReviewWorkflow.run,
            OpenPolicyReview(
                case_id=review_case,
                instrument=opening.instrument,
                reason=state.open_review_reason or "due",
                requested_by=state.open_review_requested_by or "system",
                current_version=state.current_version,
                current_sha256=state.current_sha256,
                comment=state.open_review_comment,
                clock_offset_seconds=opening.clock_offset_seconds,
            ),
            id=review_case,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            execution_timeout=REVIEW_TIMEOUT,
        )
        result = ReviewResult.reported(review_case, view.outcome, view.summary)
        await runtime.apply(
            lambda state, context: policy_register.POLICY_REGISTER.record_review_outcome(
                state, result.review_case, result.outcome, result.publication, context
            )
        )
