"""Which decider rules a case, from its id: `grant/2027-014` is a grant, `grant/2027-014/board/1` a Board
decision. The projections use this to rebuild any case from its audit trail alone."""

from domain.case import CaseDecider, CaseState
from domain.errors import UnknownCase


def decider_for(case_id: str) -> CaseDecider:
    from domain.annual_work_plan import ANNUAL_WORK_PLAN
    from domain.appraisal import APPRAISAL
    from domain.appraisal_cycle import APPRAISAL_CYCLE
    from domain.board_decision import BOARD_DECISION
    from domain.board_report import BOARD_REPORT
    from domain.grant import GRANT
    from domain.policy_register import POLICY_REGISTER
    from domain.policy_review import POLICY_REVIEW
    from domain.strategic_plan import STRATEGIC_PLAN

    parts = case_id.split("/")
    if len(parts) >= 4 and parts[-2] == "board" and parts[-1].isdigit():
        return BOARD_DECISION
    if parts[0] == "grant" and len(parts) == 2:
        return GRANT
    if parts[0] == "policy" and len(parts) == 2:
        return POLICY_REGISTER
    if parts[0] == "policy" and len(parts) == 4 and parts[2] == "review" and parts[3].isdigit():
        return POLICY_REVIEW
    if parts[0] == "plan" and len(parts) == 2:
        return STRATEGIC_PLAN
    if parts[0] == "plan" and len(parts) == 4 and parts[2] == "awp" and parts[3].isdigit():
        return ANNUAL_WORK_PLAN
    if parts[0] == "plan" and len(parts) == 4 and parts[2] in ("report", "risk"):
        return BOARD_REPORT
    if parts[0] == "appraisal" and len(parts) == 2 and parts[1].isdigit():
        return APPRAISAL_CYCLE
    if parts[0] == "appraisal" and len(parts) == 3 and parts[1].isdigit():
        return APPRAISAL
    raise UnknownCase(
        f"'{case_id}' is not a case id this installation knows (e.g. grant/2027-014, policy/charter, "
        "plan/2028-2032, appraisal/2027/head-of-programmes)."
    )


def is_confidential(case_id: str) -> bool:
    """A case whose content must be encrypted before it reaches Temporal or the audit store: a person's
    appraisal. (An appraisal cycle's launch records only who is in it and the phase dates.)"""
    from domain.appraisal import is_appraisal_case

    return is_appraisal_case(case_id)


def initial_state(case_id: str) -> CaseState:
    return decider_for(case_id).initial_state(case_id)
