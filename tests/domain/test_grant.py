"""A Multi-Donor Fund grant from submission to closure, driven as the GrantApproval workflow drives it.

Each test submits one of the example applications (Kampala: USD 120,000, submitted by the Pretoria officer and
screened by the Brussels officer; Lima: EUR 400,000 at 1.08, submitted in Brussels and screened in Hanoi),
then acts as the people of the example organisation would. Step schedules are resolved by `plan_schedule`, as
the calendar activity does. The `submit` fixture and the `GrantCase` driver live in `conftest.py`.

Assertions are what a person or an auditor checks: who acted, on whose behalf, with which outcome and payload,
and the exact sentence of a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from domain import grant, timed_step
from domain.case import CASE_CLOSED
from domain.errors import NotAllowed
from domain.events import DomainEvent

Submit = Callable[..., Any]

KAMPALA_TITLE = "Citywide slum upgrading strategy for Kampala"
LIMA_TITLE = "Climate resilience investment plan for Lima's informal settlements"
DIRECTOR_BAND = "Only the Director may approve grants between USD 50,000 and 250,000 (delegation of authority)."


def types(events: list[DomainEvent]) -> list[str]:
    return [event.type for event in events]


def opened(events: list[DomainEvent]) -> dict[str, dict[str, Any]]:
    """The steps a batch of events opened, by task id."""
    return {event.payload["task_id"]: event.payload for event in events if event.type == timed_step.TASK_OPENED}


# -- the approval routes -------------------------------------------------------------------------------------
def test_a_submission_records_the_application_and_opens_screening(submit: Submit) -> None:
    kampala = submit()

    submitted, screening = kampala.events
    assert submitted.type == grant.SUBMITTED
    assert (submitted.actor, submitted.outcome) == ("programme-officer-pretoria", "submitted")
    assert submitted.payload["amount_usd"] == "120000.00"
    assert submitted.payload["band"] == "between USD 50,000 and 250,000"
    assert submitted.payload["authorised_roles"] == ["director"]
    assert submitted.payload["needs_board"] is False
    assert screening.type == timed_step.TASK_OPENED
    assert screening.payload["assignee"] == "programme-officer-brussels"
    assert screening.payload["action"] == "screen"
    assert kampala.state.stage == "screening"


def test_a_grant_up_to_50k_is_approved_by_the_head_of_programmes(submit: Submit) -> None:
    small = submit(amount=40000).through_reviews()

    routed = small.of_type(grant.ROUTED)[0]
    assert routed.outcome == "head_of_programmes"
    assert routed.reason == "two technical reviews complete; USD 40,000 is up to USD 50,000"
    assert small.task("approval").assignee == "head-of-programmes"

    events = small.act("head-of-programmes", "approve", decision="approve")

    assert types(events) == [grant.APPROVED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    approved = events[0]
    assert (approved.actor, approved.actor_role, approved.on_behalf_of) == (
        "head-of-programmes",
        "head_of_programmes",
        None,
    )
    assert approved.outcome == "approved"
    assert approved.payload == {"by": "head-of-programmes", "band": "up to USD 50,000"}
    agreement = opened(events)["agreement"]
    assert (agreement["assignee"], agreement["action"]) == ("programme-officer-pretoria", "sign-agreement")
    assert small.state.stage == "agreement"


def test_exactly_50k_is_still_the_head_of_programmes_and_one_cent_more_the_director(submit: Submit) -> None:
    at_limit = submit(amount=50000)
    above = submit(amount="50000.01")

    assert at_limit.state.authorised_roles == ("head_of_programmes", "director")
    assert at_limit.state.band == "up to USD 50,000"
    assert above.state.authorised_roles == ("director",)
    assert above.state.band == "between USD 50,000 and 250,000"


def test_a_grant_between_50k_and_250k_is_approved_by_the_director(submit: Submit) -> None:
    kampala = submit().through_reviews()

    routed = kampala.of_type(grant.ROUTED)[0]
    assert routed.outcome == "director"
    assert routed.reason == "two technical reviews complete; USD 120,000 is between USD 50,000 and 250,000"
    approval = kampala.task("approval")
    assert approval.assignee == "director"
    assert approval.title == f"Approve '{KAMPALA_TITLE}' (USD 120,000)"

    events = kampala.act("director", "approve", decision="approve", comment="Strong reviews")

    approved = events[0]
    assert (approved.type, approved.actor, approved.actor_role) == (grant.APPROVED, "director", "director")
    assert approved.reason == "Strong reviews"
    assert approved.payload == {"by": "director", "band": "between USD 50,000 and 250,000"}
    assert kampala.state.approved_by == "director"
    assert list(kampala.state.tasks) == ["agreement"]


def test_the_director_rejects_with_a_reason_and_the_case_closes(submit: Submit) -> None:
    kampala = submit().through_reviews()

    refused = kampala.refusal("director", "approve", decision="reject")
    assert str(refused) == "Rejecting a grant needs a reason: give --comment."

    events = kampala.act("director", "approve", decision="reject", comment="Duplicates the 2026 World Bank project")

    assert types(events) == [grant.REJECTED, timed_step.TASK_COMPLETED, CASE_CLOSED]
    closed = events[-1]
    assert (closed.outcome, closed.reason) == ("rejected", "Duplicates the 2026 World Bank project")
    assert kampala.state.closed and kampala.state.outcome == "rejected"
    assert kampala.state.tasks == {}


def test_above_250k_the_director_endorses_and_the_board_is_asked_for_no_objection(submit: Submit) -> None:
    lima = submit(kampala=False).through_reviews()

    routed = lima.of_type(grant.ROUTED)[0]
    assert routed.outcome == "board"
    assert routed.reason == "two technical reviews complete; USD 432,000 is above USD 250,000"
    assert lima.task("endorsement").assignee == "director"
    assert lima.state.stage == "director_endorsement"

    events = lima.act("director", "endorse", decision="approve")

    assert types(events) == [grant.ENDORSED, timed_step.TASK_COMPLETED, grant.BOARD_REQUESTED]
    requested = events[-1]
    assert (requested.actor, requested.actor_role) == ("director", "director")
    assert requested.payload == {
        "board_case": "grant/2027-021/board/1",
        "procedure": "no_objection",
        "matter": f"Grant grant/2027-021: USD 432,000 to Municipality of Lima for '{LIMA_TITLE}'",
        "conflicted": [],
    }
    assert lima.state.stage == "board_no_objection"
    assert lima.state.board_cases == ("grant/2027-021/board/1",)
    assert lima.state.tasks == {}
    assert lima.state.approved_by is None


def test_approving_instead_of_endorsing_a_board_grant_is_refused(submit: Submit) -> None:
    lima = submit(kampala=False).through_reviews()

    refused = lima.refusal("director", "approve", decision="approve")

    assert str(refused) == (
        "Grant grant/2027-021 has no open step to approve (stage: director_endorsement): a grant above USD 250,000 "
        "is approved by the Management Board, not by the Director alone, and the Director's 'endorse' sends it to "
        "the Board's no-objection procedure (delegation of authority); it is waiting for Director (director) to "
        "'endorse'."
    )
    assert refused.rule == "stage"


def test_the_boards_no_objection_approves_the_grant_and_opens_the_agreement(submit: Submit) -> None:
    lima = submit(kampala=False).through_reviews()
    lima.act("director", "endorse", decision="approve")

    events = lima.record_board_outcome("approved")

    assert types(events) == [grant.BOARD_RECORDED, grant.APPROVED, timed_step.TASK_OPENED]
    recorded, approved, _ = events
    assert (recorded.actor, recorded.outcome) == ("system", "approved")
    assert recorded.payload["reference"] == "grant/2027-021/board/1"
    assert (approved.actor_role, approved.payload) == ("management_board", {"by": "board"})
    assert approved.reason == "approved by the Management Board (grant/2027-021/board/1)"
    assert opened(events)["agreement"]["assignee"] == "programme-officer-brussels"
    assert lima.state.stage == "agreement"


def test_an_objection_refers_the_grant_to_the_next_meeting_whose_decision_the_chair_records(
    submit: Submit,
) -> None:
    lima = submit(kampala=False).through_reviews()
    lima.act("director", "endorse", decision="approve")

    referred = lima.record_board_outcome("referred_to_meeting")

    assert types(referred) == [grant.BOARD_RECORDED, timed_step.TASK_OPENED]
    meeting = opened(referred)["board-meeting"]
    assert (meeting["assignee"], meeting["action"]) == ("board-chair", "record-meeting-decision")
    assert lima.state.stage == "board_meeting"
    assert not lima.state.closed

    assert str(lima.refusal("director", "record-meeting-decision", decision="approve", reference="MB-2027-02")) == (
        "Only Board Chair (Member State) (board-chair), or their substitute while they are away, may record "
        "the Board meeting's decision."
    )
    assert str(lima.refusal("board-chair", "record-meeting-decision", decision="approve")) == (
        "Action 'record-meeting-decision' has bad input: field 'reference' is required."
    )

    events = lima.act("board-chair", "record-meeting-decision", decision="approve", reference="MB-2027-02")

    assert types(events) == [
        grant.BOARD_RECORDED,
        timed_step.TASK_COMPLETED,
        grant.APPROVED,
        timed_step.TASK_OPENED,
    ]
    recorded = events[0]
    assert (recorded.actor, recorded.actor_role, recorded.outcome) == (
        "board-chair",
        "board_chair",
        "approved",
    )
    assert recorded.payload["reference"] == "MB-2027-02"
    assert events[2].reason == "approved by the Management Board (MB-2027-02)"
    assert list(lima.state.tasks) == ["agreement"]


def test_the_meeting_rejecting_the_grant_closes_the_case(submit: Submit) -> None:
    lima = submit(kampala=False).through_reviews()
    lima.act("director", "endorse", decision="approve")
    lima.record_board_outcome("referred_to_meeting")

    events = lima.act(
        "board-chair",
        "record-meeting-decision",
        decision="reject",
        reference="MB-2027-02",
        comment="Not a priority",
    )

    assert types(events) == [grant.BOARD_RECORDED, timed_step.TASK_COMPLETED, CASE_CLOSED]
    assert (events[-1].outcome, events[-1].reason) == ("rejected", "Not a priority")
    assert lima.state.closed and lima.state.tasks == {}


@pytest.mark.parametrize("outcome", ["rejected", "no_quorum"])
def test_a_board_outcome_other_than_approval_or_referral_closes_the_case_as_rejected(
    submit: Submit, outcome: str
) -> None:
    lima = submit(kampala=False).through_reviews()
    lima.act("director", "endorse", decision="approve")

    events = lima.record_board_outcome(outcome)

    assert types(events) == [grant.BOARD_RECORDED, CASE_CLOSED]
    assert events[0].outcome == outcome
    closed = events[-1]
    assert (closed.actor, closed.outcome) == ("system", "rejected")
    assert closed.reason == f"Board decision grant/2027-021/board/1 closed: {outcome}"
    assert lima.state.closed and lima.state.outcome == "rejected" and lima.state.stage == "closed"


def test_a_board_outcome_arriving_after_the_grant_was_withdrawn_does_not_approve_it(submit: Submit) -> None:
    lima = submit(kampala=False).through_reviews()
    lima.act("director", "endorse", decision="approve")
    lima.act("programme-officer-brussels", "withdraw", comment="The municipality withdrew its request")
    assert lima.state.closed

    events = lima.record_board_outcome("approved")

    # A withdrawn case is closed: the Board's late answer may be noted, but it must not approve the grant
    # nor open an agreement step on a closed case.
    assert grant.APPROVED not in types(events)
    assert lima.state.tasks == {}
    assert lima.state.outcome == "withdrawn" and lima.state.stage == "closed"


def test_the_director_declining_to_endorse_rejects_the_grant(submit: Submit) -> None:
    lima = submit(kampala=False).through_reviews()

    refused = lima.refusal("director", "endorse", decision="reject")
    assert str(refused) == "Declining to endorse a grant needs a reason: give --comment."

    events = lima.act("director", "endorse", decision="reject", comment="Outside the Fund's priorities")

    assert types(events) == [grant.REJECTED, timed_step.TASK_COMPLETED, CASE_CLOSED]
    assert lima.state.outcome == "rejected"
    assert lima.state.board_cases == ()


# -- amounts in other currencies -----------------------------------------------------------------------------
def test_a_euro_application_is_converted_at_the_rate_recorded_on_the_case(submit: Submit) -> None:
    lima = submit(kampala=False)

    submitted = lima.events[0]
    assert submitted.payload["fx_rate_to_usd"] == "1.08"
    assert submitted.payload["amount_usd"] == "432000.00"
    assert submitted.payload["application"]["currency"] == "EUR"
    assert submitted.payload["needs_board"] is True
    assert submitted.payload["band"] == "above USD 250,000"


def test_the_route_follows_the_usd_figure_not_the_amount_as_written(submit: Submit) -> None:
    # EUR 45,000 would be within the Head of Programmes' authority were it dollars; at 1.2 it is USD 54,000.
    euros = submit(amount=45000, currency="EUR", fx_rate_to_usd="1.2").through_reviews()

    assert euros.events[0].payload["amount_usd"] == "54000.00"
    assert euros.state.band == "between USD 50,000 and 250,000"
    assert euros.task("approval").assignee == "director"
    assert str(euros.refusal("head-of-programmes", "approve", decision="approve")) == DIRECTOR_BAND


def test_a_non_usd_application_without_a_recorded_rate_is_refused(submit: Submit) -> None:
    with pytest.raises(NotAllowed) as refused:
        submit(amount=45000, currency="EUR")

    assert str(refused.value) == (
        "The grant application is invalid: an amount in EUR needs fx_rate_to_usd, the rate recorded on the case."
    )


# -- refusals, each with its sentence ------------------------------------------------------------------------
def test_the_head_of_programmes_cannot_approve_120k(submit: Submit) -> None:
    kampala = submit().through_reviews()

    refused = kampala.refusal("head-of-programmes", "approve", decision="approve")

    assert str(refused) == DIRECTOR_BAND
    assert refused.rule == "delegation-of-authority"


def test_the_screener_cannot_approve(submit: Submit, org_where_head_of_programmes_is_an_officer: Any) -> None:
    # The Brussels officer screened Kampala; they hold no approving authority at all.
    kampala = submit().through_reviews()
    assert str(kampala.refusal("programme-officer-brussels", "approve", decision="approve")) == DIRECTOR_BAND

    # Where the screener does hold the authority, separation of duties stops them.
    small = submit(
        amount=40000,
        screening_officer="head-of-programmes",
        organisation=org_where_head_of_programmes_is_an_officer,
    ).through_reviews()
    assert small.task("approval").assignee == "director"

    refused = small.refusal("head-of-programmes", "approve", decision="approve")

    assert str(refused) == "Head of Programmes screened this application and cannot approve it (separation of duties)."
    assert refused.rule == "separation-of-duties"


def test_a_technical_reviewer_cannot_approve(submit: Submit) -> None:
    small = submit(amount=40000).through_reviews(reviewers=("head-of-programmes", "compliance-officer"))
    assert small.task("approval").assignee == "director"

    refused = small.refusal("head-of-programmes", "approve", decision="approve")

    assert str(refused) == (
        "Head of Programmes was a technical reviewer of this application and cannot approve it (separation of duties)."
    )


def test_nobody_approves_their_own_request(submit: Submit, org_where_head_of_programmes_is_an_officer: Any) -> None:
    own = submit(
        amount=40000,
        submitted_by="head-of-programmes",
        organisation=org_where_head_of_programmes_is_an_officer,
    ).through_reviews()
    assert own.task("approval").assignee == "director"

    refused = own.refusal("head-of-programmes", "approve", decision="approve")

    assert str(refused) == (
        "Head of Programmes submitted this application and cannot approve it (separation of duties: nobody "
        "approves their own request)."
    )


@pytest.mark.parametrize(
    ("reviewer", "name"),
    [
        ("programme-officer-brussels", "Programme Officer (Brussels)"),
        ("programme-officer-pretoria", "Programme Officer (Pretoria)"),
    ],
    ids=["the screener", "the submitter"],
)
def test_the_screener_or_the_submitter_cannot_be_named_reviewer(submit: Submit, reviewer: str, name: str) -> None:
    kampala = submit()
    kampala.screen_eligible()

    refused = kampala.refusal("head-of-programmes", "assign-reviewers", reviewers=f"{reviewer},compliance-officer")

    assert str(refused) == f"{name} submitted or screened this application and cannot review it (separation of duties)."


def test_reviewers_must_be_two_different_staff_members(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()

    assert str(kampala.refusal("head-of-programmes", "assign-reviewers", reviewers="compliance-officer")) == (
        "Name exactly 2 different reviewers (two independent technical reviews)."
    )
    assert (
        str(
            kampala.refusal("head-of-programmes", "assign-reviewers", reviewers="compliance-officer,compliance-officer")
        )
        == "Name exactly 2 different reviewers (two independent technical reviews)."
    )
    assert (
        str(kampala.refusal("head-of-programmes", "assign-reviewers", reviewers="compliance-officer,board-member-2"))
        == "Board Member 2 (Donor) is not Secretariat staff and cannot review applications."
    )


def test_a_recused_reviewer_cannot_review(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()
    kampala.assign_reviewers("compliance-officer", "internal-auditor")
    kampala.act("compliance-officer", "declare-interests", conflict=True, comment="My spouse advises the KCCA")

    refused = kampala.refusal("compliance-officer", "review", score=5, recommendation="approve")

    assert str(refused) == "Compliance Officer declared a conflict of interest on this case and cannot review it."
    assert refused.rule == "conflict-of-interest"


def test_a_step_that_is_not_yours_is_refused(submit: Submit) -> None:
    kampala = submit()

    refused = kampala.refusal("programme-officer-hanoi", "screen", outcome="eligible")

    assert str(refused) == (
        "Only Programme Officer (Brussels) (programme-officer-brussels), or their substitute while they are "
        "away, may screen this application."
    )


def test_an_unknown_person_is_refused(submit: Submit) -> None:
    kampala = submit()

    refused = kampala.refusal("someone-else", "screen", outcome="eligible")

    assert str(refused) == "Unknown person 'someone-else': not in the organisation file."


def test_a_closed_case_accepts_nothing(submit: Submit) -> None:
    kampala = submit()
    kampala.act("programme-officer-pretoria", "withdraw", comment="Submitted in error")

    refused = kampala.refusal("programme-officer-brussels", "screen", outcome="eligible")

    assert str(refused) == "Case grant/2027-014 is closed (withdrawn); it accepts no further actions."


def test_an_unknown_action_is_refused_with_the_known_ones(submit: Submit) -> None:
    kampala = submit()

    refused = kampala.refusal("programme-officer-brussels", "fast-track")

    assert str(refused) == (
        "Unknown action 'fast-track' for a grant; known actions: approve, assign-reviewers, "
        "declare-interests, endorse, provide-information, record-meeting-decision, release-tranche, review, "
        "review-final-report, review-report, screen, sign-agreement, submit, submit-final-report, "
        "submit-report, withdraw."
    )


def test_nothing_but_a_submission_is_accepted_before_the_grant_is_submitted(submit: Submit) -> None:
    kampala = submit()
    kampala.state = grant.GRANT.initial_state("grant/2027-014")

    refused = kampala.refusal("programme-officer-brussels", "screen", outcome="eligible")

    assert str(refused) == "Grant grant/2027-014 has not been submitted."


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({}, "Action 'screen' has bad input: field 'outcome' is required."),
        (
            {"outcome": "perhaps"},
            "Action 'screen' has bad input: field 'outcome': input should be 'eligible', 'ineligible' or "
            "'more-information'.",
        ),
        (
            {"outcome": "eligible", "colour": "green"},
            "Action 'screen' has bad input: field 'colour' is not known; the fields of 'screen' are: outcome.",
        ),
    ],
    ids=["missing", "not one of the outcomes", "unknown field"],
)
def test_bad_or_missing_fields_are_refused_field_by_field(
    submit: Submit, fields: dict[str, Any], sentence: str
) -> None:
    kampala = submit()

    assert str(kampala.refusal("programme-officer-brussels", "screen", **fields)) == sentence


def test_a_review_score_outside_one_to_five_is_refused(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()
    kampala.assign_reviewers("compliance-officer", "internal-auditor")
    kampala.act("compliance-officer", "declare-interests", conflict=False)

    refused = kampala.refusal("compliance-officer", "review", score=7, recommendation="approve")

    assert str(refused) == "Action 'review' has bad input: field 'score': input should be less than or equal to 5."


def test_screening_as_ineligible_needs_a_reason_and_closes_the_case(submit: Submit) -> None:
    kampala = submit()

    refused = kampala.refusal("programme-officer-brussels", "screen", outcome="ineligible")
    assert str(refused) == "Screening as ineligible needs a reason: give --comment."

    events = kampala.act("programme-officer-brussels", "screen", outcome="ineligible", comment="Not a member city")

    assert types(events) == [grant.SCREENED, timed_step.TASK_COMPLETED, CASE_CLOSED]
    assert (events[-1].outcome, events[-1].reason) == ("ineligible", "Not a member city")
    assert kampala.state.closed and kampala.state.tasks == {}


def test_a_submission_must_come_from_its_named_programme_officer(submit: Submit) -> None:
    kampala = submit()
    fields = kampala.application
    kampala.state = grant.GRANT.initial_state("grant/2027-014")

    refused = kampala.refusal("programme-officer-hanoi", "submit", **fields)

    assert str(refused) == (
        "The application names programme-officer-pretoria as submitter, but programme-officer-hanoi submitted it."
    )


def test_the_submitting_officer_may_not_screen_their_own_application(submit: Submit) -> None:
    with pytest.raises(NotAllowed) as refused:
        submit(screening_officer="programme-officer-pretoria")

    assert str(refused.value) == (
        "The screening officer must not be the officer who submitted the application (separation of duties)."
    )


# -- withdrawal ----------------------------------------------------------------------------------------------
def test_withdrawal_needs_a_reason_and_cancels_what_is_open(submit: Submit) -> None:
    kampala = submit()

    refused = kampala.refusal("grantee-contact-kampala", "withdraw")
    assert str(refused) == "Withdrawing an application needs a reason: give --comment."

    events = kampala.act("grantee-contact-kampala", "withdraw", comment="The city found other funding")

    assert types(events) == [grant.WITHDRAWN, timed_step.TASK_CANCELLED, CASE_CLOSED]
    withdrawn, cancelled, closed = events
    assert (withdrawn.actor, withdrawn.reason) == ("grantee-contact-kampala", "The city found other funding")
    assert cancelled.payload == {"task_id": "screening"}
    assert cancelled.reason == "case closed: withdrawn"
    assert (closed.outcome, closed.reason) == ("withdrawn", "The city found other funding")


def test_only_the_submitting_officer_or_the_applicant_may_withdraw(submit: Submit) -> None:
    kampala = submit()

    refused = kampala.refusal("programme-officer-brussels", "withdraw", comment="Looks weak")

    assert str(refused) == "Only the submitting officer or the applicant's contact may withdraw an application."


def test_a_grant_with_released_funds_cannot_be_withdrawn(submit: Submit) -> None:
    kampala = submit().through_reviews().approved().signed()

    refused = kampala.refusal("programme-officer-pretoria", "withdraw", comment="Changed our minds")

    assert str(refused) == "A grant with released funds cannot be withdrawn; it is closed through its final report."


# -- more information on the applicant's clock ---------------------------------------------------------------
def test_more_information_waits_on_the_applicant_then_screening_resumes(submit: Submit) -> None:
    kampala = submit()

    refused = kampala.refusal("programme-officer-brussels", "screen", outcome="more-information")
    assert str(refused) == "Screening as more-information needs a reason: give --comment."

    asked = kampala.act(
        "programme-officer-brussels",
        "screen",
        outcome="more-information",
        comment="Attach the land-tenure study",
    )

    assert types(asked) == [grant.SCREENED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    assert (asked[0].outcome, asked[0].reason) == ("more-information", "Attach the land-tenure study")
    request = opened(asked)["more-information"]
    assert (request["assignee"], request["on_due"], request["action"]) == (
        "grantee-contact-kampala",
        "lapse",
        "provide-information",
    )
    assert asked[-1].reason == "Attach the land-tenure study"
    assert kampala.state.stage == "awaiting_information"

    provided = kampala.act("grantee-contact-kampala", "provide-information", comment="Study attached")

    assert types(provided) == [grant.INFORMATION_PROVIDED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    assert (provided[0].actor, provided[0].outcome) == ("grantee-contact-kampala", "provided")
    screening = opened(provided)["screening"]
    assert screening["assignee"] == "programme-officer-brussels"
    assert screening["title"] == f"Screen the eligibility of '{KAMPALA_TITLE}' with the new information"
    assert kampala.state.stage == "screening"

    kampala.screen_eligible()
    assert list(kampala.state.tasks) == ["assign-reviewers"]


def test_an_applicant_silent_past_the_deadline_lets_the_case_lapse(submit: Submit) -> None:
    asked_at = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    kampala = submit(at=asked_at)
    kampala.act("programme-officer-brussels", "screen", outcome="more-information", comment="Budget breakdown")
    # 15 working days on the grantee's weekends-only calendar: Monday 22 March, 17:00 in Kampala (UTC+3).
    due = datetime(2027, 3, 22, 14, 0, tzinfo=UTC)
    assert kampala.task("more-information").due_at == due
    kampala.fire(datetime(2027, 3, 22, 13, 59, tzinfo=UTC))
    assert not kampala.state.closed

    events = kampala.fire(due)

    assert types(events) == [timed_step.DEADLINE_PASSED, timed_step.TASK_CANCELLED, CASE_CLOSED]
    passed, _, closed = events
    assert passed.payload["assignee"] == "grantee-contact-kampala"
    assert passed.outcome == "lapsed"
    assert (closed.actor, closed.outcome) == ("system", "lapsed")
    assert closed.reason == "the applicant did not provide the requested information by the deadline"
    assert kampala.state.closed and kampala.state.outcome == "lapsed"


# -- conflicts of interest -----------------------------------------------------------------------------------
def test_a_reviewer_declaring_a_conflict_is_recused_and_replaced(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()
    kampala.assign_reviewers("compliance-officer", "internal-auditor")

    refused = kampala.refusal("compliance-officer", "declare-interests", conflict=True)
    assert str(refused) == "Declaring a conflict of interest needs a reason: give --comment."

    events = kampala.act("compliance-officer", "declare-interests", conflict=True, comment="My spouse advises KCCA")

    assert types(events) == [grant.INTERESTS_DECLARED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    declared = events[0]
    assert (declared.actor, declared.outcome, declared.reason) == (
        "compliance-officer",
        "conflict",
        "My spouse advises KCCA",
    )
    assert declared.payload == {"reviewer": "compliance-officer", "conflict": True}
    replacement = opened(events)["assign-reviewers"]
    assert (replacement["assignee"], replacement["title"]) == (
        "head-of-programmes",
        "Name 1 independent technical reviewer",
    )
    assert kampala.state.recused == ("compliance-officer",)
    assert kampala.state.reviewers == ("internal-auditor",)

    assert str(kampala.refusal("head-of-programmes", "assign-reviewers", reviewers="compliance-officer")) == (
        "Compliance Officer declared a conflict of interest on this case and cannot review it."
    )
    assert (
        str(
            kampala.refusal(
                "head-of-programmes", "assign-reviewers", reviewers="finance-officer,programme-officer-hanoi"
            )
        )
        == "Name exactly 1 different reviewer (two independent technical reviews)."
    )

    kampala.act("head-of-programmes", "assign-reviewers", reviewers="programme-officer-hanoi")
    kampala.review_without_conflicts("internal-auditor", "programme-officer-hanoi")

    assert set(kampala.state.reviews) == {"internal-auditor", "programme-officer-hanoi"}
    assert kampala.task("approval").assignee == "director"


def test_only_a_named_reviewer_declares_interests(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()
    kampala.assign_reviewers("compliance-officer", "internal-auditor")

    refused = kampala.refusal("programme-officer-hanoi", "declare-interests", conflict=False)

    assert str(refused) == (
        "Programme Officer (Hanoi) has no conflict-of-interest declaration to make on grant/2027-014: only "
        "its named reviewers declare, before they review."
    )


def test_a_reviewer_cannot_review_before_declaring(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()
    kampala.assign_reviewers("compliance-officer", "internal-auditor")

    refused = kampala.refusal("compliance-officer", "review", score=4, recommendation="approve")

    assert str(refused) == (
        "Compliance Officer must declare their interests in this application before reviewing it: give "
        "'declare-interests' with conflict=no or conflict=yes first (conflict of interest)."
    )


def test_a_recused_reviewer_who_holds_authority_cannot_approve(submit: Submit) -> None:
    small = submit(amount=40000)
    small.screen_eligible()
    small.assign_reviewers("head-of-programmes", "compliance-officer")
    small.act("head-of-programmes", "declare-interests", conflict=True, comment="I advised the applicant")
    small.act("director", "assign-reviewers", reviewers="internal-auditor")  # the Head is conflicted
    small.review_without_conflicts("compliance-officer", "internal-auditor")
    assert small.task("approval").assignee == "director"

    refused = small.refusal("head-of-programmes", "approve", decision="approve")

    assert refused.rule in ("separation-of-duties", "conflict-of-interest")
    assert "Head of Programmes" in str(refused) and "cannot approve it" in str(refused)


# -- the agreement and the tranches --------------------------------------------------------------------------
def test_tranche_one_is_released_on_signature_by_the_system(submit: Submit) -> None:
    kampala = submit().through_reviews().approved()

    events = kampala.act("programme-officer-pretoria", "sign-agreement", signed_on="2027-03-03")

    assert types(events) == [
        grant.AGREEMENT_SIGNED,
        timed_step.TASK_COMPLETED,
        grant.TRANCHE_RELEASED,
        timed_step.TASK_OPENED,
    ]
    signed, _, released, _ = events
    assert (signed.actor, signed.payload) == ("programme-officer-pretoria", {"signed_on": "2027-03-03"})
    assert (released.actor, released.reason) == ("system", "tranche 1 is released on signature")
    assert released.payload == {"tranche": 1, "of": 2, "amount": "60000", "currency": "USD"}
    report = opened(events)["progress-report-1"]
    assert (report["assignee"], report["action"]) == ("grantee-contact-kampala", "submit-report")
    assert report["schedule_request"]["working_days"] == 20
    assert kampala.state.stage == "disbursement"


def test_tranche_two_waits_for_an_approved_progress_report(submit: Submit) -> None:
    kampala = submit().through_reviews().approved().signed()

    refused = kampala.refusal("finance-officer", "release-tranche")

    assert str(refused) == (
        "Tranche 2 cannot be released before progress report 1 is submitted and approved (tranche gate)."
    )
    assert refused.rule == "tranche-gate"

    kampala.act("grantee-contact-kampala", "submit-report")
    assert str(kampala.refusal("finance-officer", "release-tranche", tranche=2)) == (
        "Tranche 2 cannot be released before progress report 1 is submitted and approved (tranche gate)."
    )
    assert str(kampala.refusal("finance-officer", "release-tranche", tranche=1)) == "Tranche 1 was already released."


def test_a_later_tranche_cannot_jump_the_queue(submit: Submit) -> None:
    three = submit(tranches=[{"amount": 40000}, {"amount": 40000}, {"amount": 40000}])
    three.through_reviews().approved().signed()

    refused = three.refusal("finance-officer", "release-tranche", tranche=3)

    assert str(refused) == (
        "Tranche 3 cannot be released before progress report 2 is submitted and approved (tranche gate)."
    )


def test_reports_tranches_and_the_final_report_lead_to_closure(submit: Submit) -> None:
    kampala = submit().through_reviews().approved().signed()

    submitted = kampala.act("grantee-contact-kampala", "submit-report", comment="Q1 report")
    assert types(submitted) == [grant.REPORT_SUBMITTED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    assert submitted[0].payload == {"report": 1}
    assert opened(submitted)["review-report-1"]["assignee"] == "programme-officer-pretoria"

    assert str(kampala.refusal("programme-officer-pretoria", "review-report", decision="revise")) == (
        "Returning a report needs a reason: give --comment."
    )
    returned = kampala.act("programme-officer-pretoria", "review-report", decision="revise", comment="Add photos")
    assert types(returned) == [grant.REPORT_REVIEWED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    assert (returned[0].outcome, returned[0].reason) == ("revise", "Add photos")
    again = opened(returned)["progress-report-1"]
    assert (again["assignee"], again["title"]) == (
        "grantee-contact-kampala",
        "Revise and resubmit progress report 1",
    )
    assert kampala.state.reports_approved == 0

    kampala.act("grantee-contact-kampala", "submit-report", comment="With photos")
    approved = kampala.act("programme-officer-pretoria", "review-report", decision="approve")
    assert approved[0].outcome == "approve"
    assert opened(approved)["release-tranche-2"]["assignee"] == "finance-officer"
    assert kampala.state.reports_approved == 1

    released = kampala.act("finance-officer", "release-tranche")
    assert types(released) == [timed_step.TASK_COMPLETED, grant.TRANCHE_RELEASED, timed_step.TASK_OPENED]
    tranche = released[1]
    assert (tranche.actor, tranche.actor_role, tranche.on_behalf_of) == (
        "finance-officer",
        "finance_officer",
        None,
    )
    assert tranche.reason == "progress report 1 approved"
    assert tranche.payload == {"tranche": 2, "of": 2, "amount": "60000", "currency": "USD"}
    final = opened(released)["final-report"]
    assert (final["assignee"], final["schedule_request"]["working_days"]) == ("grantee-contact-kampala", 30)
    assert kampala.state.stage == "final_report"
    assert str(kampala.refusal("finance-officer", "release-tranche")) == (
        "This grant has 2 tranches; there is no tranche 3."
    )

    kampala.act("grantee-contact-kampala", "submit-final-report")
    closing = kampala.act("programme-officer-pretoria", "review-final-report", decision="approve")

    assert types(closing) == [grant.FINAL_REVIEWED, timed_step.TASK_COMPLETED, CASE_CLOSED]
    assert (closing[-1].outcome, closing[-1].reason) == ("completed", "final report approved; grant closed")
    assert kampala.state.closed and kampala.state.outcome == "completed" and kampala.state.tasks == {}
    assert [event.payload["tranche"] for event in kampala.of_type(grant.TRANCHE_RELEASED)] == [1, 2]


def test_only_the_grantee_contact_submits_reports(submit: Submit) -> None:
    kampala = submit().through_reviews().approved().signed()

    refused = kampala.refusal("programme-officer-pretoria", "submit-report")

    assert str(refused) == (
        "Only Grantee Contact (Kampala Capital City Authority) (grantee-contact-kampala), or their "
        "substitute while they are away, may submit this progress report."
    )
