"""Every kind of case this installation runs, in one table: its decider, the grammar of its ids, whether its
content is confidential, and what it tells the search index. `grant/2027-014` is a grant,
`grant/2027-014/board/1` a Board decision. The projections use this to rebuild any case from its audit trail
alone; the workflows' own table (`workflows.case_kind_workflows`) adds the workflow that runs each kind."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from domain.case import CaseDecider, CaseState
from domain.errors import UnknownCase

#: A value a case contributes to the search index, by the attribute's plain name (e.g. `amount_usd`).
SearchValues = dict[str, float]


def _nothing_to_index(state: CaseState) -> SearchValues:
    return {}


def _grant_amount(state: CaseState) -> SearchValues:
    """A grant is found by its amount once the application has given one."""
    from domain.grant import GrantState

    assert isinstance(state, GrantState)
    return {} if state.amount_usd is None else {"amount_usd": float(state.amount_usd)}


def _is_board_decision(parts: list[str]) -> bool:
    return len(parts) >= 4 and parts[-2] == "board" and parts[-1].isdigit()


@dataclass(frozen=True)
class CaseKind:
    """One kind of case. `matches` reads an id split at '/'; the grammars are disjoint, so order is free."""

    decider: CaseDecider
    id_pattern: str
    example: str
    matches: Callable[[list[str]], bool]
    confidential: bool = False
    search_values: Callable[[CaseState], SearchValues] = _nothing_to_index

    @property
    def name(self) -> str:
        return self.decider.kind


@cache
def case_kinds() -> tuple[CaseKind, ...]:
    """The table, in the order the reference lists the processes (built on first use: the deciders import
    modules that import this one)."""
    from domain.annual_work_plan import ANNUAL_WORK_PLAN
    from domain.appraisal import APPRAISAL
    from domain.appraisal_cycle import APPRAISAL_CYCLE
    from domain.board_decision import BOARD_DECISION
    from domain.board_report import BOARD_REPORT
    from domain.grant import GRANT
    from domain.policy_register import POLICY_REGISTER
    from domain.policy_review import POLICY_REVIEW
    from domain.strategic_plan import STRATEGIC_PLAN

    return (
        CaseKind(
            GRANT,
            "grant/<reference>",
            "grant/2027-014",
            lambda parts: parts[0] == "grant" and len(parts) == 2,
            search_values=_grant_amount,
        ),
        CaseKind(BOARD_DECISION, "<case>/board/<n>", "grant/2027-014/board/1", _is_board_decision),
        CaseKind(
            POLICY_REGISTER,
            "policy/<instrument>",
            "policy/charter",
            lambda parts: parts[0] == "policy" and len(parts) == 2,
        ),
        CaseKind(
            POLICY_REVIEW,
            "policy/<instrument>/review/<n>",
            "policy/charter/review/1",
            lambda parts: parts[0] == "policy" and len(parts) == 4 and parts[2] == "review" and parts[3].isdigit(),
        ),
        CaseKind(
            STRATEGIC_PLAN,
            "plan/<first>-<last>",
            "plan/2028-2032",
            lambda parts: parts[0] == "plan" and len(parts) == 2,
        ),
        CaseKind(
            ANNUAL_WORK_PLAN,
            "plan/<first>-<last>/awp/<year>",
            "plan/2028-2032/awp/2028",
            lambda parts: parts[0] == "plan" and len(parts) == 4 and parts[2] == "awp" and parts[3].isdigit(),
        ),
        CaseKind(
            BOARD_REPORT,
            "plan/<first>-<last>/report/<year>-Q<n> and …/risk/<year>-Q<n>",
            "plan/2028-2032/report/2028-Q1",
            lambda parts: parts[0] == "plan" and len(parts) == 4 and parts[2] in ("report", "risk"),
        ),
        CaseKind(
            APPRAISAL_CYCLE,
            "appraisal/<year>",
            "appraisal/2027",
            lambda parts: parts[0] == "appraisal" and len(parts) == 2 and parts[1].isdigit(),
        ),
        # A person's appraisal: its content is encrypted before it reaches Temporal or the audit store. (A
        # cycle's launch records only who is in it and the phase dates.)
        CaseKind(
            APPRAISAL,
            "appraisal/<year>/<person>",
            "appraisal/2027/head-of-programmes",
            lambda parts: parts[0] == "appraisal" and len(parts) == 3 and parts[1].isdigit(),
            confidential=True,
        ),
    )


def kind_of(case_id: str) -> CaseKind:
    parts = case_id.split("/")
    for kind in case_kinds():
        if kind.matches(parts):
            return kind
    raise UnknownCase(
        f"'{case_id}' is not a case id this installation knows (e.g. grant/2027-014, policy/charter, "
        "plan/2028-2032, appraisal/2027/head-of-programmes)."
    )


def decider_for(case_id: str) -> CaseDecider:
    return kind_of(case_id).decider


def is_confidential(case_id: str) -> bool:
    """A case whose content must be encrypted before it reaches Temporal or the audit store."""
    try:
        return kind_of(case_id).confidential
    except UnknownCase:
        return False


def search_values(state: CaseState) -> SearchValues:
    """What this case contributes to the search index beyond what every case carries (kind, stage, ...)."""
    return kind_of(state.case_id).search_values(state)


def initial_state(case_id: str) -> CaseState:
    return decider_for(case_id).initial_state(case_id)
