"""PolicyReview: one review of one governance instrument, started by its register. Rules: `domain.policy_review`."""

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import attestation, policy_review
    from domain.review_reason import review_reason
    from workflows.board_requests import BoardRequests
    from workflows.case_runtime import CaseRuntime, records_cancellation
    from workflows.case_workflow import CaseWorkflow
    from workflows.messages import CaseView, OpenPolicyReview

LATE_JOINER_CHECK = timedelta(days=1)


@workflow.defn(name="PolicyReview")
class PolicyReviewWorkflow(CaseWorkflow):
    @workflow.init
    def __init__(self, opening: OpenPolicyReview) -> None:
        decider = policy_review.POLICY_REVIEW
        self.runtime = CaseRuntime(decider, decider.initial_state(opening.case_id), opening.clock_offset_seconds)
        self.board = BoardRequests(self.runtime)

    @workflow.run
    @records_cancellation
    async def run(self, opening: OpenPolicyReview) -> CaseView:
        await self.runtime.load_organisation()
        await self.runtime.apply(
            lambda state, context: policy_review.open_policy_review(
                state.case_id,
                opening.instrument,
                review_reason(opening.reason),
                opening.requested_by,
                context,
                current_version=opening.current_version,
                current_sha256=opening.current_sha256,
                comment=opening.comment,
            )
        )
        late_joiners = asyncio.create_task(self._late_joiners())
        await self.runtime.run_until_closed()
        late_joiners.cancel()
        return self.runtime.view()

    async def _late_joiners(self) -> None:
        """Once published, look each day for staff now in scope without an acknowledgement to make (someone who
        joined, or whose joining date has come) and open theirs; the organisation snapshot is refreshed first."""
        runtime = self.runtime
        await workflow.wait_condition(lambda: runtime.state.stage == policy_review.ATTESTATION or runtime.state.closed)
        while not runtime.state.closed:
            await workflow.sleep(LATE_JOINER_CHECK)
            if runtime.state.closed:
                return
            await runtime.load_organisation()
            await runtime.apply(lambda state, context: attestation.add_missing_attestations(state, context))
