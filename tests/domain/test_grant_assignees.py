"""Who gets each grant step, and the commands refused because they would leave a step nobody may take.

An assignee is chosen from the state that includes the events of the same command: a Head of Programmes who
has just declared a conflict is not handed the step to name their own replacement. A command that would leave
a later step with nobody allowed to take it (both holders of the approval authority among the reviewers) is
refused up front with what to do instead. Each rule is shown in the example organisation and in another one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain import grant, timed_step
from domain.errors import NotAllowed
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation

Submit = Callable[..., Any]

SMALL_PEOPLE = {
    "submitted_by": "officer-nairobi",
    "screening_officer": "officer-dakar",
    "grantee_contact": "grantee-accra",
}


def opened(events: list[Any]) -> dict[str, dict[str, Any]]:
    return {event.payload["task_id"]: event.payload for event in events if event.type == timed_step.TASK_OPENED}


# -- item 1: the replacement reviewer is named by whoever is free of the conflict -----------------------------
@pytest.mark.parametrize(
    ("organisation", "people", "head", "director", "other"),
    [
        # The README's Kampala grant, USD 120,000: the Director approves it.
        ("example", {}, "head-of-programmes", "director", "compliance-officer"),
        ("small", {**SMALL_PEOPLE, "amount": 15000}, "programmes-lead", "exec-director", "auditor"),
    ],
    ids=["example organisation", "small secretariat"],
)
def test_a_conflicted_head_of_programmes_has_the_director_name_the_replacement(
    submit: Submit,
    example_org: Organisation,
    small_org: Organisation,
    organisation: str,
    people: dict[str, str],
    head: str,
    director: str,
    other: str,
) -> None:
    org = example_org if organisation == "example" else small_org
    kampala = submit(organisation=org, **people)
    kampala.screen_eligible()
    kampala.act(head, "assign-reviewers", reviewers=f"{head},{other}")

    declared = kampala.act(head, "declare-interests", conflict=True, comment="I advised the applicant")

    replacement = opened(declared)["assign-reviewers"]
    assert replacement["assignee"] == director
    assert replacement["title"] == "Name 1 independent technical reviewer"
    assert kampala.state.recused == (head,)
    replacement_reviewer = "internal-auditor" if org is example_org else "people-officer"
    refused = kampala.refusal(head, "assign-reviewers", reviewers=replacement_reviewer)
    assert str(refused) == (
        f"Only {org.person(director).name} ({director}), or their substitute while they are away, may name the "
        "technical reviewers."
    )
    events = kampala.act(director, "assign-reviewers", reviewers=replacement_reviewer)

    assert events[0].type == grant.REVIEWERS_ASSIGNED
    assert (events[0].actor, events[0].on_behalf_of) == (director, None)
    assert kampala.state.reviewers == (other, replacement_reviewer)
    assert f"coi-{replacement_reviewer}" in kampala.state.tasks


def test_both_reviewers_conflicted_reopens_the_naming_step_for_two(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()
    kampala.assign_reviewers("compliance-officer", "internal-auditor")
    kampala.act("compliance-officer", "declare-interests", conflict=True, comment="A former colleague applies")

    events = kampala.act("internal-auditor", "declare-interests", conflict=True, comment="I audited the applicant")

    assert [e.type for e in events][-2:] == [timed_step.TASK_CANCELLED, timed_step.TASK_OPENED]
    assert opened(events)["assign-reviewers"]["title"] == "Name 2 independent technical reviewers"
    kampala.act("head-of-programmes", "assign-reviewers", reviewers="finance-officer,hr-officer")
    assert kampala.state.reviewers == ("finance-officer", "hr-officer")


# -- item 2: refused up front, so no step is left that nobody may take -----------------------------------------
def test_naming_both_holders_of_the_authority_as_reviewers_is_refused(submit: Submit) -> None:
    small = submit(amount=40000)  # the Head of Programmes or the Director approves
    small.screen_eligible()
    before = list(small.events)

    refused = small.refusal("head-of-programmes", "assign-reviewers", reviewers="head-of-programmes,director")

    assert str(refused) == (
        "Naming Head of Programmes and Director as reviewers would leave nobody to decide this grant: only the Head "
        "of Programmes or the Director may approve grants up to USD 50,000, and whoever submitted, screened or "
        "reviewed an application cannot decide it (separation of duties); name reviewers who do not hold that "
        "authority."
    )
    assert refused.rule == "separation-of-duties"
    assert small.events == before and "assign-reviewers" in small.state.tasks


def test_naming_the_only_endorser_as_a_reviewer_of_a_board_grant_is_refused(
    submit: Submit, small_org: Organisation
) -> None:
    board_grant = submit(organisation=small_org, amount=150000, **SMALL_PEOPLE)
    board_grant.screen_eligible()

    refused = board_grant.refusal("programmes-lead", "assign-reviewers", reviewers="exec-director,auditor")

    assert str(refused) == (
        "Naming Executive Director and Auditor as reviewers would leave nobody to decide this grant: only the "
        "Director may endorse grants above USD 100,000 for the Board, and whoever submitted, screened or reviewed "
        "an application cannot decide it (separation of duties); name reviewers who do not hold that authority."
    )


def test_a_panel_that_leaves_nobody_to_name_a_replacement_is_refused(small_org_text: str, submit: Submit) -> None:
    # The Head of Operations approves small grants here, so the Head of Programmes and the Director could both
    # review; but if both then declared a conflict, nobody would be left to name replacements.
    text = small_org_text.replace(
        "{up_to_usd: 20000, approver_role: head_of_programmes}", "{up_to_usd: 20000, approver_role: head_of_operations}"
    )
    assert text != small_org_text
    organisation = parse_organisation(text)
    small = submit(organisation=organisation, amount=15000, **SMALL_PEOPLE)
    small.screen_eligible()

    refused = small.refusal("programmes-lead", "assign-reviewers", reviewers="programmes-lead,exec-director")

    assert str(refused) == (
        "Naming Programmes Lead and Executive Director as reviewers would leave nobody free to name a replacement "
        "should a reviewer declare a conflict of interest (the Head of Programmes names reviewers, or the Director "
        "if the Head is conflicted); keep one of them out of the review."
    )
    small.act("programmes-lead", "assign-reviewers", reviewers="programmes-lead,auditor")  # the Director stays free


def test_reassigning_a_declaration_to_the_only_approver_is_refused(submit: Submit) -> None:
    kampala = submit()  # the Director alone approves USD 120,000
    kampala.screen_eligible()
    kampala.assign_reviewers("compliance-officer", "internal-auditor")

    refused = kampala.refusal(
        "director", "reassign", task="coi-internal-auditor", to="director", comment="The auditor is away"
    )

    assert str(refused) == (
        "Making Director a reviewer would leave nobody to decide this grant: only the Director may approve grants "
        "between USD 50,000 and 250,000, and whoever submitted, screened or reviewed an application cannot decide "
        "it (separation of duties); choose a reviewer who does not hold that authority."
    )


def test_a_screening_officer_who_holds_the_only_authority_is_refused_at_submission(
    small_org_text: str, submit: Submit
) -> None:
    text = small_org_text.replace(
        "roles: [director, management_team]", "roles: [director, management_team, programme_officer]"
    )
    assert text != small_org_text
    organisation = parse_organisation(text)

    with pytest.raises(NotAllowed) as refused:
        submit(organisation=organisation, amount=150000, **{**SMALL_PEOPLE, "screening_officer": "exec-director"})

    assert str(refused.value) == (
        "Having Executive Director screen this application would leave nobody to decide this grant: only the "
        "Director may endorse grants above USD 100,000 for the Board, and whoever submitted, screened or reviewed "
        "an application cannot decide it (separation of duties); name a screening officer who does not hold that "
        "authority."
    )


# -- a reassignment passes the same checks as the assignment ---------------------------------------------------
def test_the_naming_step_goes_only_to_the_head_or_the_director_free_of_the_case(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()

    refused = kampala.refusal("director", "reassign", task="assign-reviewers", to="finance-officer", comment="Away")
    assert str(refused) == (
        "Technical reviewers are named by the Head of Programmes, or the Director if the Head is conflicted; "
        "Finance Officer is neither (independent review)."
    )
    events = kampala.act("director", "reassign", task="assign-reviewers", to="director", comment="The Head is away")
    assert events[0].payload["to"] == "director"


def test_screening_is_reassigned_only_to_another_programme_officer(submit: Submit) -> None:
    kampala = submit()

    refused = kampala.refusal("director", "reassign", task="screening", to="finance-officer", comment="Away")

    assert str(refused) == "Eligibility screening is done by a programme officer; Finance Officer is not one."
    kampala.act("director", "reassign", task="screening", to="programme-officer-hanoi", comment="Away")
    assert kampala.task("screening").assignee == "programme-officer-hanoi"


def test_a_tranche_release_is_reassigned_only_to_a_finance_officer(submit: Submit) -> None:
    kampala = submit().through_reviews().approved().signed()
    kampala.act("grantee-contact-kampala", "submit-report")
    kampala.act("programme-officer-pretoria", "review-report", decision="approve")

    refused = kampala.refusal(
        "director", "reassign", task="release-tranche-2", to="programme-officer-pretoria", comment="Quicker"
    )

    assert str(refused) == (
        "Tranches are released by a finance officer; Programme Officer (Pretoria) is not one (separation of duties)."
    )


def test_a_conflict_that_leaves_nobody_to_replace_the_reviewer_ends_the_application(
    submit: Submit, small_org: Organisation
) -> None:
    small = submit(organisation=small_org, amount=100000, **SMALL_PEOPLE)  # the Executive Director approves
    small.screen_eligible()
    small.act("programmes-lead", "assign-reviewers", reviewers="operations-lead,people-officer")
    for conflicted, replacement in (("people-officer", "accountant"), ("accountant", "auditor")):
        small.act(conflicted, "declare-interests", conflict=True, comment="A relative works for the applicant")
        small.act("programmes-lead", "assign-reviewers", reviewers=replacement)
    # Left: the Programmes Lead (who names reviewers) and the Executive Director (who alone may approve).
    small.act("auditor", "declare-interests", conflict=True, comment="I audited the applicant")
    small.act("programmes-lead", "assign-reviewers", reviewers="programmes-lead")

    events = small.act("programmes-lead", "declare-interests", conflict=True, comment="I advised the applicant")

    closed = events[-1]
    assert (closed.type, closed.outcome) == ("CaseClosed", "no_independent_review")
    assert closed.reason == (
        "no Secretariat staff member is left who may replace the conflicted reviewer (two independent technical "
        "reviews); the application may be submitted again"
    )
    assert small.state.closed and not small.state.tasks
