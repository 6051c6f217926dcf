"""The workflow that runs each kind of case, beside `domain.case_kinds` (which the domain keeps free of
Temporal). The CLI, the simulator, the bench and the cases that open other cases start them from here, by
class, so a workflow's type name is written once: in its `@workflow.defn`."""

from collections.abc import Callable
from functools import cache
from typing import Any

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from domain.case_kinds import kind_of


@cache
def _workflows_by_kind() -> dict[str, type]:
    # Imported on first use: the workflows that open other cases read this table, and it names them.
    with workflow.unsafe.imports_passed_through():
        from domain.annual_work_plan import ANNUAL_WORK_PLAN
        from domain.appraisal import APPRAISAL
        from domain.appraisal_cycle import APPRAISAL_CYCLE
        from domain.board_decision import BOARD_DECISION
        from domain.board_report import BOARD_REPORT
        from domain.grant import GRANT
        from domain.policy_register import POLICY_REGISTER
        from domain.policy_review import POLICY_REVIEW
        from domain.strategic_plan import STRATEGIC_PLAN
        from workflows.appraisal import AppraisalCycleWorkflow, AppraisalWorkflow
        from workflows.board_decision import BoardDecisionWorkflow
        from workflows.grant_approval import GrantApprovalWorkflow
        from workflows.instrument_register import InstrumentRegisterWorkflow
        from workflows.plan_cases import AnnualWorkPlanWorkflow, BoardReportWorkflow, StrategicPlanWorkflow
        from workflows.policy_review import PolicyReviewWorkflow

    return {
        GRANT.kind: GrantApprovalWorkflow,
        BOARD_DECISION.kind: BoardDecisionWorkflow,
        POLICY_REGISTER.kind: InstrumentRegisterWorkflow,
        POLICY_REVIEW.kind: PolicyReviewWorkflow,
        STRATEGIC_PLAN.kind: StrategicPlanWorkflow,
        ANNUAL_WORK_PLAN.kind: AnnualWorkPlanWorkflow,
        BOARD_REPORT.kind: BoardReportWorkflow,
        APPRAISAL_CYCLE.kind: AppraisalCycleWorkflow,
        APPRAISAL.kind: AppraisalWorkflow,
    }


def all_workflows() -> tuple[type, ...]:
    """Every case workflow, for the worker to register."""
    return tuple(_workflows_by_kind().values())


def workflow_for(case_id: str) -> Any:
    """The workflow class that runs this case; start it by its `run` method. Raises UnknownCase."""
    return _workflows_by_kind()[kind_of(case_id).name]


def workflow_type(workflow_class: type) -> str:
    """The type name a workflow class is registered under (and recorded in histories)."""
    name = workflow._Definition.must_from_class(workflow_class).name
    assert name is not None, f"{workflow_class.__name__} is a dynamic workflow: it has no type name"
    return name


def activity_type(method: Callable[..., Any]) -> str:
    """The type name an activity is registered under (and recorded in histories), from the function itself."""
    name = activity._Definition.must_from_callable(method).name
    assert name, f"{getattr(method, '__qualname__', method)} is a dynamic activity: it has no type name"
    return name
