"""The action catalogue: what each person may do on a case now, with which fields, and the lines that do it.

Each test reads like what a person sees (the offers on their task, the lines in their mail) and then sends
those lines to the case's decider, as `govern act` would: what is offered is accepted, what is not is refused.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import appraisal, case, grant, task_management
from domain.action_catalogue import ActionOffer, actions_open_to, how_to_act, model_fields, refusal_for
from domain.action_table import RULES, STEP_RULES
from domain.appraisal_phases import phase_dates
from domain.board_decision import BOARD_DECISION, BoardDecisionRequest, open_board_decision
from domain.case_kinds import decider_for
from domain.commands import Command
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation
from domain.policy_review import RevisionFields
from tests.support.case_run import CaseRun
from tests.support.catalogue_checks import Checked, as_sent, check_catalogue, parse_line

LAKES = Path(__file__).with_name("lakes-organisation.yaml")


def lines_of(offers: list[ActionOffer], person: str, action: str | None = None) -> list[str]:
    return [line for offer in offers if action in (None, offer.action) for line in how_to_act(offer, person)]


def actions(offers: list[ActionOffer]) -> list[str]:
    return [offer.action for offer in offers]


def offer(offers: list[ActionOffer], action: str) -> ActionOffer:
    (found,) = [item for item in offers if item.action == action]
    return found


class Case(CaseRun):
    """Any case, driven as its workflow drives it: decide, resolve the schedules, evolve."""

    def __init__(self, organisation: Organisation, state: case.CaseState, clock: datetime) -> None:
        super().__init__(organisation=organisation, state=state, clock=clock)
        self.decider = decider_for(state.case_id)

    def offers(self, person: str) -> list[ActionOffer]:
        return actions_open_to(self.state, person, self.context())

    def run(self, line: str) -> list[DomainEvent]:
        """A `how_to_act` line, split as a shell splits it and sent as `govern act` sends it."""
        case_id, command = parse_line(line)
        assert case_id == self.state.case_id
        return self.send(as_sent(command))

    def refusal(self, line: str) -> NotAllowed:  # type: ignore[override]
        before = self.state
        with pytest.raises(NotAllowed) as refused:
            self.run(line)
        assert self.state is before
        return refused.value


@pytest.fixture(scope="module")
def lakes() -> Organisation:
    """Another organisation: one office, other ids, three trustees, and other delegation-of-authority bands."""
    return parse_organisation(LAKES.read_text(encoding="utf-8"))


def grant_case(submit: Callable[..., Any]) -> Callable[..., Case]:
    def opened(**changes: Any) -> Case:
        opened_grant = submit(**changes)
        return Case(opened_grant.organisation, opened_grant.state, opened_grant.clock)

    return opened


# -- fields come from the deciders' own models ------------------------------------------------------------------
def test_field_kinds_choices_and_bounds_are_read_from_the_deciders_models() -> None:
    score, recommendation = model_fields(grant.ReviewFields)
    assert (score.name, score.kind, score.minimum, score.maximum, score.required) == ("score", "integer", 1, 5, True)
    assert (recommendation.kind, recommendation.choices) == ("choice", ("approve", "reject", "revise"))
    (conflict,) = model_fields(grant.DeclareFields)
    assert (conflict.kind, conflict.choices) == ("boolean", ("no", "yes"))
    task, until, working_days = model_fields(task_management.ExtendFields)
    assert (until.kind, until.required, working_days.kind, working_days.minimum) == ("date", False, "integer", 1)
    document, summary, version = model_fields(RevisionFields)
    assert (document.name, document.kind, summary.kind, version.required) == ("document", "document", "text", False)


def _known_actions(case_id: str) -> set[str]:
    """What the decider itself says it knows, from its refusal of an action it does not."""
    decider = decider_for(case_id)
    state = decider.initial_state(case_id)
    with pytest.raises(NotAllowed) as refused:
        decider.decide(state, Command(action="no-such-action", actor="director"), None)  # type: ignore[arg-type]
    sentence = refused.value.sentence
    if "known actions: " in sentence:
        return set(sentence.split("known actions: ")[1].rstrip(".").split(", "))
    return set(sentence.split("accepts ")[1].split(" (and")[0].split(", "))


@pytest.mark.parametrize(
    "case_id",
    [
        "grant/2027-014",
        "grant/2027-014/board/1",
        "policy/charter",
        "policy/charter/review/1",
        "plan/2028-2032",
        "plan/2028-2032/awp/2029",
        "plan/2028-2032/report/2029-Q1",
        "appraisal/2027",
        "appraisal/2027/head-of-programmes",
    ],
)
def test_every_action_a_decider_knows_has_its_row_in_the_table(case_id: str) -> None:
    kind = decider_for(case_id).kind
    # `submit` opens a grant; it is never an action on an existing case.
    assert _known_actions(case_id) - {"submit"} == set(RULES[kind])
    assert set(STEP_RULES) == task_management.ACTIONS


# -- a grant ----------------------------------------------------------------------------------------------------
def test_the_screening_officer_is_offered_the_three_outcomes_and_a_comment_only_where_the_rules_need_it(
    submit: Callable[..., Any],
) -> None:
    grant_ = grant_case(submit)()
    offers = grant_.offers("programme-officer-brussels")
    screen = offer(offers, "screen")
    assert (screen.task_id, screen.label, screen.comment) == ("screening", "Screen the application", "optional")
    assert screen.comment_required_when == {"outcome": ("ineligible", "more-information")}
    assert screen.due_at == grant_.state.tasks["screening"].due_at
    assert lines_of(offers, "programme-officer-brussels", "screen") == [
        "govern act grant/2027-014 screen --as programme-officer-brussels --field outcome=eligible",
        'govern act grant/2027-014 screen --as programme-officer-brussels --field outcome=ineligible --comment "..."',
        "govern act grant/2027-014 screen --as programme-officer-brussels --field outcome=more-information "
        '--comment "..."',
    ]
    # The submitter and the applicant's contact may withdraw; someone with no part in it may do nothing.
    assert actions(grant_.offers("programme-officer-pretoria")) == ["withdraw"]
    assert actions(grant_.offers("grantee-contact-kampala")) == ["withdraw"]
    assert grant_.offers("communications-officer-hanoi") == []
    grant_.run(lines_of(offers, "programme-officer-brussels", "screen")[2])
    assert grant_.state.stage == "awaiting_information"


def test_the_applicant_is_offered_to_provide_the_information_requested(submit: Callable[..., Any]) -> None:
    grant_ = grant_case(submit)()
    grant_.act("programme-officer-brussels", "screen", outcome="more-information", comment="Budget breakdown")
    offers = grant_.offers("grantee-contact-kampala")
    # The step is theirs, so they may also name a substitute while away.
    assert actions(offers) == ["provide-information", "withdraw", "delegate"]
    (line,) = lines_of(offers, "grantee-contact-kampala", "provide-information")
    grant_.run(line)
    assert grant_.state.stage == "screening"


def test_reviewers_are_chosen_among_those_the_rules_allow_and_reviews_name_every_field(
    submit: Callable[..., Any],
) -> None:
    grant_ = grant_case(submit)()
    grant_.act("programme-officer-brussels", "screen", outcome="eligible")
    naming = offer(grant_.offers("head-of-programmes"), "assign-reviewers")
    (reviewers,) = naming.fields
    assert reviewers.kind == "people" and len(reviewers.example.split(",")) == 2
    # Neither the submitter nor the screener, nor anyone outside the Secretariat, may review it.
    assert not {"programme-officer-pretoria", "programme-officer-brussels", "grantee-contact-kampala"} & set(
        reviewers.choices
    )
    assert "board-member-2" not in reviewers.choices and "programme-officer-hanoi" in reviewers.choices
    (line,) = how_to_act(naming, "head-of-programmes")
    grant_.run(line)
    first, second = grant_.state.reviewers
    declare = grant_.offers(first)
    assert lines_of(declare, first, "declare-interests") == [
        f"govern act grant/2027-014 declare-interests --as {first} --field conflict=no",
        f'govern act grant/2027-014 declare-interests --as {first} --field conflict=yes --comment "..."',
    ]
    grant_.run(lines_of(declare, first)[0])
    review_lines = lines_of(grant_.offers(first), first, "review")
    assert review_lines[0] == (
        f"govern act grant/2027-014 review --as {first} --field score=3 --field recommendation=approve"
        "  # change score (1 to 5)"
    )
    assert len(review_lines) == 3
    grant_.run(review_lines[0])
    assert grant_.state.reviews[first].score == 3
    # The other reviewer has not declared yet: no review is offered to them.
    assert "review" not in actions(grant_.offers(second))


def _through_reviews(grant_: Case) -> None:
    grant_.act("programme-officer-brussels", "screen", outcome="eligible")
    grant_.act("head-of-programmes", "assign-reviewers", reviewers="compliance-officer,internal-auditor")
    for reviewer in ("compliance-officer", "internal-auditor"):
        grant_.act(reviewer, "declare-interests", conflict=False)
        grant_.act(reviewer, "review", score=4, recommendation="approve")


def test_an_approval_above_a_holders_band_is_offered_and_the_decider_says_why_not(
    submit: Callable[..., Any],
) -> None:
    grant_ = grant_case(submit)()
    _through_reviews(grant_)
    assert grant_.state.tasks["approval"].assignee == "director"
    head = offer(grant_.offers("head-of-programmes"), "approve")
    assert (head.task_id, head.comment_required_when) == ("approval", {"decision": ("reject",)})
    refusal = grant_.refusal(how_to_act(head, "head-of-programmes")[0])
    assert refusal.sentence == (
        "Only the Director may approve grants between USD 50,000 and 250,000 (delegation of authority)."
    )
    # Nobody else without a role in the matrix gets the form.
    assert "approve" not in actions(grant_.offers("finance-officer"))
    director_lines = lines_of(grant_.offers("director"), "director", "approve")
    assert director_lines[1].endswith('--field decision=reject --comment "..."')
    events = grant_.run(director_lines[0])
    assert grant_.state.stage == "agreement" and events[0].actor == "director"


def test_a_substitute_is_offered_the_absent_persons_step_and_acts_on_their_behalf(
    submit: Callable[..., Any],
) -> None:
    grant_ = grant_case(submit)()
    _through_reviews(grant_)
    starts = grant_.clock.date()
    grant_.act(
        "director", "delegate", substitute="head-of-operations", starts_on=starts, ends_on=starts + timedelta(days=7)
    )
    approve = offer(grant_.offers("head-of-operations"), "approve")
    assert (approve.on_behalf_of, approve.task_id) == ("director", "approval")
    events = grant_.run(how_to_act(approve, "head-of-operations")[0])
    assert (events[0].actor, events[0].on_behalf_of) == ("head-of-operations", "director")


def test_a_referral_to_the_board_meeting_offers_the_chair_the_record_of_its_decision(
    submit: Callable[..., Any],
) -> None:
    grant_ = grant_case(submit)(kampala=False)  # Lima: above the Director's authority
    grant_.act("programme-officer-hanoi", "screen", outcome="eligible")
    grant_.act("head-of-programmes", "assign-reviewers", reviewers="compliance-officer,internal-auditor")
    for reviewer in ("compliance-officer", "internal-auditor"):
        grant_.act(reviewer, "declare-interests", conflict=False)
        grant_.act(reviewer, "review", score=4, recommendation="approve")
    grant_.act("director", "endorse", decision="approve")
    context = grant_.context()
    board_case = grant_.state.board_cases[-1]
    decided = grant.GRANT.record_board_outcome(grant_.state, board_case, "referred_to_meeting", {}, context)
    grant_.append(case.with_reactions(grant.GRANT, grant_.state, decided, context))
    chair = grant_.offers("board-chair")
    line = (
        "govern act grant/2027-021 record-meeting-decision --as board-chair --field decision={} --field reference=..."
    )
    assert lines_of(chair, "board-chair", "record-meeting-decision") == [
        line.format("approve").replace("=...", '="..."'),
        line.format("reject").replace("=...", '="..."'),
    ]
    grant_.run(lines_of(chair, "board-chair", "record-meeting-decision")[0])
    assert grant_.state.stage == "agreement"


def test_in_another_organisation_the_bands_and_people_of_its_own_file_apply(
    submit: Callable[..., Any], lakes: Organisation
) -> None:
    people = {"submitted_by": "officer-a", "screening_officer": "officer-b", "grantee_contact": "partner-contact"}
    bands = ((150000, ["grants-manager", "chief-executive"], []), (300000, ["chief-executive"], ["grants-manager"]))
    for amount, approvers, refused in bands:
        grant_ = grant_case(submit)(organisation=lakes, amount=amount, **people)
        grant_.act("officer-b", "screen", outcome="eligible")
        naming = offer(grant_.offers("grants-manager"), "assign-reviewers")
        assert set(naming.fields[0].choices) == {
            *("officer-c", "officer-d", "treasurer", "people-lead", "checker", "chief-executive", "grants-manager")
        }
        grant_.act("grants-manager", "assign-reviewers", reviewers="officer-c,officer-d")
        for reviewer in ("officer-c", "officer-d"):
            grant_.act(reviewer, "declare-interests", conflict=False)
            grant_.act(reviewer, "review", score=5, recommendation="approve")
        for person in approvers:
            assert "approve" in actions(grant_.offers(person))
        for person in refused:
            line = lines_of(grant_.offers(person), person, "approve")[0]
            assert grant_.refusal(line).sentence == (
                "Only the Director may approve grants between USD 200,000 and 500,000 (delegation of authority)."
            )
        assert "approve" not in actions(grant_.offers("officer-a"))
        grant_.run(lines_of(grant_.offers(approvers[0]), approvers[0], "approve")[0])
        assert grant_.state.stage == "agreement"


# -- a Board procedure ------------------------------------------------------------------------------------------
OPENED_AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CLOSES_AT = datetime(2027, 3, 15, 16, 0, tzinfo=UTC)


def board_case(organisation: Organisation, procedure: str, conflicted: tuple[str, ...] = ()) -> Case:
    case_id = "grant/2027-014/board/1"
    request = BoardDecisionRequest(
        procedure=procedure,  # type: ignore[arg-type]
        matter="Grant grant/2027-014",
        parent_case="grant/2027-014",
        requested_by=organisation.director().id,
        closes_at=CLOSES_AT,
        conflicted=list(conflicted),
    )
    procedure_case = Case(organisation, BOARD_DECISION.initial_state(case_id), OPENED_AT)
    procedure_case.append(open_board_decision(case_id, request, procedure_case.context()))
    procedure_case.clock = OPENED_AT + timedelta(days=2)
    return procedure_case


def test_a_member_is_offered_no_objection_an_objection_with_grounds_and_a_declaration_as_three_lines(
    example_org: Organisation,
) -> None:
    board = board_case(example_org, "no_objection")
    offers = board.offers("board-member-2")
    assert [(item.action, item.label, item.comment, item.comment_label) for item in offers] == [
        ("no-objection", "No objection", "optional", "Comment"),
        ("object", "Object", "required", "Grounds for objecting"),
        ("declare-conflict", "Declare a conflict of interest", "required", "The interest you declare"),
    ]
    assert {item.task_id for item in offers} == {"no-objection/board-member-2"}
    assert lines_of(offers, "board-member-2") == [
        "govern act grant/2027-014/board/1 no-objection --as board-member-2",
        'govern act grant/2027-014/board/1 object --as board-member-2 --comment "..."',
        'govern act grant/2027-014/board/1 declare-conflict --as board-member-2 --comment "..."',
    ]
    # Observers read but do not respond; people outside the Board have nothing to do here.
    assert board.offers("board-observer-1") == [] and board.offers("programme-officer-hanoi") == []
    board.run(lines_of(offers, "board-member-2")[0])
    # Having assented, the member may still object before the close, but no longer recuse.
    assert actions(board.offers("board-member-2")) == ["object"]
    board.run(lines_of(board.offers("board-member-3"), "board-member-3", "declare-conflict")[0])
    assert board.offers("board-member-3") == []


def test_a_vote_can_be_changed_to_another_choice_until_the_close_and_the_chair_may_extend(
    example_org: Organisation,
) -> None:
    board = board_case(example_org, "vote")
    (vote,) = [item for item in board.offers("board-member-4") if item.action == "vote"]
    assert vote.fields[0].choices == ("approve", "reject", "abstain")
    board.run(how_to_act(vote, "board-member-4")[0])
    changed = offer(board.offers("board-member-4"), "vote")
    assert (changed.fields[0].choices, changed.task_id) == (("reject", "abstain"), None)
    board.run(how_to_act(changed, "board-member-4")[0])
    assert board.state.responses["board-member-4"] == "reject"
    chair = board.offers("board-chair")
    extended = {item.task_id for item in chair if item.action == "extend"}
    assert "vote/board-member-5" in extended and "reassign" not in actions(chair)
    board.clock = CLOSES_AT
    assert board.offers("board-member-5") == []


MEMBER_ACTIONS = st.sampled_from(["no-objection", "object", "vote-approve", "vote-reject", "vote-abstain", "declare"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    procedure=st.sampled_from(["vote", "no_objection"]),
    steps=st.lists(st.tuples(st.sampled_from(["trust-chair", "trustee-2", "trustee-3", "watcher"]), MEMBER_ACTIONS)),
)
def test_whatever_the_members_do_the_catalogue_offers_what_the_decider_accepts(
    lakes: Organisation, procedure: str, steps: list[tuple[str, str]]
) -> None:
    board = board_case(lakes, procedure)
    checked = Checked()
    for member, what in steps:
        check_catalogue(board.state, lakes, board.clock, checked)
        if board.state.closed:
            break
        action, _, choice = what.partition("-") if what.startswith("vote") else (what, "", "")
        action = {"declare": "declare-conflict"}.get(action, action)
        try:
            board.act(member, action, comment="grounds", **({"choice": choice} if choice else {}))
        except NotAllowed:
            continue
        board.clock += timedelta(hours=1)
    if not board.state.closed:
        check_catalogue(board.state, lakes, board.clock, checked)


# -- an appraisal -----------------------------------------------------------------------------------------------
def test_the_officer_rates_on_the_scale_the_appraisal_recorded_and_the_staff_member_cannot(
    example_org: Organisation,
) -> None:
    case_id = appraisal.appraisal_case_id(2027, "head-of-programmes")
    opened_at = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    review = Case(example_org, appraisal.APPRAISAL.initial_state(case_id), opened_at)
    phases = phase_dates(2027, {})
    review.append(appraisal.open_appraisal(case_id, 2027, "head-of-programmes", phases, "hr-officer", review.context()))
    objectives = lines_of(review.offers("head-of-programmes"), "head-of-programmes", "propose-objectives")
    assert objectives == [
        "govern act appraisal/2027/head-of-programmes propose-objectives --as head-of-programmes "
        '--field objectives="..."'
    ]
    review.run(objectives[0])
    review.run(lines_of(review.offers("director"), "director", "agree-objectives")[0])
    review.clock = datetime.combine(phases.mid_year_opens, datetime.min.time(), UTC) + timedelta(hours=9)
    for person in ("head-of-programmes", "director"):
        review.run(lines_of(review.offers(person), person, "sign-mid-year")[0])
    review.clock = datetime.combine(phases.self_assessment_opens, datetime.min.time(), UTC) + timedelta(hours=9)
    review.run(lines_of(review.offers("head-of-programmes"), "head-of-programmes", "submit-self-assessment")[0])
    rate = offer(review.offers("director"), "rate")
    assert rate.fields[0].choices == review.state.rating_scale and rate.comment == "required"
    assert "rate" not in actions(review.offers("head-of-programmes"))
    assert refusal_for(review.state, "head-of-programmes", "rate", review.context()) == (
        "Nobody appraises themselves: Head of Programmes cannot rate their own appraisal."
    )
    review.run(how_to_act(rate, "director")[0])
    assert review.state.stage == "second_review"
