"""Any case may ask the Board to decide: the runtime starts the `BoardDecision` child for each
`BoardDecisionRequested` it records, and gives the outcome back to the parent's decider."""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy

with workflow.unsafe.imports_passed_through():
    from domain.board_decision import BoardOutcome
    from domain.board_referral import RefersToBoard
    from domain.board_request import BOARD_DECISION_REQUESTED, BOARD_REQUEST_EVENTS, BoardDecisionRequested
    from domain.events import DomainEvent
    from workflows.board_decision import BoardDecisionWorkflow
    from workflows.case_runtime import CaseRuntime
    from workflows.messages import OpenBoardDecision

# A Board decision that never closes is a bug, not a governance state: the child is bounded.
BOARD_DECISION_TIMEOUT = timedelta(days=400)


class BoardRequests:
    """Attach to a runtime whose decider refers to the Board (`domain.board_referral.RefersToBoard`)."""

    def __init__(self, runtime: CaseRuntime) -> None:
        self.runtime = runtime
        self.pending: list[asyncio.Task[None]] = []
        runtime.on_committed.append(self._on_committed)

    async def _on_committed(self, events: list[DomainEvent]) -> None:
        for event in events:
            if event.type == BOARD_DECISION_REQUESTED:
                decision = asyncio.create_task(self._decide(event))
                self.pending.append(decision)
                # Cancelling the case cancels the Board decision it waits for, which records its own cancellation.
                self.runtime.dependants.append(decision)

    async def _decide(self, request: DomainEvent) -> None:
        runtime = self.runtime
        requested = BOARD_REQUEST_EVENTS.parse(request)
        assert isinstance(requested, BoardDecisionRequested)
        board_case = requested.board_case
        runtime.children.append(board_case)
        outcome = await workflow.execute_child_workflow(
            BoardDecisionWorkflow.run,
            OpenBoardDecision(
                case_id=board_case,
                procedure=requested.procedure.value,
                matter=requested.matter,
                parent_case=runtime.state.case_id,
                requested_by=request.actor,
                conflicted=list(requested.conflicted),
                clock_offset_seconds=runtime.clock_offset.total_seconds(),
            ),
            id=board_case,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            execution_timeout=BOARD_DECISION_TIMEOUT,
        )
        decider = runtime.decider
        # Only a case whose decider refers matters to the Board records Board decisions, so it takes them back.
        assert isinstance(decider, RefersToBoard), f"{type(decider).__name__} does not refer matters to the Board"
        answer = BoardOutcome.reported(board_case, outcome.outcome, outcome.summary)
        await runtime.apply(lambda state, context: decider.take_board_outcome(state, answer, context))
