"""Refusals a newcomer can act on: why a step is not open and what the case waits for, and the names they meant.

An action whose step is not open names the rule that opens it (or what applies instead) and who the case is
waiting for; an unknown person, action or field is answered with the close names from the organisation file
or the action's own fields. Sentences are checked whole, in the example organisation and another one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from domain import case_runner, policy_review
from domain.acting import require_desk_owner, require_known_person
from domain.board_decision import BOARD_DECISION, BoardDecisionRequest, open_board_decision
from domain.case import CaseDecider, CaseState, Context, decide_command, state_after
from domain.commands import Command
from domain.errors import NotAllowed
from domain.organisation import Organisation
from domain.policy_review import POLICY_REVIEW

Submit = Callable[..., Any]
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SMALL_PEOPLE = {
    "submitted_by": "officer-nairobi",
    "screening_officer": "officer-dakar",
    "grantee_contact": "grantee-accra",
}


def run(decider: CaseDecider[Any], state: CaseState, organisation: Organisation, *commands: Command) -> CaseState:
    context = Context(organisation=organisation, now=NOW)
    for command in commands:
        state = case_runner.run_command(decider, state, command, context, case_runner.calendar(organisation)).state
    return state


def refusal(decider: CaseDecider[Any], state: CaseState, organisation: Organisation, command: Command) -> str:
    with pytest.raises(NotAllowed) as refused:
        decide_command(decider, state, command, Context(organisation=organisation, now=NOW))
    return str(refused.value)


# -- no open step: why, and what the case waits for --------------------------------------------------------------
def test_approving_before_the_reviews_names_the_rule_and_who_the_grant_waits_for(submit: Submit) -> None:
    kampala = submit()

    refused = kampala.refusal("director", "approve", decision="approve")

    assert str(refused) == (
        "Grant grant/2027-014 has no open step to approve (stage: screening): approval follows two independent "
        "technical reviews; it is waiting for Programme Officer (Brussels) (programme-officer-brussels) to "
        "'screen'."
    )


def test_endorsing_a_grant_within_the_directors_authority_says_to_approve_it(submit: Submit) -> None:
    kampala = submit().through_reviews()

    refused = kampala.refusal("director", "endorse", decision="approve")

    assert str(refused) == (
        "Grant grant/2027-014 has no open step to endorse (stage: approval): a grant between USD 50,000 and "
        "250,000 is not endorsed for the Board: its approval step ('approve') decides it (delegation of "
        "authority); it is waiting for Director (director) to 'approve'."
    )


def test_a_grant_before_the_board_says_it_waits_for_the_board(submit: Submit, small_org: Organisation) -> None:
    large = submit(organisation=small_org, amount=150000, **SMALL_PEOPLE)
    large.through_reviews(("auditor", "people-officer"))
    large.act("exec-director", "endorse", decision="approve")

    refused = large.refusal("exec-director", "approve", decision="approve")

    assert str(refused) == (
        "Grant grant/2027-014 has no open step to approve (stage: board_no_objection): a grant above USD 100,000 "
        "is approved by the Management Board, not by the Director alone, and the Director's 'endorse' sends it "
        "to the Board's no-objection procedure (delegation of authority); it is waiting for the Management "
        "Board's no-objection procedure grant/2027-014/board/1."
    )


def test_a_policy_review_before_the_board_says_which_board_decision_it_waits_for(example_org: Organisation) -> None:
    case_id = "policy/charter/review/1"
    context = Context(organisation=example_org, now=NOW)
    opening = policy_review.open_policy_review(case_id, "charter", "due", "system", context)
    state = state_after(POLICY_REVIEW, POLICY_REVIEW.initial_state(case_id), opening, NOW)
    state = run(
        POLICY_REVIEW,
        state,
        example_org,
        Command(action="reaffirm", actor="director", comment="Still fit for purpose"),
        Command(action="endorse", actor="director", fields={"decision": "approve"}),
    )

    sentence = refusal(POLICY_REVIEW, state, example_org, Command(action="publish", actor="director"))

    assert sentence == (
        "Policy review policy/charter/review/1 has no open step to publish (stage: board): a version is published "
        "once its approving body has approved it; it is waiting for the Management Board's decision "
        "policy/charter/review/1/board/1."
    )


def test_an_appraisal_step_out_of_order_names_the_phase_and_who_holds_the_open_one(small_org: Organisation) -> None:
    from domain.appraisal import APPRAISAL, appraisal_case_id, open_appraisal
    from domain.appraisal_phases import default_phase_dates

    case_id = appraisal_case_id(2027, "officer-dakar")
    context = Context(organisation=small_org, now=NOW)
    opening = open_appraisal(case_id, 2027, "officer-dakar", default_phase_dates(2027), "exec-director", context)
    state = state_after(APPRAISAL, APPRAISAL.initial_state(case_id), opening, NOW)

    sentence = refusal(
        APPRAISAL, state, small_org, Command(action="rate", actor="programmes-lead", fields={"rating": "strong"})
    )

    assert sentence == (
        "The 2027 appraisal has no open step to rate (stage: objectives): the rating follows the staff member's "
        "self-assessment; it is waiting for Officer Dakar (officer-dakar) to 'propose-objectives'."
    )


# -- the names a person meant --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("organisation", "typed", "sentence"),
    [
        ("example", "directr", "Unknown person 'directr': not in the organisation file; did you mean 'director'?"),
        (
            "example",
            "programme-officer-hano",
            "Unknown person 'programme-officer-hano': not in the organisation file; did you mean "
            "'programme-officer-hanoi'?",
        ),
        (
            "small",
            "Officer-Nairobi",
            "Unknown person 'Officer-Nairobi': not in the organisation file; did you mean 'officer-nairobi'?",
        ),  # fmt: skip
        ("example", "nobody", "Unknown person 'nobody': not in the organisation file."),
    ],
)
def test_an_unknown_person_is_answered_with_the_close_ids(
    example_org: Organisation, small_org: Organisation, organisation: str, typed: str, sentence: str
) -> None:
    with pytest.raises(NotAllowed) as refused:
        require_known_person(example_org if organisation == "example" else small_org, typed)

    assert str(refused.value) == sentence
    assert refused.value.rule == "organisation"


def test_a_desk_is_read_for_whoever_holds_steps_and_an_empty_one_only_for_someone_in_the_file(
    example_org: Organisation,
) -> None:
    require_desk_owner(example_org, "officer-who-left", holds_steps=True)  # their steps must be taken over
    require_desk_owner(example_org, "programme-officer-hanoi", holds_steps=False)
    with pytest.raises(NotAllowed) as refused:
        require_desk_owner(example_org, "officer-who-left", holds_steps=False)
    assert str(refused.value) == "Unknown person 'officer-who-left': not in the organisation file."
    assert refused.value.rule == "organisation"


def test_an_unknown_actor_of_a_command_is_answered_the_same_way(submit: Submit) -> None:
    kampala = submit()

    refused = kampala.refusal("programme-oficer-brussels", "screen", outcome="eligible")

    assert str(refused) == (
        "Unknown person 'programme-oficer-brussels': not in the organisation file; did you mean "
        "'programme-officer-brussels'?"
    )


def test_an_unknown_action_is_answered_with_the_close_one(submit: Submit) -> None:
    kampala = submit()

    refused = kampala.refusal("programme-officer-brussels", "scren", outcome="eligible")

    assert str(refused) == (
        "Unknown action 'scren' for a grant; known actions: approve, assign-reviewers, declare-interests, endorse, "
        "provide-information, record-meeting-decision, release-tranche, review, review-final-report, "
        "review-report, screen, sign-agreement, submit, submit-final-report, submit-report, withdraw; did you mean "
        "'screen'?"
    )
    assert refused.rule == "action"


def test_a_board_decision_answers_an_unknown_action_with_the_close_one(small_org: Organisation) -> None:
    case_id = "grant/2027-900/board/1"
    context = Context(organisation=small_org, now=NOW)
    request = BoardDecisionRequest(
        procedure="vote",
        matter="Grant grant/2027-900",
        parent_case="grant/2027-900",
        requested_by="exec-director",
        closes_at=datetime(2027, 3, 15, 17, tzinfo=UTC),
    )
    opening = open_board_decision(case_id, request, context)
    state = state_after(BOARD_DECISION, BOARD_DECISION.initial_state(case_id), opening, NOW)

    sentence = refusal(BOARD_DECISION, state, small_org, Command(action="vot", actor="trustee-2"))

    assert sentence == (
        "A Board decision accepts declare-conflict, vote, object, no-objection (and extend or delegate); 'vot' is "
        "not one of them; did you mean 'vote'?"
    )


def test_an_unknown_field_is_answered_with_the_close_one_and_the_actions_fields(submit: Submit) -> None:
    kampala = submit().through_reviews()

    refused = kampala.refusal("director", "approve", decison="approve")

    assert str(refused) == (
        "Action 'approve' has bad input: field 'decision' is required; field 'decison' is not known (did you mean "
        "'decision'?); the fields of 'approve' are: decision."
    )
    assert refused.rule == "input"


def test_approving_an_approved_grant_says_who_approved_it_and_what_comes_next(submit: Submit) -> None:
    kampala = submit().through_reviews().approved()

    refused = kampala.refusal("director", "approve", decision="approve")

    assert str(refused) == (
        "Grant grant/2027-014 has no open step to approve (stage: agreement): it was approved by Director; it is "
        "waiting for Programme Officer (Pretoria) (programme-officer-pretoria) to 'sign-agreement'."
    )
