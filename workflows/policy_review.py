"""PolicyReview: one review of one governance instrument, started by its register. Rules: `domain.policy_review`."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import policy_review
    from domain.commands import Command
    from workflows.board_requests import BoardRequests
    from workflows.case_runtime import CaseRuntime
    from workflows.messages import ActResult, CaseView, OpenPolicyReview


@workflow.defn(name="PolicyReview")
class PolicyReviewWorkflow:
    @workflow.init
    def __init__(self, opening: OpenPolicyReview) -> None:
        decider = policy_review.POLICY_REVIEW
        self.runtime = CaseRuntime(decider, decider.initial_state(opening.case_id), opening.clock_offset_seconds)
        self.board = BoardRequests(self.runtime)

    @workflow.run
    async def run(self, opening: OpenPolicyReview) -> CaseView:
        await self.runtime.load_organisation()
        await self.runtime.apply(
            lambda state, context: policy_review.open_policy_review(
                state.case_id,
                opening.instrument,
                "early" if opening.reason == "early" else "due",
                opening.requested_by,
                context,
                current_version=opening.current_version,
                current_sha256=opening.current_sha256,
                comment=opening.comment,
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
