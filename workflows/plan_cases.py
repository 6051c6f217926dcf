"""The Strategic Plan as workflows: the cycle from concept note to publication, then, year by year, the Annual
Work Plan and the quarterly progress and risk reports to the Board. Rules: `domain.strategic_plan`,
`domain.annual_work_plan`, `domain.board_report`, `domain.plan_implementation`."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.case_starter import CaseStarter, StartCase
    from domain import annual_work_plan, board_report, strategic_plan
    from domain.plan_implementation import openings_for_year
    from domain.plan_years import report_targets, year_to_open
    from workflows.board_requests import BoardRequests
    from workflows.case_kind_workflows import workflow_for, workflow_type
    from workflows.case_runtime import CaseRuntime, records_cancellation
    from workflows.case_workflow import CaseWorkflow
    from workflows.messages import CaseView, OpenPlan, OpenPlanCase
    from workflows.store_calls import STORE_RETRY

CASE_TIMEOUT = timedelta(days=800)


@workflow.defn(name="AnnualWorkPlan")
class AnnualWorkPlanWorkflow(CaseWorkflow):
    @workflow.init
    def __init__(self, opening: OpenPlanCase) -> None:
        decider = annual_work_plan.ANNUAL_WORK_PLAN
        self.runtime = CaseRuntime(decider, decider.initial_state(opening.case_id), opening.clock_offset_seconds)
        self.board = BoardRequests(self.runtime)

    @workflow.run
    @records_cancellation
    async def run(self, opening: OpenPlanCase) -> CaseView:
        await self.runtime.load_organisation()
        await self.runtime.apply(
            lambda state, context: annual_work_plan.open_annual_work_plan(
                state.case_id,
                plan_targets=opening.targets,
                fiscal_year=opening.year,
                requested_by=opening.requested_by,
                context=context,
            )
        )
        await self.runtime.run_until_closed()
        return self.runtime.view()


@workflow.defn(name="BoardReport")
class BoardReportWorkflow(CaseWorkflow):
    @workflow.init
    def __init__(self, opening: OpenPlanCase) -> None:
        decider = board_report.BOARD_REPORT
        self.runtime = CaseRuntime(decider, decider.initial_state(opening.case_id), opening.clock_offset_seconds)

    @workflow.run
    @records_cancellation
    async def run(self, opening: OpenPlanCase) -> CaseView:
        await self.runtime.load_organisation()
        await self.runtime.apply(
            lambda state, context: board_report.open_board_report(
                state.case_id,
                requested_by=opening.requested_by,
                context=context,
                targets=report_targets(opening.kind, opening.targets),
            )
        )
        await self.runtime.run_until_closed()
        return self.runtime.view()


@workflow.defn(name="StrategicPlanCycle")
class StrategicPlanWorkflow(CaseWorkflow):
    @workflow.init
    def __init__(self, opening: OpenPlan) -> None:
        decider = strategic_plan.STRATEGIC_PLAN
        state = (
            strategic_plan.StrategicPlanState.model_validate(opening.state)
            if opening.state is not None
            else decider.initial_state(opening.case_id)
        )
        self.runtime = CaseRuntime(decider, state, opening.clock_offset_seconds)
        self.board = BoardRequests(self.runtime)

    @workflow.run
    @records_cancellation
    async def run(self, opening: OpenPlan) -> None:
        runtime = self.runtime
        await runtime.load_organisation()
        if runtime.state.version == 0:
            await runtime.apply(
                lambda state, context: strategic_plan.open_strategic_plan(
                    state.case_id,
                    opening.start_year,
                    opening.end_year,
                    opening.milestones,
                    opening.consultation_closes,
                    opening.requested_by,
                    context,
                )
            )
        await runtime.run_until_closed()
        year = year_to_open(runtime.state, opening.start_year, opening.end_year, opening.next_year)
        if year is None:
            return
        await self._open_year(opening, year)
        await self.continue_as_new_when_idle(
            opening.model_copy(update={"state": runtime.state.model_dump(mode="json"), "next_year": year + 1})
        )

    async def _open_year(self, opening: OpenPlan, year: int) -> None:
        """Sleep to each case's opening instant and start it; the cases outlive this run of the plan."""
        runtime = self.runtime
        assert runtime.organisation is not None
        targets = [target.id for target in runtime.state.targets]
        openings = openings_for_year(
            runtime.organisation, runtime.state.case_id, year, opening.end_year, first=year == opening.start_year
        )
        for planned in openings:
            delay = (planned.at - runtime.now()).total_seconds()
            if delay > 0:
                await workflow.sleep(timedelta(seconds=delay))
            runtime.children.append(planned.case_id)
            case_opening = OpenPlanCase(
                case_id=planned.case_id,
                kind=planned.kind,
                year=planned.year,
                targets=targets,
                clock_offset_seconds=opening.clock_offset_seconds,
            )
            await workflow.execute_activity_method(
                CaseStarter.start_case,
                StartCase(
                    workflow=workflow_type(workflow_for(planned.case_id)),
                    case_id=planned.case_id,
                    opening=case_opening.model_dump(mode="json"),
                ),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=STORE_RETRY,
            )
