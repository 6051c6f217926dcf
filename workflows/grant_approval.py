"""GrantApproval: one Multi-Donor Fund grant as a durable workflow. The rules are in `domain.grant`."""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy

with workflow.unsafe.imports_passed_through():
    from domain import grant
    from domain.commands import Command
    from domain.events import DomainEvent
    from workflows.board_decision import BoardDecisionWorkflow
    from workflows.case_runtime import CaseRuntime
    from workflows.messages import ActResult, CaseView, OpenBoardDecision, OpenCase


@workflow.defn(name="GrantApproval")
class GrantApprovalWorkflow:
    @workflow.init
    def __init__(self, opening: OpenCase) -> None:
        self.runtime = CaseRuntime(
            grant.GRANT, grant.GRANT.initial_state(opening.case_id), opening.clock_offset_seconds
        )
        self.runtime.on_committed.append(self._start_board_decisions)
        self._children: list[asyncio.Task[None]] = []

    @workflow.run
    async def run(self, opening: OpenCase) -> CaseView:
        await self.runtime.open(opening.command)
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

    async def _start_board_decisions(self, events: list[DomainEvent]) -> None:
        for event in events:
            if event.type == grant.BOARD_REQUESTED:
                self._children.append(asyncio.create_task(self._board_decision(event)))

    async def _board_decision(self, request: DomainEvent) -> None:
        board_case = request.payload["board_case"]
        self.runtime.children.append(board_case)
        state = self.runtime.state
        outcome = await workflow.execute_child_workflow(
            BoardDecisionWorkflow.run,
            OpenBoardDecision(
                case_id=board_case,
                procedure=request.payload["procedure"],
                matter=request.payload["matter"],
                parent_case=state.case_id,
                requested_by=request.actor,
                clock_offset_seconds=self.runtime.clock_offset.total_seconds(),
            ),
            id=board_case,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            execution_timeout=timedelta(days=400),
        )
        await self.runtime.apply(
            lambda state, context: grant.GRANT.record_board_outcome(
                state, board_case, outcome.outcome or "rejected", outcome.summary.get("tally", {}), context
            )
        )
