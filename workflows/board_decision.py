"""BoardDecision: the Management Board's no-objection procedure or electronic vote, as a reusable child case.

A parent case (a grant, a policy review, the Strategic Plan) starts it and waits for its outcome. Members act
on it directly: `govern act <parent>/board/<n> vote --as board-member-3 --field choice=approve`.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.organisation import OrganisationActivities
    from domain import board_decision
    from domain.board_close import close_request
    from workflows.case_runtime import CaseRuntime, records_cancellation
    from workflows.case_workflow import CaseWorkflow
    from workflows.messages import CaseView, OpenBoardDecision
    from workflows.store_calls import call_store


@workflow.defn(name="BoardDecision")
class BoardDecisionWorkflow(CaseWorkflow):
    @workflow.init
    def __init__(self, opening: OpenBoardDecision) -> None:
        decider = board_decision.BOARD_DECISION
        self.runtime = CaseRuntime(decider, decider.initial_state(opening.case_id), opening.clock_offset_seconds)

    @workflow.run
    @records_cancellation
    async def run(self, opening: OpenBoardDecision) -> CaseView:
        runtime = self.runtime
        await runtime.load_organisation()
        assert runtime.organisation is not None
        [close] = await call_store(
            OrganisationActivities.plan_schedules,
            [close_request(opening.procedure, runtime.organisation, runtime.now())],
        )
        request = board_decision.BoardDecisionRequest(
            procedure=opening.procedure,
            matter=opening.matter,
            parent_case=opening.parent_case,
            requested_by=opening.requested_by,
            closes_at=close.due_at,
            conflicted=opening.conflicted,
        )
        await runtime.apply(lambda state, context: board_decision.open_board_decision(state.case_id, request, context))
        await runtime.run_until_closed()
        return runtime.view()
