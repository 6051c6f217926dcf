"""BoardDecision: the Management Board's no-objection procedure or electronic vote, as a reusable child case.

A parent case (a grant, a policy review, the Strategic Plan) starts it and waits for its outcome. Members act
on it directly: `govern act <parent>/board/<n> vote --as board-member-3 --field choice=approve`.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import board_decision
    from domain.board_request import BoardProcedure
    from domain.commands import Command
    from domain.timed_step import ScheduleRequest, TaskSchedule
    from workflows.case_runtime import STORE_RETRY, CaseRuntime, records_cancellation
    from workflows.messages import ActResult, CaseView, OpenBoardDecision


@workflow.defn(name="BoardDecision")
class BoardDecisionWorkflow:
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
        kind = BoardProcedure.named(opening.procedure).step_kind
        # The close of the procedure is a recorded instant, counted in the Chair's calendar like any step.
        [close] = await workflow.execute_activity(
            "plan_schedules",
            [ScheduleRequest(assignee=runtime.organisation.board.chair, kind=kind, opened_at=runtime.now())],
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=STORE_RETRY,
            result_type=list[TaskSchedule],
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

    @workflow.update(name="act")
    async def act(self, command: Command) -> ActResult:
        return await self.runtime.handle(command)

    @act.validator
    def validate_act(self, command: Command) -> None:
        self.runtime.validate(command)

    @workflow.query(name="view")
    def view(self) -> CaseView:
        return self.runtime.view()
