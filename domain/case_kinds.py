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
    """One kind of case. `matches` reads an id split at '/'; the grammars are disjoint, so order is free. The
    decider is imported on first use (`decider`), so that a command about one case loads that kind's rules alone."""

    name: str
    load_decider: Callable[[], CaseDecider]
    id_pattern: str
    example: str
    matches: Callable[[list[str]], bool]
    confidential: bool = False
    search_values: Callable[[CaseState], SearchValues] = _nothing_to_index

    @property
    def decider(self) -> CaseDecider:
        return self.load_decider()


def _decider(module: str, name: str) -> Callable[[], CaseDecider]:
    """A loader of the decider `name` of `module`, imported when first asked for and kept. Through the `import`
    statement's own hook, as the imports it replaces went, so that a workflow sandbox sees it like any import."""

    @cache
    def load() -> CaseDecider:
        decider: CaseDecider = getattr(__import__(module, fromlist=[name]), name)
        return decider

    return load


@cache
def case_kinds() -> tuple[CaseKind, ...]:
    """The table, in the order the reference lists the processes. Each name is its decider's `kind` (a test holds
    the two equal); the deciders are imported only when asked for, since they import modules that import this one."""
    return (
        CaseKind(
            "grant",
            _decider("domain.grant", "GRANT"),
            "grant/<reference>",
            "grant/2027-014",
            lambda parts: parts[0] == "grant" and len(parts) == 2,
            search_values=_grant_amount,
        ),
        CaseKind(
            "board_decision",
            _decider("domain.board_decision", "BOARD_DECISION"),
            "<case>/board/<n>",
            "grant/2027-014/board/1",
            _is_board_decision,
        ),
        CaseKind(
            "policy_register",
            _decider("domain.policy_register", "POLICY_REGISTER"),
            "policy/<instrument>",
            "policy/charter",
            lambda parts: parts[0] == "policy" and len(parts) == 2,
        ),
        CaseKind(
            "policy_review",
            _decider("domain.policy_review", "POLICY_REVIEW"),
            "policy/<instrument>/review/<n>",
            "policy/charter/review/1",
            lambda parts: parts[0] == "policy" and len(parts) == 4 and parts[2] == "review" and parts[3].isdigit(),
        ),
        CaseKind(
            "strategic_plan",
            _decider("domain.strategic_plan", "STRATEGIC_PLAN"),
            "plan/<first>-<last>",
            "plan/2028-2032",
            lambda parts: parts[0] == "plan" and len(parts) == 2,
        ),
        CaseKind(
            "annual_work_plan",
            _decider("domain.annual_work_plan", "ANNUAL_WORK_PLAN"),
            "plan/<first>-<last>/awp/<year>",
            "plan/2028-2032/awp/2028",
            lambda parts: parts[0] == "plan" and len(parts) == 4 and parts[2] == "awp" and parts[3].isdigit(),
        ),
        CaseKind(
            "board_report",
            _decider("domain.board_report", "BOARD_REPORT"),
            "plan/<first>-<last>/report/<year>-Q<n> and …/risk/<year>-Q<n>",
            "plan/2028-2032/report/2028-Q1",
            lambda parts: parts[0] == "plan" and len(parts) == 4 and parts[2] in ("report", "risk"),
        ),
        CaseKind(
            "appraisal_cycle",
            _decider("domain.appraisal_cycle", "APPRAISAL_CYCLE"),
            "appraisal/<year>",
            "appraisal/2027",
            lambda parts: parts[0] == "appraisal" and len(parts) == 2 and parts[1].isdigit(),
        ),
        # A person's appraisal: its content is encrypted before it reaches Temporal or the audit store. (A
        # cycle's launch records only who is in it and the phase dates.)
        CaseKind(
            "appraisal",
            _decider("domain.appraisal", "APPRAISAL"),
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
