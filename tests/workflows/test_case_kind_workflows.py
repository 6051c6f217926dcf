"""Every case kind has its workflow, registered under the type name its saved histories record."""

from domain.case_kinds import case_kinds
from workflows.case_kind_workflows import all_workflows, workflow_for, workflow_type
from workflows.case_workflow import CaseWorkflow

RECORDED_TYPES = {
    "grant": "GrantApproval",
    "board_decision": "BoardDecision",
    "policy_register": "InstrumentRegister",
    "policy_review": "PolicyReview",
    "strategic_plan": "StrategicPlanCycle",
    "annual_work_plan": "AnnualWorkPlan",
    "board_report": "BoardReport",
    "appraisal_cycle": "AppraisalCycle",
    "appraisal": "Appraisal",
}


def test_each_kind_runs_under_its_recorded_workflow_type() -> None:
    assert {kind.name: workflow_type(workflow_for(kind.example)) for kind in case_kinds()} == RECORDED_TYPES


def test_every_workflow_answers_through_the_shared_handlers() -> None:
    assert len(all_workflows()) == len(RECORDED_TYPES)
    assert all(issubclass(case_workflow, CaseWorkflow) for case_workflow in all_workflows())
