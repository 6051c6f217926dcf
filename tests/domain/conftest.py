"""Drive the grant decider exactly as the workflow does, without Temporal.

`GrantCase` is a `tests.support.case_run.CaseRun`: each command, timer and Board outcome is one turn of
`domain.case_runner` (decide, schedule each step by the calendar as `plan_schedules` does at run time, record,
fold), and it keeps the audit trail it would append, so a test reads like what a person does and what the
auditor sees.

pytest runs with `--import-mode=importlib`, so test modules cannot import each other: the shared helpers come
to them through the fixtures at the bottom of this file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.grant import GRANT, GrantState
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation
from tests.support.case_run import CaseRun

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ORGANISATION = (ROOT / "examples" / "organisation.yaml").read_text(encoding="utf-8")
GRANTS = ROOT / "examples" / "grants"
KAMPALA = yaml.safe_load((GRANTS / "kampala-upgrading.yaml").read_text(encoding="utf-8"))
LIMA = yaml.safe_load((GRANTS / "lima-resilience.yaml").read_text(encoding="utf-8"))

#: A Monday in March 2027: no holiday or closure in any hub that week.
MONDAY = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

#: Two Secretariat staff who are neither the submitter nor the screener of either example grant.
REVIEWERS = ("compliance-officer", "internal-auditor")


def application(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """An example application with some fields changed; `amount` alone splits into two equal tranches."""
    fields = {**base, **changes}
    if "amount" in changes and "tranches" not in changes:
        amount = Decimal(str(changes["amount"]))
        first = (amount / 2).quantize(Decimal("0.01"))
        fields["tranches"] = [{"amount": first}, {"amount": amount - first}]
    return fields


@dataclass(kw_only=True)
class GrantCase(CaseRun):
    """One grant as its workflow holds it: the state, and the audit trail appended so far."""

    decider = GRANT

    state: GrantState
    clock: datetime = MONDAY

    # -- driving ---------------------------------------------------------------------------------------
    def refusal(  # type: ignore[override]  # the grant tests read the rule as well as the sentence
        self,
        actor: str,
        action: str,
        *,
        at: datetime | None = None,
        comment: str | None = None,
        **fields: Any,
    ) -> NotAllowed:
        return self.refused(actor, action, at=at, comment=comment, **fields)

    def record_board_outcome(self, outcome: str, *, at: datetime | None = None) -> list[DomainEvent]:
        """What the grant workflow records when its child Board decision closes."""
        board_case = self.state.board_cases[-1]
        return self.apply(
            lambda state, context: GRANT.record_board_outcome(state, board_case, outcome, {"no_objection": 9}, context),
            at=at,
        )

    # -- the usual road, step by step ------------------------------------------------------------------
    @property
    def application(self) -> dict[str, Any]:
        assert self.state.application is not None
        return self.state.application.model_dump(mode="json")

    def screen_eligible(self) -> None:
        self.act(self.application["screening_officer"], "screen", outcome="eligible")

    def assign_reviewers(self, *reviewers: str) -> None:
        head = self.task("assign-reviewers").assignee
        self.act(head, "assign-reviewers", reviewers=",".join(reviewers))

    def review_without_conflicts(self, *reviewers: str) -> None:
        for reviewer in reviewers:
            self.act(reviewer, "declare-interests", conflict=False)
        for reviewer in reviewers:
            self.act(reviewer, "review", score=4, recommendation="approve")

    def through_reviews(self, reviewers: tuple[str, ...] = REVIEWERS) -> GrantCase:
        """Screened eligible, two reviewers named, no conflicts, two reviews: the approval step is open."""
        self.screen_eligible()
        self.assign_reviewers(*reviewers)
        self.review_without_conflicts(*reviewers)
        return self

    def approved(self) -> GrantCase:
        task = "endorsement" if self.state.needs_board else "approval"
        approver = self.task(task).assignee
        self.act(approver, "endorse" if self.state.needs_board else "approve", decision="approve")
        if self.state.needs_board:
            self.record_board_outcome("approved")
        return self

    def signed(self) -> GrantCase:
        self.act(self.application["submitted_by"], "sign-agreement")
        return self


def open_grant(organisation: Organisation, fields: dict[str, Any], *, at: datetime = MONDAY) -> GrantCase:
    state = GRANT.initial_state(f"grant/{fields['reference']}")
    grant = GrantCase(organisation=organisation, state=state, clock=at)
    grant.act(fields["submitted_by"], "submit", **fields)
    return grant


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def example_org() -> Organisation:
    return parse_organisation(EXAMPLE_ORGANISATION)


@pytest.fixture(scope="session")
def org_where_head_of_programmes_is_an_officer() -> Organisation:
    """The example, but the Head of Programmes also holds the programme officer's role: a person with the
    authority to approve who may also submit or screen, so separation of duties is what stops them."""
    text = EXAMPLE_ORGANISATION.replace(
        "roles: [head_of_programmes, management_team]",
        "roles: [head_of_programmes, management_team, programme_officer]",
    )
    assert text != EXAMPLE_ORGANISATION
    return parse_organisation(text)


SMALL_SECRETARIAT = (Path(__file__).parent / "organisations" / "small-secretariat.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def small_org() -> Organisation:
    """A second organisation unlike the example: other ids and hubs, lower bands, a three-member Board, a Head
    of Programmes who is also a programme officer (`organisations/small-secretariat.yaml`)."""
    return parse_organisation(SMALL_SECRETARIAT)


@pytest.fixture(scope="session")
def small_org_text() -> str:
    return SMALL_SECRETARIAT


@pytest.fixture
def submit(example_org: Organisation) -> Callable[..., GrantCase]:
    """`submit(kampala=True, at=..., organisation=..., **changes)`: a submitted grant, screening open.

    Kampala (USD 120,000, submitted by the Pretoria officer, screened by the Brussels officer) by default;
    `kampala=False` takes Lima (EUR 400,000 at 1.08, submitted in Brussels, screened in Hanoi)."""

    def _submit(
        *,
        kampala: bool = True,
        at: datetime = MONDAY,
        organisation: Organisation | None = None,
        **changes: Any,
    ) -> GrantCase:
        fields = application(KAMPALA if kampala else LIMA, **changes)
        return open_grant(organisation or example_org, fields, at=at)

    return _submit
