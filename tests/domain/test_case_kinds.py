"""The one table of case kinds: each id grammar leads to one decider, only a person's appraisal is
confidential, and only a grant with an amount adds to the search index."""

import ast
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain.board_close import close_request
from domain.case_kinds import case_kinds, decider_for, is_confidential, kind_of, search_values
from domain.errors import UnknownCase
from domain.grant import GRANT
from domain.organisation import Organisation
from domain.plan_years import report_targets, year_to_open
from domain.review_reason import review_reason
from domain.strategic_plan import STRATEGIC_PLAN

REPO = Path(__file__).resolve().parents[2]


def test_each_example_id_is_read_by_exactly_one_grammar() -> None:
    for kind in case_kinds():
        readers = [other.name for other in case_kinds() if other.matches(kind.example.split("/"))]
        assert readers == [kind.name], kind.example


def test_every_decider_has_one_row() -> None:
    names = [kind.name for kind in case_kinds()]
    assert len(names) == len(set(names)) == 9


@pytest.mark.parametrize(
    ("case_id", "kind"),
    [
        ("grant/2027-014", "grant"),
        ("grant/2027-014/board/1", "board_decision"),
        ("policy/charter/review/2/board/1", "board_decision"),
        ("plan/2028-2032/risk/2028-Q3", "board_report"),
        ("appraisal/2027/head-of-programmes", "appraisal"),
    ],
)
def test_an_id_names_its_kind(case_id: str, kind: str) -> None:
    assert decider_for(case_id).kind == kind


@pytest.mark.parametrize("case_id", ["grant", "grant/2027-014/board/x", "policy/charter/review/first", "appraisal/x"])
def test_an_unknown_id_is_refused_in_a_sentence(case_id: str) -> None:
    with pytest.raises(UnknownCase, match="is not a case id this installation knows"):
        kind_of(case_id)
    assert not is_confidential(case_id)


def test_only_a_persons_appraisal_is_confidential() -> None:
    assert [kind.name for kind in case_kinds() if kind.confidential] == ["appraisal"]
    assert is_confidential("appraisal/2027/head-of-programmes")
    assert not is_confidential("appraisal/2027")
    assert not is_confidential("appraisal/2027/head-of-programmes/board/1")


def test_a_grant_is_indexed_by_its_amount_once_it_has_one() -> None:
    state = GRANT.initial_state("grant/2027-014")
    assert search_values(state) == {}
    assert search_values(state.model_copy(update={"amount_usd": Decimal("42000.50")})) == {"amount_usd": 42000.5}
    assert search_values(STRATEGIC_PLAN.initial_state("plan/2028-2032")) == {}


def test_the_board_close_counts_in_the_chairs_calendar(organisation: Organisation) -> None:
    opened = datetime(2027, 3, 1, 9, tzinfo=UTC)
    no_objection = close_request("no_objection", organisation, opened)
    vote = close_request("vote", organisation, opened)
    assert (no_objection.kind, vote.kind) == ("no_objection", "board_vote")
    assert no_objection.assignee == vote.assignee == organisation.board.chair


def test_a_review_is_early_only_when_asked_early() -> None:
    assert [review_reason(reason) for reason in ("early", "due", "requested", "")] == ["early", "due", "due", "due"]


def test_only_a_published_plan_opens_its_years_up_to_its_last() -> None:
    plan = STRATEGIC_PLAN.initial_state("plan/2028-2032")
    assert year_to_open(plan, 2028, 2032, None) is None
    published = plan.model_copy(update={"outcome": "published"})
    assert year_to_open(published, 2028, 2032, None) == 2028
    assert year_to_open(published, 2028, 2032, 2032) == 2032
    assert year_to_open(published, 2028, 2032, 2033) is None
    assert list(report_targets("progress", ["T1"])) == ["T1"]
    assert list(report_targets("risk", ["T1"])) == []


def test_each_kind_is_named_as_its_decider_names_it() -> None:
    assert [kind.name for kind in case_kinds()] == [kind.decider.kind for kind in case_kinds()]


def test_the_rules_of_one_case_load_that_kind_alone() -> None:
    """A command about a grant (`govern status`, say) imports the grant's rules and what they use, not the
    Strategic Plan's, the policies' or the appraisals'."""
    probe = (
        "import sys; from domain.case_kinds import decider_for; decider_for('grant/2027-014'); "
        "print(sorted(m for m in sys.modules if m.startswith('domain.')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    loaded = set(ast.literal_eval(done.stdout.strip()))
    assert "domain.grant" in loaded
    others = ("domain.strategic_plan", "domain.annual_work_plan", "domain.policy_register", "domain.appraisal")
    assert not loaded & set(others)
