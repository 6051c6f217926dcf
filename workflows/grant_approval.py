"""GrantApproval: one Multi-Donor Fund grant as a durable workflow. The rules are in `domain.grant`."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import grant
    from workflows.board_requests import BoardRequests
    from workflows.case_runtime import CaseRuntime, records_cancellation
    from workflows.case_workflow import CaseWorkflow
    from workflows.messages import CaseView, OpenCase


@workflow.defn(name="GrantApproval")
class GrantApprovalWorkflow(CaseWorkflow):
    @workflow.init
    def __init__(self, opening: OpenCase) -> None:
        self.runtime = CaseRuntime(
            grant.GRANT, grant.GRANT.initial_state(opening.case_id), opening.clock_offset_seconds
        )
        self.board = BoardRequests(self.runtime)

    @workflow.run
    @records_cancellation
    async def run(self, opening: OpenCase) -> CaseView:
        await self.runtime.open(opening.command)
        await self.runtime.run_until_closed()
        return self.runtime.view()
